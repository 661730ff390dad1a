/* Native string builtins: concat contains endswith startswith indexof lower upper replace
 * strings.replace_n split substring trim trim_left trim_prefix trim_right trim_space trim_suffix.
 * Semantics follow Go's strings package as OPA uses it; indexes count code points. Case
 * mapping (Unicode simple mappings) covers ASCII, Latin-1, Latin Extended-A, the regular part
 * of Latin Extended-B, Latin Extended Additional, Greek (basic), Cyrillic, Armenian, Roman
 * numerals, circled and fullwidth Latin letters and Deseret; other scripts are unchanged. */
#include "../internal.h"
#include "wb_common.h"

#define WB_STR_ARG(v) if (!wb_is((v), OPA_STRING)) return 0

/* ---- case mapping ---- */

/* Latin Extended-B, the regular part: the DZ/LJ/NJ digraph triples and the alternating
 * upper/lower pairs of U+01CD..U+0233. */
static uint32_t wb_lower_latin_b(uint32_t c) {
  if (c == 0x1C4 || c == 0x1C7 || c == 0x1CA || c == 0x1F1) return c + 2;
  if (c == 0x1C5 || c == 0x1C8 || c == 0x1CB || c == 0x1F2) return c + 1;
  if (c >= 0x1CD && c <= 0x1DC) return c % 2 == 1 ? c + 1 : c;
  if ((c >= 0x1DE && c <= 0x1EF) || c == 0x1F4 || (c >= 0x1F8 && c <= 0x21F) || (c >= 0x222 && c <= 0x233))
    return c % 2 == 0 ? c + 1 : c;
  return c;
}

static uint32_t wb_upper_latin_b(uint32_t c) {
  if (c == 0x1C6 || c == 0x1C9 || c == 0x1CC || c == 0x1F3) return c - 2;
  if (c == 0x1C5 || c == 0x1C8 || c == 0x1CB || c == 0x1F2) return c - 1;
  if (c >= 0x1CE && c <= 0x1DC) return c % 2 == 0 ? c - 1 : c;
  if (c == 0x1DD) return 0x18E;
  if ((c >= 0x1DF && c <= 0x1EF) || c == 0x1F5 || (c >= 0x1F9 && c <= 0x21F) || (c >= 0x223 && c <= 0x233))
    return c % 2 == 1 ? c - 1 : c;
  return c;
}

static uint32_t wb_lower_cp(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x130) return 'i';
    if (c == 0x178) return 0xFF;
    if ((c <= 0x12F || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && c % 2 == 0) return c + 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && c % 2 == 1) return c + 1;
    return c;
  }
  if (c >= 0x386 && c <= 0x3AB) {
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x391 && c != 0x3A2) return c + 32;
    return c;
  }
  if (c >= 0x400 && c <= 0x52F) {
    if (c <= 0x40F) return c + 80;
    if (c <= 0x42F) return c + 32;
    if (c == 0x4C0) return 0x4CF;
    if (((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0) && c % 2 == 0) return c + 1;
    if (c >= 0x4C1 && c <= 0x4CE && c % 2 == 1) return c + 1;
    return c;
  }
  if (c >= 0x1C4 && c <= 0x233) return wb_lower_latin_b(c);
  if (c >= 0x531 && c <= 0x556) return c + 48;                      /* Armenian */
  if (c == 0x1E9E) return 0xDF;
  if (c >= 0x1E00 && c <= 0x1EFF && c % 2 == 0 && (c <= 0x1E94 || c >= 0x1EA0)) return c + 1;
  if (c >= 0x2160 && c <= 0x216F) return c + 16;                    /* Roman numerals */
  if (c >= 0x24B6 && c <= 0x24CF) return c + 26;                    /* circled letters */
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;                    /* fullwidth Latin */
  if (c >= 0x10400 && c <= 0x10427) return c + 40;                  /* Deseret */
  return c;
}

