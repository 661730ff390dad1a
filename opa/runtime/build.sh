#!/bin/sh
# Builds runtime.wasm from src/**/*.c deterministically (see README.md).
# Usage: build.sh [output-path]   (default: runtime.wasm next to this script)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/runtime.wasm}
CC=${CC:-clang-16}
LD=${LD:-wasm-ld-16}
NM=${NM:-llvm-nm-16}
SYSROOT_INC=/usr/include/wasm32-wasi
SYSROOT_LIB=/usr/lib/wasm32-wasi
RT=/usr/lib/llvm-16/lib/clang/16/lib/wasi/libclang_rt.builtins-wasm32.a

tmp=$(mktemp -d "${TMPDIR:-/tmp}/writ-runtime.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Fixed flags: MVP features, -O2, no debug info, source paths mapped to a constant prefix.
CFLAGS="--target=wasm32-wasi -mcpu=mvp -O2 -std=c11 -Wall -Wextra -Werror=implicit-function-declaration
 -fno-builtin-malloc -nostdinc -isystem $SYSROOT_INC
 -isystem /usr/lib/llvm-16/lib/clang/16/include
 -I$here/src -ffile-prefix-map=$here=. -fno-ident -g0"

cd "$here"
files=$(find src -name '*.c' | LC_ALL=C sort)
objs=""
i=0
for f in $files; do
  o="$tmp/$i.o"
  # shellcheck disable=SC2086
  $CC $CFLAGS -c "$f" -o "$o"
  objs="$objs $o"
  i=$((i + 1))
done

# Export every external function our sources define (value.h API, wb_* builtins, writ_gen_*,
# ABI entry points), except libc replacements.
exports=$($NM --defined-only --extern-only $objs 2>/dev/null | awk '$2 == "T" { print $3 }' \
  | grep -v -E '^(malloc|free|calloc|realloc|__imported_wasi_.*|__stack_chk_fail)$' | LC_ALL=C sort -u)
export_flags=""
for e in $exports; do export_flags="$export_flags --export=$e"; done

# shellcheck disable=SC2086
$LD --no-entry --import-memory --stack-first -z stack-size=65536 --strip-debug \
  $export_flags $objs "$SYSROOT_LIB/libc.a" "$RT" -o "$tmp/runtime.wasm"

# Atomic replace: other helpers may build concurrently.
cp "$tmp/runtime.wasm" "$out.tmp.$$"
chmod 644 "$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
echo "built $out ($(wc -c < "$out") bytes)"
