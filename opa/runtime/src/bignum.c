/* writ runtime: arbitrary-precision decimals (sign, base-1e9 limbs, power-of-ten exponent) used
 * where int64/int128 are not enough: big integer and decimal arithmetic, exact comparison of
 * numbers that doubles cannot tell apart, and their canonical text. Results are normalized
 * (no trailing decimal zeros in the magnitude), so equal values have identical fields. */
#include <string.h>
#include "bignum.h"
#include "internal.h"

#define BASE WRIT_BIG_BASE
static const uint32_t POW10[10] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
                                   10000000u, 100000000u, 1000000000u};

static uint32_t *limbs(uint32_t n) {
  uint32_t *d = opa_malloc((n ? n : 1) * sizeof(uint32_t));
  memset(d, 0, (n ? n : 1) * sizeof(uint32_t));
  return d;
}

static uint32_t trim(const uint32_t *d, uint32_t n) {
  while (n && d[n - 1] == 0) n--;
  return n;
}

static void set_zero(writ_big *r) { r->d = 0; r->len = 0; r->exp = 0; r->neg = false; }

static uint32_t limb_digits(uint32_t x) {
  uint32_t k = 0;
  while (x) { k++; x /= 10; }
  return k;
}

uint32_t writ_big_digits(const writ_big *a) {
  return a->len ? (a->len - 1) * 9 + limb_digits(a->d[a->len - 1]) : 0;
}

bool writ_big_is_zero(const writ_big *a) { return a->len == 0; }

/* ---- magnitudes (limb arrays) ---- */

