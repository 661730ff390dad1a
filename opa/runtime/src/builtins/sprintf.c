/* sprintf(format, values) with Go fmt semantics, as OPA does it: each Rego value becomes the Go
 * value OPA hands to fmt.Sprintf (int64, float64, *big.Int, or string; null, booleans and
 * composites as their Rego text, a string), then the format is interpreted as Go's fmt does
 * (verbs, flags, width/precision incl. `*`, argument indexes, %!verb(type=value) errors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../internal.h"
#include "wb_common.h"
#include "sprintf_isprint.h"

/* ---- Go values ---- */

enum { GA_INT, GA_FLOAT, GA_BIG, GA_STR };
typedef struct {
  int kind;
  int64_t i;
  double f;
  const char *s;   /* GA_STR: bytes; GA_BIG: decimal digits of the magnitude, no leading zeros */
  uint32_t len;
  bool neg;        /* GA_BIG */
} garg;

/* Go's fmt flags (fmtFlags) plus width and precision. */
typedef struct {
  bool wid_p, prec_p, minus, plus, sharp, space, zero, plus_v, sharp_v;
  int wid, prec;
} gfl;

typedef struct { writ_buf *b; gfl f; } pp;

static const char ldigits[] = "0123456789abcdefx";
static const char udigits[] = "0123456789ABCDEFX";

static void put(writ_buf *b, const char *s, uint32_t n) { if (n) writ_buf_put(b, s, n); }
static void puts_(writ_buf *b, const char *s) { put(b, s, (uint32_t)strlen(s)); }

static void put_rune(writ_buf *b, int32_t r) {
  char tmp[4];
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
  put(b, tmp, wb_utf8_put(tmp, (uint32_t)r));
}

/* Decodes one rune as Go's utf8.DecodeRuneInString (invalid byte: U+FFFD, width 1). */
static int32_t decode(const char *s, uint32_t n, uint32_t i, uint32_t *w) {
  if ((unsigned char)s[i] < 0x80) { *w = 1; return (unsigned char)s[i]; }
  return wb_utf8_decode((const unsigned char *)s, n, i, w);
}

static uint32_t rune_count(const char *s, uint32_t n) {
  uint32_t c = 0, w;
  for (uint32_t i = 0; i < n; i += w, c++) decode(s, n, i, &w);
  return c;
}

/* ---- strconv.IsPrint and strconv.Quote ---- */

