/* walk(x) as a relation: an array of [path, value] pairs for every node of x in pre-order
 * (root first with path []); object keys in sorted order, set elements are their own keys. */
#include "wb_common.h"

static opa_value *path_copy(opa_value **segs, uint32_t n) {
  opa_value *p = opa_array_with_cap(n);
  for (uint32_t i = 0; i < n; i++) opa_array_append(p, segs[i]);
  return p;
}

typedef struct { opa_value **segs; uint32_t len, cap; } walk_path;

static void walk_rec(opa_value *out, walk_path *path, opa_value *v) {
  opa_value *pair = opa_array_with_cap(2);
  opa_array_append(pair, path_copy(path->segs, path->len));
  opa_array_append(pair, v);
  opa_array_append(out, pair);
  if (v->type != OPA_ARRAY && v->type != OPA_OBJECT && v->type != OPA_SET) return;
  uint32_t n = opa_value_length(v);
  if (path->len == path->cap) {
    uint32_t ncap = path->cap ? path->cap * 2 : 8;
    path->segs = (opa_value **)opa_realloc(path->segs, path->cap * sizeof(opa_value *), ncap * sizeof(opa_value *));
    path->cap = ncap;
  }
  for (uint32_t i = 0; i < n; i++) {
    path->segs[path->len++] = opa_value_key_at(v, i);
    walk_rec(out, path, opa_value_val_at(v, i));
    path->len--;
  }
}

WRIT_EXPORT("wb_walk") opa_value *wb_walk(opa_value *x) {
  if (!x) return 0;
  opa_value *out = opa_array();
  walk_path path = {0, 0, 0};
  walk_rec(out, &path, x);
  return out;
}
