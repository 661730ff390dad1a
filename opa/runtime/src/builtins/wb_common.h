/* Private helpers shared by all native builtins: type tests, operand checks, exact integer
 * conversion, UTF-8 decoding/encoding, byte and string-building helpers. Header-only, all static. */
#ifndef WRIT_WB_COMMON_H
#define WRIT_WB_COMMON_H

#include "../value.h"
#include "../strict.h"
#include "../bignum.h"

/* Helpers may go unused in a given family file; that is fine. */
#define WB_HELPER static inline __attribute__((unused))

typedef __int128 wb_i128;

WB_HELPER bool wb_is(opa_value *v, int t) { return v != 0 && v->type == t; }
WB_HELPER opa_string_t *wb_str(opa_value *v) { return (opa_string_t *)v; }
/* Checked cast: the string, or 0 when v is absent or not a string. */
WB_HELPER opa_string_t *wb_as_str(opa_value *v) { return wb_is(v, OPA_STRING) ? (opa_string_t *)v : 0; }
WB_HELPER opa_array_t *wb_arr(opa_value *v) { return (opa_array_t *)v; }
WB_HELPER opa_set_t *wb_set(opa_value *v) { return (opa_set_t *)v; }
WB_HELPER opa_object_t *wb_obj(opa_value *v) { return (opa_object_t *)v; }
WB_HELPER opa_number_t *wb_num(opa_value *v) { return (opa_number_t *)v; }

/* 2^127 as a double: the bound under which an integral double converts exactly to __int128. */
#define WB_TWO127 170141183460469231731687303715884105728.0

typedef struct { wb_i128 m; int32_t e; } wb_dec;
WB_HELPER bool wb_num_dec(opa_value *v, wb_dec *out);

/* Integral value of a number operand as __int128. False for fractions, for numbers outside
 * the int128 range and for non-numbers. Literal text (REF) is read exactly as a decimal,
 * because its double value may have lost digits ("1.0", "1e3" and "20.00" are integers). */
WB_HELPER bool wb_num_i128(opa_value *v, wb_i128 *out) {
  if (!wb_is(v, OPA_NUMBER)) return false;
  opa_number_t *n = wb_num(v);
  if (n->repr == OPA_NUM_INT) { *out = n->i; return true; }
  wb_dec d;
  if (n->repr == OPA_NUM_REF && wb_num_dec(v, &d)) {
    wb_i128 m = d.m;
    for (; d.e < 0; d.e++) { if (m % 10 != 0) return false; m /= 10; }
    for (; d.e > 0; d.e--) if (__builtin_mul_overflow(m, (wb_i128)10, &m)) return false;
    *out = m;
    return true;
  }
  if (n->repr == OPA_NUM_REF) {
    /* too many digits for a 128-bit mantissa: a plain integer this long is out of range */
    bool plain = n->ref_len > 0;
    for (uint32_t i = (n->ref_len > 0 && n->ref[0] == '-') ? 1 : 0; i < n->ref_len; i++)
      if (n->ref[i] < '0' || n->ref[i] > '9') plain = false;
    if (plain) return false;
  }
  double f = n->f;
  if (f != f || __builtin_trunc(f) != f) return false;
  if (f >= WB_TWO127 || f < -WB_TWO127) return false;
  *out = (wb_i128)f;
  return true;
}

/* Integer operand in int64 (OPA's IntOperand): false when not an integral number in range. */
WB_HELPER bool wb_num_i64(opa_value *v, int64_t *out) {
  wb_i128 x;
  if (!wb_num_i128(v, &x)) return false;
  if (x > INT64_MAX || x < INT64_MIN) return false;
  *out = (int64_t)x;
  return true;
}

WB_HELPER double wb_num_f(opa_value *v) { return opa_number_as_double(v); }

/* OPA's integer operand check for builtin `pos`: false (with the strict error recorded) unless
 * v is an integral number. */
