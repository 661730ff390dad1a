/* Regex parser for the RE2 / Go regexp syntax subset the regex builtins support (see wre.h).
 * Unsupported syntax (\C, \p{..} of scripts missing from unicode_tables.c) is a parse error. */
#include "wre.h"
#include "../wb_common.h"

typedef struct { const unsigned char *s; uint32_t len; } wre_name;

typedef struct {
  const unsigned char *p; uint32_t n, i;
  bool err;
  bool fold, multi, dotnl, ungreedy;
  int ncap;
  int depth;
  wre_name *names; uint32_t nnames, namecap;
} P;

#define WRE_MAX_REPEAT 1000
#define WRE_MAX_DEPTH 1000

static wre_node *node_new(int op) {
  wre_node *nd = (wre_node *)opa_malloc(sizeof(wre_node));
  nd->op = op; nd->rune = 0; nd->fold = false; nd->cls = 0; nd->kind = 0;
  nd->subs = 0; nd->nsubs = 0; nd->cap = 0; nd->min = 0; nd->max = 0; nd->greedy = true; nd->capidx = -1;
  return nd;
}

static void node_add(wre_node *nd, wre_node *sub) {
  if (nd->nsubs == nd->cap) {
    uint32_t nc = nd->cap ? nd->cap * 2 : 4;
    nd->subs = (wre_node **)opa_realloc(nd->subs, nd->cap * sizeof(wre_node *), nc * sizeof(wre_node *));
    nd->cap = nc;
  }
  nd->subs[nd->nsubs++] = sub;
}

static wre_class *class_new(bool fold) {
  wre_class *c = (wre_class *)opa_malloc(sizeof(wre_class));
  c->r = 0; c->n = 0; c->cap = 0; c->negate = false; c->fold = fold;
  return c;
}

/* Sorted range tables (pairs), terminated by -1. */
static const int32_t T_DIGIT[] = { '0', '9', -1 };
static const int32_t T_SPACE_PERL[] = { 9, 10, 12, 13, 32, 32, -1 };
static const int32_t T_WORD[] = { '0', '9', 'A', 'Z', '_', '_', 'a', 'z', -1 };
static const int32_t T_ALNUM[] = { '0', '9', 'A', 'Z', 'a', 'z', -1 };
static const int32_t T_ALPHA[] = { 'A', 'Z', 'a', 'z', -1 };
static const int32_t T_ASCII[] = { 0, 0x7F, -1 };
static const int32_t T_BLANK[] = { 9, 9, 32, 32, -1 };
static const int32_t T_CNTRL[] = { 0, 0x1F, 0x7F, 0x7F, -1 };
static const int32_t T_GRAPH[] = { 0x21, 0x7E, -1 };
static const int32_t T_LOWER[] = { 'a', 'z', -1 };
static const int32_t T_PRINT[] = { 0x20, 0x7E, -1 };
static const int32_t T_PUNCT[] = { 0x21, 0x2F, 0x3A, 0x40, 0x5B, 0x60, 0x7B, 0x7E, -1 };
static const int32_t T_SPACE[] = { 9, 13, 32, 32, -1 };
static const int32_t T_UPPER[] = { 'A', 'Z', -1 };
static const int32_t T_XDIGIT[] = { '0', '9', 'A', 'F', 'a', 'f', -1 };

static void class_add_table(wre_class *c, const int32_t *t, bool negate) {
  if (!negate) {
    for (int k = 0; t[k] >= 0; k += 2) wre_class_add(c, t[k], t[k + 1]);
    return;
  }
  int32_t next = 0;
  for (int k = 0; t[k] >= 0; k += 2) {
    if (t[k] > next) wre_class_add(c, next, t[k] - 1);
    next = t[k + 1] + 1;
  }
  if (next <= 0x10FFFF) wre_class_add(c, next, 0x10FFFF);
}

