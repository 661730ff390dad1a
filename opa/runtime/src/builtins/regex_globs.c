/* regex.globs_match: whether two "glob regexes" share a string, computed the way OPA computes
 * it (the glob-intersection library's NonEmpty): tokens are characters, '.' and [sets] (ranges
 * and escapes; '^' is a member, not a negation), each optionally followed by '+' or '*'; every
 * other character ('?', '(', '|', ...) is literal. Its greedy token walk is mirrored exactly,
 * because OPA's answers are that walk's answers, not those of a full automaton product. */
#include "wb_common.h"
#include "../strict.h"
#include "regex/wre.h"

enum { GT_CHAR, GT_DOT, GT_SET };
enum { GF_NONE, GF_PLUS, GF_STAR };

typedef struct { uint8_t type, flag; int32_t rune; wre_class *set; } gtok;
typedef struct { gtok **t; uint32_t n; } glob;

/* Recursion and work bounds: pathological globs make the call undefined instead of hanging. */
#define GLOB_MAX_WORK 20000000
#define GLOB_MAX_DEPTH 4000
typedef struct { int64_t work; bool over; } budget;

static bool tok_match(const gtok *a, const gtok *b) {
  if (a->type > b->type) { const gtok *t = a; a = b; b = t; }
  switch (a->type) {
  case GT_CHAR:
    if (b->type == GT_CHAR) return a->rune == b->rune;
    if (b->type == GT_DOT) return true;
    return wre_class_match(b->set, a->rune);
  case GT_DOT:
    return true;   /* a dot matches any set, even an empty one, as the library does */
  default: {
    /* two sorted, merged range lists: any overlap */
    const wre_class *x = a->set, *y = b->set;
    uint32_t i = 0, j = 0;
    while (i < x->n && j < y->n) {
      if (x->r[2 * i + 1] < y->r[2 * j]) i++;
      else if (y->r[2 * j + 1] < x->r[2 * i]) j++;
      else return true;
    }
    return false;
  }
  }
}

static bool tok_equal(const gtok *a, const gtok *b) {
  if (a->type != b->type) return false;
  if (a->type == GT_CHAR) return a->rune == b->rune;
  if (a->type == GT_DOT) return true;
  if (a->set->n != b->set->n) return false;
  for (uint32_t k = 0; k < 2 * a->set->n; k++) if (a->set->r[k] != b->set->r[k]) return false;
  return true;
}

/* ---- tokenizer (over code points) ---- */
typedef struct { const int32_t *r; uint32_t n; const opa_string_t *src; } G;

/* Strict mode's record, in the library's words ("input:<glob>, pos:<n>, <why>: ..."). */
static bool glob_err(const G *g, uint32_t pos, const char *why) {
  writ_builtin_fail(WRIT_ERR_BUILTIN, "input:%.*s, pos:%u, %s: the input provided is invalid",
                    (int)(g->src->len > 200 ? 200 : g->src->len), g->src->data, (unsigned)pos, why);
  return false;
}

/* nextRune: a backslash escapes the next rune. false at the end (or on a trailing backslash,
 * with *err set). */
static bool next_rune(const G *g, uint32_t *i, int32_t *r, bool *esc, bool *err) {
  *err = false;
  if (*i >= g->n) return false;
  if (g->r[*i] == '\\') {
    if (*i + 1 >= g->n) { *err = true; glob_err(g, *i, "input ends with a \\ (escape) character"); return false; }
    *r = g->r[*i + 1]; *esc = true; *i += 2;
    return true;
  }
  *r = g->r[*i]; *esc = false; *i += 1;
  return true;
}