static bool is_print(int32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r < 0x10000) {
    int lo = 0, hi = (int)(sizeof wsp_print16 / sizeof wsp_print16[0] / 2) - 1;
    while (lo <= hi) {
      int mid = (lo + hi) / 2;
      if (r < wsp_print16[2 * mid]) hi = mid - 1;
      else if (r > wsp_print16[2 * mid + 1]) lo = mid + 1;
      else return true;
    }
    return false;
  }
  int lo = 0, hi = (int)(sizeof wsp_print32 / sizeof wsp_print32[0] / 2) - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if ((uint32_t)r < wsp_print32[2 * mid]) hi = mid - 1;
    else if ((uint32_t)r > wsp_print32[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

static bool valid_rune(int32_t r) { return r >= 0 && r <= 0x10FFFF && !(r >= 0xD800 && r <= 0xDFFF); }

static void put_hex(writ_buf *b, uint32_t v, int digits) {
  for (int s = (digits - 1) * 4; s >= 0; s -= 4) writ_buf_putc(b, ldigits[(v >> s) & 0xF]);
}

/* strconv's appendEscapedRune. */
static void escaped_rune(writ_buf *b, int32_t r, char quote, bool ascii_only) {
  if (r == quote || r == '\\') { writ_buf_putc(b, '\\'); writ_buf_putc(b, (char)r); return; }
  if (ascii_only) {
    if (r < 0x80 && is_print(r)) { writ_buf_putc(b, (char)r); return; }
  } else if (is_print(r)) { put_rune(b, r); return; }
  switch (r) {
  case '\a': puts_(b, "\\a"); return;
  case '\b': puts_(b, "\\b"); return;
  case '\f': puts_(b, "\\f"); return;
  case '\n': puts_(b, "\\n"); return;
  case '\r': puts_(b, "\\r"); return;
  case '\t': puts_(b, "\\t"); return;
  case '\v': puts_(b, "\\v"); return;
  }
  if (r < ' ' || r == 0x7F) { puts_(b, "\\x"); put_hex(b, (uint32_t)r, 2); return; }
  if (!valid_rune(r)) r = 0xFFFD;
  if (r < 0x10000) { puts_(b, "\\u"); put_hex(b, (uint32_t)r, 4); return; }
  puts_(b, "\\U");
  put_hex(b, (uint32_t)r, 8);
}

/* strconv.Quote (ascii_only: QuoteToASCII): invalid UTF-8 bytes become \xNN. */
static void quote(writ_buf *b, const char *s, uint32_t n, bool ascii_only) {
  writ_buf_putc(b, '"');
  uint32_t w;
  for (uint32_t i = 0; i < n; i += w) {
    int32_t r = decode(s, n, i, &w);
    if (w == 1 && r == 0xFFFD) { puts_(b, "\\x"); put_hex(b, (unsigned char)s[i], 2); continue; }
    escaped_rune(b, r, '"', ascii_only);
  }
  writ_buf_putc(b, '"');
}

static bool can_backquote(const char *s, uint32_t n) {
  uint32_t w;
  for (uint32_t i = 0; i < n; i += w) {
    int32_t r = decode(s, n, i, &w);
    if (w > 1) { if (r == 0xFEFF) return false; continue; }
    if (r == 0xFFFD) return false;
    if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F) return false;
  }
  return true;
}

/* ---- Rego text of a value (OPA's ast Value.String()) ---- */

static void go_ftoa(writ_buf *o, double v, char fmt, int prec);

/* A computed double as OPA's number text: integral results print as integers, others in Go's
 * shortest %g form (OPA formats arithmetic results that way); literal text prints verbatim. */
static bool integral_big(double f) {
  return f - f == 0 && __builtin_trunc(f) == f && (f >= 9223372036854775808.0 || f < -9223372036854775808.0);
}

static void float_text(writ_buf *b, double f) {
  if (integral_big(f)) {
    char *t = (char *)opa_malloc(340);
    put(b, t, (uint32_t)snprintf(t, 340, "%.0f", f));
    return;
  }
  go_ftoa(b, f, 'g', -1);
}

static void rego_text(writ_buf *b, opa_value *v) {
  switch (v->type) {
  case OPA_NULL: puts_(b, "null"); return;
  case OPA_BOOLEAN: puts_(b, ((opa_boolean_t *)v)->v ? "true" : "false"); return;
  case OPA_NUMBER: {
    if (((opa_number_t *)v)->repr == OPA_NUM_FLOAT) { float_text(b, ((opa_number_t *)v)->f); return; }
    char tmp[40];
    const char *ref;
    uint32_t n = writ_number_text((opa_number_t *)v, tmp, &ref);
    put(b, ref ? ref : tmp, n);
    return;
  }
  case OPA_STRING: {
    opa_string_t *s = (opa_string_t *)v;
    quote(b, s->data, s->len, false);
    return;
  }
  case OPA_ARRAY: {
    opa_array_t *a = (opa_array_t *)v;
    writ_buf_putc(b, '[');
    for (uint32_t i = 0; i < a->len; i++) {
      if (i) puts_(b, ", ");
      rego_text(b, a->elems[i]);
    }
    writ_buf_putc(b, ']');
    return;
  }
  case OPA_OBJECT: {
    opa_object_t *o = (opa_object_t *)v;
    writ_buf_putc(b, '{');
    for (uint32_t i = 0; i < o->len; i++) {
      if (i) puts_(b, ", ");
      rego_text(b, o->keys[i]);
      puts_(b, ": ");
      rego_text(b, o->vals[i]);
    }
    writ_buf_putc(b, '}');
    return;
  }
  case OPA_SET: {
    opa_set_t *s = (opa_set_t *)v;
    if (s->len == 0) { puts_(b, "set()"); return; }
    writ_buf_putc(b, '{');
    for (uint32_t i = 0; i < s->len; i++) {
      if (i) puts_(b, ", ");
      rego_text(b, s->elems[i]);
    }
    writ_buf_putc(b, '}');
    return;
  }
  }
}

/* ---- Rego value -> Go value (OPA's builtinSprintf) ---- */

/* Plain integer text ("-"? digits) that fits int64. */
static bool parse_i64(const char *s, uint32_t n, int64_t *out) {
  uint32_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
  if (i == n) return false;
  uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (u > (lim - d) / 10) return false;
    u = u * 10 + d;
  }
  *out = neg ? (int64_t)(0 - u) : (int64_t)u;
  return true;
}

static void to_go(opa_value *v, garg *a) {
  memset(a, 0, sizeof *a);
  if (v->type == OPA_STRING) {
    opa_string_t *s = (opa_string_t *)v;
    a->kind = GA_STR; a->s = s->data; a->len = s->len;
    return;
  }
  if (v->type == OPA_NUMBER) {
    opa_number_t *n = (opa_number_t *)v;
    if (n->repr == OPA_NUM_INT) { a->kind = GA_INT; a->i = n->i; return; }
    if (n->repr == OPA_NUM_FLOAT && integral_big(n->f)) {
      /* an integral result beyond int64: OPA's text is the integer, which becomes a *big.Int */
      char *t = (char *)opa_malloc(340);
      int len = snprintf(t, 340, "%.0f", n->f < 0 ? -n->f : n->f);
      a->kind = GA_BIG; a->neg = n->f < 0; a->s = t; a->len = (uint32_t)len;
      return;
    }
    if (n->repr == OPA_NUM_FLOAT) { a->kind = GA_FLOAT; a->f = n->f; return; }
    /* Literal text: a fraction or exponent makes it a float64 (or, out of range, the text);
     * otherwise int64 when it fits, else a big integer. */
    const char *t = n->ref;
    uint32_t len = n->ref_len;
    bool is_float = false;
    for (uint32_t i = 0; i < len; i++)
      if (t[i] == '.' || t[i] == 'e' || t[i] == 'E') is_float = true;
    if (is_float) {
      if (n->f - n->f == 0) { a->kind = GA_FLOAT; a->f = n->f; }
      else { a->kind = GA_STR; a->s = t; a->len = len; }
      return;
    }
    if (parse_i64(t, len, &a->i)) { a->kind = GA_INT; return; }
    uint32_t i = 0;
    if (i < len && (t[i] == '-' || t[i] == '+')) { a->neg = t[i] == '-'; i++; }
    bool digits = i < len;
    for (uint32_t k = i; k < len; k++) if (t[k] < '0' || t[k] > '9') digits = false;
    if (!digits) { a->kind = GA_STR; a->s = t; a->len = len; return; }
    while (i + 1 < len && t[i] == '0') i++;
    a->kind = GA_BIG; a->s = t + i; a->len = len - i;
    if (a->len == 1 && a->s[0] == '0') a->neg = false;
    return;
  }
  writ_buf b;
  writ_buf_init(&b, 32);
  rego_text(&b, v);
  a->kind = GA_STR; a->len = b.len; a->s = b.buf;
}

