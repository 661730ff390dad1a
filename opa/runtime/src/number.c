/* writ runtime: numbers. INT is an exact int64, FLOAT a double, REF a number's exact decimal text
 * (literals kept so they print unchanged, e.g. "1.0", and big results of exact arithmetic, see
 * bignum.c) with its correctly rounded double. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "bignum.h"

static opa_number_t *alloc_number(uint8_t repr) {
  opa_number_t *n = opa_malloc(sizeof(opa_number_t));
  n->hdr.type = OPA_NUMBER;
  n->repr = repr;
  n->i = 0;
  n->f = 0;
  n->ref = 0;
  n->ref_len = 0;
  return n;
}

WRIT_EXPORT("opa_number_int") opa_value *opa_number_int(int64_t v) {
  opa_number_t *n = alloc_number(OPA_NUM_INT);
  n->i = v;
  n->f = (double)v;
  return &n->hdr;
}

/* 2^63 as a double: the int64 range is [-2^63, 2^63). */
#define TWO63 9223372036854775808.0

static bool double_to_int64(double d, int64_t *out) {
  if (!(d >= -TWO63 && d < TWO63)) return false;   /* also rejects NaN */
  int64_t i = (int64_t)d;
  if ((double)i != d) return false;
  *out = i;
  return true;
}

WRIT_EXPORT("opa_number_float") opa_value *opa_number_float(double v) {
  int64_t i;
  if (double_to_int64(v, &i)) return opa_number_int(i);
  opa_number_t *n = alloc_number(OPA_NUM_FLOAT);
  n->f = v;
  return &n->hdr;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; returns the length
 * matched at s (0 if none) and whether it had a fraction or exponent. */
uint32_t writ_scan_number(const char *s, uint32_t len, bool *is_int) {
  uint32_t i = 0;
  *is_int = true;
  if (i < len && s[i] == '-') i++;
  if (i >= len) return 0;
  if (s[i] == '0') i++;
  else if (s[i] >= '1' && s[i] <= '9') { while (i < len && s[i] >= '0' && s[i] <= '9') i++; }
  else return 0;
  if (i < len && s[i] == '.') {
    i++;
    if (i >= len || s[i] < '0' || s[i] > '9') return 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    *is_int = false;
  }
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= len || s[i] < '0' || s[i] > '9') return 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    *is_int = false;
  }
  return i;
}

static bool parse_int64(const char *s, uint32_t len, int64_t *out) {
  bool neg = s[0] == '-';
  uint64_t acc = 0;
  uint64_t limit = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
  for (uint32_t i = neg ? 1 : 0; i < len; i++) {
    uint64_t d = (uint64_t)(s[i] - '0');
    if (acc > (limit - d) / 10) return false;
    acc = acc * 10 + d;
  }
  *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
  return true;
}

static double text_to_double(const char *s, uint32_t len) {
  char small[64];
  char *buf = len < sizeof small ? small : opa_malloc(len + 1);
  memcpy(buf, s, len);
  buf[len] = 0;
  return strtod(buf, 0);
}

WRIT_EXPORT("opa_number_ref") opa_value *opa_number_ref(const char *s, uint32_t len) {
  bool is_int;
  if (len == 0 || writ_scan_number(s, len, &is_int) != len) return 0;
  int64_t i;
  if (is_int && parse_int64(s, len, &i)) return opa_number_int(i);
  opa_number_t *n = alloc_number(OPA_NUM_REF);
  char *t = opa_malloc(len);
  memcpy(t, s, len);
  n->ref = t;
  n->ref_len = len;
  n->f = text_to_double(s, len);
  return &n->hdr;
}

WRIT_EXPORT("opa_number_as_int64") bool opa_number_as_int64(opa_value *v, int64_t *out) {
  if (!v || v->type != OPA_NUMBER) return false;
  opa_number_t *n = (opa_number_t *)v;
  if (n->repr == OPA_NUM_INT) { *out = n->i; return true; }
  if (n->repr == OPA_NUM_REF) {   /* exactly: "1.0000000000000000001" is no integer */
    writ_big b;
    return writ_big_from_number(v, &b) && writ_big_to_i64(&b, out);
  }
  return double_to_int64(n->f, out);
}

WRIT_EXPORT("opa_number_as_double") double opa_number_as_double(opa_value *v) {
  if (!v || v->type != OPA_NUMBER) return 0;
  opa_number_t *n = (opa_number_t *)v;
  return n->repr == OPA_NUM_INT ? (double)n->i : n->f;
}

static uint32_t int_text(int64_t v, char *out) {
  char tmp[24];
  uint32_t n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
  uint32_t o = 0;
  if (v < 0) out[o++] = '-';
  while (n) out[o++] = tmp[--n];
  out[o] = 0;
  return o;
}

/* A computed double as OPA prints its number text (builtins.FloatToNumber): integral values in
 * full (beyond int64 only, smaller ones are INT; on the heap, through *ref), others as Go's
 * shortest 'g': the fewest significant digits (15..17; subnormals from 1) that read back, plain
 * for a leading digit from 10^-4 to 10^5, else d.ddde±XX. NaN/Inf have no JSON form: null. */
