/* net.cidr_contains and net.cidr_intersects, following Go's net.ParseIP / net.ParseCIDR and
 * IPNet.Contains (IPv4 networks are 4 bytes, IPv6 16; v4-mapped IPv6 addresses act as IPv4). */
#include "wb_common.h"
#include "../strict.h"

typedef struct { uint8_t b[16]; uint32_t len; } ip_addr;   /* len 4 or 16 */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Dotted decimal, 4 fields, each 0..255, no leading zeros (Go >= 1.17). */
static bool parse_v4(const char *s, uint32_t n, uint8_t out[4]) {
  uint32_t i = 0;
  for (int f = 0; f < 4; f++) {
    if (f > 0) { if (i >= n || s[i] != '.') return false; i++; }
    uint32_t start = i, v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 4) { v = v * 10 + (uint32_t)(s[i] - '0'); i++; }
    uint32_t digits = i - start;
    if (digits == 0 || digits > 3 || v > 255) return false;
    if (digits > 1 && s[start] == '0') return false;
    out[f] = (uint8_t)v;
  }
  return i == n;
}

static bool parse_v6(const char *s, uint32_t n, uint8_t out[16]) {
  for (int k = 0; k < 16; k++) out[k] = 0;
  int ellipsis = -1, j = 0;
  uint32_t i = 0;
  if (n >= 2 && s[0] == ':' && s[1] == ':') { ellipsis = 0; i = 2; if (i == n) return true; }
  while (j < 16) {
    uint32_t start = i; uint32_t v = 0;
    while (i < n && hexval(s[i]) >= 0 && i - start < 5) { v = v * 16 + (uint32_t)hexval(s[i]); i++; }
    uint32_t digits = i - start;
    if (digits == 0 || digits > 4) return false;
    if (i < n && s[i] == '.') {
      /* embedded IPv4 in the last 32 bits */
      if (ellipsis < 0 && j != 12) return false;
      if (j + 4 > 16) return false;
      if (!parse_v4(s + start, n - start, out + j)) return false;
      j += 4; i = n;
      break;
    }
    out[j++] = (uint8_t)(v >> 8); out[j++] = (uint8_t)v;
    if (i == n) break;
    if (s[i] != ':' || i + 1 == n) return false;
    i++;
    if (s[i] == ':') {
      if (ellipsis >= 0) return false;
      ellipsis = j; i++;
      if (i == n) break;
    }
  }
  if (i != n) return false;
  if (j < 16) {
    if (ellipsis < 0) return false;
    int move = 16 - j;
    for (int k = j - 1; k >= ellipsis; k--) out[k + move] = out[k];
    for (int k = ellipsis; k < ellipsis + move; k++) out[k] = 0;
  } else if (ellipsis >= 0) {
    return false;   /* "::" must stand for at least one group */
  }
  return true;
}

static bool has_char(const char *s, uint32_t n, char c) {
  for (uint32_t i = 0; i < n; i++) if (s[i] == c) return true;
  return false;
}

/* Go's net.ParseIP: IPv4 gives a v4 address, IPv6 a 16-byte one (v4-mapped ones act as v4 later). */
static bool parse_ip(const char *s, uint32_t n, ip_addr *ip) {
  if (has_char(s, n, ':')) { ip->len = 16; return parse_v6(s, n, ip->b); }
  ip->len = 4;
  return parse_v4(s, n, ip->b);
}

typedef struct { ip_addr ip; uint32_t bits; } ip_net;

