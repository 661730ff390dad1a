/* writ runtime: value constructors, mutators and accessors of value.h. */
#include <string.h>
#include "internal.h"

static opa_value null_value = {OPA_NULL};
static opa_boolean_t true_value = {{OPA_BOOLEAN}, true};
static opa_boolean_t false_value = {{OPA_BOOLEAN}, false};

/* null and booleans are immutable, so one shared instance each is enough. */
WRIT_EXPORT("opa_null") opa_value *opa_null(void) { return &null_value; }
WRIT_EXPORT("opa_boolean") opa_value *opa_boolean(bool v) { return v ? &true_value.hdr : &false_value.hdr; }

WRIT_EXPORT("opa_string") opa_value *opa_string(const char *s, uint32_t len) {
  opa_string_t *r = opa_malloc(sizeof(opa_string_t) + len);
  char *d = (char *)(r + 1);
  if (len) memcpy(d, s, len);
  r->hdr.type = OPA_STRING;
  r->len = len;
  r->data = d;
  return &r->hdr;
}

WRIT_EXPORT("opa_string_nocopy") opa_value *opa_string_nocopy(const char *s, uint32_t len) {
  opa_string_t *r = opa_malloc(sizeof(opa_string_t));
  r->hdr.type = OPA_STRING;
  r->len = len;
  r->data = s;
  return &r->hdr;
}

WRIT_EXPORT("opa_array_with_cap") opa_value *opa_array_with_cap(uint32_t cap) {
  opa_array_t *a = opa_malloc(sizeof(opa_array_t));
  a->hdr.type = OPA_ARRAY;
  a->len = 0;
  a->cap = cap;
  a->elems = cap ? opa_malloc(cap * sizeof(opa_value *)) : 0;
  return &a->hdr;
}

WRIT_EXPORT("opa_array") opa_value *opa_array(void) { return opa_array_with_cap(0); }

WRIT_EXPORT("opa_object") opa_value *opa_object(void) {
  opa_object_t *o = opa_malloc(sizeof(opa_object_t));
  o->hdr.type = OPA_OBJECT;
  o->len = o->cap = 0;
  o->keys = o->vals = 0;
  return &o->hdr;
}

WRIT_EXPORT("opa_set") opa_value *opa_set(void) {
  opa_set_t *s = opa_malloc(sizeof(opa_set_t));
  s->hdr.type = OPA_SET;
  s->len = s->cap = 0;
  s->elems = 0;
  return &s->hdr;
}

static opa_value **grow(opa_value **p, uint32_t old_cap, uint32_t new_cap) {
  return opa_realloc(p, old_cap * sizeof(opa_value *), new_cap * sizeof(opa_value *));
}

static uint32_t next_cap(uint32_t cap) { return cap < 4 ? 4 : cap * 2; }

WRIT_EXPORT("opa_array_append") void opa_array_append(opa_value *arr, opa_value *v) {
  opa_array_t *a = (opa_array_t *)arr;
  if (a->len == a->cap) {
    uint32_t c = next_cap(a->cap);
    a->elems = grow(a->elems, a->cap, c);
    a->cap = c;
  }
  a->elems[a->len++] = v;
}

/* Binary search over sorted keys: index of key, or -(insertion point) - 1. */
static int32_t search(opa_value **xs, uint32_t n, opa_value *key) {
  if (n > 0) {
    /* fast path: builders usually insert in ascending order */
    int c = opa_value_compare(xs[n - 1], key);
    if (c < 0) return -(int32_t)n - 1;
    if (c == 0) return (int32_t)n - 1;
  }
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = opa_value_compare(xs[mid], key);
    if (c == 0) return (int32_t)mid;
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return -(int32_t)lo - 1;
}

WRIT_EXPORT("opa_object_insert") void opa_object_insert(opa_value *obj, opa_value *key, opa_value *val) {
  opa_object_t *o = (opa_object_t *)obj;
  int32_t i = search(o->keys, o->len, key);
  if (i >= 0) { o->vals[i] = val; return; }
  uint32_t at = (uint32_t)(-i - 1);
  if (o->len == o->cap) {
    uint32_t c = next_cap(o->cap);
    o->keys = grow(o->keys, o->cap, c);
    o->vals = grow(o->vals, o->cap, c);
    o->cap = c;
  }
  memmove(o->keys + at + 1, o->keys + at, (o->len - at) * sizeof(opa_value *));
  memmove(o->vals + at + 1, o->vals + at, (o->len - at) * sizeof(opa_value *));
  o->keys[at] = key;
  o->vals[at] = val;
  o->len++;
}

WRIT_EXPORT("opa_set_add") void opa_set_add(opa_value *set, opa_value *v) {
  opa_set_t *s = (opa_set_t *)set;
  int32_t i = search(s->elems, s->len, v);
  if (i >= 0) return;
  uint32_t at = (uint32_t)(-i - 1);
  if (s->len == s->cap) {
    uint32_t c = next_cap(s->cap);
    s->elems = grow(s->elems, s->cap, c);
    s->cap = c;
  }
  memmove(s->elems + at + 1, s->elems + at, (s->len - at) * sizeof(opa_value *));
  s->elems[at] = v;
  s->len++;
}

WRIT_EXPORT("opa_value_type") int32_t opa_value_type(opa_value *v) { return v ? v->type : 0; }

static uint32_t utf8_count(const char *s, uint32_t n) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
  return c;
}

WRIT_EXPORT("opa_value_length") uint32_t opa_value_length(opa_value *v) {
  if (!v) return 0;
  switch (v->type) {
  case OPA_STRING: { opa_string_t *s = (opa_string_t *)v; return utf8_count(s->data, s->len); }
  case OPA_ARRAY: return ((opa_array_t *)v)->len;
  case OPA_OBJECT: return ((opa_object_t *)v)->len;
  case OPA_SET: return ((opa_set_t *)v)->len;
  default: return 0;
  }
}

