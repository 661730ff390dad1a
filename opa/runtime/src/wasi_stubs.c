/* writ runtime: definitions that satisfy wasi-libc's WASI imports, so the module imports nothing
 * but env.*. snprintf links stdio code that refers to these; we never do real I/O. */
#include <stdint.h>

int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t n, int32_t out) {
  (void)fd; (void)iovs; (void)n; (void)out;
  return 52;   /* ENOSYS */
}
int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t off, int32_t whence, int32_t out) {
  (void)fd; (void)off; (void)whence; (void)out;
  return 52;
}
int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd) {
  (void)fd;
  return 52;
}

/* Debian's compiler-rt builtins are built with -fstack-protector; provide its two symbols. */
__attribute__((import_module("env"), import_name("opa_abort"), noreturn)) void opa_abort(const char *msg);
uintptr_t __stack_chk_guard = 0x5f3759dfu;
__attribute__((noreturn)) void __stack_chk_fail(void) { opa_abort("stack smashing detected"); }