static bool tokenize_set(const G *g, uint32_t *i, wre_class *set) {
  int32_t r, prev = 0;
  bool esc, err, prev_exists = false, complete = false;
  while (!complete) {
    if (!next_rune(g, i, &r, &esc, &err)) {
      if (err) return false;
      return glob_err(g, *i, "found [ without matching ]");
    }
    if (esc) { wre_class_add(set, r, r); prev = r; prev_exists = true; continue; }
    if (r == ']') { complete = true; continue; }
    if (r != '-') { wre_class_add(set, r, r); prev = r; prev_exists = true; continue; }
    if (!prev_exists) return glob_err(g, *i, "range character '-' must be preceded by a Unicode character");
    if (*i + 1 >= g->n) return glob_err(g, *i, "range character '-' must be followed by a Unicode character");
    if (!next_rune(g, i, &r, &esc, &err)) return false;
    if (!esc && (r == ']' || r == '-')) return glob_err(g, *i, "range character '-' cannot be followed by a special symbol");
    /* an out-of-order range adds nothing (the library records that error, then overwrites it) */
    if (r >= prev) wre_class_add(set, prev, r);
    prev_exists = false;
  }
  wre_class_finish(set);
  return true;
}

static bool tokenize(const G *g, glob *out) {
  out->t = (gtok **)opa_malloc((g->n + 1) * sizeof(gtok *));
  out->n = 0;
  uint32_t i = 0;
  for (;;) {
    int32_t r;
    bool esc, err;
    if (!next_rune(g, &i, &r, &esc, &err)) return !err;
    gtok *t = (gtok *)opa_malloc(sizeof(gtok));
    t->type = GT_CHAR; t->flag = GF_NONE; t->rune = r; t->set = 0;
    if (!esc) {
      if (r == '.') t->type = GT_DOT;
      else if (r == ']') return glob_err(g, i, "set-close ']' with no preceding '['");
      else if (r == '[') {
        t->type = GT_SET;
        t->set = (wre_class *)opa_malloc(sizeof(wre_class));
        t->set->r = 0; t->set->n = 0; t->set->cap = 0; t->set->negate = false; t->set->fold = false;
        if (!tokenize_set(g, &i, t->set)) return false;
      } else if (r == '+' || r == '*') {
        return glob_err(g, i, r == '+' ? "flag '+' must be preceded by a non-flag" : "flag '*' must be preceded by a non-flag");
      }
    }
    /* an unescaped '+' or '*' right after the token is its flag */
    if (i < g->n && (g->r[i] == '+' || g->r[i] == '*')) { t->flag = g->r[i] == '+' ? GF_PLUS : GF_STAR; i++; }
    out->t[out->n++] = t;
  }
}

/* Simplify: adjacent equal flagged tokens merge (t+t* = t*t+ = t+, t*t* = t*). */
static void simplify(glob *g) {
  if (g->n == 0) return;
  uint32_t m = 1;
  for (uint32_t k = 1; k < g->n; k++) {
    gtok *last = g->t[m - 1], *t = g->t[k];
    if (t->flag != GF_NONE && last->flag != GF_NONE && tok_equal(t, last)) {
      last->flag = (t->flag == GF_PLUS || last->flag == GF_PLUS) ? GF_PLUS : GF_STAR;
      continue;
    }
    g->t[m++] = t;
  }
  g->n = m;
}

/* ---- the library's intersection walk ---- */
static bool normal(budget *b, gtok **g1, uint32_t n1, gtok **g2, uint32_t n2, int depth);

static bool tick(budget *b, int depth) {
  if (++b->work > GLOB_MAX_WORK || depth > GLOB_MAX_DEPTH) b->over = true;
  return !b->over;
}

static bool star(budget *b, gtok **s, uint32_t ns, gtok **o, uint32_t no, int depth) {
  if (!tick(b, depth)) return false;
  gtok *st = s[0], *next = ns > 1 ? s[1] : 0;
  for (uint32_t i = 0; i < no; i++) {
    if (!tick(b, depth)) return false;
    gtok *t = o[i];
    if (next && tok_match(t, next)) {
      if (normal(b, s + 1, ns - 1, o + i, no - i, depth + 1)) return true;
      if (b->over || !tok_match(t, st)) return false;
    } else if (!tok_match(t, st)) {
      return false;
    }
  }
  return next == 0;
}