static uint32_t wb_upper_cp(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c == 0xB5) return 0x39C;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x131) return 'I';
    if (c == 0x17F) return 'S';
    if ((c <= 0x12F || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && c % 2 == 1) return c - 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && c % 2 == 0) return c - 1;
    return c;
  }
  if (c >= 0x3AC && c <= 0x3CE) {
    if (c == 0x3AC) return 0x386;
    if (c <= 0x3AF) return c - 37;
    if (c == 0x3C2) return 0x3A3;
    if (c >= 0x3B1 && c <= 0x3CB) return c - 32;
    if (c == 0x3CC) return 0x38C;
    if (c >= 0x3CD) return c - 63;
    return c;
  }
  if (c >= 0x430 && c <= 0x52F) {
    if (c <= 0x44F) return c - 32;
    if (c <= 0x45F) return c - 80;
    if (c == 0x4CF) return 0x4C0;
    if (((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0) && c % 2 == 1) return c - 1;
    if (c >= 0x4C1 && c <= 0x4CE && c % 2 == 0) return c - 1;
    return c;
  }
  if (c >= 0x1C4 && c <= 0x233) return wb_upper_latin_b(c);
  if (c >= 0x561 && c <= 0x586) return c - 48;
  if (c >= 0x1E00 && c <= 0x1EFF && c % 2 == 1 && (c <= 0x1E95 || c >= 0x1EA1)) return c - 1;
  if (c == 0x1E9B) return 0x1E60;
  if (c >= 0x2170 && c <= 0x217F) return c - 16;
  if (c >= 0x24D0 && c <= 0x24E9) return c - 26;
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 32;
  if (c >= 0x10428 && c <= 0x1044F) return c - 40;
  return c;
}

/* Invalid UTF-8 bytes come out as U+FFFD, as Go's strings.Map writes them. */
static opa_value *wb_map_case(opa_value *a, bool upper) {
  WB_STR_ARG(a);
  opa_string_t *s = wb_str(a);
  writ_buf b;
  writ_buf_init(&b, s->len);
  uint32_t pos = 0;
  while (pos < s->len) {
    uint32_t cp = wb_utf8_next(s->data, s->len, &pos);
    char enc[4];
    writ_buf_put(&b, enc, wb_utf8_put(enc, upper ? wb_upper_cp(cp) : wb_lower_cp(cp)));
  }
  return opa_string_nocopy(b.buf, b.len);
}

WRIT_EXPORT("wb_lower") opa_value *wb_lower(opa_value *a) { return wb_map_case(a, false); }
WRIT_EXPORT("wb_upper") opa_value *wb_upper(opa_value *a) { return wb_map_case(a, true); }

/* ---- searching ---- */

WRIT_EXPORT("wb_contains") opa_value *wb_contains(opa_value *a, opa_value *b) {
  WB_STR_ARG(a); WB_STR_ARG(b);
  return opa_boolean(wb_find(wb_str(a)->data, wb_str(a)->len, wb_str(b)->data, wb_str(b)->len, 0) >= 0);
}

WRIT_EXPORT("wb_startswith") opa_value *wb_startswith(opa_value *a, opa_value *b) {
  WB_STR_ARG(a); WB_STR_ARG(b);
  opa_string_t *s = wb_str(a), *p = wb_str(b);
  return opa_boolean(p->len <= s->len && wb_bytes_eq(s->data, p->data, p->len));
}

WRIT_EXPORT("wb_endswith") opa_value *wb_endswith(opa_value *a, opa_value *b) {
  WB_STR_ARG(a); WB_STR_ARG(b);
  opa_string_t *s = wb_str(a), *p = wb_str(b);
  return opa_boolean(p->len <= s->len && wb_bytes_eq(s->data + s->len - p->len, p->data, p->len));
}

/* indexof: code point index of the first occurrence, -1 if none; an empty search is an error. */
WRIT_EXPORT("wb_indexof") opa_value *wb_indexof(opa_value *a, opa_value *b) {
  WB_STR_ARG(a); WB_STR_ARG(b);
  opa_string_t *s = wb_str(a), *p = wb_str(b);
  if (p->len == 0) return 0;
  int64_t at = wb_find(s->data, s->len, p->data, p->len, 0);
  if (at < 0) return opa_number_int(-1);
  return opa_number_int(wb_utf8_count(s->data, (uint32_t)at));
}

/* Byte offset of code point index n (clamped to the end). */
static uint32_t wb_cp_offset(const char *s, uint32_t len, int64_t n) {
  uint32_t pos = 0;
  for (int64_t i = 0; i < n && pos < len; i++) wb_utf8_next(s, len, &pos);
  return pos;
}

static bool wb_is_ascii(opa_string_t *s) {
  for (uint32_t i = 0; i < s->len; i++) if ((unsigned char)s->data[i] >= 0x80) return false;
  return true;
}

/* substring(s, start, length): code points; negative start is an error, negative length
 * means "to the end", a start past the end gives "". Like OPA (Go's []rune conversion),
 * a non-ASCII result is re-encoded, so invalid bytes come out as U+FFFD, unless the whole
 * string is returned. */