static int mag_cmp(const uint32_t *a, uint32_t an, const uint32_t *b, uint32_t bn) {
  if (an != bn) return an < bn ? -1 : 1;
  for (uint32_t i = an; i-- > 0;)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/* r has room for max(an, bn) + 1 limbs */
static uint32_t mag_add(const uint32_t *a, uint32_t an, const uint32_t *b, uint32_t bn, uint32_t *r) {
  if (an < bn) { const uint32_t *t = a; a = b; b = t; uint32_t tn = an; an = bn; bn = tn; }
  uint32_t c = 0;
  for (uint32_t i = 0; i < an; i++) {
    uint32_t s = a[i] + (i < bn ? b[i] : 0) + c;
    c = s >= BASE;
    r[i] = c ? s - BASE : s;
  }
  r[an] = c;
  return an + c;
}

/* a >= b; r has room for an limbs */
static uint32_t mag_sub(const uint32_t *a, uint32_t an, const uint32_t *b, uint32_t bn, uint32_t *r) {
  int64_t borrow = 0;
  for (uint32_t i = 0; i < an; i++) {
    int64_t s = (int64_t)a[i] - (i < bn ? b[i] : 0) - borrow;
    borrow = s < 0;
    r[i] = (uint32_t)(s + (borrow ? BASE : 0));
  }
  return trim(r, an);
}

/* r = a * m + add (m, add < BASE); r may equal a; r has room for an + 1 limbs */
static uint32_t mag_mul_small(const uint32_t *a, uint32_t an, uint32_t m, uint32_t add, uint32_t *r) {
  uint64_t c = add;
  for (uint32_t i = 0; i < an; i++) {
    uint64_t p = (uint64_t)a[i] * m + c;
    r[i] = (uint32_t)(p % BASE);
    c = p / BASE;
  }
  r[an] = (uint32_t)c;
  return trim(r, an + 1);
}

/* r (zeroed, an + bn limbs) = a * b */
static uint32_t mag_mul(const uint32_t *a, uint32_t an, const uint32_t *b, uint32_t bn, uint32_t *r) {
  for (uint32_t i = 0; i < an; i++) {
    uint64_t c = 0, x = a[i];
    if (x == 0) continue;
    for (uint32_t j = 0; j < bn; j++) {
      uint64_t p = x * b[j] + r[i + j] + c;
      r[i + j] = (uint32_t)(p % BASE);
      c = p / BASE;
    }
    r[i + bn] = (uint32_t)c;
  }
  return trim(r, an + bn);
}

/* q = a / m (q may be 0 or equal a), returns a % m */
static uint32_t mag_divmod_small(const uint32_t *a, uint32_t an, uint32_t m, uint32_t *q) {
  uint64_t rem = 0;
  for (uint32_t i = an; i-- > 0;) {
    uint64_t cur = rem * BASE + a[i];
    if (q) q[i] = (uint32_t)(cur / m);
    rem = cur % m;
  }
  return (uint32_t)rem;
}

/* Long division (Knuth, Algorithm D, base 1e9): q (an - bn + 1 limbs) and r (bn limbs), bn >= 1,
 * b's top limb nonzero. Either output may be 0. Returns the quotient length. */
static void mag_divmod(const uint32_t *a, uint32_t an, const uint32_t *b, uint32_t bn,
                       uint32_t *q, uint32_t *qn, uint32_t *r, uint32_t *rn) {
  if (mag_cmp(a, an, b, bn) < 0) {
    if (qn) *qn = 0;
    if (r) { memcpy(r, a, an * sizeof(uint32_t)); *rn = an; }
    return;
  }
  if (bn == 1) {
    uint32_t *qq = q ? q : limbs(an);
    uint32_t rem = mag_divmod_small(a, an, b[0], qq);
    if (qn) *qn = trim(qq, an);
    if (r) { r[0] = rem; *rn = rem ? 1 : 0; }
    return;
  }
  /* normalize so that the divisor's top limb is at least BASE / 2 */
  uint32_t f = (uint32_t)(BASE / ((uint64_t)b[bn - 1] + 1));
  uint32_t *u = limbs(an + 1), *v = limbs(bn + 1);
  mag_mul_small(a, an, f, 0, u);   /* writes an + 1 limbs */
  mag_mul_small(b, bn, f, 0, v);
  uint32_t *qq = q ? q : limbs(an - bn + 1);
  for (uint32_t j = an - bn + 1; j-- > 0;) {
    uint64_t num = (uint64_t)u[j + bn] * BASE + u[j + bn - 1];
    uint64_t qhat = num / v[bn - 1], rhat = num % v[bn - 1];
    while (qhat >= BASE || qhat * v[bn - 2] > rhat * BASE + u[j + bn - 2]) {
      qhat--;
      rhat += v[bn - 1];
      if (rhat >= BASE) break;
    }
    /* u[j .. j+bn] -= qhat * v */
    uint64_t carry = 0;
    int64_t borrow = 0;
    for (uint32_t i = 0; i < bn; i++) {
      uint64_t p = qhat * v[i] + carry;
      carry = p / BASE;
      int64_t t = (int64_t)u[i + j] - (int64_t)(p % BASE) - borrow;
      borrow = t < 0;
      u[i + j] = (uint32_t)(t + (borrow ? BASE : 0));
    }
    int64_t top = (int64_t)u[j + bn] - (int64_t)carry - borrow;
    if (top < 0) {   /* qhat was one too large: add the divisor back */
      qhat--;
      uint32_t c = 0;
      for (uint32_t i = 0; i < bn; i++) {
        uint32_t s = u[i + j] + v[i] + c;
        c = s >= BASE;
        u[i + j] = c ? s - BASE : s;
      }
      top += c;
    }
    u[j + bn] = (uint32_t)top;
    qq[j] = (uint32_t)qhat;
  }
  if (qn) *qn = trim(qq, an - bn + 1);
  if (r) {
    mag_divmod_small(u, bn, f, r);
    *rn = trim(r, bn);
  }
}

/* Strips trailing decimal zeros into the exponent (r must own its limbs). */
static void normalize(writ_big *r) {
  r->len = trim(r->d, r->len);
  if (r->len == 0) { set_zero(r); return; }
  uint32_t z = 0;
  while (r->d[z] == 0) z++;
  if (z) { r->d += z; r->len -= z; r->exp += 9 * (int32_t)z; }
  uint32_t k = 0, low = r->d[0];
  while (low % 10 == 0) { low /= 10; k++; }
  if (k) {
    mag_divmod_small(r->d, r->len, POW10[k], r->d);
    r->len = trim(r->d, r->len);
    r->exp += (int32_t)k;
  }
}

/* Magnitude of a times 10^k (k >= 0) into fresh limbs; false beyond limit digits. */
static bool scale10(const writ_big *a, int64_t k, uint32_t **d, uint32_t *n, int64_t limit) {
  if (k == 0) { *d = a->d; *n = a->len; return true; }
  if (a->len == 0) { *d = 0; *n = 0; return true; }
  if ((int64_t)writ_big_digits(a) + k > limit) return false;
  uint32_t z = (uint32_t)(k / 9), rem = (uint32_t)(k % 9);
  uint32_t *r = limbs(a->len + z + 1);
  uint32_t len = mag_mul_small(a->d, a->len, POW10[rem], 0, r + z);
  *d = r;
  *n = len + z;
  return true;
}

/* ---- conversions ---- */

static void from_u64(uint64_t u, bool neg, writ_big *out) {
  out->d = limbs(3);
  uint32_t n = 0;
  while (u) { out->d[n++] = (uint32_t)(u % BASE); u /= BASE; }
  out->len = n;
  out->exp = 0;
  out->neg = neg && n > 0;
  normalize(out);
}

void writ_big_from_i64(int64_t v, writ_big *out) {
  from_u64(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0, out);
}

bool writ_big_from_text(const char *s, uint32_t len, writ_big *out) {
  uint32_t i = 0;
  bool neg = false;
  if (i < len && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
  char *dig = opa_malloc(len + 1);
  uint32_t n = 0;
  int64_t exp = 0;
  bool frac = false, any = false;
  for (; i < len; i++) {
    char c = s[i];
    if (c == '.' && !frac) { frac = true; continue; }
    if (c < '0' || c > '9') break;
    any = true;
    if (frac) exp--;
    if (n == 0 && c == '0') continue;   /* leading zeros */
    dig[n++] = c;
  }
  if (!any) return false;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) { eneg = s[i] == '-'; i++; }
    if (i >= len) return false;
    int64_t x = 0;
    for (; i < len; i++) {
      if (s[i] < '0' || s[i] > '9') return false;
      if (x <= WRIT_BIG_MAX_EXP) x = x * 10 + (s[i] - '0');
    }
    exp += eneg ? -x : x;
  }
  if (i != len) return false;
  if (n == 0) { set_zero(out); return true; }
  if (n > WRIT_BIG_MAX_TEXT || exp > WRIT_BIG_MAX_EXP || exp < -WRIT_BIG_MAX_EXP) return false;
  uint32_t nl = (n + 8) / 9;
  out->d = limbs(nl);
  for (uint32_t l = 0; l < nl; l++) {
    int64_t hi = (int64_t)n - 9 * (int64_t)l, lo = hi - 9 < 0 ? 0 : hi - 9;
    uint32_t x = 0;
    for (int64_t k = lo; k < hi; k++) x = x * 10 + (uint32_t)(dig[k] - '0');
    out->d[l] = x;
  }
  out->len = nl;
  out->exp = (int32_t)exp;
  out->neg = neg;
  normalize(out);
  return true;
}

