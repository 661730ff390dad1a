/* writ runtime: path updates (`with` copies, the ABI's add/remove path) and deep object merge. */
#include <string.h>
#include "internal.h"

enum { ERR_OK = 0, ERR_INTERNAL = 1, ERR_INVALID_TYPE = 2, ERR_INVALID_PATH = 3 };

/* New object sharing keys/values with o (copy-on-write of one level). */
static opa_object_t *copy_object(opa_object_t *o) {
  opa_object_t *r = (opa_object_t *)opa_object();
  if (o->len) {
    r->keys = opa_malloc(o->len * sizeof(opa_value *));
    r->vals = opa_malloc(o->len * sizeof(opa_value *));
    memcpy(r->keys, o->keys, o->len * sizeof(opa_value *));
    memcpy(r->vals, o->vals, o->len * sizeof(opa_value *));
  }
  r->len = r->cap = o->len;
  return r;
}

static opa_value *with_path(opa_value *base, opa_array_t *path, uint32_t i, opa_value *v) {
  if (i == path->len) return v;
  opa_value *key = path->elems[i];
  bool is_obj = base && base->type == OPA_OBJECT;
  opa_object_t *r = is_obj ? copy_object((opa_object_t *)base) : (opa_object_t *)opa_object();
  opa_value *child = is_obj ? opa_value_get(base, key) : 0;
  opa_object_insert(&r->hdr, key, with_path(child, path, i + 1, v));
  return &r->hdr;
}

WRIT_EXPORT("opa_value_with_path") opa_value *opa_value_with_path(opa_value *base, opa_value *path, opa_value *v) {
  if (!path || path->type != OPA_ARRAY) return 0;
  return with_path(base, (opa_array_t *)path, 0, v);
}

/* OPA's merge: keys in both are merged recursively when both values are objects, otherwise the
 * value from a wins; keys in only one side are kept. */
static opa_value *merge(opa_value *a, opa_value *b) {
  if (!a) return b;
  if (!b || a->type != OPA_OBJECT || b->type != OPA_OBJECT) return a;
  opa_object_t *x = (opa_object_t *)a, *y = (opa_object_t *)b;
  opa_object_t *r = (opa_object_t *)opa_object();
  uint32_t cap = x->len + y->len;
  if (cap) {
    r->keys = opa_malloc(cap * sizeof(opa_value *));
    r->vals = opa_malloc(cap * sizeof(opa_value *));
    r->cap = cap;
  }
  uint32_t i = 0, j = 0, n = 0;   /* both key lists are sorted: merge them in one pass */
  while (i < x->len || j < y->len) {
    int c = i == x->len ? 1 : j == y->len ? -1 : opa_value_compare(x->keys[i], y->keys[j]);
    if (c < 0) { r->keys[n] = x->keys[i]; r->vals[n++] = x->vals[i++]; }
    else if (c > 0) { r->keys[n] = y->keys[j]; r->vals[n++] = y->vals[j++]; }
    else { r->keys[n] = x->keys[i]; r->vals[n++] = merge(x->vals[i++], y->vals[j++]); }
  }
  r->len = n;
  return &r->hdr;
}

WRIT_EXPORT("opa_object_merge") opa_value *opa_object_merge(opa_value *a, opa_value *b) {
  if (!a || !b || a->type != OPA_OBJECT || b->type != OPA_OBJECT) return 0;
  return merge(a, b);
}

WRIT_EXPORT("opa_object_remove") void opa_object_remove(opa_value *obj, opa_value *key) {
  if (!obj || obj->type != OPA_OBJECT) return;
  opa_object_t *o = (opa_object_t *)obj;
  for (uint32_t i = 0; i < o->len; i++) {   /* linear scan is fine: removals are rare */
    if (opa_value_compare(o->keys[i], key) != 0) continue;
    memmove(o->keys + i, o->keys + i + 1, (o->len - i - 1) * sizeof(opa_value *));
    memmove(o->vals + i, o->vals + i + 1, (o->len - i - 1) * sizeof(opa_value *));
    o->len--;
    return;
  }
}

/* ABI: upsert value into base at path (array of strings), creating objects along the way. */
WRIT_EXPORT("opa_value_add_path") int32_t opa_value_add_path(opa_value *base, opa_value *path, opa_value *v) {
  if (!path || path->type != OPA_ARRAY) return ERR_INVALID_PATH;
  opa_array_t *p = (opa_array_t *)path;
  if (p->len == 0) return ERR_INVALID_PATH;
  if (!base || base->type != OPA_OBJECT || !v) return ERR_INVALID_TYPE;
  opa_value *cur = base;
  for (uint32_t i = 0; i + 1 < p->len; i++) {
    opa_value *next = opa_value_get(cur, p->elems[i]);
    if (!next) {
      next = opa_object();
      opa_object_insert(cur, p->elems[i], next);
    } else if (next->type != OPA_OBJECT) {
      return ERR_INVALID_TYPE;
    }
    cur = next;
  }
  opa_object_insert(cur, p->elems[p->len - 1], v);
  return ERR_OK;
}

WRIT_EXPORT("opa_value_remove_path") int32_t opa_value_remove_path(opa_value *base, opa_value *path) {
  if (!path || path->type != OPA_ARRAY) return ERR_INVALID_PATH;
  opa_array_t *p = (opa_array_t *)path;
  if (p->len == 0) return ERR_INVALID_PATH;
  if (!base || base->type != OPA_OBJECT) return ERR_INVALID_TYPE;
  opa_value *cur = base;
  for (uint32_t i = 0; i + 1 < p->len; i++) {
    cur = opa_value_get(cur, p->elems[i]);
    if (!cur) return ERR_OK;   /* nothing there: already removed */
    if (cur->type != OPA_OBJECT) return ERR_INVALID_TYPE;
  }
  opa_object_remove(cur, p->elems[p->len - 1]);
  return ERR_OK;
}

/* ABI 1.3. Blocks are reclaimed only by resetting the heap pointer, so freeing is a no-op. */
WRIT_EXPORT("opa_value_free") void opa_value_free(opa_value *v) { (void)v; }
