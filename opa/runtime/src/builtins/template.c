/* internal.template_string: the builtin behind Rego template strings ($"a {x} b").
 * The planner passes an array whose parts are literal strings and, for each {expr}, the set of
 * the expression's values: empty prints "<undefined>", one value prints as itself (strings raw,
 * anything else as Rego literal text, e.g. {"a": "b"}, set()), several values are an error
 * (undefined, as a non-strict builtin error). */
#include "../value.h"
#include "../internal.h"
#include <string.h>

WRIT_EXPORT("wb_internal_template_string") opa_value *wb_internal_template_string(opa_value *parts) {
  if (parts == 0 || parts->type != OPA_ARRAY) return 0;
  opa_array_t *a = (opa_array_t *)parts;
  writ_buf b;
  writ_buf_init(&b, 64);
  for (uint32_t i = 0; i < a->len; i++) {
    opa_value *p = a->elems[i];
    if (p->type == OPA_SET) {
      opa_set_t *s = (opa_set_t *)p;
      if (s->len == 0) writ_buf_put(&b, "<undefined>", 11);
      else if (s->len == 1) writ_buf_put_display(&b, s->elems[0]);
      else return 0;
    } else {
      writ_buf_put_display(&b, p);
    }
  }
  uint32_t len = b.len;
  char *text = writ_buf_finish(&b);
  return opa_string_nocopy(text, len);
}
