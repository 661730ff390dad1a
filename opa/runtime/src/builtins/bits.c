/* Native bitwise builtins on integers (two's complement, as Go's big.Int): bits.or bits.and
 * bits.negate bits.xor bits.lsh bits.rsh. Non-integers and negative shifts are undefined. */
#include "wb_common_a.h"

WRIT_EXPORT("wb_bits_or") opa_value *wb_bits_or(opa_value *a, opa_value *b) {
  wb_i128 x, y;
  if (!wb_int_arg(a, 1, &x) || !wb_int_arg(b, 2, &y)) return 0;
  return wb_from_i128(x | y);
}

WRIT_EXPORT("wb_bits_and") opa_value *wb_bits_and(opa_value *a, opa_value *b) {
  wb_i128 x, y;
  if (!wb_int_arg(a, 1, &x) || !wb_int_arg(b, 2, &y)) return 0;
  return wb_from_i128(x & y);
}

WRIT_EXPORT("wb_bits_xor") opa_value *wb_bits_xor(opa_value *a, opa_value *b) {
  wb_i128 x, y;
  if (!wb_int_arg(a, 1, &x) || !wb_int_arg(b, 2, &y)) return 0;
  return wb_from_i128(x ^ y);
}

WRIT_EXPORT("wb_bits_negate") opa_value *wb_bits_negate(opa_value *a) {
  wb_i128 x;
  if (!wb_int_arg(a, 1, &x)) return 0;
  return wb_from_i128(~x);
}

WRIT_EXPORT("wb_bits_lsh") opa_value *wb_bits_lsh(opa_value *a, opa_value *b) {
  wb_i128 x;
  int64_t s;
  if (!wb_int_arg(a, 1, &x) || !wb_int64_arg(b, 2, &s)) return 0;
  if (s < 0) return writ_builtin_fail(WRIT_ERR_TYPE, "operand 2 must be an unsigned integer number but got a negative integer");
  if (x == 0) return opa_number_int(0);
  /* exact while the result stays within int128, then doubles (exact powers of two) */
  wb_i128 r = x;
  int64_t done = 0;
  while (done < s && r <= ((wb_i128)1 << 125) && r >= -((wb_i128)1 << 125)) { r *= 2; done++; }
  if (done == s) return wb_from_i128(r);
  double f = (double)r;
  for (; done < s && f - f == 0; done++) f *= 2;
  if (f - f != 0) return 0;   /* beyond double range */
  return wb_from_double(f);
}

WRIT_EXPORT("wb_bits_rsh") opa_value *wb_bits_rsh(opa_value *a, opa_value *b) {
  wb_i128 x;
  int64_t s;
  if (!wb_int_arg(a, 1, &x) || !wb_int64_arg(b, 2, &s)) return 0;
  if (s < 0) return writ_builtin_fail(WRIT_ERR_TYPE, "operand 2 must be an unsigned integer number but got a negative integer");
  if (s >= 127) return opa_number_int(x < 0 ? -1 : 0);
  return wb_from_i128(x >> s);   /* arithmetic shift: rounds toward -infinity like big.Int.Rsh */
}
