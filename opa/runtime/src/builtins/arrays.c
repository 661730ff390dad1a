/* Native array builtins: array.concat and array.slice (indices clamped as OPA does). */
#include "wb_common.h"

WRIT_EXPORT("wb_array_concat") opa_value *wb_array_concat(opa_value *a, opa_value *b) {
  if (!wb_is(a, OPA_ARRAY) || !wb_is(b, OPA_ARRAY)) return 0;
  opa_array_t *x = wb_arr(a), *y = wb_arr(b);
  opa_value *r = opa_array_with_cap(x->len + y->len);
  for (uint32_t i = 0; i < x->len; i++) opa_array_append(r, x->elems[i]);
  for (uint32_t i = 0; i < y->len; i++) opa_array_append(r, y->elems[i]);
  return r;
}

/* array.slice(arr, start, stop): stop clamped to [0, len], then start to [0, stop]. */
WRIT_EXPORT("wb_array_slice") opa_value *wb_array_slice(opa_value *a, opa_value *start, opa_value *stop) {
  int64_t s, e;
  if (!wb_is(a, OPA_ARRAY) || !wb_num_i64(start, &s) || !wb_num_i64(stop, &e)) return 0;
  int64_t len = wb_arr(a)->len;
  if (e < 0) e = 0; else if (e > len) e = len;
  if (s < 0) s = 0; else if (s > e) s = e;
  opa_value *r = opa_array_with_cap((uint32_t)(e - s));
  for (int64_t i = s; i < e; i++) opa_array_append(r, wb_arr(a)->elems[i]);
  return r;
}
