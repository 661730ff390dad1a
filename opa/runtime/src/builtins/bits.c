/* Native bitwise builtins on integers of any size (two's complement, as Go's big.Int): bits.or
 * bits.and bits.negate bits.xor bits.lsh bits.rsh. int128 operands take a direct path; larger
 * ones go through 16-bit two's complement words. Non-integers and negative shifts are undefined. */
#include "wb_common.h"

/* Two's complement words (16 bits each, least significant first), sign-extended to n words. */
static uint32_t *wb_bits_words(const writ_big *v, uint32_t n) {
  uint32_t *w = (uint32_t *)opa_malloc(n * sizeof(uint32_t));
  writ_big m = *v;
  m.neg = false;
  uint32_t k = 0;
  while (!writ_big_is_zero(&m) && k < n) { writ_big q; w[k++] = writ_big_divmod_small(&m, 65536, &q); m = q; }
  while (k < n) w[k++] = 0;
  if (v->neg) {   /* invert and add one */
    uint32_t c = 1;
    for (k = 0; k < n; k++) { uint32_t x = (~w[k] & 0xffffu) + c; w[k] = x & 0xffffu; c = x >> 16; }
  }
  return w;
}

static opa_value *wb_bits_big(opa_value *a, opa_value *b, char op) {
  writ_big x, y, r;
  if (!wb_big_int_arg(a, 1, &x) || !wb_big_int_arg(b, 2, &y)) return 0;
  /* 16-bit words needed: 3.33 bits per decimal digit, plus a sign word */
  uint32_t dx = writ_big_digits(&x), dy = writ_big_digits(&y);
  uint32_t n = ((dx > dy ? dx : dy) * 10 / 3 + 16) / 16 + 1;
  uint32_t *u = wb_bits_words(&x, n), *v = wb_bits_words(&y, n);
  for (uint32_t k = 0; k < n; k++) u[k] = op == '&' ? (u[k] & v[k]) : op == '|' ? (u[k] | v[k]) : (u[k] ^ v[k]);
  bool neg = (u[n - 1] & 0x8000u) != 0;
  if (neg) {   /* magnitude of a negative result: invert and add one */
    uint32_t c = 1;
    for (uint32_t k = 0; k < n; k++) { uint32_t t = (~u[k] & 0xffffu) + c; u[k] = t & 0xffffu; c = t >> 16; }
  }
  if (!writ_big_from_base(u, n, 65536, neg, &r)) return 0;
  return writ_big_to_number(&r);
}

WRIT_EXPORT("wb_bits_or") opa_value *wb_bits_or(opa_value *a, opa_value *b) {
  wb_i128 x, y;
  if (wb_num_i128(a, &x) && wb_num_i128(b, &y)) return wb_from_i128(x | y);
  return wb_bits_big(a, b, '|');
}

WRIT_EXPORT("wb_bits_and") opa_value *wb_bits_and(opa_value *a, opa_value *b) {
  wb_i128 x, y;
  if (wb_num_i128(a, &x) && wb_num_i128(b, &y)) return wb_from_i128(x & y);
  return wb_bits_big(a, b, '&');
}

WRIT_EXPORT("wb_bits_xor") opa_value *wb_bits_xor(opa_value *a, opa_value *b) {
  wb_i128 x, y;
  if (wb_num_i128(a, &x) && wb_num_i128(b, &y)) return wb_from_i128(x ^ y);
  return wb_bits_big(a, b, '^');
}

WRIT_EXPORT("wb_bits_negate") opa_value *wb_bits_negate(opa_value *a) {
  wb_i128 x;
  if (wb_num_i128(a, &x)) return wb_from_i128(~x);
  writ_big v, one, r;
  if (!wb_big_int_arg(a, 1, &v)) return 0;
  writ_big_from_i64(-1, &one);
  v.neg = !v.neg && !writ_big_is_zero(&v);   /* ~v = -v - 1 */
  if (!writ_big_add(&v, &one, &r)) return 0;
  return writ_big_to_number(&r);
}

/* Shift count: OPA takes it as a (big) integer and refuses negative counts. */
static bool wb_shift_arg(opa_value *b, int64_t *s) {
  writ_big c;
  if (!wb_big_int_arg(b, 2, &c)) return false;
  if (c.neg) { writ_builtin_fail(WRIT_ERR_TYPE, "operand 2 must be an unsigned integer number but got a negative integer"); return false; }
  if (!writ_big_to_i64(&c, s)) { writ_builtin_fail(WRIT_ERR_BUILTIN, "operand 2 out of range"); return false; }
  return true;
}

WRIT_EXPORT("wb_bits_lsh") opa_value *wb_bits_lsh(opa_value *a, opa_value *b) {
  writ_big x, r;
  int64_t s;
  if (!wb_big_int_arg(a, 1, &x) || !wb_shift_arg(b, &s)) return 0;
  if (wb_is(a, OPA_NUMBER) && wb_num(a)->repr == OPA_NUM_INT && s < 62) {
    int64_t v = wb_num(a)->i;
    if (v >= -(INT64_C(1) << (62 - s)) && v < (INT64_C(1) << (62 - s))) return opa_number_int(v * (INT64_C(1) << s));
  }
  if (!writ_big_shl(&x, s, &r)) return 0;   /* beyond the digit limit */
  return writ_big_to_number(&r);
}

WRIT_EXPORT("wb_bits_rsh") opa_value *wb_bits_rsh(opa_value *a, opa_value *b) {
  writ_big x, r;
  int64_t s;
  if (!wb_big_int_arg(a, 1, &x) || !wb_shift_arg(b, &s)) return 0;
  if (wb_is(a, OPA_NUMBER) && wb_num(a)->repr == OPA_NUM_INT)
    return opa_number_int(s >= 63 ? (wb_num(a)->i < 0 ? -1 : 0) : wb_num(a)->i >> s);   /* arithmetic: floor */
  if (!writ_big_shr(&x, s, &r)) return 0;
  return writ_big_to_number(&r);
}
