/* writ runtime: Rego's total order over values, equality and hashing. */
#include <string.h>
#include "internal.h"

static int cmp_len(uint32_t a, uint32_t b) { return a < b ? -1 : a > b; }

WRIT_EXPORT("opa_value_compare") int opa_value_compare(opa_value *a, opa_value *b) {
  if (a == b) return 0;
  if (!a) return -1;
  if (!b) return 1;
  if (a->type != b->type) return a->type < b->type ? -1 : 1;
  switch (a->type) {
  case OPA_NULL: return 0;
  case OPA_BOOLEAN: return (int)((opa_boolean_t *)a)->v - (int)((opa_boolean_t *)b)->v;
  case OPA_NUMBER: return writ_number_compare((opa_number_t *)a, (opa_number_t *)b);
  case OPA_STRING: {
    opa_string_t *x = (opa_string_t *)a, *y = (opa_string_t *)b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->data, y->data, n) : 0;   /* memcmp compares as unsigned bytes */
    if (c) return c < 0 ? -1 : 1;
    return cmp_len(x->len, y->len);
  }
  case OPA_ARRAY: {
    opa_array_t *x = (opa_array_t *)a, *y = (opa_array_t *)b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    for (uint32_t i = 0; i < n; i++) {
      int c = opa_value_compare(x->elems[i], y->elems[i]);
      if (c) return c;
    }
    return cmp_len(x->len, y->len);
  }
  case OPA_OBJECT: {
    /* as OPA: walk both sorted key lists, comparing key then value at each position */
    opa_object_t *x = (opa_object_t *)a, *y = (opa_object_t *)b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    for (uint32_t i = 0; i < n; i++) {
      int c = opa_value_compare(x->keys[i], y->keys[i]);
      if (c) return c;
      c = opa_value_compare(x->vals[i], y->vals[i]);
      if (c) return c;
    }
    return cmp_len(x->len, y->len);
  }
  case OPA_SET: {
    opa_set_t *x = (opa_set_t *)a, *y = (opa_set_t *)b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    for (uint32_t i = 0; i < n; i++) {
      int c = opa_value_compare(x->elems[i], y->elems[i]);
      if (c) return c;
    }
    return cmp_len(x->len, y->len);
  }
  default: opa_abort("illegal value");
  }
}

WRIT_EXPORT("opa_value_equal") bool opa_value_equal(opa_value *a, opa_value *b) {
  return opa_value_compare(a, b) == 0;
}

static uint32_t fnv(uint32_t h, const char *s, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 0x01000193u; }
  return h;
}

static uint32_t mix(uint32_t h, uint32_t x) { return (h ^ x) * 0x01000193u + 0x9e3779b9u; }

WRIT_EXPORT("opa_value_hash") uint32_t opa_value_hash(opa_value *v) {
  if (!v) return 0;
  switch (v->type) {
  case OPA_NULL: return 0x9e3779b9u;
  case OPA_BOOLEAN: return ((opa_boolean_t *)v)->v ? 0x51ed270bu : 0x2545f491u;
  case OPA_NUMBER: return writ_number_hash((opa_number_t *)v);
  case OPA_STRING: { opa_string_t *s = (opa_string_t *)v; return fnv(0x811c9dc5u, s->data, s->len); }
  case OPA_ARRAY: {
    opa_array_t *a = (opa_array_t *)v;
    uint32_t h = 0x1234567u;
    for (uint32_t i = 0; i < a->len; i++) h = mix(h, opa_value_hash(a->elems[i]));
    return h;
  }
  case OPA_OBJECT: {
    opa_object_t *o = (opa_object_t *)v;
    uint32_t h = 0x7654321u;
    for (uint32_t i = 0; i < o->len; i++) h = mix(mix(h, opa_value_hash(o->keys[i])), opa_value_hash(o->vals[i]));
    return h;
  }
  case OPA_SET: {
    opa_set_t *s = (opa_set_t *)v;
    uint32_t h = 0x3141592u;
    for (uint32_t i = 0; i < s->len; i++) h = mix(h, opa_value_hash(s->elems[i]));
    return h;
  }
  default: return 0;
  }
}
