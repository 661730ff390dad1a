/* writ runtime: the strict-builtin-error record and the checks strict generated code calls. */
#include <stdarg.h>
#include <stdio.h>
#include "strict.h"

static int32_t err_code;
static char err_msg[600];
/* Location text ("file:row:col") of the host builtin call in progress (strict code sets it). */
static const char *host_site;

opa_value *writ_builtin_fail(int32_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err_msg, sizeof err_msg, fmt, ap);
  va_end(ap);
  err_code = code;
  return 0;
}

const char *writ_type_name(opa_value *v) {
  static const char *const names[] = {"undefined", "null", "boolean", "number", "string", "array", "object", "set"};
  return v != 0 && v->type >= OPA_NULL && v->type <= OPA_SET ? names[v->type] : "undefined";
}

opa_value *writ_type_fail(int32_t pos, const char *want, opa_value *v) {
  return writ_builtin_fail(WRIT_ERR_TYPE, "operand %d must be %s but got %s", (int)pos, want, writ_type_name(v));
}

/* Forget any record: strict code calls it before each native builtin call, so an error that a
 * builtin recorded and then recovered from never surfaces at a later, legitimately undefined call. */
WRIT_EXPORT("writ_strict_clear") void writ_strict_clear(void) { err_code = WRIT_ERR_NONE; }

/* After a 0 result with nothing recorded: a generic operand check from the builtin's declared
 * types. mask has bit (1 << type tag) set for each accepted type; the message lists them in
 * alphabetical order as OPA's operand errors do. */
WRIT_EXPORT("writ_strict_operand") void writ_strict_operand(opa_value *v, int32_t mask, int32_t pos) {
  if (err_code != WRIT_ERR_NONE || v == 0 || (mask & (1 << v->type)) != 0) return;
  static const int order[] = {OPA_ARRAY, OPA_BOOLEAN, OPA_NULL, OPA_NUMBER, OPA_OBJECT, OPA_SET, OPA_STRING};
  char want[96];
  int n = 0, count = 0;
  for (int i = 0; i < 7; i++) if (mask & (1 << order[i])) count++;
  if (count > 1) n += snprintf(want + n, sizeof want - n, "one of {");
  bool first = true;
  for (int i = 0; i < 7; i++) {
    if (!(mask & (1 << order[i]))) continue;
    n += snprintf(want + n, sizeof want - n, "%s%s", first ? "" : ", ", writ_type_name(&(opa_value){(uint8_t)order[i]}));
    first = false;
  }
  if (count > 1) snprintf(want + n, sizeof want - n, "}");
  writ_type_fail(pos, want, v);
}

static const char *code_name(int32_t code) {
  return code == WRIT_ERR_TYPE ? "eval_type_error" : "eval_builtin_error";
}

/* Abort with OPA's strict error text if a builtin recorded one; otherwise return (undefined). */
WRIT_EXPORT("writ_strict_raise") void writ_strict_raise(const char *site, const char *builtin) {
  if (err_code == WRIT_ERR_NONE) return;
  static char text[800];
  bool at = site != 0 && site[0] != 0;
  snprintf(text, sizeof text, "%s%s%s: %s: %s", at ? site : "", at ? ": " : "", code_name(err_code), builtin, err_msg);
  err_code = WRIT_ERR_NONE;
  opa_abort(text);
}

WRIT_EXPORT("writ_strict_site") void writ_strict_site(const char *site) { host_site = site; }

/* Text "\0WRIT\0<code>\0<message>" from a strict host builtin (opa/builtins/host): abort with the
 * location of the call in progress. The message already starts with the builtin's name. */
void writ_strict_host_error(const char *s, uint32_t len) {
  static char text[800];
  uint32_t i = 6, c = i;
  while (c < len && s[c] != 0) c++;
  const char *msg = c < len ? s + c + 1 : "";
  int mlen = c < len ? (int)(len - c - 1) : 0;
  if (host_site != 0 && host_site[0] != 0)
    snprintf(text, sizeof text, "%s: %.*s: %.*s", host_site, (int)(c - i), s + i, mlen, msg);
  else
    snprintf(text, sizeof text, "%.*s: %.*s", (int)(c - i), s + i, mlen, msg);
  opa_abort(text);
}
