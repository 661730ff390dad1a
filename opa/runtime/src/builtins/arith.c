/* Native arithmetic builtins: plus minus mul div rem abs round ceil floor (minus also does set
 * difference). int64 operands take an allocation-free path; exact numbers (INT, REF) of any size
 * go through bignum.c (integers and decimals exact, 0.1 + 0.2 = 0.3 as OPA); computed doubles
 * (FLOAT) use double arithmetic. Type errors and division by zero are undefined (0). */
#include "wb_common.h"

typedef enum { WB_ADD, WB_SUB, WB_MUL } wb_arith_op;

static bool wb_big_op(const writ_big *x, const writ_big *y, wb_arith_op op, writ_big *r) {
  return op == WB_ADD ? writ_big_add(x, y, r) : op == WB_SUB ? writ_big_sub(x, y, r) : writ_big_mul(x, y, r);
}

/* int64 without allocation first, then exact decimals of any size for INT/REF operands, then
 * doubles (FLOAT operands, or results beyond the digit limit). A double result that is not
 * finite (operands beyond double range) is retried exactly with the doubles' exact values. */
static opa_value *wb_arith(opa_value *a, opa_value *b, wb_arith_op op) {
  if (!wb_is(a, OPA_NUMBER) || !wb_is(b, OPA_NUMBER)) return 0;
  opa_number_t *na = wb_num(a), *nb = wb_num(b);
  if (na->repr == OPA_NUM_INT && nb->repr == OPA_NUM_INT) {
    int64_t r;
    bool ovf = op == WB_ADD ? __builtin_add_overflow(na->i, nb->i, &r)
             : op == WB_SUB ? __builtin_sub_overflow(na->i, nb->i, &r)
                            : __builtin_mul_overflow(na->i, nb->i, &r);
    if (!ovf) return opa_number_int(r);
  }
  writ_big x, y, q;
  bool exact = na->repr != OPA_NUM_FLOAT && nb->repr != OPA_NUM_FLOAT;
  if (exact && writ_big_from_number(a, &x) && writ_big_from_number(b, &y) && wb_big_op(&x, &y, op, &q))
    return writ_big_to_number(&q);
  double f = wb_num_f(a), g = wb_num_f(b);
  double r = op == WB_ADD ? f + g : op == WB_SUB ? f - g : f * g;
  if (r - r != 0 && !exact && writ_big_from_number(a, &x) && writ_big_from_number(b, &y) && wb_big_op(&x, &y, op, &q))
    return writ_big_to_number(&q);
  return wb_from_double(r);
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

/* Quotient rounded to 20 significant digits (OPA divides in big.Float with a 64-bit mantissa,
 * about 19.3 digits), for quotients a double cannot hold exactly (beyond 2^53, overflowing or
 * underflowing); rounded half away from zero. */
static opa_value *wb_big_quotient(const writ_big *x, const writ_big *y) {
  int64_t k = (int64_t)writ_big_digits(y) - (int64_t)writ_big_digits(x) + 20;
  if (k < 0) k = 0;
  writ_big xm = *x, ym = *y, scale, num, q, r, twice, one;
  xm.exp = 0; ym.exp = 0; xm.neg = false; ym.neg = false;
  writ_big_from_i64(1, &scale);
  scale.exp = (int32_t)k;
  if (!writ_big_mul(&xm, &scale, &num) || !writ_big_quorem(&num, &ym, &q, &r)) return 0;
  writ_big_from_i64(1, &one);
  if (!writ_big_add(&r, &r, &twice)) return 0;
  if (writ_big_cmp(&twice, &ym) >= 0 && !writ_big_add(&q, &one, &q)) return 0;
  int64_t e = (int64_t)x->exp - y->exp + q.exp - k;
  if (e > WRIT_BIG_MAX_EXP || e < -WRIT_BIG_MAX_EXP) return 0;
  q.exp = (int32_t)e;
  q.neg = q.len > 0 && x->neg != y->neg;
  return writ_big_to_number(&q);
}

WRIT_EXPORT("wb_div") opa_value *wb_div(opa_value *a, opa_value *b) {
  if (!wb_is(a, OPA_NUMBER) || !wb_is(b, OPA_NUMBER)) return 0;
  if (wb_num(a)->repr == OPA_NUM_INT && wb_num(b)->repr == OPA_NUM_INT) {
    wb_i128 x = wb_num(a)->i, y = wb_num(b)->i;
    if (y == 0) return writ_builtin_fail(WRIT_ERR_BUILTIN, "divide by zero");
    if (x % y == 0) return wb_from_i128(x / y);   /* int128: INT64_MIN / -1 cannot overflow */
  }
  writ_big p, q, r;
  bool big = writ_big_from_number(a, &p) && writ_big_from_number(b, &q);
  if (big && writ_big_is_zero(&q)) return writ_builtin_fail(WRIT_ERR_BUILTIN, "divide by zero");
  /* terminating decimal quotients of exact operands are exact (0.3 / 0.1 = 3, 1 / 8 = 0.125) */
  if (big && wb_num_exact(a) && wb_num_exact(b) && writ_big_div_exact(&p, &q, &r)) return writ_big_to_number(&r);
  double g = wb_num_f(b);
  if (g == 0 && !big) return writ_builtin_fail(WRIT_ERR_BUILTIN, "divide by zero");
  double f = wb_num_f(a) / g, af = __builtin_fabs(f);
  bool inexact = !(af >= 2.2250738585072014e-308 && af < 9007199254740992.0) || g == 0;
  if (inexact && big && wb_num_exact(a) && wb_num_exact(b) && !writ_big_is_zero(&p)) {
    opa_value *v = wb_big_quotient(&p, &q);
    if (v) return v;
  }
  return wb_from_double(f);
}

/* OPA: both operands must be integers (of any size); the result has the sign of the dividend. */
WRIT_EXPORT("wb_rem") opa_value *wb_rem(opa_value *a, opa_value *b) {
  if (wb_is(a, OPA_NUMBER) && wb_is(b, OPA_NUMBER) && wb_num(a)->repr == OPA_NUM_INT && wb_num(b)->repr == OPA_NUM_INT) {
    int64_t x = wb_num(a)->i, y = wb_num(b)->i;
    if (y == 0) return writ_builtin_fail(WRIT_ERR_BUILTIN, "modulo by zero");
    if (y == -1) return opa_number_int(0);
    return opa_number_int(x % y);
  }
  if (!wb_is(a, OPA_NUMBER) || !wb_is(b, OPA_NUMBER)) return 0;
  writ_big p, q, r, pi, qi;
  if (!writ_big_from_number(a, &p) || !writ_big_from_number(b, &q) ||
      !writ_big_to_integer(&p, &pi) || !writ_big_to_integer(&q, &qi))
    return writ_builtin_fail(WRIT_ERR_BUILTIN, "modulo on floating-point number");
  if (writ_big_is_zero(&qi)) return writ_builtin_fail(WRIT_ERR_BUILTIN, "modulo by zero");
  if (!writ_big_quorem(&pi, &qi, 0, &r)) return 0;
  return writ_big_to_number(&r);
}

WRIT_EXPORT("wb_abs") opa_value *wb_abs(opa_value *a) {
  if (!wb_is(a, OPA_NUMBER)) return 0;
  opa_number_t *n = wb_num(a);
  if (n->repr == OPA_NUM_INT && n->i != INT64_MIN) return n->i < 0 ? opa_number_int(-n->i) : a;
  writ_big x;
  if (n->repr != OPA_NUM_FLOAT && writ_big_from_number(a, &x)) { x.neg = false; return writ_big_to_number(&x); }
  return wb_from_double(__builtin_fabs(wb_num_f(a)));
}

typedef enum { WB_ROUND, WB_CEIL, WB_FLOOR } wb_round_op;

static opa_value *wb_rounding(opa_value *a, wb_round_op op) {
  if (!wb_is(a, OPA_NUMBER)) return 0;
  opa_number_t *n = wb_num(a);
  if (n->repr == OPA_NUM_INT) return a;   /* already integral */
  writ_big x, r;
  if (n->repr == OPA_NUM_REF && writ_big_from_number(a, &x) &&
      writ_big_round(&x, op == WB_ROUND ? 'r' : op == WB_CEIL ? 'c' : 'f', &r))
    return writ_big_to_number(&r);
  double f = wb_num_f(a), t;
  if (op == WB_CEIL) t = __builtin_ceil(f);
  else if (op == WB_FLOOR) t = __builtin_floor(f);
  else {
    /* half away from zero (Go math.Round); x - trunc(x) is exact for doubles */
    double tr = __builtin_trunc(f);
    t = __builtin_fabs(f - tr) >= 0.5 ? tr + __builtin_copysign(1.0, f) : tr;
  }
  return wb_from_double(t);
}

WRIT_EXPORT("wb_round") opa_value *wb_round(opa_value *a) { return wb_rounding(a, WB_ROUND); }
WRIT_EXPORT("wb_ceil") opa_value *wb_ceil(opa_value *a) { return wb_rounding(a, WB_CEIL); }
WRIT_EXPORT("wb_floor") opa_value *wb_floor(opa_value *a) { return wb_rounding(a, WB_FLOOR); }