static bool plus(budget *b, gtok **p, uint32_t np, gtok **o, uint32_t no, int depth) {
  if (!tok_match(p[0], o[0])) return false;
  if (star(b, p, np, o + 1, no - 1, depth + 1)) return true;
  return !b->over && o[0]->flag != GF_NONE && normal(b, p + 1, np - 1, o, no, depth + 1);
}

static bool special(budget *b, gtok **g1, uint32_t n1, gtok **g2, uint32_t n2, int depth) {
  if (g1[0]->flag != GF_NONE) {
    return g1[0]->flag == GF_PLUS ? plus(b, g1, n1, g2, n2, depth) : star(b, g1, n1, g2, n2, depth);
  }
  if (g2[0]->flag == GF_PLUS) return plus(b, g2, n2, g1, n1, depth);
  if (g2[0]->flag == GF_STAR) return star(b, g2, n2, g1, n1, depth);
  return false;
}

static bool normal(budget *b, gtok **g1, uint32_t n1, gtok **g2, uint32_t n2, int depth) {
  if (!tick(b, depth)) return false;
  uint32_t i = 0, j = 0;
  for (; i < n1 && j < n2; i++, j++) {
    if (g1[i]->flag == GF_NONE && g2[j]->flag == GF_NONE) {
      if (!tok_match(g1[i], g2[j])) return false;
    } else {
      return special(b, g1 + i, n1 - i, g2 + j, n2 - j, depth + 1);
    }
  }
  return i == n1 && j == n2;
}

/* trimGlobs: drop the matching unflagged prefix and suffix, keeping one token of each. */
static bool trim(glob *g1, glob *g2, uint32_t *l_out, int64_t *r1_out, int64_t *r2_out) {
  uint32_t l = 0;
  for (; l < g1->n && l < g2->n && g1->t[l]->flag == GF_NONE && g2->t[l]->flag == GF_NONE; l++)
    if (!tok_match(g1->t[l], g2->t[l])) return false;
  if (l > 0) l--;
  int64_t r1 = (int64_t)g1->n - 1, r2 = (int64_t)g2->n - 1;
  for (; r1 >= 0 && r1 >= l && r2 >= 0 && r2 >= l && g1->t[r1]->flag == GF_NONE && g2->t[r2]->flag == GF_NONE; r1--, r2--)
    if (!tok_match(g1->t[r1], g2->t[r2])) return false;
  if (r1 < (int64_t)g1->n - 1) { r1++; r2++; }
  *l_out = l; *r1_out = r1; *r2_out = r2;
  return true;
}

static bool parse_glob(opa_string_t *s, glob *out) {
  int32_t *runes = (int32_t *)opa_malloc((s->len + 1) * sizeof(int32_t));
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->len;) {
    uint32_t w;
    runes[n++] = wb_utf8_decode((const unsigned char *)s->data, s->len, i, &w);
    i += w;
  }
  G g = { runes, n, s };
  if (!tokenize(&g, out)) return false;
  simplify(out);
  return true;
}

WRIT_EXPORT("wb_regex_globs_match") opa_value *wb_regex_globs_match(opa_value *a, opa_value *b) {
  opa_string_t *s1 = wb_as_str(a), *s2 = wb_as_str(b);
  if (!s1 || !s2) return 0;
  glob g1, g2;
  if (!parse_glob(s1, &g1) || !parse_glob(s2, &g2)) return 0;
  uint32_t l;
  int64_t r1, r2;
  if (!trim(&g1, &g2, &l, &r1, &r2)) return opa_boolean(false);
  budget bud = { 0, false };
  bool ne = normal(&bud, g1.t + l, (uint32_t)(r1 + 1 - l), g2.t + l, (uint32_t)(r2 + 1 - l), 0);
  if (bud.over) return writ_builtin_fail(WRIT_ERR_BUILTIN, "globs too complex to intersect");
  return opa_boolean(ne);
}