WB_HELPER bool wb_int_arg(opa_value *v, int32_t pos, wb_i128 *out) {
  if (wb_num_i128(v, out)) return true;
  if (!wb_is(v, OPA_NUMBER)) writ_type_fail(pos, "number", v);
  else writ_builtin_fail(WRIT_ERR_TYPE, "operand %d must be integer number but got floating-point number", (int)pos);
  return false;
}

WB_HELPER bool wb_int64_arg(opa_value *v, int32_t pos, int64_t *out) {
  wb_i128 x;
  if (!wb_int_arg(v, pos, &x)) return false;
  if (x > INT64_MAX || x < INT64_MIN) { writ_builtin_fail(WRIT_ERR_BUILTIN, "operand %d out of range", (int)pos); return false; }
  *out = (int64_t)x;
  return true;
}

/* A number value for an exact integer: INT when it fits int64, otherwise decimal literal text
 * (REF) so that it prints without loss. */
WB_HELPER opa_value *wb_from_i128(wb_i128 x) {
  if (x >= INT64_MIN && x <= INT64_MAX) return opa_number_int((int64_t)x);
  char buf[48];
  int p = 48;
  bool neg = x < 0;
  /* work on the negative magnitude so that INT128_MIN does not overflow */
  wb_i128 m = neg ? x : -x;
  do { int d = (int)(m % 10); buf[--p] = (char)('0' - d); m /= 10; } while (m != 0);
  if (neg) buf[--p] = '-';
  opa_value *r = opa_number_ref(buf + p, (uint32_t)(48 - p));   /* copies the text */
  return r != 0 ? r : opa_number_float((double)x);
}

/* A number for a double result; integral results beyond int64 keep exact integer text;
 * 0 (undefined) for NaN and infinities. */
WB_HELPER opa_value *wb_from_double(double f) {
  if (f != f || f - f != 0) return 0;   /* NaN or infinite: no Rego number, undefined */
  if (f == f && __builtin_trunc(f) == f && f < WB_TWO127 && f >= -WB_TWO127 &&
      (f > 9223372036854775807.0 || f < -9223372036854775808.0))
    return wb_from_i128((wb_i128)f);
  return opa_number_float(f);
}

/* ---- literal text as m * 10^e with a 128-bit mantissa (wb_num_i128 reads REF text with it;
 * arithmetic of any size is in bignum.h) ---- */
#define WB_DEC_EMAX 10000

WB_HELPER bool wb_num_dec(opa_value *v, wb_dec *out) {
  if (!wb_is(v, OPA_NUMBER)) return false;
  opa_number_t *n = wb_num(v);
  if (n->repr == OPA_NUM_INT) { out->m = n->i; out->e = 0; return true; }
  if (n->repr != OPA_NUM_REF || n->ref == 0) return false;
  const char *s = n->ref;
  uint32_t len = n->ref_len, i = 0;
  bool neg = false;
  if (i < len && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
  wb_i128 m = 0;
  int32_t e = 0;
  bool digits = false, frac = false;
  for (; i < len; i++) {
    char c = s[i];
    if (c == '.' && !frac) { frac = true; continue; }
    if (c < '0' || c > '9') break;
    digits = true;
    if (__builtin_mul_overflow(m, (wb_i128)10, &m) || __builtin_add_overflow(m, (wb_i128)(c - '0'), &m)) return false;
    if (frac) e--;
  }
  if (!digits) return false;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) { eneg = s[i] == '-'; i++; }
    int32_t x = 0;
    if (i >= len) return false;
    for (; i < len; i++) {
      if (s[i] < '0' || s[i] > '9' || x > 100000) return false;
      x = x * 10 + (s[i] - '0');
    }
    e += eneg ? -x : x;
  }
  if (i != len || e > WB_DEC_EMAX || e < -WB_DEC_EMAX) return false;
  out->m = neg ? -m : m;
  out->e = e;
  return true;
}

/* ---- arbitrary precision (bignum.h) ---- */

