/* internal.print: the builtin behind Rego's print(...). The checks rewrite print(a, b) to
 * internal.print([{a|}, {b|}]): one set of values per operand. As OPA does, one line is printed per
 * combination of the operands' values (their cross product), operands joined by a space, strings
 * raw and anything else as Rego literal text; an operand without values prints "<undefined>".
 * The line goes to the host's opa_println. print never fails: the result is always true. */
#include "../value.h"
#include "../internal.h"
#include <string.h>

/* Prints every line whose operands from index i on are the combinations of the remaining sets;
 * `prefix` holds the text of operands 0..i-1. */
static void print_lines(opa_array_t *ops, uint32_t i, const char *prefix, uint32_t plen) {
  if (i == ops->len) {
    writ_buf b;
    writ_buf_init(&b, plen + 1);
    writ_buf_put(&b, prefix, plen);
    opa_println(writ_buf_finish(&b));
    return;
  }
  opa_value *op = ops->elems[i];
  uint32_t n = op->type == OPA_SET ? ((opa_set_t *)op)->len : 1;
  for (uint32_t j = 0; j < (n == 0 ? 1 : n); j++) {
    writ_buf b;
    writ_buf_init(&b, plen + 32);
    writ_buf_put(&b, prefix, plen);
    if (i > 0) writ_buf_putc(&b, ' ');
    if (n == 0) writ_buf_put(&b, "<undefined>", 11);
    else writ_buf_put_display(&b, op->type == OPA_SET ? ((opa_set_t *)op)->elems[j] : op);
    uint32_t len = b.len;
    print_lines(ops, i + 1, writ_buf_finish(&b), len);
  }
}

WRIT_EXPORT("wb_internal_print") opa_value *wb_internal_print(opa_value *operands) {
  if (operands != 0 && operands->type == OPA_ARRAY) print_lines((opa_array_t *)operands, 0, "", 0);
  return opa_boolean(true);
}
