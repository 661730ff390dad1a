/* writ runtime: the stubs whose bodies the code generator replaces. They live alone in this file
 * so that no caller is compiled against their default bodies (no inlining, no inferred
 * attributes such as noreturn); keep each signature exactly as in TEAM.md. */
#include "value.h"

extern unsigned char __heap_base;

WRIT_EXPORT("writ_gen_heap_base") __attribute__((noinline)) int32_t writ_gen_heap_base(void) {
  return (int32_t)&__heap_base;
}

WRIT_EXPORT("writ_gen_builtins") __attribute__((noinline)) const char *writ_gen_builtins(void) {
  return "{}";
}

WRIT_EXPORT("writ_gen_entrypoints") __attribute__((noinline)) const char *writ_gen_entrypoints(void) {
  return "{}";
}

WRIT_EXPORT("writ_gen_init") __attribute__((noinline)) void writ_gen_init(void) {}

WRIT_EXPORT("writ_gen_eval") __attribute__((noinline)) opa_value *writ_gen_eval(int32_t ep, opa_value *input, opa_value *data) {
  (void)ep; (void)input; (void)data;
  opa_abort("internal: illegal entrypoint id");
}
