#!/usr/bin/env python3
"""Job start-up time: `LAUNCHER -n N hello` with Parley, Debian MPICH and
Debian Open MPI, interleaved in one run (the machine is shared and noisy),
reported as medians and as Parley's ratio to each.

Usage: bench/startup/run.py [--build build] [-n 8] [--reps 15]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def build(tmp, build_dir):
    src = os.path.join(HERE, 'hello.c')
    impls = {}
    parley_cc = os.path.join(build_dir, 'api', 'c', 'mpicc')
    parleyrun = os.path.join(build_dir, 'launcher', 'parleyrun')
    subprocess.run([parley_cc, '-O2', '-o', os.path.join(tmp, 'hello_parley'), src], check=True)
    impls['Parley'] = [parleyrun, '-n', '{n}', os.path.join(tmp, 'hello_parley')]
    if shutil.which('mpicc.mpich') and shutil.which('mpiexec.mpich'):
        subprocess.run(['mpicc.mpich', '-O2', '-o', os.path.join(tmp, 'hello_mpich'), src], check=True)
        impls['MPICH'] = ['mpiexec.mpich', '-n', '{n}', os.path.join(tmp, 'hello_mpich')]
    if shutil.which('mpicc.openmpi') and shutil.which('mpirun.openmpi'):
        subprocess.run(['mpicc.openmpi', '-O2', '-o', os.path.join(tmp, 'hello_ompi'), src], check=True)
        impls['Open MPI'] = ['mpirun.openmpi', '--allow-run-as-root', '--oversubscribe', '-n', '{n}',
                             os.path.join(tmp, 'hello_ompi')]
    return impls


def time_once(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit('failed: %s\n%s' % (' '.join(cmd), r.stderr.decode(errors='replace')))
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default='build')
    ap.add_argument('-n', type=int, default=8)
    ap.add_argument('--reps', type=int, default=15)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        impls = build(tmp, os.path.abspath(a.build))
        cmds = {k: [x.format(n=a.n) for x in v] for k, v in impls.items()}
        for cmd in cmds.values():  # warm the page cache
            time_once(cmd)
        times = {k: [] for k in cmds}
        for _ in range(a.reps):
            for k, cmd in cmds.items():
                times[k].append(time_once(cmd))
    med = {k: statistics.median(v) for k, v in times.items()}
    print('# Job start-up, %d ranks, median of %d interleaved runs (ms)' % (a.n, a.reps))
    print('%-10s %10s %10s %10s' % ('# impl', 'median', 'min', 'max'))
    for k, v in times.items():
        print('%-10s %10.1f %10.1f %10.1f' % (k, med[k] * 1e3, min(v) * 1e3, max(v) * 1e3))
    for k in med:
        if k != 'Parley':
            print('Parley / %s = %.2f' % (k, med['Parley'] / med[k]))


if __name__ == '__main__':
    main()
