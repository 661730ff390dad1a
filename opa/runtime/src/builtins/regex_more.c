/* regex.split, regex.find_n, regex.replace and regex.template_match on the writ regex engine
 * (regex/), with the semantics of Go's regexp as OPA calls it (Split(s, -1), FindAllString,
 * ReplaceAllString with Expand's $ templates, ladon-style templates). Native because the SDK's
 * own JavaScript regex.split would take precedence over a host builtin. Invalid patterns,
 * wrong argument types and the engine's work limit make the call undefined. */
#include "wb_common.h"
#include "../internal.h"
#include "../strict.h"
#include "regex/wre.h"

/* Strict mode's record for a pattern the engine refuses (as regex.match reports it). */
static opa_value *bad_pattern(const char *p, uint32_t n) {
  return writ_builtin_fail(WRIT_ERR_BUILTIN, "error parsing regexp: invalid or unsupported pattern: `%.*s`", (int)(n > 200 ? 200 : n), p);
}

/* Byte offsets [start, end) of successive matches. */
typedef struct { int32_t *v; uint32_t n, cap; } spans;

static void spans_add(spans *m, int32_t a, int32_t b) {
  if (m->n + 2 > m->cap) {
    uint32_t nc = m->cap ? m->cap * 2 : 16;
    m->v = (int32_t *)opa_realloc(m->v, m->cap * sizeof(int32_t), nc * sizeof(int32_t));
    m->cap = nc;
  }
  m->v[m->n++] = a;
  m->v[m->n++] = b;
}

/* Width of the rune at pos (0 at the end), as Go's step / utf8.DecodeRuneInString. */
static uint32_t rune_width(opa_string_t *s, uint32_t pos) {
  if (pos >= s->len) return 0;
  uint32_t w;
  wb_utf8_decode((const unsigned char *)s->data, s->len, pos, &w);
  return w;
}

/* Go's allMatches(s, limit): limit < 0 = all; an empty match right after the previous match is
 * skipped; after an empty match the search moves one rune on. false = engine limit. */
static bool find_all(wre_prog *prog, opa_string_t *s, int64_t limit, spans *out) {
  out->v = 0; out->n = 0; out->cap = 0;
  if (limit < 0) limit = (int64_t)s->len + 1;
  wre_vm *vm = wre_vm_new(prog);
  if (!vm) return false;
  int32_t *caps = (int32_t *)opa_malloc(2 * (uint32_t)prog->ncap * sizeof(int32_t));
  uint32_t pos = 0;
  int64_t prev_end = -1, count = 0;
  while (count < limit && pos <= s->len) {
    int r = wre_exec_vm(vm, s->data, s->len, pos, caps);
    if (r < 0) return false;
    if (r == 0) break;
    bool accept = true;
    if ((uint32_t)caps[1] == pos) {
      if (caps[0] == prev_end) accept = false;
      uint32_t w = rune_width(s, pos);
      pos = w ? pos + w : s->len + 1;
    } else {
      pos = (uint32_t)caps[1];
    }
    prev_end = caps[1];
    if (accept) { spans_add(out, caps[0], caps[1]); count++; }
  }
  return true;
}

/* regex.split(pattern, s): Go's Regexp.Split(s, -1). */
WRIT_EXPORT("wb_regex_split") opa_value *wb_regex_split(opa_value *pat, opa_value *value) {
  opa_string_t *p = wb_as_str(pat), *s = wb_as_str(value);
  if (!p || !s) return 0;
  wre_prog *prog = wre_compile_pattern(p->data, p->len);
  if (!prog) return bad_pattern(p->data, p->len);
  opa_value *out = opa_array();
  if (p->len > 0 && s->len == 0) {
    opa_array_append(out, opa_string("", 0));
    return out;
  }
  spans m;
  if (!find_all(prog, s, -1, &m)) return 0;
  uint32_t beg = 0, end = 0;
  for (uint32_t k = 0; k < m.n; k += 2) {
    end = (uint32_t)m.v[k];
    if (m.v[k + 1] != 0) opa_array_append(out, opa_string(s->data + beg, end - beg));
    beg = (uint32_t)m.v[k + 1];
  }
  if (end != s->len) opa_array_append(out, opa_string(s->data + beg, s->len - beg));
  return out;
}

