/* regex.is_valid, regex.match, re_match and regex.find_all_string_submatch_n on the writ regex
 * engine (regex/): RE2 syntax subset, unanchored search, leftmost-first like Go's regexp.
 * Patterns the engine rejects (invalid or unsupported, e.g. \p{..}) make the call undefined
 * (is_valid: false); so does exceeding the engine's work limit. */
#include "wb_common.h"
#include "../strict.h"
#include "regex/wre.h"

WRIT_EXPORT("wb_regex_is_valid") opa_value *wb_regex_is_valid(opa_value *pat) {
  opa_string_t *p = wb_as_str(pat);
  if (!p) return opa_boolean(false);
  return opa_boolean(wre_compile_pattern(p->data, p->len) != 0);
}

WRIT_EXPORT("wb_regex_match") opa_value *wb_regex_match(opa_value *pat, opa_value *value) {
  opa_string_t *p = wb_as_str(pat), *s = wb_as_str(value);
  if (!p || !s) return 0;
  wre_prog *prog = wre_compile_pattern(p->data, p->len);
  if (!prog) return writ_builtin_fail(WRIT_ERR_BUILTIN, "error parsing regexp: invalid or unsupported pattern: `%.*s`", (int)(p->len > 200 ? 200 : p->len), p->data);
  int32_t *caps = (int32_t *)opa_malloc(2 * (uint32_t)prog->ncap * sizeof(int32_t));
  int r = wre_exec(prog, s->data, s->len, 0, caps);
  if (r < 0) return 0;
  return opa_boolean(r == 1);
}

WRIT_EXPORT("wb_re_match") opa_value *wb_re_match(opa_value *pat, opa_value *value) {
  return wb_regex_match(pat, value);
}

/* Go's FindAllStringSubmatch(s, n): n < 0 = all; an empty match right after the previous
 * match is skipped; after an empty match the search advances by one rune. */
WRIT_EXPORT("wb_regex_find_all_string_submatch_n")
opa_value *wb_regex_find_all_string_submatch_n(opa_value *pat, opa_value *value, opa_value *nv) {
  opa_string_t *p = wb_as_str(pat), *s = wb_as_str(value);
  int64_t limit;
  if (!p || !s || !wb_is(nv, OPA_NUMBER) || !opa_number_as_int64(nv, &limit)) return 0;
  wre_prog *prog = wre_compile_pattern(p->data, p->len);
  if (!prog) return 0;
  if (limit < 0) limit = (int64_t)s->len + 1;
  opa_value *out = opa_array();
  int32_t *caps = (int32_t *)opa_malloc(2 * (uint32_t)prog->ncap * sizeof(int32_t));
  wre_vm *vm = wre_vm_new(prog);
  if (!vm) return 0;
  uint32_t pos = 0;
  int64_t prev_end = -1, count = 0;
  while (count < limit && pos <= s->len) {
    int r = wre_exec_vm(vm, s->data, s->len, pos, caps);
    if (r < 0) return 0;
    if (r == 0) break;
    bool accept = true;
    if ((uint32_t)caps[1] == pos) {
      if (caps[0] == prev_end) accept = false;   /* empty match abutting the previous one */
      if (pos < s->len) {
        uint32_t w;
        wb_utf8_decode((const unsigned char *)s->data, s->len, pos, &w);
        pos += w;
      } else {
        pos = s->len + 1;
      }
    } else {
      pos = (uint32_t)caps[1];
    }
    prev_end = caps[1];
    if (accept) {
      opa_value *m = opa_array_with_cap((uint32_t)prog->ncap);
      for (int g = 0; g < prog->ncap; g++) {
        int32_t a = caps[2 * g], b = caps[2 * g + 1];
        if (a < 0 || b < 0) opa_array_append(m, opa_string("", 0));
        else opa_array_append(m, opa_string(s->data + a, (uint32_t)(b - a)));
      }
      opa_array_append(out, m);
      count++;
    }
  }
  return out;
}