/* Adds sorted disjoint ranges (pairs), or their complement over all code points. */
static void class_add_ranges(wre_class *c, const int32_t *r, uint32_t n, bool negate) {
  if (!negate) {
    for (uint32_t k = 0; k < n; k++) wre_class_add(c, r[2 * k], r[2 * k + 1]);
    return;
  }
  int32_t next = 0;
  for (uint32_t k = 0; k < n; k++) {
    if (r[2 * k] > next) wre_class_add(c, next, r[2 * k] - 1);
    next = r[2 * k + 1] + 1;
  }
  if (next <= 0x10FFFF) wre_class_add(c, next, 0x10FFFF);
}

static void add_utable(wre_class *c, const wre_utable *t) {
  const uint8_t *d = t->data;
  int32_t prev = -1;
  for (uint32_t k = 0; k < t->nranges; k++) {
    uint32_t v[2];
    for (int j = 0; j < 2; j++) {
      uint32_t x = 0, shift = 0;
      for (;;) { uint8_t b = *d++; x |= (uint32_t)(b & 127) << shift; shift += 7; if (!(b & 128)) break; }
      v[j] = x;
    }
    int32_t lo = prev + 1 + (int32_t)v[0], hi = lo + (int32_t)v[1];
    wre_class_add(c, lo, hi);
    prev = hi;
  }
}

static bool str_eq(const unsigned char *a, uint32_t an, const char *b) {
  uint32_t bn = 0;
  while (b[bn]) bn++;
  if (an != bn) return false;
  for (uint32_t k = 0; k < an; k++) if (a[k] != (unsigned char)b[k]) return false;
  return true;
}

/* \pX, \p{Name}, \p{^Name}, \PX, \P{Name} with ps->i at the 'p' / 'P'. Supports the general
 * categories (one- and two-letter), Any, and the scripts listed in unicode_tables.c. */
static bool unicode_class(P *ps, wre_class *c) {
  bool negate = ps->p[ps->i] == 'P';
  ps->i++;
  if (ps->i >= ps->n) return false;
  const unsigned char *name; uint32_t len;
  if (ps->p[ps->i] == '{') {
    uint32_t k = ps->i + 1;
    while (k < ps->n && ps->p[k] != '}') k++;
    if (k >= ps->n) return false;
    name = ps->p + ps->i + 1; len = k - ps->i - 1;
    ps->i = k + 1;
  } else {
    uint32_t w;
    wb_utf8_decode(ps->p, ps->n, ps->i, &w);
    name = ps->p + ps->i; len = w;
    ps->i += w;
  }
  if (len > 0 && name[0] == '^') { negate = !negate; name++; len--; }
  if (len == 0) return false;
  wre_class *tmp = class_new(false);
  if (str_eq(name, len, "Any")) {
    wre_class_add(tmp, 0, 0x10FFFF);
  } else {
    bool found = false;
    for (uint32_t t = 0; t < wre_unicode_ntables; t++) {
      const wre_utable *u = &wre_unicode_tables[t];
      bool hit = str_eq(name, len, u->name);
      /* one-letter category = union of its two-letter categories */
      if (!hit && len == 1 && u->name[1] && !u->name[2] && u->name[0] == (char)name[0] &&
          u->name[1] >= 'a' && u->name[1] <= 'z') hit = true;
      if (hit) { add_utable(tmp, u); found = true; }
    }
    if (!found) return false;
  }
  wre_class_finish(tmp);
  class_add_ranges(c, tmp->r, tmp->n, negate);
  return true;
}

static const int32_t *perl_table(unsigned char c) {
  switch (c) {
  case 'd': case 'D': return T_DIGIT;
  case 's': case 'S': return T_SPACE_PERL;
  case 'w': case 'W': return T_WORD;
  default: return 0;
  }
}

static bool name_eq(const unsigned char *a, uint32_t an, const char *b) {
  uint32_t bn = wb_strlen(b);
  if (an != bn) return false;
  for (uint32_t k = 0; k < an; k++) if (a[k] != (unsigned char)b[k]) return false;
  return true;
}

