/* Native type builtins: is_number is_string is_boolean is_array is_set is_object is_null
 * (false, not undefined, for other types) and type_name. */
#include "wb_common.h"

WRIT_EXPORT("wb_is_number") opa_value *wb_is_number(opa_value *a) { return opa_boolean(wb_is(a, OPA_NUMBER)); }
WRIT_EXPORT("wb_is_string") opa_value *wb_is_string(opa_value *a) { return opa_boolean(wb_is(a, OPA_STRING)); }
WRIT_EXPORT("wb_is_boolean") opa_value *wb_is_boolean(opa_value *a) { return opa_boolean(wb_is(a, OPA_BOOLEAN)); }
WRIT_EXPORT("wb_is_array") opa_value *wb_is_array(opa_value *a) { return opa_boolean(wb_is(a, OPA_ARRAY)); }
WRIT_EXPORT("wb_is_set") opa_value *wb_is_set(opa_value *a) { return opa_boolean(wb_is(a, OPA_SET)); }
WRIT_EXPORT("wb_is_object") opa_value *wb_is_object(opa_value *a) { return opa_boolean(wb_is(a, OPA_OBJECT)); }
WRIT_EXPORT("wb_is_null") opa_value *wb_is_null(opa_value *a) { return opa_boolean(wb_is(a, OPA_NULL)); }

WRIT_EXPORT("wb_type_name") opa_value *wb_type_name(opa_value *a) {
  if (a == 0) return 0;
  const char *n;
  switch (a->type) {
    case OPA_NULL: n = "null"; break;
    case OPA_BOOLEAN: n = "boolean"; break;
    case OPA_NUMBER: n = "number"; break;
    case OPA_STRING: n = "string"; break;
    case OPA_ARRAY: n = "array"; break;
    case OPA_OBJECT: n = "object"; break;
    case OPA_SET: n = "set"; break;
    default: return 0;
  }
  uint32_t len = 0;
  while (n[len]) len++;
  return opa_string_nocopy(n, len);
}
