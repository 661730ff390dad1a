/* json.marshal, json.unmarshal, json.filter and json.remove with OPA's semantics
 * (paths are "a/b" strings with ~0/~1 escapes, or arrays of segments). */
#include "wb_common.h"
#include "../strict.h"

/* OPA marshals with Go's encoding/json, which escapes <, >, & and U+2028/U+2029 (HTML-safe
 * output). Those characters can only occur inside strings of the dumped JSON, so a plain
 * substitution over the compact dump is exact. */
WRIT_EXPORT("wb_json_marshal") opa_value *wb_json_marshal(opa_value *a) {
  if (!a) return 0;
  char *s = opa_json_dump(a);
  if (!s) return 0;
  uint32_t n = wb_strlen(s), extra = 0;
  for (uint32_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '<' || c == '>' || c == '&') extra += 5;
    else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
             ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) extra += 3;
  }
  if (!extra) return opa_string_nocopy(s, n);
  char *out = (char *)opa_malloc(n + extra);
  uint32_t o = 0;
  for (uint32_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = 0;
    if (c == '<') esc = "\\u003c";
    else if (c == '>') esc = "\\u003e";
    else if (c == '&') esc = "\\u0026";
    else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0xA8) { esc = "\\u2028"; i += 2; }
    else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0xA9) { esc = "\\u2029"; i += 2; }
    if (esc) { wb_memcpy(out + o, esc, 6); o += 6; }
    else out[o++] = (char)c;
  }
  return opa_string_nocopy(out, o);
}

WRIT_EXPORT("wb_json_unmarshal") opa_value *wb_json_unmarshal(opa_value *a) {
  opa_string_t *s = wb_as_str(a);
  if (!s) return 0;
  opa_value *v = opa_json_parse(s->data, s->len);
  return v ? v : writ_builtin_fail(WRIT_ERR_BUILTIN, "invalid JSON text");
}

/* json.is_valid(x): native as OPA compiles it (the SDK's JavaScript version answers undefined for a
 * non-string; OPA answers false). */
WRIT_EXPORT("wb_json_is_valid") opa_value *wb_json_is_valid(opa_value *a) {
  opa_string_t *s = wb_as_str(a);
  if (!s) return opa_boolean(false);
  return opa_boolean(opa_json_parse(s->data, s->len) != 0);
}

/* One path -> array of segments. Strings: leading '/' trimmed, split on '/', ~1 -> '/', ~0 -> '~';
 * "" is the empty path. Arrays are taken as they are. */
static opa_value *parse_path(opa_value *p) {
  if (p->type == OPA_ARRAY) return p;
  opa_string_t *s = wb_as_str(p);
  if (!s) return 0;
  opa_value *segs = opa_array();
  if (s->len == 0) return segs;
  uint32_t i = 0;
  while (i < s->len && s->data[i] == '/') i++;
  for (;;) {
    uint32_t start = i;
    while (i < s->len && s->data[i] != '/') i++;
    char *buf = (char *)opa_malloc(i - start + 1);
    uint32_t n = 0;
    for (uint32_t k = start; k < i; k++) {
      if (s->data[k] == '~' && k + 1 < i && s->data[k + 1] == '1') { buf[n++] = '/'; k++; }
      else buf[n++] = s->data[k];
    }
    /* second pass for ~0 (Go replaces ~1 first, then ~0) */
    uint32_t m = 0;
    for (uint32_t k = 0; k < n; k++) {
      if (buf[k] == '~' && k + 1 < n && buf[k + 1] == '0') { buf[m++] = '~'; k++; }
      else buf[m++] = buf[k];
    }
    opa_array_append(segs, opa_string_nocopy(buf, m));
    if (i >= s->len) break;
    i++; /* skip '/' */
  }
  return segs;
}

/* Paths operand (array or set of paths) -> a tree object whose leaves are null; a shorter path
 * wins over a longer one sharing its prefix. 0 on type errors. */
static opa_value *paths_to_tree(opa_value *paths) {
  if (!paths || (paths->type != OPA_ARRAY && paths->type != OPA_SET)) return 0;
  opa_value *root = opa_object();
  uint32_t n = opa_value_length(paths);
  for (uint32_t i = 0; i < n; i++) {
    opa_value *path = parse_path(opa_value_val_at(paths, i));
    if (!path) return 0;
    opa_array_t *segs = (opa_array_t *)path;
    if (segs->len == 0) continue;
    opa_value *node = root;
    bool done = false;
    for (uint32_t k = 0; k + 1 < segs->len && !done; k++) {
      opa_value *child = opa_value_get(node, segs->elems[k]);
      if (!child) {
        opa_value *obj = opa_object();
        opa_object_insert(node, segs->elems[k], obj);
        node = obj;
      } else if (child->type == OPA_NULL) {
        done = true;
      } else {
        node = child;
      }
    }
    if (!done) opa_object_insert(node, segs->elems[segs->len - 1], opa_null());
  }
  return root;
}