static bool parse_cidr(opa_value *v, ip_net *net) {
  opa_string_t *s = wb_as_str(v);
  if (!s) return false;
  uint32_t slash = s->len;
  for (uint32_t i = 0; i < s->len; i++) if (s->data[i] == '/') { slash = i; break; }
  if (slash == s->len || slash + 1 == s->len) return false;
  if (!parse_ip(s->data, slash, &net->ip)) return false;
  uint32_t bits = 0;
  for (uint32_t i = slash + 1; i < s->len; i++) {
    char c = s->data[i];
    if (c < '0' || c > '9') return false;
    bits = bits * 10 + (uint32_t)(c - '0');
    if (bits > 0xFFFF) return false;
  }
  if (bits > net->ip.len * 8) return false;
  net->bits = bits;
  for (uint32_t k = 0; k < net->ip.len; k++) {   /* mask the network address */
    int32_t keep = (int32_t)bits - (int32_t)(k * 8);
    uint8_t m = keep >= 8 ? 0xFF : keep <= 0 ? 0 : (uint8_t)(0xFF << (8 - keep));
    net->ip.b[k] &= m;
  }
  return true;
}

static bool net_contains(const ip_net *net, const ip_addr *ipin) {
  ip_addr ip = *ipin;
  if (ip.len == 16) {   /* To4: a v4-mapped address is compared as IPv4 */
    bool mapped = true;
    for (int k = 0; k < 10; k++) if (ip.b[k]) mapped = false;
    if (ip.b[10] != 0xFF || ip.b[11] != 0xFF) mapped = false;
    if (mapped) { for (int k = 0; k < 4; k++) ip.b[k] = ip.b[12 + k]; ip.len = 4; }
  }
  if (ip.len != net->ip.len) return false;
  for (uint32_t k = 0; k < ip.len; k++) {
    int32_t keep = (int32_t)net->bits - (int32_t)(k * 8);
    uint8_t m = keep >= 8 ? 0xFF : keep <= 0 ? 0 : (uint8_t)(0xFF << (8 - keep));
    if ((ip.b[k] & m) != net->ip.b[k]) return false;
  }
  return true;
}

static ip_addr last_ip(const ip_net *net) {
  ip_addr r = net->ip;
  for (uint32_t k = 0; k < r.len; k++) {
    int32_t keep = (int32_t)net->bits - (int32_t)(k * 8);
    uint8_t m = keep >= 8 ? 0xFF : keep <= 0 ? 0 : (uint8_t)(0xFF << (8 - keep));
    r.b[k] |= (uint8_t)~m;
  }
  return r;
}

WRIT_EXPORT("wb_net_cidr_contains") opa_value *wb_net_cidr_contains(opa_value *cidr, opa_value *other) {
  ip_net a;
  if (!parse_cidr(cidr, &a)) {
    if (!wb_as_str(cidr)) return 0;
    return writ_builtin_fail(WRIT_ERR_BUILTIN, "invalid CIDR address: %.*s", (int)((opa_string_t *)cidr)->len, ((opa_string_t *)cidr)->data);
  }
  opa_string_t *s = wb_as_str(other);
  if (!s) return 0;
  ip_addr ip;
  if (parse_ip(s->data, s->len, &ip)) return opa_boolean(net_contains(&a, &ip));
  ip_net b;
  if (!parse_cidr(other, &b)) return 0;
  /* A contains B iff A contains both B's first and last address. */
  bool contained = false;
  if (net_contains(&a, &b.ip)) {
    ip_addr last = last_ip(&b);
    contained = net_contains(&a, &last);
  }
  return opa_boolean(contained);
}

WRIT_EXPORT("wb_net_cidr_intersects") opa_value *wb_net_cidr_intersects(opa_value *x, opa_value *y) {
  ip_net a, b;
  if (!wb_as_str(x) || !wb_as_str(y)) return 0;
  if (!parse_cidr(x, &a)) return writ_builtin_fail(WRIT_ERR_BUILTIN, "invalid CIDR address: %.*s", (int)((opa_string_t *)x)->len, ((opa_string_t *)x)->data);
  if (!parse_cidr(y, &b)) return writ_builtin_fail(WRIT_ERR_BUILTIN, "invalid CIDR address: %.*s", (int)((opa_string_t *)y)->len, ((opa_string_t *)y)->data);
  return opa_boolean(net_contains(&a, &b.ip) || net_contains(&b, &a.ip));
}
