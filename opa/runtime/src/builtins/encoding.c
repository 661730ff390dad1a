/* base64 / base64url builtins with Go's encoding/base64 semantics (padded alphabets,
 * non-strict decoding that skips \r and \n, as OPA uses them). */
#include "wb_common.h"
#include "../strict.h"

static const char STD_ALPHA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL_ALPHA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static opa_value *b64_encode(opa_value *v, const char *alpha) {
  opa_string_t *s = wb_as_str(v);
  if (!s) return 0;
  uint32_t n = s->len, outn = ((n + 2) / 3) * 4;
  char *out = (char *)opa_malloc(outn + 1);
  const unsigned char *in = (const unsigned char *)s->data;
  uint32_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t w = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
    out[o++] = alpha[(w >> 18) & 63]; out[o++] = alpha[(w >> 12) & 63];
    out[o++] = alpha[(w >> 6) & 63];  out[o++] = alpha[w & 63];
  }
  if (n - i == 1) {
    uint32_t w = (uint32_t)in[i] << 16;
    out[o++] = alpha[(w >> 18) & 63]; out[o++] = alpha[(w >> 12) & 63];
    out[o++] = '='; out[o++] = '=';
  } else if (n - i == 2) {
    uint32_t w = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
    out[o++] = alpha[(w >> 18) & 63]; out[o++] = alpha[(w >> 12) & 63];
    out[o++] = alpha[(w >> 6) & 63];  out[o++] = '=';
  }
  return opa_string_nocopy(out, o);
}

static int b64_index(const char *alpha, char c) {
  for (int k = 0; k < 64; k++) if (alpha[k] == c) return k;
  return -1;
}

/* Decodes data[0..n) (padded form required). Returns false on illegal input. */
static bool b64_decode_raw(const char *data, uint32_t n, const char *alpha, char **out, uint32_t *outlen) {
  /* Go's decoder ignores newlines anywhere in the input. */
  char *clean = (char *)opa_malloc(n + 1);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; i++) if (data[i] != '\r' && data[i] != '\n') clean[m++] = data[i];
  if (m % 4 != 0) return false;
  char *res = (char *)opa_malloc(m / 4 * 3 + 1);
  uint32_t o = 0;
  for (uint32_t q = 0; q < m; q += 4) {
    int vals[4]; int pad = 0;
    for (int j = 0; j < 4; j++) {
      char c = clean[q + j];
      if (c == '=') {
        /* padding only in the last quantum, at positions 2..3, and nothing but '=' after it */
        if (q + 4 != m || j < 2) return false;
        for (int k = j; k < 4; k++) if (clean[q + k] != '=') return false;
        pad = 4 - j;
        break;
      }
      vals[j] = b64_index(alpha, c);
      if (vals[j] < 0) return false;
    }
    uint32_t w = 0;
    for (int j = 0; j < 4 - pad; j++) w |= (uint32_t)vals[j] << (18 - 6 * j);
    res[o++] = (char)((w >> 16) & 0xFF);
    if (pad < 2) res[o++] = (char)((w >> 8) & 0xFF);
    if (pad < 1) res[o++] = (char)(w & 0xFF);
  }
  *out = res; *outlen = o;
  return true;
}

WRIT_EXPORT("wb_base64_encode") opa_value *wb_base64_encode(opa_value *a) { return b64_encode(a, STD_ALPHA); }
WRIT_EXPORT("wb_base64url_encode") opa_value *wb_base64url_encode(opa_value *a) { return b64_encode(a, URL_ALPHA); }

WRIT_EXPORT("wb_base64_decode") opa_value *wb_base64_decode(opa_value *a) {
  opa_string_t *s = wb_as_str(a);
  if (!s) return 0;
  char *out; uint32_t n;
  if (!b64_decode_raw(s->data, s->len, STD_ALPHA, &out, &n)) return writ_builtin_fail(WRIT_ERR_BUILTIN, "illegal base64 data");
  return opa_string_nocopy(out, n);
}

WRIT_EXPORT("wb_base64_is_valid") opa_value *wb_base64_is_valid(opa_value *a) {
  opa_string_t *s = wb_as_str(a);
  if (!s) return 0;
  char *out; uint32_t n;
  return opa_boolean(b64_decode_raw(s->data, s->len, STD_ALPHA, &out, &n));
}

/* base64url.decode accepts unpadded input (RFC 7515 appendix C), as OPA does: when the string
 * does not end in '=', pad it according to its length mod 4 (1 is illegal). */
WRIT_EXPORT("wb_base64url_decode") opa_value *wb_base64url_decode(opa_value *a) {
  opa_string_t *s = wb_as_str(a);
  if (!s) return 0;
  uint32_t n = s->len;
  char *buf = (char *)opa_malloc(n + 3);
  wb_memcpy(buf, s->data, n);
  if (n == 0 || s->data[n - 1] != '=') {
    switch (n % 4) {
    case 0: break;
    case 2: buf[n++] = '='; buf[n++] = '='; break;
    case 3: buf[n++] = '='; break;
    default: return writ_builtin_fail(WRIT_ERR_BUILTIN, "illegal base64 data");
    }
  }
  char *out; uint32_t outn;
  if (!b64_decode_raw(buf, n, URL_ALPHA, &out, &outn)) return writ_builtin_fail(WRIT_ERR_BUILTIN, "illegal base64 data");
  return opa_string_nocopy(out, outn);
}
