/* Native arithmetic builtins: plus minus mul div rem abs round ceil floor (minus also does set
 * difference). Integers are exact up to 128 bits (results beyond int64 keep exact decimal text),
 * decimal literals are added and multiplied exactly (0.1 + 0.2 = 0.3, as OPA); anything else
 * falls back to double. Type errors and division by zero are undefined (0). */
#include "wb_common_a.h"

typedef enum { WB_ADD, WB_SUB, WB_MUL } wb_arith_op;

static opa_value *wb_arith(opa_value *a, opa_value *b, wb_arith_op op) {
  if (!wb_is(a, OPA_NUMBER) || !wb_is(b, OPA_NUMBER)) return 0;
  wb_i128 x, y, r;
  if (wb_num_i128(a, &x) && wb_num_i128(b, &y)) {
    bool ovf = op == WB_ADD ? __builtin_add_overflow(x, y, &r)
             : op == WB_SUB ? __builtin_sub_overflow(x, y, &r)
                            : __builtin_mul_overflow(x, y, &r);
    if (!ovf) return wb_from_i128(r);
  }
  wb_dec c, d, q;
  if (wb_num_dec(a, &c) && wb_num_dec(b, &d)) {
    if (op == WB_SUB) d.m = -d.m;   /* |m| < 2^127 after parsing, so negation is safe */
    if (op == WB_MUL ? wb_dec_mul(c, d, &q) : wb_dec_add(c, d, &q)) return wb_from_dec(q);
  }
  double f = wb_num_f(a), g = wb_num_f(b);
  return wb_from_double(op == WB_ADD ? f + g : op == WB_SUB ? f - g : f * g);
}

WRIT_EXPORT("wb_plus") opa_value *wb_plus(opa_value *a, opa_value *b) { return wb_arith(a, b, WB_ADD); }
WRIT_EXPORT("wb_mul") opa_value *wb_mul(opa_value *a, opa_value *b) { return wb_arith(a, b, WB_MUL); }

/* Set difference a - b (both sets; elements already sorted). */
static opa_value *wb_set_minus(opa_value *a, opa_value *b) {
  opa_value *r = opa_set();
  opa_set_t *sa = wb_set(a);
  for (uint32_t i = 0; i < sa->len; i++)
    if (opa_value_get(b, sa->elems[i]) == 0) opa_set_add(r, sa->elems[i]);
  return r;
}

WRIT_EXPORT("wb_minus") opa_value *wb_minus(opa_value *a, opa_value *b) {
  if (wb_is(a, OPA_SET) && wb_is(b, OPA_SET)) return wb_set_minus(a, b);
  /* OPA: the second operand must match the first one's kind */
  if (wb_is(a, OPA_SET)) return writ_type_fail(2, "set", b);
  if (wb_is(a, OPA_NUMBER) && !wb_is(b, OPA_NUMBER)) return writ_type_fail(2, "number", b);
  return wb_arith(a, b, WB_SUB);
}

WRIT_EXPORT("wb_div") opa_value *wb_div(opa_value *a, opa_value *b) {
  if (!wb_is(a, OPA_NUMBER) || !wb_is(b, OPA_NUMBER)) return 0;
  wb_i128 x, y;
  if (wb_num_i128(a, &x) && wb_num_i128(b, &y)) {
    if (y == 0) return writ_builtin_fail(WRIT_ERR_BUILTIN, "divide by zero");
    /* exact when divisible (and not the single overflowing case) */
    if (!(y == -1 && x == (wb_i128)((unsigned __int128)1 << 127)) && x % y == 0) return wb_from_i128(x / y);
  }
  double g = wb_num_f(b);
  if (g == 0) return writ_builtin_fail(WRIT_ERR_BUILTIN, "divide by zero");
  /* terminating decimal quotients are exact (0.3 / 0.1 = 3, 1 / 8 = 0.125) */
  wb_dec c, d;
  if (wb_num_dec(a, &c) && wb_num_dec(b, &d) && d.m != 0) {
    wb_i128 m = c.m;
    for (int32_t k = 0; k <= 40; k++) {
      if (m % d.m == 0 && !(d.m == -1 && m == (wb_i128)((unsigned __int128)1 << 127))) {
        wb_dec q = { m / d.m, c.e - d.e - k };
        if (q.e >= -WB_DEC_EMAX && q.e <= WB_DEC_EMAX) return wb_from_dec(q);
        break;
      }
      if (__builtin_mul_overflow(m, (wb_i128)10, &m)) break;
    }
  }
  return wb_from_double(wb_num_f(a) / g);
}

