#!/bin/sh
# ABI proof: MPI programs compiled and linked by Debian MPICH's mpicc.mpich
# (so they NEED libmpich.so.12 and bake in MPICH's mpi.h constants) run
# unchanged on Parley: LD_LIBRARY_PATH points the loader at our library.
# Usage: mpich_binary_test.sh PARLEY_LIBDIR OUTDIR NRANKS SRC PASSLINE [SRC PASSLINE ...]
set -eu
libdir=$1 out=$2 n=$3
shift 3
fail() { echo "FAIL: $*"; exit 1; }
command -v mpicc.mpich >/dev/null || fail "mpicc.mpich not found (apt-get install libmpich-dev)"
mkdir -p "$out"
while [ $# -ge 2 ]; do
  src=$1 pass=$2
  shift 2
  exe="$out/mpich_$(basename "$src" .c)"
  mpicc.mpich -O2 -Wno-stringop-overflow -I"$(dirname "$src")" -o "$exe" "$src" || fail "mpicc.mpich could not build $src"
  readelf -d "$exe" | grep -q 'NEEDED.*libmpich.so.12' || fail "$exe does not need libmpich.so.12"
  # The loader must pick Parley's library, not MPICH's.
  LD_LIBRARY_PATH="$libdir" ldd "$exe" | grep 'libmpich.so.12' | grep -q "$libdir" ||
    fail "$exe does not resolve libmpich.so.12 to $libdir"
  got=$(LD_LIBRARY_PATH="$libdir" "$PARLEYRUN" -n "$n" --timeout 120 "$exe" | grep -c "^$pass") || true
  [ "$got" = "$n" ] || fail "$(basename "$src") at -n $n: $got of $n ranks printed '$pass'"
  echo "ok: MPICH-built $(basename "$src") passes on Parley at -n $n"
done
