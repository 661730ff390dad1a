/* writ runtime: strict JSON (RFC 8259) parser, and the Rego-literal variant that also accepts
 * sets ({1, 2}, set()) and non-string object keys. Any error yields 0, never a trap. */
#include <string.h>
#include "internal.h"
#include "strict.h"

#define MAX_DEPTH 1000   /* the 64 KiB shadow stack must never overflow */

typedef struct { const char *s; uint32_t len; uint32_t pos; bool rego; uint32_t depth; } parser;

static opa_value *parse_value(parser *p);

static void skip_ws(parser *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static bool lit(parser *p, const char *w, uint32_t n) {
  if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0) return false;
  p->pos += n;
  return true;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool hex4(parser *p, uint32_t *out) {
  if (p->len - p->pos < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p->s[p->pos + i]);
    if (h < 0) return false;
    v = v * 16 + (uint32_t)h;
  }
  p->pos += 4;
  *out = v;
  return true;
}

/* Length of the valid UTF-8 sequence at s (0 = invalid): no overlongs, no surrogates. */
static uint32_t utf8_seq(const unsigned char *s, uint32_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;
    if (c == 0xED && s[1] >= 0xA0) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;
    if (c == 0xF4 && s[1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}

static uint32_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* At the opening quote. Escapes never make the text longer than its source, so the decoded
 * bytes fit in a buffer of the source length. Lone surrogate escapes become U+FFFD (as Go). */
static opa_value *parse_string(parser *p) {
  p->pos++;
  uint32_t start = p->pos;
  bool escaped = false;
  while (p->pos < p->len) {
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c == '"') break;
    if (c < 0x20) return 0;
    if (c == '\\') { escaped = true; p->pos += 2; continue; }
    uint32_t n = utf8_seq((const unsigned char *)p->s + p->pos, p->len - p->pos);
    if (n == 0) return 0;
    p->pos += n;
  }
  if (p->pos >= p->len) return 0;
  uint32_t end = p->pos;
  p->pos++;
  if (!escaped) return opa_string(p->s + start, end - start);

  char *out = opa_malloc(end - start);
  uint32_t o = 0;
  parser q = {p->s, end, start, false, 0};
  while (q.pos < end) {
    char c = q.s[q.pos];
    if (c != '\\') { out[o++] = c; q.pos++; continue; }
    q.pos++;
    if (q.pos >= end) return 0;
    char e = q.s[q.pos++];
    switch (e) {
    case '"': out[o++] = '"'; break;
    case '\\': out[o++] = '\\'; break;
    case '/': out[o++] = '/'; break;
    case 'b': out[o++] = '\b'; break;
    case 'f': out[o++] = '\f'; break;
    case 'n': out[o++] = '\n'; break;
    case 'r': out[o++] = '\r'; break;
    case 't': out[o++] = '\t'; break;
    case 'u': {
      uint32_t cp;
      if (!hex4(&q, &cp)) return 0;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        uint32_t save = q.pos;
        if (end - q.pos >= 6 && q.s[q.pos] == '\\' && q.s[q.pos + 1] == 'u') {
          q.pos += 2;
          if (!hex4(&q, &lo)) return 0;
          if (lo >= 0xDC00 && lo <= 0xDFFF) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          else { cp = 0xFFFD; q.pos = save; }
        } else cp = 0xFFFD;
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) cp = 0xFFFD;
      o += put_utf8(out + o, cp);
      break;
    }
    default: return 0;
    }
  }
  return opa_string_nocopy(out, o);
}

static opa_value *parse_number(parser *p) {
  bool is_int;
  uint32_t n = writ_scan_number(p->s + p->pos, p->len - p->pos, &is_int);
  if (n == 0) return 0;
  opa_value *v = opa_number_ref(p->s + p->pos, n);
  p->pos += n;
  return v;
}

/* Rego literals (not JSON) allow a trailing comma before the closing bracket. */
static bool rego_trailing(parser *p, char close) {
  if (!p->rego) return false;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == close) { p->pos++; return true; }
  return false;
}

/* After an element of an array, set or object: 1 when ',' announces another one, 0 when the
 * list is closed (close, or a Rego trailing comma and close), -1 on anything else. */
static int list_next(parser *p, char close) {
  skip_ws(p);
  if (p->pos >= p->len) return -1;
  char c = p->s[p->pos++];
  if (c == close) return 0;
  if (c != ',') return -1;
  return rego_trailing(p, close) ? 0 : 1;
}

static opa_value *parse_array(parser *p) {
  p->pos++;
  opa_value *arr = opa_array();
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == ']') { p->pos++; return arr; }
  for (;;) {
    opa_value *v = parse_value(p);
    if (!v) return 0;
    opa_array_append(arr, v);
    int more = list_next(p, ']');
    if (more < 0) return 0;
    if (more == 0) return arr;
  }
}