/* Exact operand: INT or REF (literal or exact result text); FLOAT values came from inexact
 * double arithmetic and keep using doubles. */
WB_HELPER bool wb_num_exact(opa_value *v) { return wb_is(v, OPA_NUMBER) && wb_num(v)->repr != OPA_NUM_FLOAT; }

/* OPA's BigIntOperand: an integral number of any size (records the strict error otherwise). */
WB_HELPER bool wb_big_int_arg(opa_value *v, int32_t pos, writ_big *out) {
  writ_big b;
  if (wb_is(v, OPA_NUMBER) && writ_big_from_number(v, &b) && writ_big_to_integer(&b, out)) return true;
  if (!wb_is(v, OPA_NUMBER)) writ_type_fail(pos, "number", v);
  else writ_builtin_fail(WRIT_ERR_TYPE, "operand %d must be integer number but got floating-point number", (int)pos);
  return false;
}

/* ---- UTF-8, decoded as Go does: an invalid byte is one U+FFFD and consumes one byte ---- */
#define WB_RUNE_ERROR 0xFFFDu

/* Decodes the code point at s[i] (n bytes in all); *width gets its byte length (1 for U+FFFD
 * of an invalid or truncated sequence, as Go's utf8.DecodeRuneInString). */
WB_HELPER int32_t wb_utf8_decode(const unsigned char *s, uint32_t n, uint32_t i, uint32_t *width) {
  unsigned char c = s[i];
  if (c < 0x80) { *width = 1; return c; }
  uint32_t need; int32_t cp, min;
  if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; min = 0x10000; }
  else { *width = 1; return (int32_t)WB_RUNE_ERROR; }
  if (i + need >= n) { *width = 1; return (int32_t)WB_RUNE_ERROR; }   /* truncated sequence */
  for (uint32_t k = 1; k <= need; k++) {
    unsigned char d = s[i + k];
    if ((d & 0xC0) != 0x80) { *width = 1; return (int32_t)WB_RUNE_ERROR; }
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *width = 1; return (int32_t)WB_RUNE_ERROR; }
  *width = need + 1;
  return cp;
}

/* The code point at *pos, advancing *pos past it. */
WB_HELPER uint32_t wb_utf8_next(const char *s, uint32_t len, uint32_t *pos) {
  uint32_t w;
  uint32_t cp = (uint32_t)wb_utf8_decode((const unsigned char *)s, len, *pos, &w);
  *pos += w;
  return cp;
}

/* Writes the UTF-8 encoding of cp at out (room for 4 bytes); returns the byte count. */
WB_HELPER uint32_t wb_utf8_put(char *out, uint32_t cp) {
  if (cp < 0x80) { out[0] = (char)cp; return 1; }
  if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

WB_HELPER uint32_t wb_utf8_count(const char *s, uint32_t len) {
  uint32_t n = 0, pos = 0;
  while (pos < len) { wb_utf8_next(s, len, &pos); n++; }
  return n;
}

WB_HELPER void wb_memcpy(void *dst, const void *src, uint32_t n) {
  char *d = (char *)dst;
  const char *s = (const char *)src;
  for (uint32_t i = 0; i < n; i++) d[i] = s[i];
}

WB_HELPER uint32_t wb_strlen(const char *s) {
  uint32_t n = 0;
  while (s[n]) n++;
  return n;
}

WB_HELPER bool wb_bytes_eq(const char *a, const char *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) if (a[i] != b[i]) return false;
  return true;
}

/* Byte index of the first occurrence of needle in hay at or after from, or -1. */
WB_HELPER int64_t wb_find(const char *hay, uint32_t hlen, const char *needle, uint32_t nlen, uint32_t from) {
  if (nlen == 0) return from <= hlen ? (int64_t)from : -1;
  if (nlen > hlen) return -1;
  for (uint32_t i = from; i + nlen <= hlen; i++)
    if (hay[i] == needle[0] && wb_bytes_eq(hay + i, needle, nlen)) return i;
  return -1;
}

#endif