/* A finite double's exact value: mantissa * 2^e2, written as mantissa * 5^-e2 * 10^e2 when
 * e2 < 0. */
static bool from_double(double f, writ_big *out) {
  if (f != f || f - f != 0) return false;
  if (f == 0) { set_zero(out); return true; }
  uint64_t bits;
  memcpy(&bits, &f, 8);
  bool neg = bits >> 63;
  int32_t be = (int32_t)((bits >> 52) & 0x7ff);
  uint64_t mant = bits & ((1ull << 52) - 1);
  int32_t e2;
  if (be == 0) e2 = -1074;
  else { mant |= 1ull << 52; e2 = be - 1075; }
  while ((mant & 1) == 0) { mant >>= 1; e2++; }
  writ_big m;
  from_u64(mant, neg, &m);
  if (e2 >= 0) return writ_big_shl(&m, e2, out);
  /* times 5^-e2, in place in limbs sized for the result */
  uint32_t k = (uint32_t)-e2;
  uint32_t cap = m.len + k * 7 / 27 + 3;   /* log10(5) < 0.7 digits per factor, 9 per limb */
  uint32_t *d = limbs(cap), n = m.len;
  memcpy(d, m.d, m.len * sizeof(uint32_t));
  /* m is normalized; multiply its full magnitude (m.exp may be > 0 if mant had factors of 10) */
  for (; k >= 12; k -= 12) n = mag_mul_small(d, n, 244140625u, 0, d);   /* 5^12 */
  uint32_t p = 1;
  while (k--) p *= 5;
  n = mag_mul_small(d, n, p, 0, d);
  out->d = d;
  out->len = n;
  out->exp = m.exp + e2;
  out->neg = neg;
  normalize(out);
  return true;
}

