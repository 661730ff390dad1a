/* Native membership builtins behind `in`: internal.member_2 (x in coll: array elements, set
 * elements, object values) and internal.member_3 (k, v in coll: coll[k] == v; for sets k == v
 * and k is a member). Non-collections give false, not undefined, as OPA. */
#include "wb_common.h"

WRIT_EXPORT("wb_internal_member_2") opa_value *wb_internal_member_2(opa_value *x, opa_value *coll) {
  if (x == 0 || coll == 0) return 0;
  switch (coll->type) {
    case OPA_SET: return opa_boolean(opa_value_get(coll, x) != 0);
    case OPA_ARRAY:
      for (uint32_t i = 0; i < wb_arr(coll)->len; i++)
        if (opa_value_compare(wb_arr(coll)->elems[i], x) == 0) return opa_boolean(true);
      return opa_boolean(false);
    case OPA_OBJECT:
      for (uint32_t i = 0; i < wb_obj(coll)->len; i++)
        if (opa_value_compare(wb_obj(coll)->vals[i], x) == 0) return opa_boolean(true);
      return opa_boolean(false);
    default: return opa_boolean(false);
  }
}

WRIT_EXPORT("wb_internal_member_3") opa_value *wb_internal_member_3(opa_value *k, opa_value *v, opa_value *coll) {
  if (k == 0 || v == 0 || coll == 0) return 0;
  switch (coll->type) {
    case OPA_SET: return opa_boolean(opa_value_get(coll, k) != 0 && opa_value_compare(k, v) == 0);
    case OPA_ARRAY:
    case OPA_OBJECT: {
      opa_value *got = opa_value_get(coll, k);
      return opa_boolean(got != 0 && opa_value_compare(got, v) == 0);
    }
    default: return opa_boolean(false);
  }
}
