/* writ runtime: value serialization. JSON (opa_json_dump, what the SDK reads) and Rego-literal
 * text (opa_value_dump), both with keys and set elements in Rego's sorted order. */
#include <string.h>
#include "internal.h"

void writ_buf_init(writ_buf *b, uint32_t cap) {
  b->cap = cap < 16 ? 16 : cap;
  b->buf = opa_malloc(b->cap);
  b->len = 0;
}

static void reserve(writ_buf *b, uint32_t n) {
  if (b->len + n <= b->cap) return;
  uint32_t c = b->cap * 2;
  while (c < b->len + n) c *= 2;
  b->buf = opa_realloc(b->buf, b->cap, c);
  b->cap = c;
}

void writ_buf_put(writ_buf *b, const char *s, uint32_t n) {
  reserve(b, n);
  memcpy(b->buf + b->len, s, n);
  b->len += n;
}

void writ_buf_putc(writ_buf *b, char c) {
  reserve(b, 1);
  b->buf[b->len++] = c;
}

char *writ_buf_finish(writ_buf *b) {
  writ_buf_putc(b, 0);
  return b->buf;
}

static const char hex[] = "0123456789abcdef";

static void put_string(writ_buf *b, const char *s, uint32_t n) {
  reserve(b, n + 2);
  writ_buf_putc(b, '"');
  uint32_t run = 0;   /* bytes copied verbatim are flushed in runs */
  for (uint32_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    writ_buf_put(b, s + run, i - run);
    run = i + 1;
    switch (c) {
    case '"': writ_buf_put(b, "\\\"", 2); break;
    case '\\': writ_buf_put(b, "\\\\", 2); break;
    case '\n': writ_buf_put(b, "\\n", 2); break;
    case '\r': writ_buf_put(b, "\\r", 2); break;
    case '\t': writ_buf_put(b, "\\t", 2); break;
    default: {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      writ_buf_put(b, e, 6);
    }
    }
  }
  writ_buf_put(b, s + run, n - run);
  writ_buf_putc(b, '"');
}

static void dump(writ_buf *b, opa_value *v, bool rego);

static void dump_key(writ_buf *b, opa_value *k, bool rego) {
  if (rego || k->type == OPA_STRING) { dump(b, k, rego); return; }
  /* JSON keys must be strings: emit the key's own JSON text as a string */
  writ_buf t;
  writ_buf_init(&t, 32);
  dump(&t, k, false);
  put_string(b, t.buf, t.len);
}

static void dump(writ_buf *b, opa_value *v, bool rego) {
  const char *sep = rego ? ", " : ",";
  uint32_t sep_len = rego ? 2 : 1;
  if (!v) { writ_buf_put(b, "null", 4); return; }
  switch (v->type) {
  case OPA_NULL: writ_buf_put(b, "null", 4); return;
  case OPA_BOOLEAN:
    if (((opa_boolean_t *)v)->v) writ_buf_put(b, "true", 4); else writ_buf_put(b, "false", 5);
    return;
  case OPA_NUMBER: {
    char tmp[40];
    const char *ref;
    uint32_t n = writ_number_text((opa_number_t *)v, tmp, &ref);
    writ_buf_put(b, ref ? ref : tmp, n);
    return;
  }
  case OPA_STRING: put_string(b, ((opa_string_t *)v)->data, ((opa_string_t *)v)->len); return;
  case OPA_ARRAY: {
    opa_array_t *a = (opa_array_t *)v;
    writ_buf_putc(b, '[');
    for (uint32_t i = 0; i < a->len; i++) {
      if (i) writ_buf_put(b, sep, sep_len);
      dump(b, a->elems[i], rego);
    }
    writ_buf_putc(b, ']');
    return;
  }
  case OPA_OBJECT: {
    opa_object_t *o = (opa_object_t *)v;
    writ_buf_putc(b, '{');
    for (uint32_t i = 0; i < o->len; i++) {
      if (i) writ_buf_put(b, sep, sep_len);
      dump_key(b, o->keys[i], rego);
      if (rego) writ_buf_put(b, ": ", 2); else writ_buf_putc(b, ':');
      dump(b, o->vals[i], rego);
    }
    writ_buf_putc(b, '}');
    return;
  }
  case OPA_SET: {
    opa_set_t *s = (opa_set_t *)v;
    if (rego && s->len == 0) { writ_buf_put(b, "set()", 5); return; }
    writ_buf_putc(b, rego ? '{' : '[');
    for (uint32_t i = 0; i < s->len; i++) {
      if (i) writ_buf_put(b, sep, sep_len);
      dump(b, s->elems[i], rego);
    }
    writ_buf_putc(b, rego ? '}' : ']');
    return;
  }
  default: opa_abort("illegal value");
  }
}

WRIT_EXPORT("opa_json_dump") char *opa_json_dump(opa_value *v) {
  writ_buf b;
  writ_buf_init(&b, 64);
  dump(&b, v, false);
  return writ_buf_finish(&b);
}

WRIT_EXPORT("opa_value_dump") char *opa_value_dump(opa_value *v) {
  writ_buf b;
  writ_buf_init(&b, 64);
  dump(&b, v, true);
  return writ_buf_finish(&b);
}

void writ_buf_put_display(writ_buf *b, opa_value *v) {
  if (v->type == OPA_STRING) {
    opa_string_t *s = (opa_string_t *)v;
    writ_buf_put(b, s->data, s->len);
    return;
  }
  char *text = opa_value_dump(v);
  writ_buf_put(b, text, (uint32_t)strlen(text));
}