bool writ_big_from_number(opa_value *v, writ_big *out) {
  if (!v || v->type != OPA_NUMBER) return false;
  opa_number_t *n = (opa_number_t *)v;
  switch (n->repr) {
  case OPA_NUM_INT: writ_big_from_i64(n->i, out); return true;
  case OPA_NUM_REF: return writ_big_from_text(n->ref, n->ref_len, out);
  default: return from_double(n->f, out);
  }
}

bool writ_big_to_i64(const writ_big *a, int64_t *out) {
  if (a->len == 0) { *out = 0; return true; }
  if (a->exp < 0 || writ_big_digits(a) + (uint32_t)a->exp > 19) return false;
  uint64_t u = 0;
  for (uint32_t i = a->len; i-- > 0;) u = u * BASE + a->d[i];
  for (int32_t k = 0; k < a->exp; k++) u *= 10;   /* at most 19 digits: no overflow of u64 */
  uint64_t limit = a->neg ? 1ull << 63 : (1ull << 63) - 1;
  if (u > limit) return false;
  *out = a->neg ? (int64_t)(0 - u) : (int64_t)u;
  return true;
}

static void put_digits(char *out, uint32_t *o, const writ_big *b) {
  char tmp[12];
  for (uint32_t i = b->len; i-- > 0;) {
    uint32_t x = b->d[i], k = 0;
    do { tmp[k++] = (char)('0' + x % 10); x /= 10; } while (x);
    if (i != b->len - 1) while (k < 9) tmp[k++] = '0';
    while (k) out[(*o)++] = tmp[--k];
  }
}

static uint32_t put_int(char *out, int64_t x) {
  char tmp[24];
  uint32_t k = 0, o = 0;
  if (x < 0) { out[o++] = '-'; x = -x; }
  do { tmp[k++] = (char)('0' + x % 10); x /= 10; } while (x);
  while (k) out[o++] = tmp[--k];
  return o;
}

/* OPA's text (builtins.FloatToNumber): integers in full as Go's 'f' ("18446744073709551616";
 * beyond 20,000 trailing zeros "1e30000"), other values as Go's shortest 'g': plain for a leading
 * digit from 10^-4 to 10^5 ("0.000123", "-12.5"), else exponent form ("1.2345675e+06", "1e-07"). */
char *writ_big_text(const writ_big *b, uint32_t *len) {
  if (b->len == 0) { char *z = opa_malloc(2); z[0] = '0'; z[1] = 0; *len = 1; return z; }
  uint32_t n = writ_big_digits(b);
  int64_t e = b->exp;
  bool full = e >= 0 && e <= WRIT_BIG_MAX_DIGITS;   /* padding zeros are bounded */
  int64_t x = (int64_t)n + e - 1;                    /* exponent of the leading digit */
  char *out = opa_malloc(n + 40 + (full ? (uint32_t)e : 0));
  uint32_t o = 0;
  if (b->neg) out[o++] = '-';
  if (full) {
    put_digits(out, &o, b);
    for (int64_t k = 0; k < e; k++) out[o++] = '0';
  } else if (e >= 0) {
    put_digits(out, &o, b);
    out[o++] = 'e';
    o += put_int(out + o, e);
  } else {
    char *dg = opa_malloc(n + 1);
    uint32_t dn = 0;
    put_digits(dg, &dn, b);
    if (x >= -4 && x < 6) {
      uint32_t k = (uint32_t)-e;
      if (n > k) {
        memcpy(out + o, dg, n - k); o += n - k;
        out[o++] = '.';
        memcpy(out + o, dg + n - k, k); o += k;
      } else {
        out[o++] = '0'; out[o++] = '.';
        for (uint32_t z = 0; z < k - n; z++) out[o++] = '0';
        memcpy(out + o, dg, n); o += n;
      }
    } else {
      out[o++] = dg[0];
      if (n > 1) { out[o++] = '.'; memcpy(out + o, dg + 1, n - 1); o += n - 1; }
      out[o++] = 'e';
      out[o++] = x < 0 ? '-' : '+';
      if (x < 0) x = -x;
      if (x < 10) out[o++] = '0';   /* at least two exponent digits, as Go */
      o += put_int(out + o, x);
    }
  }
  out[o] = 0;
  *len = o;
  return out;
}