static const char *type_name(garg *a) {
  switch (a->kind) {
  case GA_INT: return "int64";
  case GA_FLOAT: return "float64";
  case GA_BIG: return "*big.Int";
  default: return "string";
  }
}

/* ---- padding (fmt.pad / writePadding) ---- */

static void write_padding(pp *p, int n) {
  char c = (p->f.zero && !p->f.minus) ? '0' : ' ';
  for (int i = 0; i < n; i++) writ_buf_putc(p->b, c);
}

static void pad(pp *p, const char *s, uint32_t n) {
  if (!p->f.wid_p || p->f.wid == 0) { put(p->b, s, n); return; }
  int width = p->f.wid - (int)rune_count(s, n);
  if (!p->f.minus) { write_padding(p, width); put(p->b, s, n); }
  else { put(p->b, s, n); write_padding(p, width); }
}

/* pad with zero padding suppressed, as fmt does around already-zero-filled numbers. */
static void pad_nozero(pp *p, const char *s, uint32_t n) {
  bool z = p->f.zero;
  p->f.zero = false;
  pad(p, s, n);
  p->f.zero = z;
}

/* ---- integers (fmt.fmtInteger, fmtC, fmtQc, fmtUnicode) ---- */

static void fmt_integer(pp *p, uint64_t u, int base, bool is_signed, int verb, const char *digits) {
  bool negative = is_signed && (int64_t)u < 0;
  if (negative) u = 0 - u;
  uint32_t size = 68 + 3 + (uint32_t)(p->f.wid_p ? p->f.wid : 0) + (uint32_t)(p->f.prec_p ? p->f.prec : 0);
  char small[80];
  char *buf = size <= sizeof small ? small : (char *)opa_malloc(size);
  int prec = 0;
  if (p->f.prec_p) {
    prec = p->f.prec;
    if (prec == 0 && u == 0) {
      bool z = p->f.zero;
      p->f.zero = false;
      write_padding(p, p->f.wid);
      p->f.zero = z;
      return;
    }
  } else if (p->f.zero && !p->f.minus && p->f.wid_p) {
    prec = p->f.wid;
    if (negative || p->f.plus || p->f.space) prec--;
  }
  int i = (int)size;
  switch (base) {
  case 10: while (u >= 10) { buf[--i] = (char)('0' + u % 10); u /= 10; } break;
  case 16: while (u >= 16) { buf[--i] = digits[u & 0xF]; u >>= 4; } break;
  case 8: while (u >= 8) { buf[--i] = (char)('0' + (u & 7)); u >>= 3; } break;
  default: while (u >= 2) { buf[--i] = (char)('0' + (u & 1)); u >>= 1; } break;
  }
  buf[--i] = digits[u];
  while (i > 0 && prec > (int)size - i) buf[--i] = '0';
  if (p->f.sharp) {
    switch (base) {
    case 2: buf[--i] = 'b'; buf[--i] = '0'; break;
    case 8: if (buf[i] != '0') buf[--i] = '0'; break;
    case 16: buf[--i] = digits[16]; buf[--i] = '0'; break;
    }
  }
  if (verb == 'O') { buf[--i] = 'o'; buf[--i] = '0'; }
  if (negative) buf[--i] = '-';
  else if (p->f.plus) buf[--i] = '+';
  else if (p->f.space) buf[--i] = ' ';
  pad_nozero(p, buf + i, size - (uint32_t)i);
}

static void fmt_c(pp *p, uint64_t c) {
  int32_t r = c > 0x10FFFF ? 0xFFFD : (int32_t)c;
  char tmp[4];
  if (!valid_rune(r)) r = 0xFFFD;
  pad(p, tmp, wb_utf8_put(tmp, (uint32_t)r));
}

static void fmt_qc(pp *p, uint64_t c) {
  int32_t r = c > 0x10FFFF ? 0xFFFD : (int32_t)c;
  if (!valid_rune(r)) r = 0xFFFD;
  writ_buf t;
  writ_buf_init(&t, 16);
  writ_buf_putc(&t, '\'');
  escaped_rune(&t, r, '\'', p->f.plus);
  writ_buf_putc(&t, '\'');
  pad(p, t.buf, t.len);
}