/* An integer of magnitude 2^127 or more (beyond wb_num_i128): digits-only text of any length,
 * a decimal literal that is integral, or a double that large (all such doubles are integral). */
static bool wb_is_huge_integer(opa_value *v) {
  if (!wb_is(v, OPA_NUMBER)) return false;
  opa_number_t *n = wb_num(v);
  double f = n->f;
  if (!(f >= WB_TWO127 || f <= -WB_TWO127)) return false;
  if (n->repr == OPA_NUM_FLOAT) return true;
  if (n->repr != OPA_NUM_REF) return false;
  wb_dec d;
  if (wb_num_dec(v, &d)) {
    for (; d.e < 0; d.e++) { if (d.m % 10 != 0) return false; d.m /= 10; }
    return true;
  }
  uint32_t i = n->ref_len > 0 && n->ref[0] == '-' ? 1 : 0;
  if (i >= n->ref_len) return false;
  for (; i < n->ref_len; i++) if (n->ref[i] < '0' || n->ref[i] > '9') return false;
  return true;
}

/* OPA: both operands must be integers; the result has the sign of the dividend. */
WRIT_EXPORT("wb_rem") opa_value *wb_rem(opa_value *a, opa_value *b) {
  wb_i128 x, y;
  bool ax = wb_num_i128(a, &x), by = wb_num_i128(b, &y);
  /* an integer divisor beyond 128 bits exceeds |x|: the remainder is x itself */
  if (ax && !by && wb_is_huge_integer(b) && x != (wb_i128)((unsigned __int128)1 << 127)) return a;
  if (ax && by && y == 0) return writ_builtin_fail(WRIT_ERR_BUILTIN, "modulo by zero");
  if (!ax || !by) {
    if (wb_is(a, OPA_NUMBER) && wb_is(b, OPA_NUMBER)) return writ_builtin_fail(WRIT_ERR_BUILTIN, "modulo on floating-point number");
    return 0;
  }
  if (y == -1) return opa_number_int(0);
  return wb_from_i128(x % y);
}

WRIT_EXPORT("wb_abs") opa_value *wb_abs(opa_value *a) {
  if (!wb_is(a, OPA_NUMBER)) return 0;
  wb_i128 x;
  if (wb_num_i128(a, &x) && x != (wb_i128)((unsigned __int128)1 << 127)) return wb_from_i128(x < 0 ? -x : x);
  wb_dec d;
  if (wb_num_dec(a, &d)) { if (d.m < 0) d.m = -d.m; return wb_from_dec(d); }
  return wb_from_double(__builtin_fabs(wb_num_f(a)));
}

typedef enum { WB_ROUND, WB_CEIL, WB_FLOOR } wb_round_op;

static opa_value *wb_rounding(opa_value *a, wb_round_op op) {
  if (!wb_is(a, OPA_NUMBER)) return 0;
  wb_i128 x;
  if (wb_num_i128(a, &x)) return wb_from_i128(x);   /* already integral: keep it exact */
  wb_dec d;
  if (wb_num_dec(a, &d) && d.e < 0) {
    /* decimal literal: split m * 10^e exactly into quotient and remainder */
    wb_i128 p = 1;
    bool ok = true;
    for (int32_t k = 0; k < -d.e && ok; k++) ok = !__builtin_mul_overflow(p, (wb_i128)10, &p);
    if (ok) {
      wb_i128 q = d.m / p, r = d.m % p, ar = r < 0 ? -r : r;
      if (op == WB_CEIL && r > 0) q++;
      else if (op == WB_FLOOR && r < 0) q--;
      else if (op == WB_ROUND && ar >= p - ar) q += d.m < 0 ? -1 : 1;   /* half away from zero */
      return wb_from_i128(q);
    }
  }
  double f = wb_num_f(a), r;
  if (op == WB_CEIL) r = __builtin_ceil(f);
  else if (op == WB_FLOOR) r = __builtin_floor(f);
  else {
    /* half away from zero (Go math.Round); x - trunc(x) is exact for doubles */
    double t = __builtin_trunc(f);
    r = __builtin_fabs(f - t) >= 0.5 ? t + __builtin_copysign(1.0, f) : t;
  }
  return wb_from_double(r);
}

WRIT_EXPORT("wb_round") opa_value *wb_round(opa_value *a) { return wb_rounding(a, WB_ROUND); }
WRIT_EXPORT("wb_ceil") opa_value *wb_ceil(opa_value *a) { return wb_rounding(a, WB_CEIL); }
WRIT_EXPORT("wb_floor") opa_value *wb_floor(opa_value *a) { return wb_rounding(a, WB_FLOOR); }
