/* object.filter, object.get, object.remove and object.union (deep merge, right wins), as OPA. */
#include "wb_common.h"
#include "../strict.h"

/* Keys parameter of object.filter / object.remove: array, set or object (its keys) -> a set. */
static opa_value *keys_param(opa_value *v) {
  if (!v) return 0;
  opa_value *set;
  switch (v->type) {
  case OPA_SET: return v;
  case OPA_ARRAY: {
    set = opa_set();
    opa_array_t *a = (opa_array_t *)v;
    for (uint32_t i = 0; i < a->len; i++) opa_set_add(set, a->elems[i]);
    return set;
  }
  case OPA_OBJECT: {
    set = opa_set();
    opa_object_t *o = (opa_object_t *)v;
    for (uint32_t i = 0; i < o->len; i++) opa_set_add(set, o->keys[i]);
    return set;
  }
  default: return 0;
  }
}

/* The entries of obj whose key is (keep) or is not (!keep) in the keys parameter. */
static opa_value *select_keys(opa_value *obj, opa_value *keys, bool keep) {
  if (!wb_is(obj, OPA_OBJECT)) return 0;
  opa_value *set = keys_param(keys);
  if (!set) return writ_type_fail(2, "one of {object, set, array}", keys);
  opa_value *out = opa_object();
  opa_object_t *o = (opa_object_t *)obj;
  for (uint32_t i = 0; i < o->len; i++)
    if ((opa_value_get(set, o->keys[i]) != 0) == keep) opa_object_insert(out, o->keys[i], o->vals[i]);
  return out;
}

WRIT_EXPORT("wb_object_filter") opa_value *wb_object_filter(opa_value *obj, opa_value *keys) {
  return select_keys(obj, keys, true);
}

WRIT_EXPORT("wb_object_remove") opa_value *wb_object_remove(opa_value *obj, opa_value *keys) {
  return select_keys(obj, keys, false);
}

/* A non-array key is a single top-level key; an array key is a path ([] = the object itself).
 * Any missing step (or a step into a scalar) yields the default. */
WRIT_EXPORT("wb_object_get") opa_value *wb_object_get(opa_value *obj, opa_value *key, opa_value *dflt) {
  if (!wb_is(obj, OPA_OBJECT) || !key || !dflt) return 0;
  if (key->type != OPA_ARRAY) {
    opa_value *r = opa_value_get(obj, key);
    return r ? r : dflt;
  }
  opa_array_t *path = (opa_array_t *)key;
  opa_value *cur = obj;
  for (uint32_t i = 0; i < path->len; i++) {
    if (cur->type != OPA_OBJECT && cur->type != OPA_ARRAY && cur->type != OPA_SET) return dflt;
    cur = opa_value_get(cur, path->elems[i]);
    if (!cur) return dflt;
  }
  return cur;
}

static opa_value *union_merge(opa_value *a, opa_value *b) {
  opa_value *out = opa_object();
  opa_object_t *oa = (opa_object_t *)a, *ob = (opa_object_t *)b;
  for (uint32_t i = 0; i < oa->len; i++) opa_object_insert(out, oa->keys[i], oa->vals[i]);
  for (uint32_t i = 0; i < ob->len; i++) {
    opa_value *prev = opa_value_get(a, ob->keys[i]);
    opa_value *v = ob->vals[i];
    if (prev && prev->type == OPA_OBJECT && v->type == OPA_OBJECT) v = union_merge(prev, v);
    opa_object_insert(out, ob->keys[i], v);
  }
  return out;
}

WRIT_EXPORT("wb_object_union") opa_value *wb_object_union(opa_value *a, opa_value *b) {
  if (!wb_is(a, OPA_OBJECT) || !wb_is(b, OPA_OBJECT)) return 0;
  return union_merge(a, b);
}

/* object.keys(obj): the set of keys, native so non-string keys stay what they are. */
WRIT_EXPORT("wb_object_keys") opa_value *wb_object_keys(opa_value *obj) {
  if (obj == 0 || obj->type != OPA_OBJECT) return 0;
  opa_object_t *o = (opa_object_t *)obj;
  opa_value *s = opa_set();
  for (uint32_t i = 0; i < o->len; i++) opa_set_add(s, o->keys[i]);
  return s;
}