static opa_value *index_key(uint32_t i) {
  char buf[12]; uint32_t n = 0;
  char tmp[12]; uint32_t t = 0;
  do { tmp[t++] = (char)('0' + i % 10); i /= 10; } while (i);
  while (t) buf[n++] = tmp[--t];
  return opa_string(buf, n);
}

/* Keep only what the filter tree names (null leaf = keep the whole subtree). */
static opa_value *filter_value(opa_value *v, opa_value *filter) {
  if (filter->type == OPA_NULL) return v;
  switch (v->type) {
  case OPA_ARRAY: {
    opa_value *out = opa_array();
    opa_array_t *a = (opa_array_t *)v;
    for (uint32_t i = 0; i < a->len; i++) {
      opa_value *sub = opa_value_get(filter, index_key(i));
      if (sub) opa_array_append(out, filter_value(a->elems[i], sub));
    }
    return out;
  }
  case OPA_SET: {
    opa_value *out = opa_set();
    opa_set_t *s = (opa_set_t *)v;
    for (uint32_t i = 0; i < s->len; i++) {
      opa_value *sub = opa_value_get(filter, s->elems[i]);
      if (sub) opa_set_add(out, filter_value(s->elems[i], sub));
    }
    return out;
  }
  case OPA_OBJECT: {
    opa_value *out = opa_object();
    opa_object_t *o = (opa_object_t *)v;
    for (uint32_t i = 0; i < o->len; i++) {
      opa_value *sub = opa_value_get(filter, o->keys[i]);
      if (sub) opa_object_insert(out, o->keys[i], filter_value(o->vals[i], sub));
    }
    return out;
  }
  default: return v;
  }
}

/* Drop what the removal tree names; 0 = removed. Array indexes are matched as strings. */
static opa_value *remove_value(opa_value *v, opa_value *tree) {
  if (!tree) return v;
  if (tree->type == OPA_NULL) return 0;
  if (tree->type != OPA_OBJECT) return v;
  switch (v->type) {
  case OPA_ARRAY: {
    opa_value *out = opa_array();
    opa_array_t *a = (opa_array_t *)v;
    for (uint32_t i = 0; i < a->len; i++) {
      opa_value *r = remove_value(a->elems[i], opa_value_get(tree, index_key(i)));
      if (r) opa_array_append(out, r);
    }
    return out;
  }
  case OPA_SET: {
    opa_value *out = opa_set();
    opa_set_t *s = (opa_set_t *)v;
    for (uint32_t i = 0; i < s->len; i++) {
      opa_value *r = remove_value(s->elems[i], opa_value_get(tree, s->elems[i]));
      if (r) opa_set_add(out, r);
    }
    return out;
  }
  case OPA_OBJECT: {
    opa_value *out = opa_object();
    opa_object_t *o = (opa_object_t *)v;
    for (uint32_t i = 0; i < o->len; i++) {
      opa_value *r = remove_value(o->vals[i], opa_value_get(tree, o->keys[i]));
      if (r) opa_object_insert(out, o->keys[i], r);
    }
    return out;
  }
  default: return v;
  }
}

/* paths_to_tree with OPA's operand 2 errors recorded for strict mode. */
static opa_value *paths_operand(opa_value *paths) {
  opa_value *tree = paths_to_tree(paths);
  if (tree || !paths) return tree;
  if (paths->type != OPA_ARRAY && paths->type != OPA_SET) return writ_type_fail(2, "one of {set, array}", paths);
  uint32_t n = opa_value_length(paths);
  for (uint32_t i = 0; i < n; i++) {
    opa_value *p = opa_value_val_at(paths, i);
    if (!parse_path(p)) return writ_type_fail(2, "one of {set, array} containing string paths or array of path segments", p);
  }
  return 0;
}

WRIT_EXPORT("wb_json_filter") opa_value *wb_json_filter(opa_value *obj, opa_value *paths) {
  if (!wb_is(obj, OPA_OBJECT)) return 0;
  opa_value *tree = paths_operand(paths);
  if (!tree) return 0;
  return filter_value(obj, tree);
}

WRIT_EXPORT("wb_json_remove") opa_value *wb_json_remove(opa_value *obj, opa_value *paths) {
  if (!wb_is(obj, OPA_OBJECT)) return 0;
  opa_value *tree = paths_operand(paths);
  if (!tree) return 0;
  opa_value *r = remove_value(obj, tree);
  return r ? r : opa_object();
}
