/* writ runtime: helpers shared by the core files only (not part of the value.h contract). */
#ifndef WRIT_INTERNAL_H
#define WRIT_INTERNAL_H

#include "value.h"

/* Growable byte buffer on the runtime heap (used by the dumpers). */
typedef struct { char *buf; uint32_t len; uint32_t cap; } writ_buf;
void writ_buf_init(writ_buf *b, uint32_t cap);
void writ_buf_put(writ_buf *b, const char *s, uint32_t n);
void writ_buf_putc(writ_buf *b, char c);
char *writ_buf_finish(writ_buf *b);   /* appends NUL, returns the text */
/* A value as print and template strings show it: strings raw, anything else as Rego literal text. */
void writ_buf_put_display(writ_buf *b, opa_value *v);

/* Number text: writes the JSON text of a number into out (>= 32 bytes) unless it is a REF,
 * whose text is returned through *ref. Returns the length. */
uint32_t writ_number_text(opa_number_t *n, char *out, const char **ref);

/* Number comparison/hash (number.c) and the JSON number grammar scanner. */
int writ_number_compare(opa_number_t *a, opa_number_t *b);
uint32_t writ_number_hash(opa_number_t *n);
uint32_t writ_scan_number(const char *s, uint32_t len, bool *is_int);

/* Sort helpers used by the parser (build unsorted, sort once; duplicates: last wins). */
void writ_object_sort(opa_object_t *o);
void writ_set_sort(opa_set_t *s);

/* The allocator's first free byte; 0 before the heap is initialized. */
void writ_heap_init(void);

#endif
