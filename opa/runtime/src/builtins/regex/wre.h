/* writ regex engine (RE2 / Go regexp syntax subset): parser -> AST -> Pike VM program.
 * Internal to the regex builtins; names are prefixed wre_. */
#ifndef WRIT_WRE_H
#define WRIT_WRE_H

#include "../../value.h"

/* character class: sorted-or-not list of [lo, hi] pairs; `fold` = case-insensitive test */
typedef struct { int32_t *r; uint32_t n, cap; bool negate; bool fold; } wre_class;

enum { WN_EMPTY, WN_LIT, WN_CLASS, WN_ANY, WN_ANYNL, WN_ASSERT, WN_CAT, WN_ALT, WN_REPEAT, WN_GROUP };
enum { WA_BOL, WA_EOL, WA_BOT, WA_EOT, WA_WORDB, WA_NWORDB };

typedef struct wre_node {
  int op;
  int32_t rune; bool fold;           /* LIT */
  wre_class *cls;                    /* CLASS */
  int kind;                          /* ASSERT */
  struct wre_node **subs; uint32_t nsubs, cap;   /* CAT, ALT; REPEAT and GROUP use subs[0] */
  int min, max; bool greedy;         /* REPEAT (max -1 = unbounded) */
  int capidx;                        /* GROUP: capture index, -1 = non-capturing */
} wre_node;

enum { WI_CHAR, WI_CLASS, WI_ANY, WI_ANYNL, WI_SPLIT, WI_JMP, WI_SAVE, WI_ASSERT, WI_MATCH };

typedef struct { uint8_t op; bool fold; int32_t x, y; int32_t rune; wre_class *cls; } wre_inst;

typedef struct {
  wre_inst *insts; uint32_t n, cap;
  int ncap;          /* capture groups including group 0 */
} wre_prog;

/* Parses pattern; on error returns 0. *ncap receives the number of groups incl. group 0. */
wre_node *wre_parse(const char *pat, uint32_t len, int *ncap);
/* Compiles an AST; 0 when the program would be too large. */
wre_prog *wre_compile(wre_node *ast, int ncap);
wre_prog *wre_compile_pattern(const char *pat, uint32_t len);

/* Finds the leftmost-first match starting the search at `start`. caps has 2*ncap slots
 * (byte offsets, -1 = unset). Returns 1 match, 0 none, -1 resource limit exceeded. */
int wre_exec(wre_prog *p, const char *s, uint32_t n, uint32_t start, int32_t *caps);
/* Reusable matcher state for repeated searches with one program (FindAll). */
typedef struct wre_vm wre_vm;
wre_vm *wre_vm_new(wre_prog *p);   /* 0 when the program is too large to run */
int wre_exec_vm(wre_vm *v, const char *s, uint32_t n, uint32_t start, int32_t *caps);

/* Unicode range tables for \p{..} (unicode_tables.c, generated). */
typedef struct { const char *name; uint32_t nranges; const uint8_t *data; } wre_utable;
extern const wre_utable wre_unicode_tables[];
extern const uint32_t wre_unicode_ntables;

/* Simple case folding orbits (unicode_tables.c): runs {lo, hi, stride, delta}. */
extern const int32_t wre_fold_runs[][4];
extern const uint32_t wre_fold_nruns;
#define WRE_FOLD_LOOKBACK 4
/* The next code point in r's case folding orbit (r itself when it has no other case). */
int32_t wre_fold_next(int32_t r);

/* Appends the range [lo, hi] (static inline: not a runtime export). */
static inline void wre_class_add(wre_class *c, int32_t lo, int32_t hi) {
  if (c->n == c->cap) {
    uint32_t nc = c->cap ? c->cap * 2 : 8;
    c->r = (int32_t *)opa_realloc(c->r, c->cap * 2 * sizeof(int32_t), nc * 2 * sizeof(int32_t));
    c->cap = nc;
  }
  c->r[2 * c->n] = lo; c->r[2 * c->n + 1] = hi; c->n++;
}

/* Sorts and merges a class's ranges so matching can binary-search them. */
void wre_class_finish(wre_class *c);

bool wre_class_match(const wre_class *c, int32_t r);

#endif
