/* writ runtime: the OPA Wasm ABI entry points (opa-wasm-abi.md 2.3) around the generated code. */
#include <string.h>
#include "internal.h"

int32_t writ_gen_heap_base(void);
const char *writ_gen_builtins(void);
const char *writ_gen_entrypoints(void);
void writ_gen_init(void);
opa_value *writ_gen_eval(int32_t ep, opa_value *input, opa_value *data);

/* The module's start function (codegen installs it): heap first, then generated init. */
WRIT_EXPORT("writ_start") void writ_start(void) {
  writ_heap_init();
  writ_gen_init();
}

static opa_value *parse_cstr(const char *s) {
  opa_value *v = opa_json_parse(s, strlen(s));
  if (!v) opa_abort("internal: bad generated JSON table");
  return v;
}

WRIT_EXPORT("builtins") opa_value *writ_abi_builtins(void) { return parse_cstr(writ_gen_builtins()); }
WRIT_EXPORT("entrypoints") opa_value *writ_abi_entrypoints(void) { return parse_cstr(writ_gen_entrypoints()); }

typedef struct { opa_value *input; opa_value *data; int32_t entrypoint; opa_value *result; } eval_ctx;

WRIT_EXPORT("opa_eval_ctx_new") eval_ctx *opa_eval_ctx_new(void) {
  eval_ctx *c = opa_malloc(sizeof(eval_ctx));
  c->input = c->data = c->result = 0;
  c->entrypoint = 0;
  return c;
}
WRIT_EXPORT("opa_eval_ctx_set_input") void opa_eval_ctx_set_input(eval_ctx *c, opa_value *v) { c->input = v; }
WRIT_EXPORT("opa_eval_ctx_set_data") void opa_eval_ctx_set_data(eval_ctx *c, opa_value *v) { c->data = v; }
WRIT_EXPORT("opa_eval_ctx_set_entrypoint") void opa_eval_ctx_set_entrypoint(eval_ctx *c, int32_t ep) { c->entrypoint = ep; }
WRIT_EXPORT("opa_eval_ctx_get_result") opa_value *opa_eval_ctx_get_result(eval_ctx *c) { return c->result; }

WRIT_EXPORT("eval") int32_t writ_abi_eval(eval_ctx *c) {
  c->result = writ_gen_eval(c->entrypoint, c->input, c->data);
  return 0;
}

/* One-shot evaluation (ABI 1.2): nothing may be allocated before the heap pointer is set, since
 * [data heap ptr, heap_ptr) holds the input bytes. */
WRIT_EXPORT("opa_eval") char *opa_eval(int32_t reserved, int32_t ep, opa_value *data, const char *input,
                                       int32_t input_len, int32_t heap_ptr, int32_t format) {
  if (reserved != 0) opa_abort("opa_eval: reserved argument must be 0");
  opa_heap_ptr_set(heap_ptr);
  opa_value *in = 0;
  if (input_len > 0) {
    in = opa_value_parse(input, (size_t)input_len);
    if (!in) opa_abort("opa_eval: invalid input");
  }
  opa_value *r = writ_gen_eval(ep, in, data);
  return format == 1 ? opa_value_dump(r) : opa_json_dump(r);
}

/* Generic host-builtin call for generated code; also keeps all opa_builtinN imports present in
 * runtime.wasm so the import section (and function numbering) is stable for codegen. */
WRIT_EXPORT("writ_call_host") opa_value *writ_call_host(int32_t id, int32_t n, opa_value **args) {
  switch (n) {
  case 0: return opa_builtin0(id, 0);
  case 1: return opa_builtin1(id, 0, args[0]);
  case 2: return opa_builtin2(id, 0, args[0], args[1]);
  case 3: return opa_builtin3(id, 0, args[0], args[1], args[2]);
  case 4: return opa_builtin4(id, 0, args[0], args[1], args[2], args[3]);
  default: opa_abort("internal: host builtin arity");
  }
}

/* Debug printing from generated code (and keeps the opa_println import present). */
WRIT_EXPORT("writ_println") void writ_println(const char *msg) { opa_println(msg); }
