/* Conversions at the host boundary: host builtins answer in JSON, which has no sets, so results
 * whose declared type is a set arrive as arrays and are turned back into sets here. */
#include "value.h"

WRIT_EXPORT("writ_array_to_set") opa_value *writ_array_to_set(opa_value *v) {
  if (v == 0 || v->type != OPA_ARRAY) return v;
  opa_array_t *a = (opa_array_t *)v;
  opa_value *s = opa_set();
  for (uint32_t i = 0; i < a->len; i++) opa_set_add(s, a->elems[i]);
  return s;
}
