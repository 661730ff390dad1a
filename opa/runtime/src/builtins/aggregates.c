/* Native aggregate builtins: count sum product max min sort all any (arrays and sets; count
 * also objects and strings, where it counts code points). */
#include "wb_common.h"

/* Elements of an array or a set as a pointer array; false for other types. */
static bool wb_elems(opa_value *v, opa_value ***elems, uint32_t *len) {
  if (wb_is(v, OPA_ARRAY)) { *elems = wb_arr(v)->elems; *len = wb_arr(v)->len; return true; }
  if (wb_is(v, OPA_SET)) { *elems = wb_set(v)->elems; *len = wb_set(v)->len; return true; }
  return false;
}

WRIT_EXPORT("wb_count") opa_value *wb_count(opa_value *a) {
  if (a == 0) return 0;
  switch (a->type) {
    case OPA_STRING: return opa_number_int(wb_utf8_count(wb_str(a)->data, wb_str(a)->len));
    case OPA_ARRAY: return opa_number_int(wb_arr(a)->len);
    case OPA_SET: return opa_number_int(wb_set(a)->len);
    case OPA_OBJECT: return opa_number_int(wb_obj(a)->len);
    default: return 0;
  }
}

/* sum/product: int64 without allocation while it lasts, then exact decimals of any size
 * (bignum.c) while every element is exact (INT/REF), then doubles. Any non-number element makes
 * the result undefined. */
static opa_value *wb_fold(opa_value *a, bool product) {
  opa_value **el;
  uint32_t n, i = 0;
  if (!wb_elems(a, &el, &n)) return 0;
  int64_t acc = product ? 1 : 0;
  for (; i < n; i++) {
    if (!wb_is(el[i], OPA_NUMBER)) return 0;
    opa_number_t *x = wb_num(el[i]);
    if (x->repr != OPA_NUM_INT) break;
    int64_t r;
    if (product ? __builtin_mul_overflow(acc, x->i, &r) : __builtin_add_overflow(acc, x->i, &r)) break;
    acc = r;
  }
  if (i == n) return opa_number_int(acc);
  writ_big big;
  writ_big_from_i64(acc, &big);
  double accf = 0;
  bool exact = true;
  for (; i < n; i++) {
    if (!wb_is(el[i], OPA_NUMBER)) return 0;
    writ_big x, r;
    if (exact && wb_num_exact(el[i]) && writ_big_from_number(el[i], &x) &&
        (product ? writ_big_mul(&big, &x, &r) : writ_big_add(&big, &x, &r))) {
      big = r;
      continue;
    }
    if (exact) {
      accf = wb_num_f(writ_big_to_number(&big));   /* correctly rounded through the decimal text */
      exact = false;
    }
    double f = wb_num_f(el[i]);
    accf = product ? accf * f : accf + f;
  }
  return exact ? writ_big_to_number(&big) : wb_from_double(accf);
}

WRIT_EXPORT("wb_sum") opa_value *wb_sum(opa_value *a) { return wb_fold(a, false); }
WRIT_EXPORT("wb_product") opa_value *wb_product(opa_value *a) { return wb_fold(a, true); }

static opa_value *wb_extreme(opa_value *a, int sign) {
  opa_value **el;
  uint32_t n;
  if (!wb_elems(a, &el, &n) || n == 0) return 0;
  opa_value *best = el[0];
  for (uint32_t i = 1; i < n; i++)
    if (opa_value_compare(el[i], best) * sign > 0) best = el[i];
  return best;
}

WRIT_EXPORT("wb_max") opa_value *wb_max(opa_value *a) { return wb_extreme(a, 1); }
WRIT_EXPORT("wb_min") opa_value *wb_min(opa_value *a) { return wb_extreme(a, -1); }

/* Stable merge sort of v[0..n) using tmp as scratch. */
static void wb_merge_sort(opa_value **v, opa_value **tmp, uint32_t n) {
  if (n < 2) return;
  uint32_t h = n / 2;
  wb_merge_sort(v, tmp, h);
  wb_merge_sort(v + h, tmp, n - h);
  uint32_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = opa_value_compare(v[j], v[i]) < 0 ? v[j++] : v[i++];
  while (i < h) tmp[k++] = v[i++];
  while (j < n) tmp[k++] = v[j++];
  for (k = 0; k < n; k++) v[k] = tmp[k];
}

WRIT_EXPORT("wb_sort") opa_value *wb_sort(opa_value *a) {
  opa_value **el;
  uint32_t n;
  if (!wb_elems(a, &el, &n)) return 0;
  opa_value *r = opa_array_with_cap(n);
  for (uint32_t i = 0; i < n; i++) opa_array_append(r, el[i]);
  if (a->type == OPA_ARRAY && n > 1) {   /* sets are already in order */
    opa_value **tmp = (opa_value **)opa_malloc(n * sizeof(opa_value *));
    wb_merge_sort(wb_arr(r)->elems, tmp, n);
    opa_free(tmp);
  }
  return r;
}

static bool wb_is_true(opa_value *v) { return wb_is(v, OPA_BOOLEAN) && ((opa_boolean_t *)v)->v; }

WRIT_EXPORT("wb_all") opa_value *wb_all(opa_value *a) {
  opa_value **el;
  uint32_t n;
  if (!wb_elems(a, &el, &n)) return 0;
  for (uint32_t i = 0; i < n; i++) if (!wb_is_true(el[i])) return opa_boolean(false);
  return opa_boolean(true);
}

WRIT_EXPORT("wb_any") opa_value *wb_any(opa_value *a) {
  opa_value **el;
  uint32_t n;
  if (!wb_elems(a, &el, &n)) return 0;
  for (uint32_t i = 0; i < n; i++) if (wb_is_true(el[i])) return opa_boolean(true);
  return opa_boolean(false);
}