/* regex.find_n(pattern, s, n): Go's FindAllString(s, n); n < 0 = all. */
WRIT_EXPORT("wb_regex_find_n") opa_value *wb_regex_find_n(opa_value *pat, opa_value *value, opa_value *nv) {
  opa_string_t *p = wb_as_str(pat), *s = wb_as_str(value);
  int64_t limit;
  if (!p || !s || !wb_is(nv, OPA_NUMBER)) return 0;
  if (!opa_number_as_int64(nv, &limit))
    return writ_builtin_fail(WRIT_ERR_TYPE, "operand 3 must be integer number but got floating-point number");
  wre_prog *prog = wre_compile_pattern(p->data, p->len);
  if (!prog) return bad_pattern(p->data, p->len);
  spans m;
  if (!find_all(prog, s, limit, &m)) return 0;
  opa_value *out = opa_array_with_cap(m.n / 2);
  for (uint32_t k = 0; k < m.n; k += 2)
    opa_array_append(out, opa_string(s->data + m.v[k], (uint32_t)(m.v[k + 1] - m.v[k])));
  return out;
}

/* ---- regex.replace ---- */

typedef struct { const char *s; uint32_t len; } gname;

/* Names of the capture groups by index (len 0 = unnamed). The pattern already parsed, so this
 * only has to skip escapes (\Q..\E too) and character classes the way the parser reads them. */
static gname *group_names(const char *pat, uint32_t n, int ncap) {
  gname *names = (gname *)opa_malloc((uint32_t)ncap * sizeof(gname));
  for (int k = 0; k < ncap; k++) { names[k].s = 0; names[k].len = 0; }
  int idx = 1;
  uint32_t i = 0;
  while (i < n) {
    char c = pat[i];
    if (c == '\\') {
      if (i + 1 < n && pat[i + 1] == 'Q') {
        i += 2;
        while (i < n && !(pat[i] == '\\' && i + 1 < n && pat[i + 1] == 'E')) i++;
        i += 2;
      } else {
        i += 2;
      }
    } else if (c == '[') {
      i++;
      if (i < n && pat[i] == '^') i++;
      bool first = true;
      while (i < n && (pat[i] != ']' || first)) {
        first = false;
        if (pat[i] == '[' && i + 1 < n && pat[i + 1] == ':') {
          uint32_t end = 0;
          for (uint32_t k = i + 2; k + 1 < n; k++) if (pat[k] == ':' && pat[k + 1] == ']') { end = k; break; }
          if (end) { i = end + 2; continue; }
        }
        i += pat[i] == '\\' ? 2 : 1;
      }
      i++;
    } else if (c == '(') {
      i++;
      if (i < n && pat[i] == '?') {
        uint32_t skip = 0;
        if (i + 2 < n && pat[i + 1] == 'P' && pat[i + 2] == '<') skip = 3;
        else if (i + 1 < n && pat[i + 1] == '<') skip = 2;
        if (skip) {
          uint32_t start = i + skip, k = start;
          while (k < n && pat[k] != '>') k++;
          if (idx < ncap) { names[idx].s = pat + start; names[idx].len = k - start; }
          idx++;
          i = k + 1;
        }
      } else {
        idx++;
      }
    } else {
      i++;
    }
  }
  return names;
}

/* unicode.IsLetter || unicode.IsDigit || '_' (the characters of a $name), via an engine class
 * built on first need per call (the heap is reset between evaluations, so no global cache). */