opa_value *writ_big_to_number(const writ_big *b) {
  int64_t i;
  if (writ_big_to_i64(b, &i)) return opa_number_int(i);
  uint32_t len;
  char *t = writ_big_text(b, &len);
  opa_value *r = opa_number_ref(t, len);
  return r ? r : opa_number_int(0);
}

/* ---- arithmetic ---- */

static bool addsub(const writ_big *a, const writ_big *b, bool negb, writ_big *r) {
  bool bneg = b->len ? b->neg != negb : false;
  if (b->len == 0) { *r = *a; return true; }
  if (a->len == 0) { *r = *b; r->neg = bneg; return true; }
  int32_t e = a->exp < b->exp ? a->exp : b->exp;
  uint32_t *A, *Bm, an, bn;
  if (!scale10(a, (int64_t)a->exp - e, &A, &an, WRIT_BIG_MAX_TEXT) ||
      !scale10(b, (int64_t)b->exp - e, &Bm, &bn, WRIT_BIG_MAX_TEXT)) return false;
  uint32_t *d = limbs((an > bn ? an : bn) + 1);
  if (a->neg == bneg) {
    r->len = mag_add(A, an, Bm, bn, d);
    r->neg = a->neg;
  } else {
    int c = mag_cmp(A, an, Bm, bn);
    if (c == 0) { set_zero(r); return true; }
    if (c > 0) { r->len = mag_sub(A, an, Bm, bn, d); r->neg = a->neg; }
    else { r->len = mag_sub(Bm, bn, A, an, d); r->neg = bneg; }
  }
  r->d = d;
  r->exp = e;
  normalize(r);
  return true;
}

bool writ_big_add(const writ_big *a, const writ_big *b, writ_big *r) { return addsub(a, b, false, r); }
bool writ_big_sub(const writ_big *a, const writ_big *b, writ_big *r) { return addsub(a, b, true, r); }

bool writ_big_mul(const writ_big *a, const writ_big *b, writ_big *r) {
  if (a->len == 0 || b->len == 0) { set_zero(r); return true; }
  if ((uint64_t)writ_big_digits(a) + writ_big_digits(b) > WRIT_BIG_MAX_DIGITS + 1) return false;
  int64_t e = (int64_t)a->exp + b->exp;
  if (e > 2 * (int64_t)WRIT_BIG_MAX_EXP || e < -2 * (int64_t)WRIT_BIG_MAX_EXP) return false;
  r->d = limbs(a->len + b->len);
  r->len = mag_mul(a->d, a->len, b->d, b->len, r->d);
  r->exp = (int32_t)e;
  r->neg = a->neg != b->neg;
  normalize(r);
  return true;
}

int writ_big_cmp(const writ_big *a, const writ_big *b) {
  if (a->len == 0 || b->len == 0) {
    if (a->len == 0 && b->len == 0) return 0;
    if (a->len == 0) return b->neg ? 1 : -1;
    return a->neg ? -1 : 1;
  }
  if (a->neg != b->neg) return a->neg ? -1 : 1;
  int s = a->neg ? -1 : 1;
  int64_t ta = (int64_t)writ_big_digits(a) + a->exp, tb = (int64_t)writ_big_digits(b) + b->exp;
  if (ta != tb) return ta < tb ? -s : s;
  /* same leading position: the exponents differ by at most the digit counts */
  int32_t e = a->exp < b->exp ? a->exp : b->exp;
  uint32_t *A, *Bm, an, bn;
  if (!scale10(a, (int64_t)a->exp - e, &A, &an, WRIT_BIG_MAX_TEXT) ||
      !scale10(b, (int64_t)b->exp - e, &Bm, &bn, WRIT_BIG_MAX_TEXT)) return 0;
  return mag_cmp(A, an, Bm, bn) * s;
}

