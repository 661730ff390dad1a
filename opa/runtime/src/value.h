/* writ runtime: the value model shared by the runtime core, the native builtins and
 * (through exported functions) the code the compiler generates. wasm32, no libc from
 * outside unless the build says so (see ../README.md). */
#ifndef WRIT_VALUE_H
#define WRIT_VALUE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define WRIT_EXPORT(name) __attribute__((export_name(name)))

/* Type tags. The numeric order is Rego's sort order across types
 * (null < boolean < number < string < array < object < set). */
enum {
  OPA_NULL = 1,
  OPA_BOOLEAN = 2,
  OPA_NUMBER = 3,
  OPA_STRING = 4,
  OPA_ARRAY = 5,
  OPA_OBJECT = 6,
  OPA_SET = 7,
};

typedef struct opa_value { uint8_t type; } opa_value;

typedef struct { opa_value hdr; bool v; } opa_boolean_t;

enum { OPA_NUM_INT = 1, OPA_NUM_FLOAT = 2, OPA_NUM_REF = 3 };
/* INT: exact int64. FLOAT: double. REF: a literal's text kept verbatim (integers beyond
 * int64, or any literal whose text must print unchanged); `f` holds its double value. */
typedef struct {
  opa_value hdr;
  uint8_t repr;
  int64_t i;
  double f;
  const char *ref;   /* REF only, not NUL-terminated */
  uint32_t ref_len;
} opa_number_t;

/* Strings are UTF-8 bytes, not NUL-terminated. */
typedef struct { opa_value hdr; uint32_t len; const char *data; } opa_string_t;

typedef struct { opa_value hdr; uint32_t len; uint32_t cap; opa_value **elems; } opa_array_t;

/* Objects keep keys sorted by opa_value_compare (that is Rego's print order); keys unique. */
typedef struct { opa_value hdr; uint32_t len; uint32_t cap; opa_value **keys; opa_value **vals; } opa_object_t;

/* Sets keep elements sorted by opa_value_compare; unique. */
typedef struct { opa_value hdr; uint32_t len; uint32_t cap; opa_value **elems; } opa_set_t;

/* ---- host imports (module "env") ---- */
__attribute__((import_module("env"), import_name("opa_abort"), noreturn)) void opa_abort(const char *msg);
__attribute__((import_module("env"), import_name("opa_println"))) void opa_println(const char *msg);
__attribute__((import_module("env"), import_name("opa_builtin0"))) opa_value *opa_builtin0(int32_t id, int32_t ctx);
__attribute__((import_module("env"), import_name("opa_builtin1"))) opa_value *opa_builtin1(int32_t id, int32_t ctx, opa_value *a);
__attribute__((import_module("env"), import_name("opa_builtin2"))) opa_value *opa_builtin2(int32_t id, int32_t ctx, opa_value *a, opa_value *b);
__attribute__((import_module("env"), import_name("opa_builtin3"))) opa_value *opa_builtin3(int32_t id, int32_t ctx, opa_value *a, opa_value *b, opa_value *c);
__attribute__((import_module("env"), import_name("opa_builtin4"))) opa_value *opa_builtin4(int32_t id, int32_t ctx, opa_value *a, opa_value *b, opa_value *c, opa_value *d);

/* ---- memory (bump allocator; opa_heap_ptr_set resets; grows memory; aborts "opa_malloc: failed") ---- */
void *opa_malloc(size_t size);
void opa_free(void *p);            /* may be a no-op */
void *opa_realloc(void *p, size_t old_size, size_t new_size);
int32_t opa_heap_ptr_get(void);    /* top of the bump allocator */
void opa_heap_ptr_set(int32_t p);  /* move it (everything above is discarded) */

/* ---- constructors ---- */
opa_value *opa_null(void);
opa_value *opa_boolean(bool v);
opa_value *opa_number_int(int64_t v);
opa_value *opa_number_float(double v);          /* integral values that fit int64 become INT */
opa_value *opa_number_ref(const char *s, uint32_t len);  /* parse literal text; 0 if not a number */
opa_value *opa_string(const char *s, uint32_t len);      /* copies s */
opa_value *opa_string_nocopy(const char *s, uint32_t len);
opa_value *opa_array(void);
opa_value *opa_array_with_cap(uint32_t cap);
opa_value *opa_object(void);
opa_value *opa_set(void);

/* ---- mutation (used while building values) ---- */
void opa_array_append(opa_value *arr, opa_value *v);
void opa_object_insert(opa_value *obj, opa_value *key, opa_value *val);   /* replaces an existing key */
void opa_set_add(opa_value *set, opa_value *v);

/* ---- access ---- */
/* Equality and total order as Rego: by type tag, then content; numbers compare numerically
 * across INT/FLOAT/REF (1 == 1.0). Returns <0, 0, >0. */
int opa_value_compare(opa_value *a, opa_value *b);
bool opa_value_equal(opa_value *a, opa_value *b);
/* arrays: number key (integral, in range); objects: by key; sets: returns key if member. 0 = undefined. */
opa_value *opa_value_get(opa_value *coll, opa_value *key);
/* collections: element count; strings: code points. */
uint32_t opa_value_length(opa_value *v);
int32_t opa_value_type(opa_value *v);
/* i-th key / value in iteration order (arrays: index as number / element; objects: sorted keys;
 * sets: element / element). 0 when i >= length. */
opa_value *opa_value_key_at(opa_value *coll, uint32_t i);
opa_value *opa_value_val_at(opa_value *coll, uint32_t i);
/* Hash consistent with equality (1 and 1.0 hash alike). */
uint32_t opa_value_hash(opa_value *v);

/* Copy with the value at path (an array of string values) replaced; creates objects along the
 * path; used by `with`. The original is not modified. */
opa_value *opa_value_with_path(opa_value *base, opa_value *path, opa_value *v);
/* Deep merge for ObjectMergeStmt: 0 when either is not an object. */
opa_value *opa_object_merge(opa_value *a, opa_value *b);
/* Removes key from obj in place (no-op when absent or obj is not an object). */
void opa_object_remove(opa_value *obj, opa_value *key);

/* ---- numbers ---- */
bool opa_number_as_int64(opa_value *v, int64_t *out);   /* false unless integral and in range */
double opa_number_as_double(opa_value *v);

/* ---- JSON ---- */
opa_value *opa_json_parse(const char *s, size_t len);      /* 0 on error */
opa_value *opa_value_parse(const char *s, size_t len);     /* also Rego set syntax */
char *opa_json_dump(opa_value *v);                         /* NUL-terminated, compact, sorted */
char *opa_value_dump(opa_value *v);

#endif
