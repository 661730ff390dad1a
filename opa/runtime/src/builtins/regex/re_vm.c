/* Regex compiler (AST -> instructions) and Pike VM: linear-time leftmost-first matching with
 * submatches over UTF-8, as Go's regexp; a work limit turns pathological inputs into errors. */
#include "wre.h"
#include "../wb_common.h"

#define WRE_MAX_INSTS 50000
#define WRE_MAX_WORK 50000000

int32_t wre_fold_next(int32_t r) {
  if (r < 'A') return r;
  /* binary search: the last run with lo <= r; interleaved runs are at most a few entries back */
  uint32_t lo = 0, hi = wre_fold_nruns;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (wre_fold_runs[mid][0] <= r) lo = mid + 1; else hi = mid;
  }
  for (uint32_t k = 0; k < WRE_FOLD_LOOKBACK && k < lo; k++) {
    const int32_t *run = wre_fold_runs[lo - 1 - k];
    if (r <= run[1] && (r - run[0]) % run[2] == 0) return r + run[3];
  }
  return r;
}

/* ranges are sorted and disjoint (wre_class_finish) */
static bool class_has(const wre_class *c, int32_t r) {
  uint32_t lo = 0, hi = c->n;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (r < c->r[2 * mid]) hi = mid;
    else if (r > c->r[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

static void sift(int32_t *r, uint32_t root, uint32_t n) {
  for (;;) {
    uint32_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && r[2 * (child + 1)] > r[2 * child]) child++;
    if (r[2 * root] >= r[2 * child]) return;
    int32_t a = r[2 * root], b = r[2 * root + 1];
    r[2 * root] = r[2 * child]; r[2 * root + 1] = r[2 * child + 1];
    r[2 * child] = a; r[2 * child + 1] = b;
    root = child;
  }
}

void wre_class_finish(wre_class *c) {
  uint32_t n = c->n;
  int32_t *r = c->r;
  /* heapsort by lo, then merge overlapping or adjacent ranges */
  for (uint32_t i = n / 2; i-- > 0;) sift(r, i, n);
  for (uint32_t end = n; end > 1; end--) {
    int32_t a = r[0], b = r[1];
    r[0] = r[2 * (end - 1)]; r[1] = r[2 * (end - 1) + 1];
    r[2 * (end - 1)] = a; r[2 * (end - 1) + 1] = b;
    sift(r, 0, end - 1);
  }
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (m > 0 && r[2 * i] <= r[2 * (m - 1) + 1] + 1) {
      if (r[2 * i + 1] > r[2 * (m - 1) + 1]) r[2 * (m - 1) + 1] = r[2 * i + 1];
    } else {
      r[2 * m] = r[2 * i]; r[2 * m + 1] = r[2 * i + 1]; m++;
    }
  }
  c->n = m;
}

bool wre_class_match(const wre_class *c, int32_t r) {
  bool in = class_has(c, r);
  if (!in && c->fold) {
    for (int32_t f = wre_fold_next(r); f != r && !in; f = wre_fold_next(f)) in = class_has(c, f);
  }
  return in != c->negate;
}

/* ---- compiler ---- */
typedef struct { wre_prog *p; bool err; } C;

static int32_t emit(C *c, uint8_t op) {
  wre_prog *p = c->p;
  if (p->n >= WRE_MAX_INSTS) { c->err = true; return 0; }
  if (p->n == p->cap) {
    uint32_t nc = p->cap ? p->cap * 2 : 32;
    p->insts = (wre_inst *)opa_realloc(p->insts, p->cap * sizeof(wre_inst), nc * sizeof(wre_inst));
    p->cap = nc;
  }
  wre_inst *in = &p->insts[p->n];
  in->op = op; in->fold = false; in->x = 0; in->y = 0; in->rune = 0; in->cls = 0;
  return (int32_t)p->n++;
}

static void comp(C *c, wre_node *nd);

static void comp_star(C *c, wre_node *sub, bool greedy) {
  int32_t split = emit(c, WI_SPLIT);
  comp(c, sub);
  int32_t j = emit(c, WI_JMP);
  if (c->err) return;
  c->p->insts[j].x = split;
  int32_t end = (int32_t)c->p->n;
  if (greedy) { c->p->insts[split].x = split + 1; c->p->insts[split].y = end; }
  else { c->p->insts[split].x = end; c->p->insts[split].y = split + 1; }
}

static void comp(C *c, wre_node *nd) {
  if (c->err) return;
  switch (nd->op) {
  case WN_EMPTY: break;
  case WN_LIT: { int32_t i = emit(c, WI_CHAR); if (c->err) return; c->p->insts[i].rune = nd->rune; c->p->insts[i].fold = nd->fold; break; }
  case WN_CLASS: { int32_t i = emit(c, WI_CLASS); if (c->err) return; c->p->insts[i].cls = nd->cls; break; }
  case WN_ANY: emit(c, WI_ANY); break;
  case WN_ANYNL: emit(c, WI_ANYNL); break;
  case WN_ASSERT: { int32_t i = emit(c, WI_ASSERT); if (c->err) return; c->p->insts[i].x = nd->kind; break; }
  case WN_CAT: for (uint32_t k = 0; k < nd->nsubs; k++) comp(c, nd->subs[k]); break;
  case WN_ALT: {
    /* SPLIT L1, next; L1: e1; JMP end; next: ... ; last alternative falls through */
    int32_t *jumps = (int32_t *)opa_malloc(nd->nsubs * sizeof(int32_t));
    for (uint32_t k = 0; k < nd->nsubs; k++) {
      if (k + 1 < nd->nsubs) {
        int32_t split = emit(c, WI_SPLIT);
        comp(c, nd->subs[k]);
        jumps[k] = emit(c, WI_JMP);
        if (c->err) return;
        c->p->insts[split].x = split + 1;
        c->p->insts[split].y = (int32_t)c->p->n;
      } else {
        comp(c, nd->subs[k]);
      }
    }
    if (c->err) return;
    for (uint32_t k = 0; k + 1 < nd->nsubs; k++) c->p->insts[jumps[k]].x = (int32_t)c->p->n;
    break;
  }
  case WN_GROUP:
    if (nd->capidx >= 0) { int32_t i = emit(c, WI_SAVE); if (c->err) return; c->p->insts[i].x = 2 * nd->capidx; }
    comp(c, nd->subs[0]);
    if (nd->capidx >= 0) { int32_t i = emit(c, WI_SAVE); if (c->err) return; c->p->insts[i].x = 2 * nd->capidx + 1; }
    break;
  case WN_REPEAT: {
    wre_node *sub = nd->subs[0];
    if (nd->max == -1) {
      for (int k = 0; k < nd->min; k++) comp(c, sub);
      comp_star(c, sub, nd->greedy);
      break;
    }
    for (int k = 0; k < nd->min; k++) comp(c, sub);
    int opt = nd->max - nd->min;
    if (opt <= 0) break;
    int32_t *splits = (int32_t *)opa_malloc((uint32_t)opt * sizeof(int32_t));
    for (int k = 0; k < opt; k++) {
      splits[k] = emit(c, WI_SPLIT);
      comp(c, sub);
      if (c->err) return;
    }
    int32_t end = (int32_t)c->p->n;
    for (int k = 0; k < opt; k++) {
      wre_inst *in = &c->p->insts[splits[k]];
      if (nd->greedy) { in->x = splits[k] + 1; in->y = end; } else { in->x = end; in->y = splits[k] + 1; }
    }
    break;
  }
  }
}

wre_prog *wre_compile(wre_node *ast, int ncap) {
  wre_prog *p = (wre_prog *)opa_malloc(sizeof(wre_prog));
  p->insts = 0; p->n = 0; p->cap = 0; p->ncap = ncap;
  C c = { p, false };
  int32_t s0 = emit(&c, WI_SAVE); c.p->insts[s0].x = 0;
  comp(&c, ast);
  int32_t s1 = emit(&c, WI_SAVE);
  if (c.err) return 0;
  c.p->insts[s1].x = 1;
  emit(&c, WI_MATCH);
  if (c.err) return 0;
  return p;
}

wre_prog *wre_compile_pattern(const char *pat, uint32_t len) {
  int ncap;
  wre_node *ast = wre_parse(pat, len, &ncap);
  if (!ast) return 0;
  return wre_compile(ast, ncap);
}

/* ---- Pike VM ---- */
typedef struct {
  int32_t *pcs; int32_t *caps; uint32_t len;
  uint32_t *mark; uint32_t gen;
} T_list;

typedef struct { int32_t pc; int32_t idx; int32_t old; } T_frame;   /* idx >= 0: restore caps[idx] */

typedef struct {
  wre_prog *p; const unsigned char *s; uint32_t n;
  int ncap2;
  T_frame *stack; uint32_t stackcap;
  int64_t work;
} VM;

static bool is_word(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool assert_ok(VM *vm, int kind, uint32_t pos) {
  const unsigned char *s = vm->s; uint32_t n = vm->n;
  switch (kind) {
  case WA_BOT: return pos == 0;
  case WA_EOT: return pos == n;
  case WA_BOL: return pos == 0 || s[pos - 1] == '\n';
  case WA_EOL: return pos == n || s[pos] == '\n';
  case WA_WORDB:
  case WA_NWORDB: {
    bool a = pos > 0 && is_word(s[pos - 1]);
    bool b = pos < n && is_word(s[pos]);
    return (a != b) == (kind == WA_WORDB);
  }
  }
  return false;
}

static void list_clear(T_list *l) { l->len = 0; l->gen++; }

static bool addthread(VM *vm, T_list *l, int32_t pc0, uint32_t pos, int32_t *caps) {
  uint32_t sp = 0;
  vm->stack[sp].pc = pc0; vm->stack[sp].idx = -1; sp++;
  while (sp > 0) {
    T_frame f = vm->stack[--sp];
    if (f.idx >= 0) { caps[f.idx] = f.old; continue; }
    if (++vm->work > WRE_MAX_WORK) return false;
    int32_t pc = f.pc;
    if (l->mark[pc] == l->gen) continue;
    l->mark[pc] = l->gen;
    wre_inst *in = &vm->p->insts[pc];
    switch (in->op) {
    case WI_JMP:
      vm->stack[sp].pc = in->x; vm->stack[sp].idx = -1; sp++;
      break;
    case WI_SPLIT:
      vm->stack[sp].pc = in->y; vm->stack[sp].idx = -1; sp++;
      vm->stack[sp].pc = in->x; vm->stack[sp].idx = -1; sp++;
      break;
    case WI_SAVE:
      if (in->x < vm->ncap2) {
        vm->stack[sp].pc = 0; vm->stack[sp].idx = in->x; vm->stack[sp].old = caps[in->x]; sp++;
        caps[in->x] = (int32_t)pos;
      }
      vm->stack[sp].pc = pc + 1; vm->stack[sp].idx = -1; sp++;
      break;
    case WI_ASSERT:
      if (assert_ok(vm, in->x, pos)) { vm->stack[sp].pc = pc + 1; vm->stack[sp].idx = -1; sp++; }
      break;
    default: {
      uint32_t t = l->len++;
      l->pcs[t] = pc;
      int32_t *dst = l->caps + (size_t)t * (uint32_t)vm->ncap2;
      for (int k = 0; k < vm->ncap2; k++) dst[k] = caps[k];
      break;
    }
    }
  }
  return true;
}

static T_list list_new(uint32_t ninst, int ncap2) {
  T_list l;
  l.pcs = (int32_t *)opa_malloc(ninst * sizeof(int32_t));
  l.caps = (int32_t *)opa_malloc((size_t)ninst * (uint32_t)ncap2 * sizeof(int32_t));
  l.mark = (uint32_t *)opa_malloc(ninst * sizeof(uint32_t));
  for (uint32_t k = 0; k < ninst; k++) l.mark[k] = 0;
  l.len = 0; l.gen = 1;
  return l;
}


struct wre_vm {
  VM vm;
  T_list clist, nlist;
  int32_t *work;
};

/* Thread-list capture slots are preallocated (instructions x capture slots per list); programs
 * needing more than this many slots are refused (exec reports the resource limit). */
#define WRE_MAX_SLOTS (4u << 20)

wre_vm *wre_vm_new(wre_prog *p) {
  if ((uint64_t)p->n * (uint64_t)(2 * p->ncap) > WRE_MAX_SLOTS) return 0;
  wre_vm *v = (wre_vm *)opa_malloc(sizeof(wre_vm));
  v->vm.p = p; v->vm.ncap2 = 2 * p->ncap;
  /* each instruction is visited at most once per list fill: 2 frames per visit suffice */
  v->vm.stackcap = 2 * p->n + 2;
  v->vm.stack = (T_frame *)opa_malloc(v->vm.stackcap * sizeof(T_frame));
  v->clist = list_new(p->n, v->vm.ncap2);
  v->nlist = list_new(p->n, v->vm.ncap2);
  v->work = (int32_t *)opa_malloc((uint32_t)v->vm.ncap2 * sizeof(int32_t));
  return v;
}

int wre_exec(wre_prog *p, const char *str, uint32_t n, uint32_t start, int32_t *out) {
  wre_vm *v = wre_vm_new(p);
  return v ? wre_exec_vm(v, str, n, start, out) : -1;
}

int wre_exec_vm(wre_vm *v, const char *str, uint32_t n, uint32_t start, int32_t *out) {
  VM vm = v->vm;
  wre_prog *p = vm.p;
  vm.s = (const unsigned char *)str; vm.n = n; vm.work = 0;
  T_list clist = v->clist, nlist = v->nlist;
  int32_t *work = v->work;
  list_clear(&clist);
  list_clear(&nlist);
  bool matched = false;
  uint32_t pos = start;
  for (;;) {
    if (!matched) {
      for (int k = 0; k < vm.ncap2; k++) work[k] = -1;
      if (!addthread(&vm, &clist, 0, pos, work)) { v->clist = clist; v->nlist = nlist; return -1; }
    }
    uint32_t w = 0; int32_t r = -1;
    if (pos < n) r = wb_utf8_decode(vm.s, n, pos, &w);
    if (clist.len == 0) {
      /* no live thread: done once matched or at the end, else retry one rune later */
      if (matched || pos >= n) break;
      list_clear(&clist);
      pos += w;
      continue;
    }
    list_clear(&nlist);
    for (uint32_t t = 0; t < clist.len; t++) {
      int32_t pc = clist.pcs[t];
      int32_t *caps = clist.caps + (size_t)t * (uint32_t)vm.ncap2;
      wre_inst *in = &p->insts[pc];
      bool ok = false;
      switch (in->op) {
      case WI_MATCH:
        for (int k = 0; k < vm.ncap2; k++) out[k] = caps[k];
        matched = true;
        t = clist.len;   /* cut lower-priority threads */
        continue;
      case WI_CHAR:
        ok = r >= 0 && r == in->rune;
        if (!ok && r >= 0 && in->fold)
          for (int32_t f = wre_fold_next(r); f != r && !ok; f = wre_fold_next(f)) ok = f == in->rune;
        break;
      case WI_CLASS: ok = r >= 0 && wre_class_match(in->cls, r); break;
      case WI_ANY: ok = r >= 0; break;
      case WI_ANYNL: ok = r >= 0 && r != '\n'; break;
      default: break;
      }
      if (ok && !addthread(&vm, &nlist, pc + 1, pos + w, caps)) { v->clist = clist; v->nlist = nlist; return -1; }
    }
    if (pos >= n) break;
    T_list tmp = clist; clist = nlist; nlist = tmp;
    list_clear(&nlist);
    pos += w;
  }
  v->clist = clist; v->nlist = nlist;   /* keep the generation counters moving forward */
  return matched ? 1 : 0;
}