bool writ_big_to_integer(const writ_big *a, writ_big *r) {
  if (a->exp < 0) return false;   /* normalized: a fraction remains */
  if (writ_big_digits(a) > WRIT_BIG_MAX_DIGITS) return false;   /* its consumers are quadratic */
  uint32_t *d, n;
  if (!scale10(a, a->exp, &d, &n, WRIT_BIG_MAX_DIGITS)) return false;
  r->d = d;
  r->len = n;
  r->exp = 0;
  r->neg = a->neg && n > 0;
  return true;
}

bool writ_big_quorem(const writ_big *a, const writ_big *b, writ_big *q, writ_big *r) {
  writ_big x, y;
  if (!writ_big_to_integer(a, &x) || !writ_big_to_integer(b, &y) || y.len == 0) return false;
  if (x.len == 0) { if (q) set_zero(q); if (r) set_zero(r); return true; }
  uint32_t *qd = q ? limbs(x.len + 1) : 0, *rd = r ? limbs(y.len + 1) : 0, qn = 0, rn = 0;
  mag_divmod(x.d, x.len, y.d, y.len, qd, q ? &qn : 0, rd, r ? &rn : 0);
  if (q) { q->d = qd; q->len = qn; q->exp = 0; q->neg = x.neg != y.neg; normalize(q); if (!q->len) q->neg = false; }
  if (r) { r->d = rd; r->len = rn; r->exp = 0; r->neg = x.neg; normalize(r); if (!r->len) r->neg = false; }
  return true;
}

uint32_t writ_big_divmod_small(const writ_big *a, uint32_t m, writ_big *q) {
  uint32_t *d = limbs(a->len);
  uint32_t rem = mag_divmod_small(a->d, a->len, m, d);
  q->d = d;
  q->len = trim(d, a->len);
  q->exp = 0;
  q->neg = a->neg && q->len > 0;
  return rem;
}

/* Counts and removes factors p (2 or 5) of an integer magnitude, up to limit. */
static uint32_t strip_factor(writ_big *x, uint32_t p, uint32_t limit) {
  uint32_t count = 0;
  uint32_t chunk = p == 2 ? 512u : 1953125u;   /* p^9 */
  while (count < limit && x->len && mag_divmod_small(x->d, x->len, chunk, 0) == 0) {
    mag_divmod_small(x->d, x->len, chunk, x->d);
    x->len = trim(x->d, x->len);
    count += 9;
  }
  while (count < limit && x->len && mag_divmod_small(x->d, x->len, p, 0) == 0) {
    mag_divmod_small(x->d, x->len, p, x->d);
    x->len = trim(x->d, x->len);
    count++;
  }
  return count;
}

bool writ_big_div_exact(const writ_big *a, const writ_big *b, writ_big *r) {
  if (b->len == 0) return false;
  if (a->len == 0) { set_zero(r); return true; }
  /* a/b = (ma * 10^k / mb) * 10^(ea - eb - k); the quotient terminates iff mb with its factors
   * 2 and 5 removed divides ma, and then k = (count of those factors) suffices. */
  writ_big mb = { limbs(b->len), b->len, 0, false };
  memcpy(mb.d, b->d, b->len * sizeof(uint32_t));
  uint32_t k = strip_factor(&mb, 2, 4000);
  k += strip_factor(&mb, 5, 4000);
  if (k >= 4000) return false;
  writ_big ma = { a->d, a->len, 0, a->neg }, bm = { b->d, b->len, 0, false }, num;
  uint32_t *nd, nn;
  if (writ_big_digits(b) > WRIT_BIG_MAX_DIGITS || !scale10(&ma, k, &nd, &nn, WRIT_BIG_MAX_DIGITS)) return false;
  num.d = nd; num.len = nn; num.exp = 0; num.neg = a->neg;
  uint32_t *qd = limbs(nn + 1), *rd = limbs(bm.len + 1), qn = 0, rn = 0;
  if (nn == 0) { set_zero(r); return true; }
  mag_divmod(num.d, num.len, bm.d, bm.len, qd, &qn, rd, &rn);
  if (rn != 0) return false;
  int64_t e = (int64_t)a->exp - b->exp - k;
  if (e > WRIT_BIG_MAX_EXP || e < -WRIT_BIG_MAX_EXP) return false;
  r->d = qd;
  r->len = qn;
  r->exp = (int32_t)e;
  r->neg = a->neg != b->neg;
  normalize(r);
  return true;
}

