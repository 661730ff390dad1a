/* glob.match(pattern, delimiters, subject) with gobwas/glob syntax as OPA uses it:
 * `*` (no delimiter), `**` (anything), `?` (one non-delimiter rune), `[abc]` `[a-z]` `[!..]`,
 * `{a,b}` alternatives (nested; `,` `}` literal outside braces; an unclosed `{` ends at the end),
 * `\` escapes; whole-subject match. Delimiters: null = none,
 * [] = ["."], else each a single-rune string. The glob is translated into a regex for the
 * writ regex engine (regex/), whose Pike VM keeps matching linear in the subject. */
#include "wb_common.h"
#include "../strict.h"
#include "regex/wre.h"

typedef struct { char *d; uint32_t len, cap; } g_buf;

static void put(g_buf *b, const char *s, uint32_t n) {
  if (b->len + n > b->cap) {
    uint32_t nc = b->cap ? b->cap * 2 : 64;
    while (nc < b->len + n) nc *= 2;
    b->d = (char *)opa_realloc(b->d, b->cap, nc);
    b->cap = nc;
  }
  wb_memcpy(b->d + b->len, s, n);
  b->len += n;
}

static void puts_(g_buf *b, const char *s) { put(b, s, wb_strlen(s)); }

/* a rune as the regex escape \x{HEX}, so no glob text is ever regex syntax */
static void put_rune(g_buf *b, int32_t r) {
  char tmp[16]; uint32_t n = 0;
  tmp[n++] = '\\'; tmp[n++] = 'x'; tmp[n++] = '{';
  char hex[8]; uint32_t h = 0;
  do { hex[h++] = "0123456789abcdef"[r & 15]; r >>= 4; } while (r);
  while (h) tmp[n++] = hex[--h];
  tmp[n++] = '}';
  put(b, tmp, n);
}

typedef struct {
  const unsigned char *p; uint32_t n, i;
  bool error;
  int32_t *delims; uint32_t ndelims;
} g_parser;

static int32_t next_rune(g_parser *ps) {
  uint32_t w;
  int32_t r = wb_utf8_decode(ps->p, ps->n, ps->i, &w);
  ps->i += w;
  return r;
}

static void put_single(g_parser *ps, g_buf *b) {
  if (ps->ndelims == 0) { puts_(b, "(?s:.)"); return; }
  puts_(b, "[^");
  for (uint32_t k = 0; k < ps->ndelims; k++) put_rune(b, ps->delims[k]);
  puts_(b, "]");
}

/* After '[': gobwas accepts exactly one range `[a-z]` (raw runes) or one set of characters
 * `[abc]` (backslash escapes allowed), either optionally negated with a leading '!'. */
static void parse_class(g_parser *ps, g_buf *b) {
  puts_(b, "[");
  bool seen_not = false;
  for (;;) {
    if (ps->i >= ps->n) { ps->error = true; return; }
    uint32_t at = ps->i;
    int32_t lo = next_rune(ps);
    if (!seen_not && lo == '!') { seen_not = true; puts_(b, "^"); continue; }
    if (ps->i < ps->n && ps->p[ps->i] == '-') {
      ps->i++;
      if (ps->i >= ps->n) { ps->error = true; return; }
      int32_t hi = next_rune(ps);
      if (hi < lo || ps->i >= ps->n || ps->p[ps->i] != ']') { ps->error = true; return; }
      ps->i++;
      put_rune(b, lo); puts_(b, "-"); put_rune(b, hi); puts_(b, "]");
      return;
    }
    ps->i = at;
    bool any = false;
    while (ps->i < ps->n && ps->p[ps->i] != ']') {
      if (ps->p[ps->i] == '\\') {
        ps->i++;
        if (ps->i >= ps->n) { ps->error = true; return; }
      }
      put_rune(b, next_rune(ps));
      any = true;
    }
    if (ps->i >= ps->n || !any) { ps->error = true; return; }
    ps->i++;
    puts_(b, "]");
    return;
  }
}

/* Translates a sequence up to the end, or (inside braces) up to ',' or '}' (not consumed). */
static void parse_seq(g_parser *ps, g_buf *b, int depth) {
  while (ps->i < ps->n && !ps->error) {
    unsigned char c = ps->p[ps->i];
    if (depth > 0 && (c == ',' || c == '}')) return;
    if (c == '*') {
      ps->i++;
      if (ps->i < ps->n && ps->p[ps->i] == '*') { ps->i++; puts_(b, "(?s:.)*"); }
      else { puts_(b, "(?:"); put_single(ps, b); puts_(b, ")*"); }
    } else if (c == '?') {
      ps->i++; put_single(ps, b);
    } else if (c == '[') {
      ps->i++; parse_class(ps, b);
    } else if (c == '{') {
      ps->i++;
      if (depth > 500) { ps->error = true; return; }
      puts_(b, "(?:");
      for (;;) {
        parse_seq(ps, b, depth + 1);
        if (ps->error) return;
        if (ps->i >= ps->n) break;   /* gobwas closes an unterminated `{` at the end */
        if (ps->p[ps->i++] == '}') break;
        puts_(b, "|");
      }
      puts_(b, ")");
    } else if (c == '\\') {
      ps->i++;
      if (ps->i >= ps->n) { ps->error = true; return; }
      put_rune(b, next_rune(ps));
    } else {
      put_rune(b, next_rune(ps));
    }
  }
}

WRIT_EXPORT("wb_glob_match") opa_value *wb_glob_match(opa_value *pattern, opa_value *delims, opa_value *subject) {
  opa_string_t *pat = wb_as_str(pattern), *subj = wb_as_str(subject);
  if (!pat || !subj || !delims) return 0;
  g_parser ps = { (const unsigned char *)pat->data, pat->len, 0, false, 0, 0 };
  static int32_t default_delims[1] = { '.' };
  if (delims->type == OPA_NULL) {
    ps.delims = 0; ps.ndelims = 0;
  } else if (delims->type == OPA_ARRAY) {
    opa_array_t *a = (opa_array_t *)delims;
    if (a->len == 0) { ps.delims = default_delims; ps.ndelims = 1; }
    else {
      ps.delims = (int32_t *)opa_malloc(a->len * sizeof(int32_t)); ps.ndelims = a->len;
      for (uint32_t i = 0; i < a->len; i++) {
        opa_string_t *d = wb_as_str(a->elems[i]);
        if (!d || d->len == 0) return 0;
        uint32_t w;
        ps.delims[i] = wb_utf8_decode((const unsigned char *)d->data, d->len, 0, &w);
        if (w != d->len) return 0;   /* must be exactly one rune */
      }
    }
  } else {
    return 0;
  }
  g_buf b = { 0, 0, 0 };
  puts_(&b, "\\A(?:");
  parse_seq(&ps, &b, 0);
  if (ps.error) return writ_builtin_fail(WRIT_ERR_BUILTIN, "invalid glob pattern: %.*s", (int)(pat->len > 200 ? 200 : pat->len), pat->data);
  puts_(&b, ")\\z");
  wre_prog *prog = wre_compile_pattern(b.d, b.len);
  if (!prog) return 0;
  int32_t *caps = (int32_t *)opa_malloc(2 * (uint32_t)prog->ncap * sizeof(int32_t));
  int r = wre_exec(prog, subj->data, subj->len, 0, caps);
  if (r < 0) return 0;
  return opa_boolean(r == 1);
}