static void fmt_unicode(pp *p, uint64_t u) {
  int prec = 4;
  if (p->f.prec_p && p->f.prec > 4) prec = p->f.prec;
  uint32_t size = 2 + (uint32_t)prec + 16 + 2 + 4 + 1;
  char *buf = (char *)opa_malloc(size);
  int i = (int)size;
  if (p->f.sharp && u <= 0x10FFFF && is_print((int32_t)u)) {
    char tmp[4];
    uint32_t n = wb_utf8_put(tmp, (uint32_t)u);
    buf[--i] = '\'';
    i -= (int)n;
    memcpy(buf + i, tmp, n);
    buf[--i] = '\'';
    buf[--i] = ' ';
  }
  while (u >= 16) { buf[--i] = udigits[u & 0xF]; prec--; u >>= 4; }
  buf[--i] = udigits[u];
  prec--;
  while (prec > 0) { buf[--i] = '0'; prec--; }
  buf[--i] = '+';
  buf[--i] = 'U';
  pad_nozero(p, buf + i, size - (uint32_t)i);
}

/* ---- strings (fmtS, fmtSx, fmtQ) ---- */

static uint32_t truncate_len(pp *p, const char *s, uint32_t n) {
  if (!p->f.prec_p) return n;
  int left = p->f.prec;
  uint32_t w;
  for (uint32_t i = 0; i < n; i += w) {
    if (--left < 0) return i;
    decode(s, n, i, &w);
  }
  return n;
}

static void fmt_s(pp *p, const char *s, uint32_t n) { pad(p, s, truncate_len(p, s, n)); }

static void fmt_sx(pp *p, const char *s, uint32_t n, const char *digits) {
  uint32_t length = n;
  if (p->f.prec_p && (uint32_t)p->f.prec < length) length = (uint32_t)p->f.prec;
  int width = 2 * (int)length;
  if (width > 0) {
    if (p->f.space) {
      if (p->f.sharp) width *= 2;
      width += (int)length - 1;
    } else if (p->f.sharp) {
      width += 2;
    }
  } else {
    if (p->f.wid_p) write_padding(p, p->f.wid);
    return;
  }
  if (p->f.wid_p && p->f.wid > width && !p->f.minus) write_padding(p, p->f.wid - width);
  if (p->f.sharp) { writ_buf_putc(p->b, '0'); writ_buf_putc(p->b, digits[16]); }
  for (uint32_t i = 0; i < length; i++) {
    if (p->f.space && i > 0) {
      writ_buf_putc(p->b, ' ');
      if (p->f.sharp) { writ_buf_putc(p->b, '0'); writ_buf_putc(p->b, digits[16]); }
    }
    unsigned char c = (unsigned char)s[i];
    writ_buf_putc(p->b, digits[c >> 4]);
    writ_buf_putc(p->b, digits[c & 0xF]);
  }
  if (p->f.wid_p && p->f.wid > width && p->f.minus) write_padding(p, p->f.wid - width);
}

static void fmt_q(pp *p, const char *s, uint32_t n) {
  n = truncate_len(p, s, n);
  writ_buf t;
  writ_buf_init(&t, n + 8);
  if (p->f.sharp && can_backquote(s, n)) {
    writ_buf_putc(&t, '`');
    put(&t, s, n);
    writ_buf_putc(&t, '`');
  } else {
    quote(&t, s, n, p->f.plus);
  }
  pad(p, t.buf, t.len);
}

/* ---- floats (strconv.AppendFloat + fmt.fmtFloat) ---- */

/* Decimal digits of a > 0 rounded to n significant digits (n >= 1), trailing zeros trimmed:
 * value = 0.d[0..nd) * 10^dp. Returns nd. */
static int round_digits(double a, int n, char *d, int *dp, char *tmp) {
  snprintf(tmp, (size_t)n + 16, "%.*e", n - 1, a);
  int nd = 0, i = 0;
  for (; tmp[i] && tmp[i] != 'e'; i++)
    if (tmp[i] >= '0' && tmp[i] <= '9') d[nd++] = tmp[i];
  *dp = atoi(tmp + i + 1) + 1;
  while (nd > 0 && d[nd - 1] == '0') nd--;
  return nd;
}

/* Shortest digits that read back as a (Go's shortest formatting). */
static int shortest_digits(double a, char *d, int *dp) {
  char tmp[48];
  for (int n = 1; n < 17; n++) {
    int nd = round_digits(a, n, d, dp, tmp);
    if (strtod(tmp, 0) == a) return nd;
  }
  return round_digits(a, 17, d, dp, tmp);
}