WRIT_EXPORT("wb_substring") opa_value *wb_substring(opa_value *a, opa_value *start, opa_value *length) {
  WB_STR_ARG(a);
  int64_t st, n;
  if (!wb_num_i64(start, &st) || !wb_num_i64(length, &n) || st < 0) return 0;
  opa_string_t *s = wb_str(a);
  bool ascii = wb_is_ascii(s);
  if (!ascii && st == 0 && n >= (int64_t)wb_utf8_count(s->data, s->len)) return a;
  uint32_t from = wb_cp_offset(s->data, s->len, st);
  uint32_t to = n < 0 ? s->len : from + wb_cp_offset(s->data + from, s->len - from, n);
  if (ascii) return opa_string(s->data + from, to - from);
  writ_buf b;
  writ_buf_init(&b, 0);
  uint32_t pos = from;
  while (pos < to) {
    char enc[4];
    writ_buf_put(&b, enc, wb_utf8_put(enc, wb_utf8_next(s->data, to, &pos)));
  }
  return opa_string_nocopy(b.buf, b.len);
}

/* ---- building ---- */

/* concat(delimiter, array or set of strings) */
WRIT_EXPORT("wb_concat") opa_value *wb_concat(opa_value *d, opa_value *coll) {
  WB_STR_ARG(d);
  opa_value **el;
  uint32_t n;
  if (wb_is(coll, OPA_ARRAY)) { el = wb_arr(coll)->elems; n = wb_arr(coll)->len; }
  else if (wb_is(coll, OPA_SET)) { el = wb_set(coll)->elems; n = wb_set(coll)->len; }
  else return 0;
  writ_buf b;
  writ_buf_init(&b, 0);
  for (uint32_t i = 0; i < n; i++) {
    if (!wb_is(el[i], OPA_STRING)) return 0;
    if (i > 0) writ_buf_put(&b, wb_str(d)->data, wb_str(d)->len);
    writ_buf_put(&b, wb_str(el[i])->data, wb_str(el[i])->len);
  }
  return opa_string_nocopy(b.buf, b.len);
}

/* split(s, delim): Go strings.Split; an empty delimiter splits into UTF-8 sequences. */
WRIT_EXPORT("wb_split") opa_value *wb_split(opa_value *a, opa_value *b) {
  WB_STR_ARG(a); WB_STR_ARG(b);
  opa_string_t *s = wb_str(a), *d = wb_str(b);
  opa_value *r = opa_array();
  if (d->len == 0) {
    uint32_t pos = 0;
    while (pos < s->len) {
      uint32_t from = pos;
      wb_utf8_next(s->data, s->len, &pos);
      opa_array_append(r, opa_string(s->data + from, pos - from));
    }
    return r;
  }
  uint32_t from = 0;
  for (;;) {
    int64_t at = wb_find(s->data, s->len, d->data, d->len, from);
    if (at < 0) break;
    opa_array_append(r, opa_string(s->data + from, (uint32_t)at - from));
    from = (uint32_t)at + d->len;
  }
  opa_array_append(r, opa_string(s->data + from, s->len - from));
  return r;
}

/* Go's strings.NewReplacer(old1, new1, old2, new2, ...).Replace(s), which OPA uses for both
 * replace and strings.replace_n: scanning left to right, at each byte position the first pair
 * (in argument order) whose old string matches wins; an empty old string matches at every
 * byte position (and at the end) except right after its own match. Note the byte granularity:
 * like Go, an empty old string also splits multi-byte UTF-8 sequences. */
static opa_value *wb_replacer(opa_value **olds, opa_value **news, uint32_t n, opa_string_t *s) {
  writ_buf b;
  writ_buf_init(&b, 0);
  uint32_t i = 0, last = 0;
  bool prev_empty = false;
  while (i <= s->len) {
    int32_t hit = -1;
    for (uint32_t k = 0; k < n; k++) {
      opa_string_t *key = wb_str(olds[k]);
      if (key->len == 0) { if (!prev_empty) { hit = (int32_t)k; break; } continue; }
      if (i + key->len <= s->len && wb_bytes_eq(s->data + i, key->data, key->len)) { hit = (int32_t)k; break; }
    }
    if (hit < 0) { prev_empty = false; i++; continue; }
    opa_string_t *key = wb_str(olds[hit]), *val = wb_str(news[hit]);
    writ_buf_put(&b, s->data + last, i - last);
    writ_buf_put(&b, val->data, val->len);
    i += key->len;
    last = i;
    prev_empty = key->len == 0;
  }
  if (last < s->len) writ_buf_put(&b, s->data + last, s->len - last);
  return opa_string_nocopy(b.buf, b.len);
}

