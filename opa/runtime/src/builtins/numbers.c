/* Native number builtins: numbers.range, to_number, format_int. */
#include "wb_common.h"

/* numbers.range(a, b): integers from a to b inclusive, descending when a > b. Bounds of any size
 * (OPA's BigIntOperand); the length must fit a 32-bit address space. */
WRIT_EXPORT("wb_numbers_range") opa_value *wb_numbers_range(opa_value *a, opa_value *b) {
  int64_t x, y;
  if (wb_num_i64(a, &x) && wb_num_i64(b, &y)) {
    wb_i128 n = (x <= y ? (wb_i128)y - x : (wb_i128)x - y) + 1;
    if (n > 0x7fffffff) return 0;   /* cannot be built in a 32-bit address space */
    opa_value *r = opa_array_with_cap((uint32_t)n);
    int64_t step = x <= y ? 1 : -1;
    for (wb_i128 i = 0; i < n; i++) opa_array_append(r, opa_number_int((int64_t)(x + (wb_i128)step * i)));
    return r;
  }
  writ_big p, q, d, one;
  if (!wb_big_int_arg(a, 1, &p) || !wb_big_int_arg(b, 2, &q)) return 0;
  bool up = writ_big_cmp(&p, &q) <= 0;
  int64_t n;
  if (!writ_big_sub(up ? &q : &p, up ? &p : &q, &d) || !writ_big_to_i64(&d, &n) || n >= 0x7fffffff) return 0;
  writ_big_from_i64(up ? 1 : -1, &one);
  opa_value *r = opa_array_with_cap((uint32_t)n + 1);
  for (int64_t i = 0; i <= n; i++) {
    opa_array_append(r, writ_big_to_number(&p));
    if (i < n && !writ_big_add(&p, &one, &p)) return 0;
  }
  return r;
}

static bool wb_is_digit(char c) { return c >= '0' && c <= '9'; }

/* Strings as Go's strconv.ParseFloat accepts them in decimal form ([+-] digits [. digits]
 * [e [+-] digits], a side of the point may be empty), rewritten as JSON number text.
 * inf/nan (rejected by OPA) and hexadecimal floats are refused. */
static opa_value *wb_parse_number_text(const char *s, uint32_t len) {
  uint32_t i = 0;
  char *out = (char *)opa_malloc(len + 3);
  uint32_t o = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) { if (s[i] == '-') out[o++] = '-'; i++; }
  uint32_t int_start = i;
  while (i < len && wb_is_digit(s[i])) i++;
  uint32_t int_len = i - int_start;
  uint32_t frac_start = 0, frac_len = 0;
  if (i < len && s[i] == '.') {
    i++;
    frac_start = i;
    while (i < len && wb_is_digit(s[i])) i++;
    frac_len = i - frac_start;
  }
  if (int_len == 0 && frac_len == 0) return 0;
  /* integer part without leading zeros (JSON forbids them) */
  uint32_t k = int_start;
  while (k + 1 < int_start + int_len && s[k] == '0') k++;
  if (int_len == 0) out[o++] = '0';
  else for (; k < int_start + int_len; k++) out[o++] = s[k];
  if (frac_len > 0) { out[o++] = '.'; for (k = 0; k < frac_len; k++) out[o++] = s[frac_start + k]; }
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    out[o++] = 'e';
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) out[o++] = s[i++];
    uint32_t exp_start = i;
    while (i < len && wb_is_digit(s[i])) out[o++] = s[i++];
    if (i == exp_start) return 0;
  }
  if (i != len) return 0;
  opa_value *v = opa_number_ref(out, o);
  if (v == 0) return 0;
  double f = wb_num_f(v);
  if (f != f || f - f != 0) return 0;   /* out of double range: ParseFloat fails */
  wb_i128 x;
  if (wb_num_i128(v, &x)) return wb_from_i128(x);
  return v;
}

/* OPA's errors: inf/nan spellings are refused as a type error, other text fails ParseFloat. */
static void wb_to_number_fail(opa_string_t *s) {
  const char *p = s->data;
  uint32_t n = s->len, i = (n > 0 && (p[0] == '+' || p[0] == '-')) ? 1 : 0;
  char low[10];
  uint32_t k = 0;
  for (; i < n && k < 9; i++, k++) low[k] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
  low[k] = 0;
  bool special = i == n && (__builtin_strcmp(low, "nan") == 0 || __builtin_strcmp(low, "inf") == 0 || __builtin_strcmp(low, "infinity") == 0);
  if (special) writ_builtin_fail(WRIT_ERR_TYPE, "operand 1 must be a valid number string but got %.*s", (int)n, p);
  else writ_builtin_fail(WRIT_ERR_BUILTIN, "strconv.ParseFloat: parsing \"%.*s\": invalid syntax", (int)(n > 200 ? 200 : n), p);
}

WRIT_EXPORT("wb_to_number") opa_value *wb_to_number(opa_value *a) {
  if (a == 0) return 0;
  switch (a->type) {
    case OPA_NULL: return opa_number_int(0);
    case OPA_BOOLEAN: return opa_number_int(((opa_boolean_t *)a)->v ? 1 : 0);
    case OPA_NUMBER: return a;
    case OPA_STRING: {
      opa_string_t *s = wb_str(a);
      opa_value *r = wb_parse_number_text(s->data, s->len);
      if (r == 0) wb_to_number_fail(s);
      return r;
    }
    default: return 0;
  }
}

/* format_int(n, base): n truncated toward zero, printed in base 2, 8, 10 or 16 (lowercase);
 * exact for integers of any size. */
WRIT_EXPORT("wb_format_int") opa_value *wb_format_int(opa_value *a, opa_value *b) {
  if (!wb_is(a, OPA_NUMBER)) return 0;
  int64_t base;
  if (!wb_num_i64(b, &base) || (base != 2 && base != 8 && base != 10 && base != 16)) return 0;
  wb_i128 x;
  if (wb_num_i128(a, &x)) {
    char buf[132];
    int p = 132;
    bool neg = x < 0;
    wb_i128 m = neg ? x : -x;   /* negative magnitude: INT128_MIN safe */
    do {
      int d = -(int)(m % base);
      buf[--p] = "0123456789abcdef"[d];
      m /= base;
    } while (m != 0);
    if (neg) buf[--p] = '-';
    return opa_string(buf + p, (uint32_t)(132 - p));
  }
  writ_big v, t;
  if (!writ_big_from_number(a, &v) || !writ_big_round(&v, 't', &t) || !writ_big_to_integer(&t, &v)) return 0;
  /* peel chunks of `per` digits: base^per is the largest power below 1e9 */
  uint32_t per = base == 2 ? 29 : base == 8 ? 9 : base == 16 ? 7 : 9, chunk = 1;
  for (uint32_t k = 0; k < per; k++) chunk *= (uint32_t)base;
  uint32_t cap = v.len * 32 + 2, p = cap;
  char *buf = (char *)opa_malloc(cap);
  bool neg = v.neg;
  v.neg = false;
  while (!writ_big_is_zero(&v)) {
    writ_big q;
    uint32_t rem = writ_big_divmod_small(&v, chunk, &q);
    bool last = writ_big_is_zero(&q);
    for (uint32_t k = 0; k < per && (!last || rem); k++) { buf[--p] = "0123456789abcdef"[rem % base]; rem /= (uint32_t)base; }
    v = q;
  }
  if (p == cap) buf[--p] = '0';
  if (neg) buf[--p] = '-';
  return opa_string(buf + p, cap - p);
}
