/* writ runtime: strict builtin errors (OPA's --strict-builtin-errors). A native builtin that
 * returns 0 (undefined) because of an error records why here; code generated in strict mode
 * reads the record after a 0 result and aborts with OPA's "<loc>: <code>: <builtin>: <msg>".
 * Non-strict code never reads it, so recording is all a builtin pays. */
#ifndef WRIT_STRICT_H
#define WRIT_STRICT_H

#include "value.h"

enum { WRIT_ERR_NONE = 0, WRIT_ERR_TYPE = 1, WRIT_ERR_BUILTIN = 2 };

/* Record an error (printf format); the last record before the check wins. Always returns 0,
 * so a builtin can `return writ_builtin_fail(...)`. */
opa_value *writ_builtin_fail(int32_t code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* eval_type_error "operand <pos> must be <want> but got <type of v>". */
opa_value *writ_type_fail(int32_t pos, const char *want, opa_value *v);
/* OPA's type name of a value (null, boolean, number, string, array, object, set). */
const char *writ_type_name(opa_value *v);
/* Host builtin errors come back as JSON text with this prefix (see opa_json_parse). */
void writ_strict_host_error(const char *s, uint32_t len);

#endif