static void fmt_e(writ_buf *o, const char *d, int nd, int dp, int prec, char fmt) {
  writ_buf_putc(o, nd ? d[0] : '0');
  if (prec > 0) {
    writ_buf_putc(o, '.');
    int i = 1, m = nd < prec + 1 ? nd : prec + 1;
    if (i < m) { put(o, d + i, (uint32_t)(m - i)); i = m; }
    for (; i <= prec; i++) writ_buf_putc(o, '0');
  }
  writ_buf_putc(o, fmt);
  int exp = nd == 0 ? 0 : dp - 1;
  writ_buf_putc(o, exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  char t[8];
  int n = exp < 10 ? snprintf(t, sizeof t, "0%d", exp) : snprintf(t, sizeof t, "%d", exp);
  put(o, t, (uint32_t)n);
}

static void fmt_f(writ_buf *o, const char *d, int nd, int dp, int prec) {
  if (dp > 0) {
    int m = nd < dp ? nd : dp;
    put(o, d, (uint32_t)m);
    for (; m < dp; m++) writ_buf_putc(o, '0');
  } else {
    writ_buf_putc(o, '0');
  }
  if (prec > 0) {
    writ_buf_putc(o, '.');
    for (int i = 1; i <= prec; i++) {
      int j = dp + i - 1;
      writ_buf_putc(o, (j >= 0 && j < nd) ? d[j] : '0');
    }
  }
}

/* strconv's %x for float64: -0x1.yyyyp±dd. */
static void fmt_x(writ_buf *o, int prec, char fmt, uint64_t mant, int exp) {
  if (mant == 0) exp = 0;
  mant <<= 60 - 52;
  while (mant != 0 && (mant & (1ULL << 60)) == 0) { mant <<= 1; exp--; }
  if (prec >= 0 && prec < 15) {
    unsigned shift = (unsigned)prec * 4;
    uint64_t extra = (mant << shift) & ((1ULL << 60) - 1);
    mant >>= 60 - shift;
    if ((extra | (mant & 1)) > (1ULL << 59)) mant++;
    mant <<= 60 - shift;
    if (mant & (1ULL << 61)) { mant >>= 1; exp++; }
  }
  const char *hex = fmt == 'X' ? udigits : ldigits;
  writ_buf_putc(o, '0');
  writ_buf_putc(o, fmt);
  writ_buf_putc(o, (char)('0' + ((mant >> 60) & 1)));
  mant <<= 4;
  if (prec < 0 && mant != 0) {
    writ_buf_putc(o, '.');
    while (mant != 0) { writ_buf_putc(o, hex[(mant >> 60) & 15]); mant <<= 4; }
  } else if (prec > 0) {
    writ_buf_putc(o, '.');
    for (int i = 0; i < prec; i++) { writ_buf_putc(o, hex[(mant >> 60) & 15]); mant <<= 4; }
  }
  writ_buf_putc(o, fmt == 'X' ? 'P' : 'p');
  writ_buf_putc(o, exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  char t[8];
  int n = exp < 100 ? snprintf(t, sizeof t, "%02d", exp) : snprintf(t, sizeof t, "%d", exp);
  put(o, t, (uint32_t)n);
}

/* strconv.AppendFloat(v, fmt, prec, 64). */
static void go_ftoa(writ_buf *o, double v, char fmt, int prec) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  bool neg = (bits >> 63) != 0;
  int exp = (int)((bits >> 52) & 0x7FF);
  uint64_t mant = bits & ((1ULL << 52) - 1);
  if (exp == 0x7FF) { puts_(o, mant ? "NaN" : neg ? "-Inf" : "+Inf"); return; }
  if (exp == 0) exp++; else mant |= 1ULL << 52;
  exp -= 1023;
  if (neg) writ_buf_putc(o, '-');
  if (fmt == 'b') {
    char t[48];
    int n = snprintf(t, sizeof t, "%llup%s%d", (unsigned long long)mant, exp - 52 >= 0 ? "+" : "", exp - 52);
    put(o, t, (uint32_t)n);
    return;
  }
  if (fmt == 'x' || fmt == 'X') { fmt_x(o, prec, fmt, mant, exp); return; }
  double a = neg ? -v : v;
  if (fmt == 'f' && prec >= 0) {
    /* Fixed %f: C's exact conversion prints the same digits as Go's. */
    size_t size = 330 + (size_t)prec;
    char *t = (char *)opa_malloc(size);
    int n = snprintf(t, size, "%.*f", prec, a);
    put(o, t, (uint32_t)n);
    return;
  }
  bool shortest = prec < 0;
  int want = fmt == 'e' || fmt == 'E' ? prec + 1 : (prec == 0 ? 1 : prec);
  char *d = (char *)opa_malloc((size_t)(shortest ? 24 : want + 24));
  char *tmp = (char *)opa_malloc((size_t)(shortest ? 48 : want + 48));
  int nd = 0, dp = 0;
  if (a != 0) nd = shortest ? shortest_digits(a, d, &dp) : round_digits(a, want, d, &dp, tmp);
  if (shortest) {
    switch (fmt) {
    case 'e': case 'E': prec = nd - 1 > 0 ? nd - 1 : 0; break;
    case 'f': prec = nd - dp > 0 ? nd - dp : 0; break;
    default: prec = nd; break;
    }
  } else if ((fmt == 'g' || fmt == 'G') && prec == 0) {
    prec = 1;
  }
  switch (fmt) {
  case 'e': case 'E': fmt_e(o, d, nd, dp, prec, fmt); return;
  case 'f': fmt_f(o, d, nd, dp, prec); return;
  default: {
    int eprec = prec;
    if (eprec > nd && nd >= dp) eprec = nd;
    if (shortest) eprec = 6;
    int x = dp - 1;
    if (x < -4 || x >= eprec) {
      if (prec > nd) prec = nd;
      fmt_e(o, d, nd, dp, prec - 1, (char)(fmt + 'e' - 'g'));
      return;
    }
    if (prec > dp) prec = nd;
    fmt_f(o, d, nd, dp, prec - dp > 0 ? prec - dp : 0);
  }
  }
}

static void fmt_float(pp *p, double v, int verb, int prec) {
  if (p->f.prec_p) prec = p->f.prec;
  writ_buf t;
  writ_buf_init(&t, 40);
  writ_buf_putc(&t, '+');
  go_ftoa(&t, v, (char)verb, prec);
  char *num = t.buf;
  uint32_t n = t.len;
  if (num[1] == '-' || num[1] == '+') { num++; n--; }
  if (p->f.space && num[0] == '+' && !p->f.plus) num[0] = ' ';
  if (num[1] == 'I' || num[1] == 'N') {
    bool z = p->f.zero;
    p->f.zero = false;
    if (num[1] == 'N' && !p->f.space && !p->f.plus) { num++; n--; }
    pad(p, num, n);
    p->f.zero = z;
    return;
  }
  if (p->f.sharp && verb != 'b') {
    int digits = 0;
    if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x') digits = prec == -1 ? 6 : prec;
    char tail[16];
    uint32_t tn = 0;
    bool has_point = false, nonzero = false;
    for (uint32_t i = 1; i < n; i++) {
      char c = num[i];
      if (c == '.') { has_point = true; continue; }
      if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
        tn = n - i;
        if (tn > sizeof tail) tn = sizeof tail;
        memcpy(tail, num + i, tn);
        n = i;
        break;
      }
      if (c != '0') nonzero = true;
      if (nonzero) digits--;
    }
    writ_buf u;
    writ_buf_init(&u, n + 32);
    put(&u, num, n);
    if (!has_point) {
      if (n == 2 && num[1] == '0') digits--;
      writ_buf_putc(&u, '.');
    }
    for (; digits > 0; digits--) writ_buf_putc(&u, '0');
    put(&u, tail, tn);
    num = u.buf;
    n = u.len;
  }
  if (p->f.plus || num[0] != '+') {
    if (p->f.zero && !p->f.minus && p->f.wid_p && p->f.wid > (int)n) {
      writ_buf_putc(p->b, num[0]);
      write_padding(p, p->f.wid - (int)n);
      put(p->b, num + 1, n - 1);
      return;
    }
    pad(p, num, n);
    return;
  }
  pad(p, num + 1, n - 1);
}

