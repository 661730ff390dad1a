/* writ runtime: arbitrary-precision decimal numbers for exact arithmetic beyond int64/int128
 * (runtime-internal; see ../README.md "Big numbers"). A writ_big is sign, magnitude in base-1e9
 * limbs (little-endian) and a power-of-ten exponent: value = ±mag * 10^exp. Limbs live on the
 * runtime heap (bump allocated, never freed individually). */
#ifndef WRIT_BIGNUM_H
#define WRIT_BIGNUM_H

#include "value.h"

#define WRIT_BIG_BASE 1000000000u
/* Digit limits (decimal digits of a mantissa) bound time and memory of hostile inputs: operations
 * of quadratic cost (mul, division, shifts, rounding) refuse operands or results beyond
 * WRIT_BIG_MAX_DIGITS, linear ones (reading text, add, sub, compare) beyond WRIT_BIG_MAX_TEXT.
 * A refused operation reports false and callers fall back to double arithmetic. */
#define WRIT_BIG_MAX_DIGITS 20000
#define WRIT_BIG_MAX_TEXT 1000000
/* Exponents beyond this magnitude are refused when reading text. */
#define WRIT_BIG_MAX_EXP 100000000

typedef struct {
  uint32_t *d;     /* limbs, least significant first; top limb nonzero; len 0 means zero */
  uint32_t len;
  int32_t exp;
  bool neg;        /* never set for zero */
} writ_big;

/* Exact conversions from a number value: INT, REF (literal text) and finite FLOAT (the double's
 * exact binary value written in decimal). False for non-numbers, non-finite doubles and
 * mantissas or exponents beyond the limits. */
bool writ_big_from_number(opa_value *v, writ_big *out);
bool writ_big_from_text(const char *s, uint32_t len, writ_big *out);
void writ_big_from_i64(int64_t v, writ_big *out);

/* The number value: INT when the value is an integer in int64 range, otherwise a REF holding
 * the canonical text (integers in full, fractions as plain decimals, see writ_big_text). */
opa_value *writ_big_to_number(const writ_big *b);
/* Canonical text (NUL-terminated, on the heap); *len gets its length. */
char *writ_big_text(const writ_big *b, uint32_t *len);

/* Arithmetic; false beyond the digit limits. */
bool writ_big_add(const writ_big *a, const writ_big *b, writ_big *r);
bool writ_big_sub(const writ_big *a, const writ_big *b, writ_big *r);
bool writ_big_mul(const writ_big *a, const writ_big *b, writ_big *r);
/* Integer division truncated toward zero (remainder has the dividend's sign, as Go's
 * big.Int Quo/Rem). Both must be integers, b nonzero; false otherwise. q or r may be 0. */
bool writ_big_quorem(const writ_big *a, const writ_big *b, writ_big *q, writ_big *r);
/* Exact quotient when it is a terminating decimal; false otherwise. */
bool writ_big_div_exact(const writ_big *a, const writ_big *b, writ_big *r);

int writ_big_cmp(const writ_big *a, const writ_big *b);
bool writ_big_is_zero(const writ_big *a);
/* Integer value with exp 0 (scaled up); false when a has a fractional part or more than
 * WRIT_BIG_MAX_DIGITS digits. */
bool writ_big_to_integer(const writ_big *a, writ_big *r);
/* Rounds to an integer: mode 'r' half away from zero, 'c' ceiling, 'f' floor, 't' truncate. */
bool writ_big_round(const writ_big *a, char mode, writ_big *r);
/* Fits int64 exactly (integral and in range). */
bool writ_big_to_i64(const writ_big *a, int64_t *out);
/* Decimal digits of the magnitude (0 for zero). */
uint32_t writ_big_digits(const writ_big *a);
/* Magnitude divided by m (2 <= m < 1e9) in place-free form: q = |a| / m, returns |a| % m.
 * a must be an integer (exp 0). */
uint32_t writ_big_divmod_small(const writ_big *a, uint32_t m, writ_big *q);
/* r = a * 2^k (k >= 0); false beyond the digit limit. */
bool writ_big_shl(const writ_big *a, int64_t k, writ_big *r);
/* r = floor(a / 2^k) for an integer a (k >= 0). */
bool writ_big_shr(const writ_big *a, int64_t k, writ_big *r);

/* Value of the digits w[0..n) (least significant first) in base (2 <= base < 1e9), negated when
 * neg; false beyond the digit limit. */
bool writ_big_from_base(const uint32_t *w, uint32_t n, uint32_t base, bool neg, writ_big *out);

#endif
