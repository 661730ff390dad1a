/* Native comparison builtins: equal neq gt gte lt lte, over Rego's total order of values. */
#include "wb_common.h"

WRIT_EXPORT("wb_equal") opa_value *wb_equal(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) == 0); }
WRIT_EXPORT("wb_neq") opa_value *wb_neq(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) != 0); }
WRIT_EXPORT("wb_gt") opa_value *wb_gt(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) > 0); }
WRIT_EXPORT("wb_gte") opa_value *wb_gte(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) >= 0); }
WRIT_EXPORT("wb_lt") opa_value *wb_lt(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) < 0); }
WRIT_EXPORT("wb_lte") opa_value *wb_lte(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) <= 0); }