bool writ_big_round(const writ_big *a, char mode, writ_big *r) {
  if (a->exp >= 0 || a->len == 0) { *r = *a; return true; }
  writ_big mag = { a->d, a->len, 0, false }, p, one, q, rem;
  writ_big_from_i64(1, &one);
  uint32_t *pd, pn;
  if (!scale10(&one, -(int64_t)a->exp, &pd, &pn, WRIT_BIG_MAX_DIGITS)) return false;   /* beyond the digit limit */
  p.d = pd; p.len = pn; p.exp = 0; p.neg = false;
  if (!writ_big_quorem(&mag, &p, &q, &rem)) return false;
  bool inc = false;
  if (mode == 'c') inc = !a->neg && rem.len;
  else if (mode == 'f') inc = a->neg && rem.len;
  else if (mode == 'r') {
    writ_big twice;
    if (!writ_big_add(&rem, &rem, &twice)) return false;
    inc = writ_big_cmp(&twice, &p) >= 0;
  }
  if (inc && !writ_big_add(&q, &one, &q)) return false;
  *r = q;
  r->neg = a->neg && q.len > 0;
  return true;
}

/* Multiplies in place by 2^k in chunks of 2^29. */
bool writ_big_shl(const writ_big *a, int64_t k, writ_big *r) {
  if (a->len == 0 || k == 0) { *r = *a; return true; }
  if (k < 0 || (int64_t)writ_big_digits(a) + k * 30103 / 100000 + 1 > WRIT_BIG_MAX_DIGITS) return false;
  uint32_t cap = a->len + (uint32_t)(k * 30103 / 100000 / 9) + 3;
  uint32_t *d = limbs(cap), n = a->len;
  memcpy(d, a->d, a->len * sizeof(uint32_t));
  for (; k >= 29; k -= 29) n = mag_mul_small(d, n, 1u << 29, 0, d);
  n = mag_mul_small(d, n, 1u << k, 0, d);
  r->d = d;
  r->len = n;
  r->exp = a->exp;
  r->neg = a->neg;
  normalize(r);
  return true;
}

bool writ_big_shr(const writ_big *a, int64_t k, writ_big *r) {
  writ_big x;
  if (!writ_big_to_integer(a, &x) || k < 0) return false;
  if (x.len == 0 || k == 0) { *r = x; normalize(r); return true; }
  bool lost = false;
  uint32_t *d = limbs(x.len), n = x.len;
  memcpy(d, x.d, x.len * sizeof(uint32_t));
  if (k > (int64_t)n * 30 + 1) { n = 0; lost = true; }
  for (; n && k >= 29; k -= 29) { lost |= mag_divmod_small(d, n, 1u << 29, d) != 0; n = trim(d, n); }
  if (n && k) { lost |= mag_divmod_small(d, n, 1u << k, d) != 0; n = trim(d, n); }
  r->d = d;
  r->len = n;
  r->exp = 0;
  r->neg = x.neg && n > 0;
  if (x.neg && lost) {   /* floor: round the negative quotient away from zero */
    writ_big one, mag = *r, t;
    mag.neg = false;
    writ_big_from_i64(1, &one);
    if (!writ_big_add(&mag, &one, &t)) return false;
    *r = t;
    r->neg = true;
    return true;
  }
  normalize(r);
  return true;
}

bool writ_big_from_base(const uint32_t *w, uint32_t n, uint32_t base, bool neg, writ_big *out) {
  /* Horner in place; each word adds at most limb_digits(base - 1) digits */
  uint64_t cap = (uint64_t)n * limb_digits(base - 1) / 9 + 2;
  if (cap > 4 * (WRIT_BIG_MAX_DIGITS / 9 + 2)) return false;
  uint32_t *d = limbs((uint32_t)cap), len = 0;
  for (uint32_t i = n; i-- > 0;) len = mag_mul_small(d, len, base, w[i], d);
  out->d = d;
  out->len = len;
  out->exp = 0;
  out->neg = neg && len > 0;
  normalize(out);
  return writ_big_digits(out) <= WRIT_BIG_MAX_DIGITS + 10;
}
