/* Small static helpers shared by the "builtins B" family files (encoding, json, objects, ...). */
#ifndef WRIT_WBB_UTIL_H
#define WRIT_WBB_UTIL_H

#include "../value.h"

static inline opa_string_t *wbb_str(opa_value *v) {
  return (v && v->type == OPA_STRING) ? (opa_string_t *)v : 0;
}

static inline bool wbb_is(opa_value *v, int type) { return v && v->type == type; }

static inline void wbb_memcpy(void *dst, const void *src, uint32_t n) {
  char *d = (char *)dst;
  const char *s = (const char *)src;
  for (uint32_t i = 0; i < n; i++) d[i] = s[i];
}

static inline uint32_t wbb_strlen(const char *s) {
  uint32_t n = 0;
  while (s[n]) n++;
  return n;
}

/* Decode one UTF-8 code point at s[i] (n bytes total); invalid bytes decode as U+FFFD width 1,
 * as Go's utf8.DecodeRuneInString does. */
static inline int32_t wbb_utf8_decode(const unsigned char *s, uint32_t n, uint32_t i, uint32_t *width) {
  unsigned char c = s[i];
  if (c < 0x80) { *width = 1; return c; }
  uint32_t need; int32_t cp, min;
  if ((c & 0xE0) == 0xC0) { need = 1; cp = c & 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { need = 2; cp = c & 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { need = 3; cp = c & 0x07; min = 0x10000; }
  else { *width = 1; return 0xFFFD; }
  if (i + need >= n) { *width = 1; return 0xFFFD; }
  for (uint32_t k = 1; k <= need; k++) {
    unsigned char d = s[i + k];
    if ((d & 0xC0) != 0x80) { *width = 1; return 0xFFFD; }
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *width = 1; return 0xFFFD; }
  *width = need + 1;
  return cp;
}

/* Encode cp as UTF-8 into out (at least 4 bytes); returns the byte count. */
static inline uint32_t wbb_utf8_encode(int32_t cp, char *out) {
  if (cp < 0x80) { out[0] = (char)cp; return 1; }
  if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

/* Keys parameter of object.filter / object.remove: array, set or object (its keys) -> a set. */
static inline opa_value *wbb_keys_param(opa_value *v) {
  if (!v) return 0;
  opa_value *set;
  switch (v->type) {
  case OPA_SET: return v;
  case OPA_ARRAY: {
    set = opa_set();
    opa_array_t *a = (opa_array_t *)v;
    for (uint32_t i = 0; i < a->len; i++) opa_set_add(set, a->elems[i]);
    return set;
  }
  case OPA_OBJECT: {
    set = opa_set();
    opa_object_t *o = (opa_object_t *)v;
    for (uint32_t i = 0; i < o->len; i++) opa_set_add(set, o->keys[i]);
    return set;
  }
  default: return 0;
  }
}

#endif