static uint32_t float_text(double d, char *out, const char **ref) {
  if (d != d || d - d != 0) { memcpy(out, "null", 5); return 4; }
  if (__builtin_trunc(d) == d && (d >= TWO63 || d < -TWO63)) {
    char *t = opa_malloc(340);
    int n = snprintf(t, 340, "%.0f", d);
    *ref = t;
    return (uint32_t)n;
  }
  char e[40];
  /* subnormals carry fewer significant digits: search those from 1 */
  for (int prec = (d > -2.3e-308 && d < 2.3e-308) ? 1 : 15; prec <= 17; prec++) {
    snprintf(e, sizeof e, "%.*e", prec - 1, d);
    if (strtod(e, 0) == d) break;
  }
  /* e is [-]d.ddd...e[+-]xx: collect the digits without trailing zeros and the exponent */
  const char *p = e;
  bool neg = *p == '-';
  if (neg) p++;
  char dg[24];
  int n = 0;
  for (; *p && *p != 'e'; p++) if (*p >= '0' && *p <= '9') dg[n++] = *p;
  int x = (int)strtol(p + 1, 0, 10);
  while (n > 1 && dg[n - 1] == '0') n--;
  uint32_t o = 0;
  if (neg) out[o++] = '-';
  if (x < -4 || x >= 6) {
    out[o++] = dg[0];
    if (n > 1) { out[o++] = '.'; memcpy(out + o, dg + 1, (size_t)n - 1); o += (uint32_t)n - 1; }
    out[o++] = 'e';
    out[o++] = x < 0 ? '-' : '+';
    if (x < 0) x = -x;
    if (x < 10) out[o++] = '0';
    o += (uint32_t)snprintf(out + o, 8, "%d", x);
  } else if (x >= 0) {
    for (int i = 0; i <= x; i++) out[o++] = i < n ? dg[i] : '0';
    if (n > x + 1) { out[o++] = '.'; memcpy(out + o, dg + x + 1, (size_t)(n - x - 1)); o += (uint32_t)(n - x - 1); }
  } else {
    out[o++] = '0'; out[o++] = '.';
    for (int i = 0; i < -x - 1; i++) out[o++] = '0';
    memcpy(out + o, dg, (size_t)n); o += (uint32_t)n;
  }
  out[o] = 0;
  return o;
}

uint32_t writ_number_text(opa_number_t *n, char *out, const char **ref) {
  *ref = 0;
  switch (n->repr) {
  case OPA_NUM_INT: return int_text(n->i, out);
  case OPA_NUM_REF: *ref = n->ref; return n->ref_len;
  default: return float_text(n->f, out, ref);
  }
}

/* Exact comparison of an int64 with a double. */
static int cmp_int_double(int64_t i, double d) {
  if (d != d) return 1;   /* NaN cannot come from JSON; order it first for totality */
  if (d >= TWO63) return -1;
  if (d < -TWO63) return 1;
  double t = __builtin_trunc(d);
  int64_t ti = (int64_t)t;
  if (i < ti) return -1;
  if (i > ti) return 1;
  double frac = d - t;
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

/* Exact comparison. Doubles decide whenever they differ (REF doubles are correctly rounded, so
 * rounding keeps the order); only ties involving a REF (big integers, long decimals, values
 * beyond double range) are settled by the exact decimal values. */
int writ_number_compare(opa_number_t *a, opa_number_t *b) {
  if (a->repr == OPA_NUM_INT && b->repr == OPA_NUM_INT) return a->i < b->i ? -1 : a->i > b->i;
  if (a->repr != OPA_NUM_REF && b->repr != OPA_NUM_REF) {
    if (a->repr == OPA_NUM_INT) return cmp_int_double(a->i, b->f);
    if (b->repr == OPA_NUM_INT) return -cmp_int_double(b->i, a->f);
    return a->f < b->f ? -1 : a->f > b->f;
  }
  double x = opa_number_as_double(&a->hdr), y = opa_number_as_double(&b->hdr);
  if (x < y) return -1;
  if (x > y) return 1;
  writ_big p, q;
  bool pa = writ_big_from_number(&a->hdr, &p), qb = writ_big_from_number(&b->hdr, &q);
  if (pa && qb) return writ_big_cmp(&p, &q);
  /* Beyond the bignum limits (over a million digits, exponents past 1e8; only REF texts): such a
   * value ties on doubles only when it is huge (inf) or tiny (0), so it sorts by its sign beyond
   * the convertible ones; two of them sort by text, keeping distinct texts apart. */
  if (pa != qb) {
    opa_number_t *u = pa ? b : a;
    int s = u->ref_len > 0 && u->ref[0] == '-' ? -1 : 1;
    return pa ? -s : s;
  }
  if (a->ref_len != b->ref_len) return a->ref_len < b->ref_len ? -1 : 1;
  int c = memcmp(a->ref, b->ref, a->ref_len);
  return c < 0 ? -1 : c > 0;
}

/* Equal numbers hash alike: the hash is that of the value rounded to the nearest double (INT
 * converts with correct rounding, REF doubles come from a correctly rounded strtod, FLOAT is
 * exact), with -0 folded into 0. */
uint32_t writ_number_hash(opa_number_t *n) {
  double d = n->repr == OPA_NUM_INT ? (double)n->i : n->f;
  if (d == 0) d = 0;
  uint64_t bits;
  memcpy(&bits, &d, 8);
  uint32_t h = 0x811c9dc5u;
  for (int k = 0; k < 8; k++) { h ^= (uint32_t)(bits & 0xff); h *= 0x01000193u; bits >>= 8; }
  return h;
}