static void push_pair(opa_object_t *o, opa_value *k, opa_value *v) {
  if (o->len == o->cap) {
    uint32_t c = o->cap < 4 ? 4 : o->cap * 2;
    o->keys = opa_realloc(o->keys, o->cap * sizeof(opa_value *), c * sizeof(opa_value *));
    o->vals = opa_realloc(o->vals, o->cap * sizeof(opa_value *), c * sizeof(opa_value *));
    o->cap = c;
  }
  o->keys[o->len] = k;
  o->vals[o->len] = v;
  o->len++;
}

static void push_elem(opa_set_t *s, opa_value *v) {
  if (s->len == s->cap) {
    uint32_t c = s->cap < 4 ? 4 : s->cap * 2;
    s->elems = opa_realloc(s->elems, s->cap * sizeof(opa_value *), c * sizeof(opa_value *));
    s->cap = c;
  }
  s->elems[s->len++] = v;
}

/* Objects (and, in Rego mode, sets) are collected unsorted and sorted once at the end. */
static opa_value *parse_object(parser *p) {
  p->pos++;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == '}') { p->pos++; return opa_object(); }
  opa_value *first = p->rego ? parse_value(p) : (skip_ws(p), p->pos < p->len && p->s[p->pos] == '"' ? parse_string(p) : 0);
  if (!first) return 0;
  skip_ws(p);
  if (p->pos >= p->len) return 0;
  if (p->rego && p->s[p->pos] != ':') {
    opa_set_t *s = (opa_set_t *)opa_set();
    push_elem(s, first);
    for (;;) {
      int more = list_next(p, '}');
      if (more < 0) return 0;
      if (more == 0) break;
      opa_value *v = parse_value(p);
      if (!v) return 0;
      push_elem(s, v);
    }
    writ_set_sort(s);
    return &s->hdr;
  }
  opa_object_t *o = (opa_object_t *)opa_object();
  opa_value *key = first;
  for (;;) {
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != ':') return 0;
    p->pos++;
    opa_value *v = parse_value(p);
    if (!v) return 0;
    push_pair(o, key, v);
    int more = list_next(p, '}');
    if (more < 0) return 0;
    if (more == 0) break;
    if (p->rego) key = parse_value(p);
    else { skip_ws(p); key = p->pos < p->len && p->s[p->pos] == '"' ? parse_string(p) : 0; }
    if (!key) return 0;
  }
  writ_object_sort(o);
  return &o->hdr;
}

static opa_value *parse_value(parser *p) {
  skip_ws(p);
  if (p->pos >= p->len) return 0;
  if (++p->depth > MAX_DEPTH) return 0;
  opa_value *v = 0;
  char c = p->s[p->pos];
  switch (c) {
  case '{': v = parse_object(p); break;
  case '[': v = parse_array(p); break;
  case '"': v = parse_string(p); break;
  case 't': v = lit(p, "true", 4) ? opa_boolean(true) : 0; break;
  case 'f': v = lit(p, "false", 5) ? opa_boolean(false) : 0; break;
  case 'n': v = lit(p, "null", 4) ? opa_null() : 0; break;
  case 's':
    if (p->rego && lit(p, "set(", 4)) {
      skip_ws(p);
      v = lit(p, ")", 1) ? opa_set() : 0;
    }
    break;
  default:
    if (c == '-' || (c >= '0' && c <= '9')) v = parse_number(p);
  }
  p->depth--;
  return v;
}

static opa_value *parse_top(const char *s, size_t len, bool rego) {
  if (!s) return 0;
  parser p = {s, (uint32_t)len, 0, rego, 0};
  int32_t mark = opa_heap_ptr_get();
  opa_value *v = parse_value(&p);
  if (v) {
    skip_ws(&p);
    if (p.pos == p.len) return v;
  }
  opa_heap_ptr_set(mark);   /* drop the partial value of a failed parse */
  return 0;
}

WRIT_EXPORT("opa_json_parse") opa_value *opa_json_parse(const char *s, size_t len) {
  opa_value *v = parse_top(s, len, false);
  /* A strict host builtin's error comes back as "\0WRIT\0<code>\0<message>" (never JSON). */
  if (v == 0 && s != 0 && len >= 6 && s[0] == 0 && s[1] == 'W' && s[2] == 'R' && s[3] == 'I' && s[4] == 'T' && s[5] == 0)
    writ_strict_host_error(s, (uint32_t)len);
  return v;
}
WRIT_EXPORT("opa_value_parse") opa_value *opa_value_parse(const char *s, size_t len) { return parse_top(s, len, true); }