/* ---- *big.Int (math/big's Int.Format) ---- */

/* Decimal digit string -> digits in base 2, 8 or 16 (lowercase), by repeated division. */
static char *dec_to_base(const char *s, uint32_t n, int base, uint32_t *out_len) {
  uint8_t *num = (uint8_t *)opa_malloc(n);
  for (uint32_t i = 0; i < n; i++) num[i] = (uint8_t)(s[i] - '0');
  uint32_t cap = n * 4 + 4, len = 0, start = 0;
  char *rev = (char *)opa_malloc(cap);
  while (start < n) {
    uint32_t rem = 0;
    for (uint32_t i = start; i < n; i++) {
      uint32_t cur = rem * 10 + num[i];
      num[i] = (uint8_t)(cur / (uint32_t)base);
      rem = cur % (uint32_t)base;
    }
    rev[len++] = ldigits[rem];
    while (start < n && num[start] == 0) start++;
  }
  if (len == 0) rev[len++] = '0';
  char *out = (char *)opa_malloc(len);
  for (uint32_t i = 0; i < len; i++) out[i] = rev[len - 1 - i];
  *out_len = len;
  return out;
}

static void put_times(writ_buf *b, const char *s, int n) {
  for (int i = 0; i < n; i++) puts_(b, s);
}

