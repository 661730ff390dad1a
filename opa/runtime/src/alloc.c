/* writ runtime: the heap. A bump allocator with no free lists: the SDK resets the whole heap
 * with opa_heap_ptr_set between evaluations, so per-block freeing would buy little. */
#include <string.h>
#include "internal.h"

extern unsigned char __heap_base;
int32_t writ_gen_heap_base(void);

static uint32_t heap_ptr;   /* next free byte (8-aligned); 0 = not yet initialized */
static uint32_t heap_top;   /* cached end of memory in bytes */

#define PAGE 65536u

void writ_heap_init(void) {
  uint32_t base = (uint32_t)writ_gen_heap_base();
  heap_ptr = (base + 7u) & ~7u;
  heap_top = (uint32_t)__builtin_wasm_memory_size(0) * PAGE;
}

/* Memory may have been grown by the host since we last looked, so re-read it first. */
static void ensure(uint32_t end) {
  heap_top = (uint32_t)__builtin_wasm_memory_size(0) * PAGE;
  if (end <= heap_top) return;
  uint32_t need = end - heap_top;
  uint32_t pages = (need + PAGE - 1) / PAGE;
  if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) opa_abort("opa_malloc: failed");
  heap_top = (uint32_t)__builtin_wasm_memory_size(0) * PAGE;
}

WRIT_EXPORT("opa_malloc") void *opa_malloc(size_t size) {
  if (heap_ptr == 0) writ_heap_init();
  uint32_t p = heap_ptr;
  uint32_t sz = ((uint32_t)size + 7u) & ~7u;
  if (sz < (uint32_t)size || p + sz < p) opa_abort("opa_malloc: failed");
  uint32_t end = p + sz;
  if (end > heap_top) ensure(end);
  heap_ptr = end;
  return (void *)p;
}

/* Freed blocks are not reused (blocks carry no size header); the heap is reclaimed
 * wholesale by opa_heap_ptr_set, as the SDK does between evaluations. */
WRIT_EXPORT("opa_free") void opa_free(void *p) { (void)p; }

/* Grows in place when p is the most recent block (common while building strings/arrays). */
void *opa_realloc(void *p, size_t old_size, size_t new_size) {
  if (p == 0) return opa_malloc(new_size);
  uint32_t op = (uint32_t)p;
  uint32_t old_sz = ((uint32_t)old_size + 7u) & ~7u;
  if (op + old_sz == heap_ptr) {
    uint32_t sz = ((uint32_t)new_size + 7u) & ~7u;
    if (sz < (uint32_t)new_size || op + sz < op) opa_abort("opa_malloc: failed");
    if (sz <= old_sz) { heap_ptr = op + sz; return p; }
    uint32_t end = op + sz;
    if (end > heap_top) ensure(end);
    heap_ptr = end;
    return p;
  }
  void *q = opa_malloc(new_size);
  memcpy(q, p, old_size < new_size ? old_size : new_size);
  return q;
}

WRIT_EXPORT("opa_heap_ptr_get") int32_t opa_heap_ptr_get(void) {
  if (heap_ptr == 0) writ_heap_init();
  return (int32_t)heap_ptr;
}

WRIT_EXPORT("opa_heap_ptr_set") void opa_heap_ptr_set(int32_t p) {
  if (heap_ptr == 0) writ_heap_init();
  heap_ptr = ((uint32_t)p + 7u) & ~7u;
}

/* ABI 1.3: there are no free lists, so stashing them has nothing to move. */
WRIT_EXPORT("opa_heap_blocks_stash") void opa_heap_blocks_stash(void) {}
WRIT_EXPORT("opa_heap_blocks_restore") void opa_heap_blocks_restore(void) {}
WRIT_EXPORT("opa_heap_stash_clear") void opa_heap_stash_clear(void) {}

/* libc's allocator entry points, so wasi-libc's own malloc is never linked. A size header
 * lets realloc copy the right amount. */
void *malloc(size_t n) {
  uint32_t *h = opa_malloc(n + 8);
  h[0] = (uint32_t)n;
  return h + 2;
}
void free(void *p) { (void)p; }
void *calloc(size_t n, size_t m) {
  size_t t = n * m;
  if (m != 0 && t / m != n) return 0;
  void *p = malloc(t);
  memset(p, 0, t);
  return p;
}
void *realloc(void *p, size_t n) {
  if (p == 0) return malloc(n);
  uint32_t old = ((uint32_t *)p)[-2];
  void *q = malloc(n);
  memcpy(q, p, old < n ? old : n);
  return q;
}