static const int32_t *posix_table(const unsigned char *s, uint32_t n) {
  static const struct { const char *name; const int32_t *t; } tabs[] = {
    { "alnum", T_ALNUM }, { "alpha", T_ALPHA }, { "ascii", T_ASCII }, { "blank", T_BLANK },
    { "cntrl", T_CNTRL }, { "digit", T_DIGIT }, { "graph", T_GRAPH }, { "lower", T_LOWER },
    { "print", T_PRINT }, { "punct", T_PUNCT }, { "space", T_SPACE }, { "upper", T_UPPER },
    { "word", T_WORD }, { "xdigit", T_XDIGIT },
  };
  for (uint32_t k = 0; k < sizeof(tabs) / sizeof(tabs[0]); k++) if (name_eq(s, n, tabs[k].name)) return tabs[k].t;
  return 0;
}

static int32_t next_rune(P *ps) {
  uint32_t w;
  int32_t r = wb_utf8_decode(ps->p, ps->n, ps->i, &w);
  ps->i += w;
  return r;
}

static int unhex(int32_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool is_alnum(int32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Single-rune escape after the backslash (already consumed), as Go's parseEscape. */
static int32_t parse_escape(P *ps) {
  if (ps->i >= ps->n) { ps->err = true; return 0; }   /* trailing backslash */
  int32_t c = next_rune(ps);
  switch (c) {
  case '1': case '2': case '3': case '4': case '5': case '6': case '7':
    /* a single non-zero digit would be a backreference: not supported */
    if (ps->i >= ps->n || ps->p[ps->i] < '0' || ps->p[ps->i] > '7') break;
    /* fallthrough */
  case '0': {
    int32_t r = c - '0';
    for (int k = 1; k < 3; k++) {
      if (ps->i >= ps->n || ps->p[ps->i] < '0' || ps->p[ps->i] > '7') break;
      r = r * 8 + (ps->p[ps->i++] - '0');
    }
    return r;
  }
  case 'x': {
    if (ps->i >= ps->n) break;
    int32_t d = next_rune(ps);
    if (d == '{') {
      int nhex = 0; int32_t r = 0;
      for (;;) {
        if (ps->i >= ps->n) { ps->err = true; return 0; }
        d = next_rune(ps);
        if (d == '}') break;
        int v = unhex(d);
        if (v < 0) { ps->err = true; return 0; }
        r = r * 16 + v;
        if (r > 0x10FFFF) { ps->err = true; return 0; }
        nhex++;
      }
      if (nhex == 0) break;
      return r;
    }
    if (ps->i >= ps->n) break;
    int x = unhex(d), y = unhex(next_rune(ps));
    if (x < 0 || y < 0) break;
    return x * 16 + y;
  }
  case 'a': return 7;
  case 'f': return 12;
  case 'n': return 10;
  case 'r': return 13;
  case 't': return 9;
  case 'v': return 11;
  default:
    if (c < 0x80 && !is_alnum(c)) return c;   /* escaped punctuation is itself */
    break;
  }
  ps->err = true;
  return 0;
}

static wre_node *lit(P *ps, int32_t r) {
  wre_node *nd = node_new(WN_LIT);
  nd->rune = r;
  nd->fold = ps->fold && wre_fold_next(r) != r;
  return nd;
}

static wre_node *parse_class(P *ps) {
  wre_class *c = class_new(ps->fold);
  if (ps->i < ps->n && ps->p[ps->i] == '^') { c->negate = true; ps->i++; }
  bool first = true;
  while (ps->i < ps->n && (ps->p[ps->i] != ']' || first)) {
    first = false;
    const unsigned char *t = ps->p + ps->i;
    uint32_t rest = ps->n - ps->i;
    if (rest > 2 && t[0] == '[' && t[1] == ':') {
      uint32_t end = 0;
      for (uint32_t k = 2; k + 1 < rest; k++) if (t[k] == ':' && t[k + 1] == ']') { end = k; break; }
      if (end) {
        bool neg = t[2] == '^';
        const int32_t *tab = posix_table(t + 2 + neg, end - 2 - neg);
        if (!tab) { ps->err = true; return 0; }
        class_add_table(c, tab, neg);
        ps->i += end + 2;
        continue;
      }
    }
    if (rest >= 2 && t[0] == '\\') {
      if (t[1] == 'p' || t[1] == 'P') {
        ps->i++;
        if (!unicode_class(ps, c)) { ps->err = true; return 0; }
        continue;
      }
      const int32_t *tab = perl_table(t[1]);
      if (tab) {
        class_add_table(c, tab, t[1] >= 'A' && t[1] <= 'Z');
        ps->i += 2;
        continue;
      }
    }
    int32_t lo, hi;
    if (ps->p[ps->i] == '\\') { ps->i++; lo = parse_escape(ps); } else lo = next_rune(ps);
    if (ps->err) return 0;
    hi = lo;
    if (ps->i + 1 < ps->n && ps->p[ps->i] == '-' && ps->p[ps->i + 1] != ']') {
      ps->i++;
      if (ps->p[ps->i] == '\\') { ps->i++; hi = parse_escape(ps); } else hi = next_rune(ps);
      if (ps->err) return 0;
      if (hi < lo) { ps->err = true; return 0; }
    }
    wre_class_add(c, lo, hi);
  }
  if (ps->i >= ps->n) { ps->err = true; return 0; }   /* missing ] */
  ps->i++;
  wre_class_finish(c);
  wre_node *nd = node_new(WN_CLASS);
  nd->cls = c;
  return nd;
}

static wre_node *parse_alt(P *ps);

/* Parses group g's body with the given flags in force, then its ')'; the enclosing flags come
 * back afterwards. Returns g, or 0 with ps->err set. */
static wre_node *group_body(P *ps, wre_node *g, bool fold, bool multi, bool dotnl, bool ungreedy) {
  bool sf = ps->fold, sm = ps->multi, ss = ps->dotnl, su = ps->ungreedy;
  ps->fold = fold; ps->multi = multi; ps->dotnl = dotnl; ps->ungreedy = ungreedy;
  node_add(g, parse_alt(ps));
  ps->fold = sf; ps->multi = sm; ps->dotnl = ss; ps->ungreedy = su;
  if (ps->err) return 0;
  if (ps->i >= ps->n || ps->p[ps->i] != ')') { ps->err = true; return 0; }
  ps->i++;
  return g;
}

static bool is_word_byte(unsigned char c) {
  return is_alnum(c) || c == '_';
}

/* Parses "(?" group syntax after "(?" has been consumed. Returns the group node, or 0 with
 * *flags_only = true for a bare flag setting like (?i). */
static wre_node *parse_perl_group(P *ps, bool *flags_only) {
  *flags_only = false;
  const unsigned char *t = ps->p + ps->i;
  uint32_t rest = ps->n - ps->i;
  /* named capture: (?P<name>re) or (?<name>re) */
  uint32_t skip = 0;
  if (rest >= 2 && t[0] == 'P' && t[1] == '<') skip = 2;
  else if (rest >= 1 && t[0] == '<') skip = 1;
  if (skip) {
    uint32_t k = skip, start = skip;
    while (k < rest && t[k] != '>') k++;
    if (k >= rest || k == start) { ps->err = true; return 0; }
    for (uint32_t q = start; q < k; q++) if (!is_word_byte(t[q])) { ps->err = true; return 0; }
    for (uint32_t q = 0; q < ps->nnames; q++) {
      if (ps->names[q].len == k - start) {
        bool same = true;
        for (uint32_t z = 0; z < k - start; z++) if (ps->names[q].s[z] != t[start + z]) same = false;
        if (same) { ps->err = true; return 0; }   /* duplicate capture group name */
      }
    }
    if (ps->nnames == ps->namecap) {
      uint32_t nc = ps->namecap ? ps->namecap * 2 : 4;
      ps->names = (wre_name *)opa_realloc(ps->names, ps->namecap * sizeof(wre_name), nc * sizeof(wre_name));
      ps->namecap = nc;
    }
    ps->names[ps->nnames].s = t + start; ps->names[ps->nnames].len = k - start; ps->nnames++;
    ps->i += k + 1;
    wre_node *g = node_new(WN_GROUP);
    g->capidx = ps->ncap++;
    return group_body(ps, g, ps->fold, ps->multi, ps->dotnl, ps->ungreedy);
  }
  /* flags: (?flags) or (?flags:re) */
  bool neg = false, sawflag = false;
  bool fold = ps->fold, multi = ps->multi, dotnl = ps->dotnl, ungreedy = ps->ungreedy;
  for (;;) {
    if (ps->i >= ps->n) { ps->err = true; return 0; }
    unsigned char c = ps->p[ps->i++];
    switch (c) {
    case 'i': fold = !neg; sawflag = true; break;
    case 'm': multi = !neg; sawflag = true; break;
    case 's': dotnl = !neg; sawflag = true; break;
    case 'U': ungreedy = !neg; sawflag = true; break;
    case '-':
      if (neg) { ps->err = true; return 0; }
      neg = true; sawflag = false;   /* a '-' must be followed by at least one flag */
      break;
    case ':':
    case ')': {
      if (neg && !sawflag) { ps->err = true; return 0; }
      if (c == ')' && !sawflag) { ps->err = true; return 0; }   /* "(?)" */
      if (c == ')') {
        ps->fold = fold; ps->multi = multi; ps->dotnl = dotnl; ps->ungreedy = ungreedy;
        *flags_only = true;
        return 0;
      }
      wre_node *g = node_new(WN_GROUP);
      g->capidx = -1;
      return group_body(ps, g, fold, multi, dotnl, ungreedy);
    }
    default:
      ps->err = true;
      return 0;
    }
  }
}

/* Tries to read {n}, {n,} or {n,m} at ps->i (pointing at '{'). false = not a repeat (literal '{'). */
static bool parse_counted(P *ps, int *min, int *max) {
  uint32_t k = ps->i + 1;
  int32_t a = 0, b; int digits = 0;
  while (k < ps->n && ps->p[k] >= '0' && ps->p[k] <= '9') { if (a <= 100000) a = a * 10 + (ps->p[k] - '0'); k++; digits++; }
  if (!digits || k >= ps->n) return false;
  if (ps->p[k] == '}') { b = a; }
  else if (ps->p[k] == ',') {
    k++;
    if (k < ps->n && ps->p[k] == '}') b = -1;
    else {
      b = 0; digits = 0;
      while (k < ps->n && ps->p[k] >= '0' && ps->p[k] <= '9') { if (b <= 100000) b = b * 10 + (ps->p[k] - '0'); k++; digits++; }
      if (!digits || k >= ps->n || ps->p[k] != '}') return false;
    }
  } else return false;
  ps->i = k + 1;
  *min = a; *max = b;
  return true;
}

static wre_node *parse_concat(P *ps) {
  wre_node *cat = node_new(WN_CAT);
  bool last_repeat = false;
  while (ps->i < ps->n && !ps->err) {
    unsigned char c = ps->p[ps->i];
    if (c == '|' || c == ')') break;
    int min = 0, max = 0; bool is_rep = false;
    if (c == '*' || c == '+' || c == '?') {
      ps->i++; is_rep = true;
      min = c == '+' ? 1 : 0; max = c == '?' ? 1 : -1;
    } else if (c == '{') {
      uint32_t save = ps->i;
      if (parse_counted(ps, &min, &max)) {
        is_rep = true;
        if (min > WRE_MAX_REPEAT || max > WRE_MAX_REPEAT || (max >= 0 && min > max)) { ps->err = true; break; }
      } else ps->i = save;
    }
    if (is_rep) {
      bool greedy = true;
      if (ps->i < ps->n && ps->p[ps->i] == '?') { greedy = false; ps->i++; }
      if (ps->ungreedy) greedy = !greedy;
      if (cat->nsubs == 0 || last_repeat) { ps->err = true; break; }   /* missing argument / nested repeat */
      wre_node *r = node_new(WN_REPEAT);
      r->min = min; r->max = max; r->greedy = greedy;
      node_add(r, cat->subs[cat->nsubs - 1]);
      cat->subs[cat->nsubs - 1] = r;
      last_repeat = true;
      continue;
    }
    last_repeat = false;
    ps->i++;
    if (c == '(') {
      if (++ps->depth > WRE_MAX_DEPTH) { ps->err = true; break; }
      if (ps->i < ps->n && ps->p[ps->i] == '?') {
        ps->i++;
        bool flags_only;
        wre_node *g = parse_perl_group(ps, &flags_only);
        ps->depth--;
        if (ps->err) break;
        if (!flags_only) node_add(cat, g);
        continue;
      }
      wre_node *g = node_new(WN_GROUP);
      g->capidx = ps->ncap++;
      g = group_body(ps, g, ps->fold, ps->multi, ps->dotnl, ps->ungreedy);
      ps->depth--;
      if (!g) break;
      node_add(cat, g);
    } else if (c == '[') {
      wre_node *cl = parse_class(ps);
      if (ps->err) break;
      node_add(cat, cl);
    } else if (c == '.') {
      node_add(cat, node_new(ps->dotnl ? WN_ANY : WN_ANYNL));
    } else if (c == '^' || c == '$') {
      wre_node *a = node_new(WN_ASSERT);
      a->kind = c == '^' ? (ps->multi ? WA_BOL : WA_BOT) : (ps->multi ? WA_EOL : WA_EOT);
      node_add(cat, a);
    } else if (c == '\\') {
      if (ps->i >= ps->n) { ps->err = true; break; }
      unsigned char e = ps->p[ps->i];
      if (e == 'A' || e == 'z' || e == 'b' || e == 'B') {
        ps->i++;
        wre_node *a = node_new(WN_ASSERT);
        a->kind = e == 'A' ? WA_BOT : e == 'z' ? WA_EOT : e == 'b' ? WA_WORDB : WA_NWORDB;
        node_add(cat, a);
      } else if (perl_table(e)) {
        ps->i++;
        wre_class *cl = class_new(ps->fold);
        class_add_table(cl, perl_table(e), e >= 'A' && e <= 'Z');
        wre_class_finish(cl);
        wre_node *nd = node_new(WN_CLASS); nd->cls = cl;
        node_add(cat, nd);
      } else if (e == 'Q') {
        /* literal text up to \E (or the end) */
        ps->i++;
        while (ps->i < ps->n) {
          if (ps->p[ps->i] == '\\' && ps->i + 1 < ps->n && ps->p[ps->i + 1] == 'E') { ps->i += 2; break; }
          node_add(cat, lit(ps, next_rune(ps)));
        }
      } else if (e == 'p' || e == 'P') {
        wre_class *cl = class_new(ps->fold);
        if (!unicode_class(ps, cl)) { ps->err = true; break; }
        wre_node *nd = node_new(WN_CLASS); nd->cls = cl;
        node_add(cat, nd);
      } else if (e == 'C') {
        ps->err = true;   /* \C (any byte): not supported */
      } else {
        int32_t r = parse_escape(ps);
        if (ps->err) break;
        node_add(cat, lit(ps, r));
      }
    } else {
      ps->i--;
      node_add(cat, lit(ps, next_rune(ps)));
    }
  }
  return cat;
}

static wre_node *parse_alt(P *ps) {
  wre_node *first = parse_concat(ps);
  if (ps->err || ps->i >= ps->n || ps->p[ps->i] != '|') return first;
  wre_node *alt = node_new(WN_ALT);
  node_add(alt, first);
  while (!ps->err && ps->i < ps->n && ps->p[ps->i] == '|') {
    ps->i++;
    node_add(alt, parse_concat(ps));
  }
  return alt;
}

wre_node *wre_parse(const char *pat, uint32_t len, int *ncap) {
  P ps;
  ps.p = (const unsigned char *)pat; ps.n = len; ps.i = 0; ps.err = false;
  ps.fold = ps.multi = ps.dotnl = ps.ungreedy = false;
  ps.ncap = 1; ps.depth = 0; ps.names = 0; ps.nnames = 0; ps.namecap = 0;
  wre_node *ast = parse_alt(&ps);
  if (ps.err) return 0;
  if (ps.i < ps.n) return 0;   /* unexpected ')' */
  *ncap = ps.ncap;
  return ast;
}