static void big_format(pp *p, garg *a, int ch) {
  int base;
  switch (ch) {
  case 'b': base = 2; break;
  case 'o': case 'O': base = 8; break;
  case 'd': case 's': case 'v': base = 10; break;
  case 'x': case 'X': base = 16; break;
  default:
    puts_(p->b, "%!");
    put_rune(p->b, ch);
    puts_(p->b, "(big.Int=");
    if (a->neg) writ_buf_putc(p->b, '-');
    put(p->b, a->s, a->len);
    writ_buf_putc(p->b, ')');
    return;
  }
  bool flag_plus = p->f.plus || p->f.plus_v, flag_sharp = p->f.sharp || p->f.sharp_v;
  const char *sign = a->neg ? "-" : flag_plus ? "+" : p->f.space ? " " : "";
  const char *prefix = "";
  if (flag_sharp) {
    switch (ch) {
    case 'b': prefix = "0b"; break;
    case 'o': prefix = "0"; break;
    case 'x': prefix = "0x"; break;
    case 'X': prefix = "0X"; break;
    }
  }
  if (ch == 'O') prefix = "0o";
  uint32_t nd = a->len;
  char *digits = base == 10 ? (char *)a->s : dec_to_base(a->s, a->len, base, &nd);
  if (ch == 'X' && base == 16) {
    char *up = (char *)opa_malloc(nd);
    for (uint32_t i = 0; i < nd; i++) up[i] = (digits[i] >= 'a' && digits[i] <= 'z') ? (char)(digits[i] - 'a' + 'A') : digits[i];
    digits = up;
  }
  int left = 0, zeros = 0, right = 0;
  if (p->f.prec_p) {
    if ((int)nd < p->f.prec) zeros = p->f.prec - (int)nd;
    else if (nd == 1 && digits[0] == '0' && p->f.prec == 0) return;
  }
  int length = (int)(strlen(sign) + strlen(prefix)) + zeros + (int)nd;
  if (p->f.wid_p && length < p->f.wid) {
    int d = p->f.wid - length;
    if (p->f.minus) right = d;
    else if (p->f.zero && !p->f.prec_p) zeros = d;
    else left = d;
  }
  put_times(p->b, " ", left);
  puts_(p->b, sign);
  puts_(p->b, prefix);
  put_times(p->b, "0", zeros);
  put(p->b, digits, nd);
  put_times(p->b, " ", right);
}

/* ---- printArg / badVerb ---- */

static void print_arg(pp *p, garg *a, int verb);

static void bad_verb(pp *p, garg *a, int verb) {
  puts_(p->b, "%!");
  put_rune(p->b, verb);
  writ_buf_putc(p->b, '(');
  puts_(p->b, type_name(a));
  writ_buf_putc(p->b, '=');
  print_arg(p, a, 'v');
  writ_buf_putc(p->b, ')');
}

static void print_arg(pp *p, garg *a, int verb) {
  if (verb == 'T') { const char *t = type_name(a); fmt_s(p, t, (uint32_t)strlen(t)); return; }
  /* %p of a non-pointer is a bad verb; a *big.Int's address has no meaning here, so the same. */
  if (verb == 'p') { bad_verb(p, a, verb); return; }
  switch (a->kind) {
  case GA_INT: {
    uint64_t u = (uint64_t)a->i;
    switch (verb) {
    case 'v': case 'd': fmt_integer(p, u, 10, true, verb, ldigits); return;
    case 'b': fmt_integer(p, u, 2, true, verb, ldigits); return;
    case 'o': case 'O': fmt_integer(p, u, 8, true, verb, ldigits); return;
    case 'x': fmt_integer(p, u, 16, true, verb, ldigits); return;
    case 'X': fmt_integer(p, u, 16, true, verb, udigits); return;
    case 'c': fmt_c(p, u); return;
    case 'q': fmt_qc(p, u); return;
    case 'U': fmt_unicode(p, u); return;
    }
    break;
  }
  case GA_FLOAT:
    switch (verb) {
    case 'v': fmt_float(p, a->f, 'g', -1); return;
    case 'b': case 'g': case 'G': case 'x': case 'X': fmt_float(p, a->f, verb, -1); return;
    case 'f': case 'e': case 'E': fmt_float(p, a->f, verb, 6); return;
    case 'F': fmt_float(p, a->f, 'f', 6); return;
    }
    break;
  case GA_STR:
    switch (verb) {
    case 'v': if (p->f.sharp_v) fmt_q(p, a->s, a->len); else fmt_s(p, a->s, a->len); return;
    case 's': fmt_s(p, a->s, a->len); return;
    case 'x': fmt_sx(p, a->s, a->len, ldigits); return;
    case 'X': fmt_sx(p, a->s, a->len, udigits); return;
    case 'q': fmt_q(p, a->s, a->len); return;
    }
    break;
  case GA_BIG:
    if (verb != 'w') { big_format(p, a, verb); return; }
    break;
  }
  bad_verb(p, a, verb);
}

/* ---- doPrintf ---- */

#define GO_TOO_LARGE(x) ((x) > 1000000 || (x) < -1000000)

static int parsenum(const char *s, int start, int end, bool *isnum, int *newi) {
  int num = 0;
  *isnum = false;
  if (start >= end) { *newi = end; return 0; }
  int i = start;
  for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
    if (GO_TOO_LARGE(num)) { *isnum = false; *newi = end; return 0; }
    num = num * 10 + (s[i] - '0');
    *isnum = true;
  }
  *newi = i;
  return num;
}

typedef struct { int arg_num; bool reordered, good_arg_num; } argstate;

/* argNumber: an explicit "[n]" index at s[*i]; returns whether one was found. */
static bool arg_number(argstate *st, const char *s, int end, int *i, int nargs) {
  if (*i >= end || s[*i] != '[') return false;
  st->reordered = true;
  /* parseArgNumber */
  int index = 0, wid = 1;
  bool ok = false;
  if (end - *i >= 3) {
    for (int k = *i + 1; k < end; k++) {
      if (s[k] == ']') {
        bool isnum;
        int newi;
        int w = parsenum(s, *i + 1, k, &isnum, &newi);
        if (!isnum || newi != k) { index = 0; wid = k - *i + 1; ok = false; }
        else { index = w - 1; wid = k - *i + 1; ok = true; }
        break;
      }
    }
  }
  if (ok && index >= 0 && index < nargs) { st->arg_num = index; *i += wid; return true; }
  st->good_arg_num = false;
  *i += wid;
  return ok;
}

