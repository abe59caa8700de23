#!/bin/sh
# Builds unmodified MPI programs with Parley's mpicc/mpicxx and runs them
# under parleyrun, under Open MPI's mpirun, and as a singleton.
set -eu
mpicc=$1 mpicxx=$2 demo=$3 hello=$4 out=$5
fail() { echo "FAIL: $*"; exit 1; }

"$mpicc" -O2 -o "$out/wrapped_hello" "$hello" || fail "mpicc could not build $hello"
"$mpicxx" -O2 -x c++ -o "$out/wrapped_hello_cxx" "$hello" || fail "mpicxx could not build $hello"
"$mpicc" -o "$out/wrapped_demo" "$demo" || fail "mpicc could not build $demo"
"$mpicc" -show | grep -q -- '-lmpi' || fail "mpicc -show lacks -lmpi"
"$mpicc" -c -o "$out/wrapped_hello.o" "$hello" || fail "mpicc -c failed"

n=$("$PARLEYRUN" -n 3 "$out/wrapped_hello" | grep -c '^hello rank=')
[ "$n" = 3 ] || fail "parleyrun -n 3 wrapped_hello printed $n hello lines"
n=$("$PARLEYRUN" -n 2 "$out/wrapped_hello_cxx" | grep -c '^hello rank=')
[ "$n" = 2 ] || fail "parleyrun -n 2 wrapped_hello_cxx printed $n hello lines"
n=$(env -u PMIX_NAMESPACE "$out/wrapped_hello" | grep -c '^hello rank=0 size=1')
[ "$n" = 1 ] || fail "singleton run printed $n hello lines"
"$PARLEYRUN" -n 4 "$out/wrapped_demo" | grep -q 'Hello from rank 3 of 4' || fail "demo under parleyrun"
if command -v mpirun.openmpi >/dev/null; then
  n=$(mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 "$out/wrapped_hello" | grep -c '^hello rank=')
  [ "$n" = 2 ] || fail "mpirun.openmpi -n 2 printed $n hello lines"
fi
echo "ok: mpicc/mpicxx programs run under parleyrun, mpirun.openmpi and as a singleton"