WRIT_EXPORT("opa_value_get") opa_value *opa_value_get(opa_value *coll, opa_value *key) {
  if (!coll || !key) return 0;
  switch (coll->type) {
  case OPA_ARRAY: {
    opa_array_t *a = (opa_array_t *)coll;
    int64_t i;
    if (key->type != OPA_NUMBER || !opa_number_as_int64(key, &i)) return 0;
    if (i < 0 || i >= (int64_t)a->len) return 0;
    return a->elems[i];
  }
  case OPA_OBJECT: {
    opa_object_t *o = (opa_object_t *)coll;
    int32_t i = search(o->keys, o->len, key);
    return i >= 0 ? o->vals[i] : 0;
  }
  case OPA_SET: {
    opa_set_t *s = (opa_set_t *)coll;
    int32_t i = search(s->elems, s->len, key);
    return i >= 0 ? s->elems[i] : 0;
  }
  default: return 0;
  }
}

WRIT_EXPORT("opa_value_key_at") opa_value *opa_value_key_at(opa_value *coll, uint32_t i) {
  if (!coll) return 0;
  switch (coll->type) {
  case OPA_ARRAY: return i < ((opa_array_t *)coll)->len ? opa_number_int(i) : 0;
  case OPA_OBJECT: return i < ((opa_object_t *)coll)->len ? ((opa_object_t *)coll)->keys[i] : 0;
  case OPA_SET: return i < ((opa_set_t *)coll)->len ? ((opa_set_t *)coll)->elems[i] : 0;
  default: return 0;
  }
}

WRIT_EXPORT("opa_value_val_at") opa_value *opa_value_val_at(opa_value *coll, uint32_t i) {
  if (!coll) return 0;
  switch (coll->type) {
  case OPA_ARRAY: return i < ((opa_array_t *)coll)->len ? ((opa_array_t *)coll)->elems[i] : 0;
  case OPA_OBJECT: return i < ((opa_object_t *)coll)->len ? ((opa_object_t *)coll)->vals[i] : 0;
  case OPA_SET: return i < ((opa_set_t *)coll)->len ? ((opa_set_t *)coll)->elems[i] : 0;
  default: return 0;
  }
}

/* Stable merge sort of parallel key/value arrays; then duplicate keys collapse, the last
 * occurrence winning (JSON objects with repeated keys). */
static void msort(opa_value **k, opa_value **v, opa_value **tk, opa_value **tv, uint32_t n) {
  if (n < 2) return;
  uint32_t h = n / 2;
  msort(k, v, tk, tv, h);
  msort(k + h, v ? v + h : 0, tk, tv, n - h);
  if (opa_value_compare(k[h - 1], k[h]) <= 0) return;
  uint32_t i = 0, j = h, o = 0;
  while (i < h && j < n) {
    if (opa_value_compare(k[j], k[i]) < 0) { tk[o] = k[j]; if (v) tv[o] = v[j]; o++; j++; }
    else { tk[o] = k[i]; if (v) tv[o] = v[i]; o++; i++; }
  }
  while (i < h) { tk[o] = k[i]; if (v) tv[o] = v[i]; o++; i++; }
  while (j < n) { tk[o] = k[j]; if (v) tv[o] = v[j]; o++; j++; }
  memcpy(k, tk, n * sizeof(opa_value *));
  if (v) memcpy(v, tv, n * sizeof(opa_value *));
}

static uint32_t sort_unique(opa_value **k, opa_value **v, uint32_t n) {
  if (n < 2) return n;
  int32_t mark = opa_heap_ptr_get();
  opa_value **tk = opa_malloc(n * sizeof(opa_value *));
  opa_value **tv = v ? opa_malloc(n * sizeof(opa_value *)) : 0;
  msort(k, v, tk, tv, n);
  opa_heap_ptr_set(mark);   /* scratch space only */
  uint32_t o = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (o > 0 && opa_value_compare(k[o - 1], k[i]) == 0) {
      if (v) v[o - 1] = v[i];   /* stable sort keeps input order among equals: last wins */
      continue;
    }
    k[o] = k[i];
    if (v) v[o] = v[i];
    o++;
  }
  return o;
}

void writ_object_sort(opa_object_t *o) { o->len = sort_unique(o->keys, o->vals, o->len); }
void writ_set_sort(opa_set_t *s) { s->len = sort_unique(s->elems, 0, s->len); }

/* The wasm32 layouts documented in README.md (codegen may build values in data segments). */
_Static_assert(sizeof(opa_boolean_t) == 2 && offsetof(opa_boolean_t, v) == 1, "boolean layout");
_Static_assert(sizeof(opa_number_t) == 32 && offsetof(opa_number_t, repr) == 1 && offsetof(opa_number_t, i) == 8 &&
               offsetof(opa_number_t, f) == 16 && offsetof(opa_number_t, ref) == 24 &&
               offsetof(opa_number_t, ref_len) == 28, "number layout");
_Static_assert(sizeof(opa_string_t) == 12 && offsetof(opa_string_t, len) == 4 && offsetof(opa_string_t, data) == 8,
               "string layout");
_Static_assert(sizeof(opa_array_t) == 16 && offsetof(opa_array_t, elems) == 12, "array layout");
_Static_assert(sizeof(opa_object_t) == 20 && offsetof(opa_object_t, keys) == 12 && offsetof(opa_object_t, vals) == 16,
               "object layout");
_Static_assert(sizeof(opa_set_t) == 16 && offsetof(opa_set_t, elems) == 12, "set layout");