static bool int_from_arg(garg *args, int nargs, argstate *st, int *num) {
  bool is_int = false;
  *num = 0;
  if (st->arg_num < nargs) {
    garg *a = &args[st->arg_num];
    if (a->kind == GA_INT && !GO_TOO_LARGE(a->i)) { *num = (int)a->i; is_int = true; }
    st->arg_num++;
  }
  return is_int;
}

static void do_printf(writ_buf *b, const char *s, int end, garg *args, int nargs) {
  pp p;
  p.b = b;
  argstate st = {0, false, true};
  bool after_index = false;
  for (int i = 0; i < end;) {
    st.good_arg_num = true;
    int lasti = i;
    while (i < end && s[i] != '%') i++;
    if (i > lasti) put(b, s + lasti, (uint32_t)(i - lasti));
    if (i >= end) break;
    i++;
    memset(&p.f, 0, sizeof p.f);
    for (; i < end; i++) {
      char c = s[i];
      if (c == '#') p.f.sharp = true;
      else if (c == '0') p.f.zero = true;
      else if (c == '+') p.f.plus = true;
      else if (c == '-') p.f.minus = true;
      else if (c == ' ') p.f.space = true;
      else break;
    }
    after_index = arg_number(&st, s, end, &i, nargs);
    if (i < end && s[i] == '*') {
      i++;
      p.f.wid_p = int_from_arg(args, nargs, &st, &p.f.wid);
      if (!p.f.wid_p) puts_(b, "%!(BADWIDTH)");
      if (p.f.wid < 0) { p.f.wid = -p.f.wid; p.f.minus = true; p.f.zero = false; }
      after_index = false;
    } else {
      p.f.wid = parsenum(s, i, end, &p.f.wid_p, &i);
      if (after_index && p.f.wid_p) st.good_arg_num = false;
    }
    if (i + 1 < end && s[i] == '.') {
      i++;
      if (after_index) st.good_arg_num = false;
      after_index = arg_number(&st, s, end, &i, nargs);
      if (i < end && s[i] == '*') {
        i++;
        p.f.prec_p = int_from_arg(args, nargs, &st, &p.f.prec);
        if (p.f.prec < 0) { p.f.prec = 0; p.f.prec_p = false; }
        if (!p.f.prec_p) puts_(b, "%!(BADPREC)");
        after_index = false;
      } else {
        p.f.prec = parsenum(s, i, end, &p.f.prec_p, &i);
        if (!p.f.prec_p) { p.f.prec = 0; p.f.prec_p = true; }
      }
    }
    if (!after_index) after_index = arg_number(&st, s, end, &i, nargs);
    if (i >= end) { puts_(b, "%!(NOVERB)"); break; }
    uint32_t w;
    int32_t verb = decode(s, (uint32_t)end, (uint32_t)i, &w);
    i += (int)w;
    if (verb == '%') { writ_buf_putc(b, '%'); continue; }
    if (!st.good_arg_num) { puts_(b, "%!"); put_rune(b, verb); puts_(b, "(BADINDEX)"); continue; }
    if (st.arg_num >= nargs) { puts_(b, "%!"); put_rune(b, verb); puts_(b, "(MISSING)"); continue; }
    if (verb == 'v') {
      p.f.sharp_v = p.f.sharp; p.f.sharp = false;
      p.f.plus_v = p.f.plus; p.f.plus = false;
    }
    print_arg(&p, &args[st.arg_num], verb);
    st.arg_num++;
  }
  if (!st.reordered && st.arg_num < nargs) {
    memset(&p.f, 0, sizeof p.f);
    puts_(b, "%!(EXTRA ");
    for (int k = st.arg_num; k < nargs; k++) {
      if (k > st.arg_num) puts_(b, ", ");
      puts_(b, type_name(&args[k]));
      writ_buf_putc(b, '=');
      print_arg(&p, &args[k], 'v');
    }
    writ_buf_putc(b, ')');
  }
}

WRIT_EXPORT("wb_sprintf") opa_value *wb_sprintf(opa_value *format, opa_value *values) {
  if (!format || format->type != OPA_STRING || !values || values->type != OPA_ARRAY) return 0;
  opa_string_t *f = (opa_string_t *)format;
  opa_array_t *arr = (opa_array_t *)values;
  garg *args = (garg *)opa_malloc(sizeof(garg) * (arr->len ? arr->len : 1));
  for (uint32_t i = 0; i < arr->len; i++) to_go(arr->elems[i], &args[i]);
  writ_buf b;
  writ_buf_init(&b, f->len + 16);
  do_printf(&b, f->data, (int)f->len, args, (int)arr->len);
  return opa_string_nocopy(b.buf, b.len);
}
