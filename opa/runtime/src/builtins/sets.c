/* Native set builtins: and (&), or (|), set_diff, intersection and union of a set of sets. */
#include "wb_common.h"

WRIT_EXPORT("wb_and") opa_value *wb_and(opa_value *a, opa_value *b) {
  if (!wb_is(a, OPA_SET) || !wb_is(b, OPA_SET)) return 0;
  opa_value *r = opa_set();
  opa_set_t *sa = wb_set(a);
  for (uint32_t i = 0; i < sa->len; i++)
    if (opa_value_get(b, sa->elems[i]) != 0) opa_set_add(r, sa->elems[i]);
  return r;
}

/* Union by merging the two sorted element arrays, so every add appends at the end. */
static opa_value *wb_merge(opa_set_t *x, opa_set_t *y) {
  opa_value *r = opa_set();
  uint32_t i = 0, j = 0;
  while (i < x->len && j < y->len) {
    int c = opa_value_compare(x->elems[i], y->elems[j]);
    if (c <= 0) { opa_set_add(r, x->elems[i++]); if (c == 0) j++; }
    else opa_set_add(r, y->elems[j++]);
  }
  while (i < x->len) opa_set_add(r, x->elems[i++]);
  while (j < y->len) opa_set_add(r, y->elems[j++]);
  return r;
}

WRIT_EXPORT("wb_or") opa_value *wb_or(opa_value *a, opa_value *b) {
  if (!wb_is(a, OPA_SET) || !wb_is(b, OPA_SET)) return 0;
  return wb_merge(wb_set(a), wb_set(b));
}

WRIT_EXPORT("wb_set_diff") opa_value *wb_set_diff(opa_value *a, opa_value *b) {
  if (!wb_is(a, OPA_SET) || !wb_is(b, OPA_SET)) return 0;
  opa_value *r = opa_set();
  opa_set_t *sa = wb_set(a);
  for (uint32_t i = 0; i < sa->len; i++)
    if (opa_value_get(b, sa->elems[i]) == 0) opa_set_add(r, sa->elems[i]);
  return r;
}

/* Every element of a set of sets must itself be a set. */
static bool wb_all_sets(opa_value *a) {
  if (!wb_is(a, OPA_SET)) return false;
  for (uint32_t i = 0; i < wb_set(a)->len; i++) if (!wb_is(wb_set(a)->elems[i], OPA_SET)) return false;
  return true;
}

WRIT_EXPORT("wb_intersection") opa_value *wb_intersection(opa_value *a) {
  if (!wb_all_sets(a)) return 0;
  opa_set_t *s = wb_set(a);
  if (s->len == 0) return opa_set();
  opa_value *acc = s->elems[0];
  for (uint32_t i = 1; i < s->len; i++) acc = wb_and(acc, s->elems[i]);
  if (acc == s->elems[0]) {   /* a single set: return a copy, never the argument itself */
    opa_value *r = opa_set();
    for (uint32_t i = 0; i < wb_set(acc)->len; i++) opa_set_add(r, wb_set(acc)->elems[i]);
    return r;
  }
  return acc;
}

WRIT_EXPORT("wb_union") opa_value *wb_union(opa_value *a) {
  if (!wb_all_sets(a)) return 0;
  opa_value *r = opa_set();
  opa_set_t *s = wb_set(a);
  for (uint32_t i = 0; i < s->len; i++) r = wb_merge(wb_set(r), wb_set(s->elems[i]));
  return r;
}