static bool name_rune(int32_t r, wre_class **name_class) {
  if (r < 0x80) return (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_';
  if (!*name_class) {
    static const char cls[] = "[\\p{L}\\p{Nd}_]";
    int ncap;
    wre_node *ast = wre_parse(cls, sizeof(cls) - 1, &ncap);
    while (ast && ast->op != WN_CLASS && ast->nsubs > 0) ast = ast->subs[0];
    if (!ast || ast->op != WN_CLASS) opa_abort("internal: regex name class");
    *name_class = ast->cls;
  }
  return wre_class_match(*name_class, r);
}

/* Go's Regexp.expand: $$ -> $, $name / ${name} (number = group index, no leading zeros),
 * unknown or unset groups expand to nothing, a malformed $ is literal. */
static void expand(writ_buf *b, opa_string_t *tpl, opa_string_t *src, int32_t *caps, int ncap, gname **names,
                   const char *pat, uint32_t patlen, wre_class **name_class) {
  const char *t = tpl->data;
  uint32_t n = tpl->len, i = 0;
  while (i < n) {
    uint32_t d = i;
    while (d < n && t[d] != '$') d++;
    writ_buf_put(b, t + i, d - i);
    if (d >= n) return;
    i = d + 1;
    if (i < n && t[i] == '$') { writ_buf_putc(b, '$'); i++; continue; }
    /* extract */
    uint32_t k = i;
    bool brace = k < n && t[k] == '{';
    if (brace) k++;
    uint32_t ns = k;
    while (k < n) {
      uint32_t w;
      int32_t r = wb_utf8_decode((const unsigned char *)t, n, k, &w);
      if (!name_rune(r, name_class)) break;
      k += w;
    }
    uint32_t nlen = k - ns;
    bool ok = nlen > 0 && (!brace || (k < n && t[k] == '}'));
    if (!ok) { writ_buf_putc(b, '$'); continue; }
    if (brace) k++;
    i = k;
    const char *name = t + ns;
    int64_t num = 0;
    for (uint32_t q = 0; q < nlen; q++) {
      if (name[q] < '0' || name[q] > '9' || num >= 100000000) { num = -1; break; }
      num = num * 10 + (name[q] - '0');
    }
    if (name[0] == '0' && nlen > 1) num = -1;
    int g = -1;
    if (num >= 0) {
      if (num < ncap) g = (int)num;
    } else {
      if (!*names) *names = group_names(pat, patlen, ncap);
      for (int q = 0; q < ncap; q++) {
        gname *gn = &(*names)[q];
        if (gn->len != nlen) continue;
        uint32_t z = 0;
        while (z < nlen && gn->s[z] == name[z]) z++;
        if (z == nlen) { g = q; break; }
      }
    }
    if (g >= 0 && caps[2 * g] >= 0)
      writ_buf_put(b, src->data + caps[2 * g], (uint32_t)(caps[2 * g + 1] - caps[2 * g]));
  }
}

/* regex.replace(s, pattern, value): Go's ReplaceAllString (its own loop: an empty match right
 * after a match is not replaced, the search always advances at least one rune). */
WRIT_EXPORT("wb_regex_replace") opa_value *wb_regex_replace(opa_value *value, opa_value *pat, opa_value *repl) {
  opa_string_t *s = wb_as_str(value), *p = wb_as_str(pat), *tpl = wb_as_str(repl);
  if (!s || !p || !tpl) return 0;
  wre_prog *prog = wre_compile_pattern(p->data, p->len);
  if (!prog) return bad_pattern(p->data, p->len);
  wre_vm *vm = wre_vm_new(prog);
  if (!vm) return 0;
  int32_t *caps = (int32_t *)opa_malloc(2 * (uint32_t)prog->ncap * sizeof(int32_t));
  gname *names = 0;
  wre_class *name_class = 0;
  writ_buf b;
  writ_buf_init(&b, s->len + 16);
  uint32_t last = 0, pos = 0;
  while (pos <= s->len) {
    int r = wre_exec_vm(vm, s->data, s->len, pos, caps);
    if (r < 0) return 0;
    if (r == 0) break;
    uint32_t a0 = (uint32_t)caps[0], a1 = (uint32_t)caps[1];
    writ_buf_put(&b, s->data + last, a0 - last);
    if (a1 > last || a0 == 0) expand(&b, tpl, s, caps, prog->ncap, &names, p->data, p->len, &name_class);
    last = a1;
    uint32_t w = rune_width(s, pos);
    if (pos + w > a1) pos += w;
    else if (pos + 1 > a1) pos++;
    else pos = a1;
  }
  writ_buf_put(&b, s->data + last, s->len - last);
  return opa_string(b.buf, b.len);
}

/* ---- regex.template_match ---- */

/* Go's regexp.QuoteMeta */
static void quote_meta(writ_buf *b, const char *s, uint32_t n) {
  static const char special[] = "\\.+*?()|[]{}^$";
  for (uint32_t i = 0; i < n; i++) {
    for (const char *q = special; *q; q++) if (*q == s[i]) { writ_buf_putc(b, '\\'); break; }
    writ_buf_putc(b, s[i]);
  }
}

/* regex.template_match(template, s, delim_start, delim_end): the template's text between
 * balanced one-byte delimiters is a regex (each must compile alone as ^re$), the rest literal;
 * the whole is matched anchored, as OPA's (ladon's) template regexes. */
WRIT_EXPORT("wb_regex_template_match")
opa_value *wb_regex_template_match(opa_value *tv, opa_value *value, opa_value *dsv, opa_value *dev) {
  opa_string_t *t = wb_as_str(tv), *s = wb_as_str(value), *ds = wb_as_str(dsv), *de = wb_as_str(dev);
  if (!t || !s || !ds || !de) return 0;
  if (ds->len != 1)
    return writ_builtin_fail(WRIT_ERR_BUILTIN, "start delimiter has to be exactly one character long but is %d long", (int)ds->len);
  if (de->len != 1)
    return writ_builtin_fail(WRIT_ERR_BUILTIN, "end delimiter has to be exactly one character long but is %d long", (int)de->len);
  char open = ds->data[0], close = de->data[0];
  /* balance first, as OPA's delimiterIndices does before compiling anything */
  int depth = 0;
  for (uint32_t i = 0; i < t->len && depth >= 0; i++) {
    if (t->data[i] == open) depth++;
    else if (t->data[i] == close) depth--;
  }
  if (depth != 0)
    return writ_builtin_fail(WRIT_ERR_BUILTIN, "unbalanced braces in \"%.*s\"", (int)(t->len > 200 ? 200 : t->len), t->data);
  writ_buf b, sub;
  writ_buf_init(&b, t->len + 8);
  writ_buf_putc(&b, '^');
  int level = 0;
  uint32_t start = 0, lit = 0;
  for (uint32_t i = 0; i < t->len; i++) {
    char c = t->data[i];
    if (c == open) {
      if (++level == 1) start = i;
    } else if (c == close) {
      if (--level == 0) {
        quote_meta(&b, t->data + lit, start - lit);
        const char *re = t->data + start + 1;
        uint32_t relen = i - start - 1;
        writ_buf_init(&sub, relen + 2);
        writ_buf_putc(&sub, '^');
        writ_buf_put(&sub, re, relen);
        writ_buf_putc(&sub, '$');
        if (!wre_compile_pattern(sub.buf, sub.len)) return bad_pattern(re, relen);
        writ_buf_putc(&b, '(');
        writ_buf_put(&b, re, relen);
        writ_buf_putc(&b, ')');
        lit = i + 1;
      }
    }
  }
  quote_meta(&b, t->data + lit, t->len - lit);
  writ_buf_putc(&b, '$');
  wre_prog *prog = wre_compile_pattern(b.buf, b.len);
  if (!prog) return bad_pattern(b.buf, b.len);
  int32_t *caps = (int32_t *)opa_malloc(2 * (uint32_t)prog->ncap * sizeof(int32_t));
  int r = wre_exec(prog, s->data, s->len, 0, caps);
  if (r < 0) return 0;
  return opa_boolean(r == 1);
}