WRIT_EXPORT("wb_replace") opa_value *wb_replace(opa_value *a, opa_value *o, opa_value *n) {
  WB_STR_ARG(a); WB_STR_ARG(o); WB_STR_ARG(n);
  return wb_replacer(&o, &n, 1, wb_str(a));
}

/* strings.replace_n(patterns, s): the replacer with the pairs in sorted key order (objects keep
 * keys sorted); non-string keys or values are errors. */
WRIT_EXPORT("wb_strings_replace_n") opa_value *wb_strings_replace_n(opa_value *p, opa_value *a) {
  if (!wb_is(p, OPA_OBJECT)) return 0;
  WB_STR_ARG(a);
  opa_object_t *pat = wb_obj(p);
  for (uint32_t k = 0; k < pat->len; k++)
    if (!wb_is(pat->keys[k], OPA_STRING)) return writ_builtin_fail(WRIT_ERR_TYPE, "operand 1 non-string key found in pattern object");
    else if (!wb_is(pat->vals[k], OPA_STRING)) return writ_builtin_fail(WRIT_ERR_TYPE, "operand 1 non-string value found in pattern object");
  return wb_replacer(pat->keys, pat->vals, pat->len, wb_str(a));
}

/* ---- trimming ---- */

/* Is cp one of the code points of cutset? */
static bool wb_in_cutset(opa_string_t *cut, uint32_t cp) {
  uint32_t pos = 0;
  while (pos < cut->len) if (wb_utf8_next(cut->data, cut->len, &pos) == cp) return true;
  return false;
}

static bool wb_is_space(uint32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

/* Trims code points matching (cutset, or white space when cut is 0) from the chosen ends. */
static opa_value *wb_trim_runes(opa_string_t *s, opa_string_t *cut, bool left, bool right) {
  uint32_t pos = 0, start = 0, end = 0;
  bool seen = false;   /* a kept code point was found */
  while (pos < s->len) {
    uint32_t from = pos;
    uint32_t cp = wb_utf8_next(s->data, s->len, &pos);
    bool strip = cut ? wb_in_cutset(cut, cp) : wb_is_space(cp);
    if (!strip) {
      if (!seen) { start = from; seen = true; }
      end = pos;
    }
  }
  if (!seen) return opa_string("", 0);
  if (!left) start = 0;
  if (!right) end = s->len;
  return opa_string(s->data + start, end - start);
}

WRIT_EXPORT("wb_trim") opa_value *wb_trim(opa_value *a, opa_value *c) {
  WB_STR_ARG(a); WB_STR_ARG(c);
  if (wb_str(c)->len == 0) return a;
  return wb_trim_runes(wb_str(a), wb_str(c), true, true);
}

WRIT_EXPORT("wb_trim_left") opa_value *wb_trim_left(opa_value *a, opa_value *c) {
  WB_STR_ARG(a); WB_STR_ARG(c);
  if (wb_str(c)->len == 0) return a;
  return wb_trim_runes(wb_str(a), wb_str(c), true, false);
}

WRIT_EXPORT("wb_trim_right") opa_value *wb_trim_right(opa_value *a, opa_value *c) {
  WB_STR_ARG(a); WB_STR_ARG(c);
  if (wb_str(c)->len == 0) return a;
  return wb_trim_runes(wb_str(a), wb_str(c), false, true);
}

WRIT_EXPORT("wb_trim_space") opa_value *wb_trim_space(opa_value *a) {
  WB_STR_ARG(a);
  return wb_trim_runes(wb_str(a), 0, true, true);
}

WRIT_EXPORT("wb_trim_prefix") opa_value *wb_trim_prefix(opa_value *a, opa_value *p) {
  WB_STR_ARG(a); WB_STR_ARG(p);
  opa_string_t *s = wb_str(a), *x = wb_str(p);
  if (x->len > s->len || !wb_bytes_eq(s->data, x->data, x->len)) return a;
  return opa_string(s->data + x->len, s->len - x->len);
}

WRIT_EXPORT("wb_trim_suffix") opa_value *wb_trim_suffix(opa_value *a, opa_value *p) {
  WB_STR_ARG(a); WB_STR_ARG(p);
  opa_string_t *s = wb_str(a), *x = wb_str(p);
  if (x->len > s->len || !wb_bytes_eq(s->data + s->len - x->len, x->data, x->len)) return a;
  return opa_string(s->data, s->len - x->len);
}
