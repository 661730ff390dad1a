/* rand.intn(str, n): a pseudo-random integer in [0, |n|). DETERMINISTIC: the value is a hash of
 * (str, n), so it is stable for a given (str, n) within an evaluation (OPA's caching guarantee)
 * and also across evaluations and module instances (OPA would draw fresh randomness). n = 0 -> 0;
 * a negative n uses |n| as OPA does; n must be an integer. */
#include "wb_common.h"

static uint64_t mix64(uint64_t x) {   /* splitmix64 finaliser */
  x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27; x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

WRIT_EXPORT("wb_rand_intn") opa_value *wb_rand_intn(opa_value *str, opa_value *nv) {
  opa_string_t *s = wb_as_str(str);
  int64_t n;
  if (!s || !wb_is(nv, OPA_NUMBER) || !opa_number_as_int64(nv, &n)) return 0;
  if (n == 0) return opa_number_int(0);
  if (n < 0) n = -n;
  uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a over the string, then mixed with n */
  for (uint32_t i = 0; i < s->len; i++) { h ^= (unsigned char)s->data[i]; h *= 0x100000001b3ULL; }
  h = mix64(h ^ mix64((uint64_t)n));
  return opa_number_int((int64_t)(h % (uint64_t)n));
}
