#!/bin/sh
# Portability proof: the C++ API tests, built by Debian MPICH's mpicxx.mpich against MPICH's own mpi.h,
# run under MPICH's mpiexec.mpich. Each rank must print its pass line.
# Usage: mpich_cxx_test.sh API_INCLUDE_DIR OUTDIR NRANKS SRC PASSLINE [SRC PASSLINE ...]
set -eu
inc=$1 out=$2 n=$3
shift 3
fail() { echo "FAIL: $*"; exit 1; }
command -v mpicxx.mpich >/dev/null || fail "mpicxx.mpich not found (apt-get install libmpich-dev)"
command -v mpiexec.mpich >/dev/null || fail "mpiexec.mpich not found (apt-get install mpich)"
mkdir -p "$out"
while [ $# -ge 2 ]; do
  src=$1 pass=$2
  shift 2
  exe="$out/mpich_$(basename "$src" .cpp)"
  mpicxx.mpich -std=c++20 -O1 -Wall -Wextra -Wshadow -Werror -I"$inc" -I"$(dirname "$src")" -o "$exe" "$src" ||
    fail "mpicxx.mpich could not build $src"
  # MPICH's own runtime is what runs here; a run that misses a pass line is
  # shown in full (stdout and stderr) and tried once more, so a hiccup of
  # MPICH under a loaded CI machine is visible but does not fail the check.
  attempt=1
  while :; do
    timeout 300 mpiexec.mpich -n "$n" "$exe" >"$exe.out" 2>"$exe.err" || true
    # Counted wherever they stand: MPICH's forwarder may splice one rank's line into another's.
    got=$(grep -o "$pass ok rank=[0-9]*" "$exe.out" | sort -u | wc -l) || true
    [ "$got" = "$n" ] && break
    echo "attempt $attempt: $(basename "$src") at -n $n under MPICH: $got of $n ranks printed '$pass ok'"
    echo "--- stdout"; tail -n 20 "$exe.out"; echo "--- stderr"; tail -n 20 "$exe.err"
    [ "$attempt" -lt 2 ] || fail "$(basename "$src") at -n $n under MPICH: $got of $n ranks printed '$pass ok'"
    attempt=$((attempt + 1))
  done
  echo "ok: $(basename "$src") passes on MPICH at -n $n"
done
