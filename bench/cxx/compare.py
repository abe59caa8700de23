#!/usr/bin/env python3
"""The C++ API against the C API, per implementation: bench/osu's osu_latency
and osu_bw (C) against bench/cxx's cxx_osu_latency and cxx_osu_bw (the same
programs with the timed calls made through api/cxx's upper-case methods), and
the object path against the typed path (cxx_object_latency -p object / -p
typed, a ping-pong of one std::vector<double>). Every program is built with
the implementation's own mpicc/mpicxx; the runs are interleaved (C, C++,
then C++, C, ... --reps times, implementations in turn) because the machine is
shared and noisy; the tables show medians per size and the ratio C++ / C
(object / typed), with geometric means.

Usage: bench/cxx/compare.py [--build build] [--reps 7] [--bench latency,bw,object]
                            [--sizes 1M] [--impl parley,mpich] [--timeout 120] [--check]

Parley is launched with build/launcher/parleyrun, MPICH (if installed) with
mpiexec.mpich, Open MPI with mpirun.openmpi; 2 ranks bound to cores when the
machine has 2 or more, unbound otherwise.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'bench', 'osu'))
from compare import (build_sources, fmt, gmean, load_average, note, progress,  # noqa: E402  (bench/osu/compare.py)
                     report_failures, run_once, wanted_impls)

# name -> (what, better, [(label, source, extra args), (label, source, extra args)], ratio label)
BENCHES = {
    'latency': ('half round trip (us)', 'lower',
                [('C', '../osu/osu_latency.c', ['-z']), ('C++', 'cxx_osu_latency.cpp', ['-z'])], 'C++/C'),
    'bw': ('bandwidth (MB/s)', 'higher',
           [('C', '../osu/osu_bw.c', []), ('C++', 'cxx_osu_bw.cpp', [])], 'C++/C'),
    'object': ('std::vector<double> ping-pong, half round trip (us)', 'lower',
               [('typed', 'cxx_object_latency.cpp', ['-p', 'typed']),
                ('object', 'cxx_object_latency.cpp', ['-p', 'object'])], 'obj/typed'),
}


class Impl:
    def __init__(self, name, cc, cxx, launch):
        self.name, self.cc, self.cxx, self.launch = name, cc, cxx, launch
        self.binaries = {}  # source -> path


def find_impls(build_dir, timeout):
    found = {}
    cc = os.path.join(build_dir, 'api', 'c', 'mpicc')
    cxx = os.path.join(build_dir, 'api', 'c', 'mpicxx')
    run = os.path.join(build_dir, 'launcher', 'parleyrun')
    if all(os.access(p, os.X_OK) for p in (cc, cxx, run)):
        found['Parley'] = Impl('Parley', [cc], [cxx], lambda n, bind: [
            run, '-n', str(n), '--bind-to', bind, '--timeout', str(max(5, timeout - 10))])
    else:
        note('Parley skipped: %s, %s or %s missing (build it: ninja -C %s)' % (cc, cxx, run, build_dir))
    inc = os.path.join(ROOT, 'api', 'cxx', 'include')
    if all(shutil.which(p) for p in ('mpicc.mpich', 'mpicxx.mpich', 'mpiexec.mpich')):
        found['MPICH'] = Impl('MPICH', ['mpicc.mpich'], ['mpicxx.mpich', '-I' + inc], lambda n, bind: [
            'mpiexec.mpich', '-n', str(n), '-bind-to', bind])
    else:
        note('MPICH skipped: mpicc.mpich / mpicxx.mpich / mpiexec.mpich not installed')
    if all(shutil.which(p) for p in ('mpicc.openmpi', 'mpicxx.openmpi', 'mpirun.openmpi')):
        found['Open MPI'] = Impl('Open MPI', ['mpicc.openmpi'], ['mpicxx.openmpi', '-I' + inc], lambda n, bind: [
            'mpirun.openmpi', '--allow-run-as-root', '--oversubscribe', '--bind-to', bind, '-n', str(n)])
    else:
        note('Open MPI skipped: mpicc.openmpi / mpicxx.openmpi / mpirun.openmpi not installed')
    return found


def build(impls, benches, tmp):
    osu = os.path.join(ROOT, 'bench', 'osu')

    def command(impl, src, exe):
        if src.endswith('.c'):
            return impl.cc + ['-O2', '-o', exe, src]
        return impl.cxx + ['-std=c++20', '-O2', '-I' + osu, '-o', exe, src]

    sources = sorted({v[1] for b in benches for v in BENCHES[b][2]})
    build_sources(impls, [(src, os.path.normpath(os.path.join(HERE, src))) for src in sources], tmp, command)


def run_bench(b, impls, a, cores):
    what, better, variants, ratio_label = BENCHES[b]
    bind = 'core' if cores >= 2 else 'none'
    args = ['-m', a.sizes] + (['-t', str(a.budget)] if a.budget else []) + (['-c'] if a.check else [])
    results = {(k, v[0]): [] for k in impls for v in variants}
    failed = {}
    for rep in range(a.reps):
        took = []
        for name, impl in impls.items():
            # The two sides alternate which goes first, so a slow start or a neighbour's burst does not
            # always land on the same one.
            for label, src, extra in (variants if rep % 2 == 0 else variants[::-1]):
                key = (name, label)
                if name in failed:
                    continue
                cmd = impl.launch(2, bind) + [impl.binaries[src]] + extra + args
                values, failure, secs = run_once(cmd, a.timeout)
                took.append('%s %s %.1f s' % (name, label, secs))
                if values:
                    results[key].append(values)
                if failure:
                    failed[name] = failure
                    note('%s %s (%s) failed in run %d: %s\n#   command: %s' % (name, b, label, rep + 1, failure,
                                                                            ' '.join(cmd)))
        progress('%s run %d/%d: %s' % (b, rep + 1, a.reps, ', '.join(took)))

    sizes = sorted({s for runs in results.values() for r in runs for s in r})
    print()
    print('# %s, 2 ranks, %s, median of %d interleaved runs (binding: %s)' % (b, what, a.reps, bind))
    if better == 'lower':
        print('# ratio = %s; lower is better, so ratio < 1 means the %s side is faster'
              % (ratio_label, variants[1][0]))
    else:
        print('# ratio = %s; higher is better, so ratio > 1 means the %s side is faster'
              % (ratio_label, variants[1][0]))
    head = '# %-8s' % 'Size'
    for name in impls:
        for label, _, _ in variants:
            head += '%14s' % ('%s %s' % (name, label))
        head += '%10s' % 'ratio'
    print(head)
    ratios = {name: [] for name in impls}
    for s in sizes:
        line = '%-10d' % s
        for name in impls:
            med = []
            for label, _, _ in variants:
                vals = [r[s] for r in results[(name, label)] if s in r]
                med.append(statistics.median(vals) if vals else None)
                line += '%14s' % fmt(med[-1])
            if med[0] and med[1]:
                ratio = med[1] / med[0]
                ratios[name].append((s, ratio))
                line += '%10.3f' % ratio
            else:
                line += '%10s' % '-'
        print(line)
    for name, rs in ratios.items():
        if rs:
            print('# %s: geometric mean of ratio %.3f (all sizes), %.3f (<= 8 KiB), %.3f (> 8 KiB)'
                  % (name, gmean([r for _, r in rs]), gmean([r for s, r in rs if s <= 8192]) or 0,
                     gmean([r for s, r in rs if s > 8192]) or 0))
    return report_failures(failed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default='build', help='Parley build tree (default: build)')
    ap.add_argument('--reps', type=int, default=7, help='interleaved runs per program (default 7)')
    ap.add_argument('--bench', default='latency,bw,object', help='comma-separated subset of %s' % ','.join(BENCHES))
    ap.add_argument('--sizes', default='1M', help='largest message size (default 1M)')
    ap.add_argument('--budget', type=float, default=None, help='seconds of timed loop per size (-t)')
    ap.add_argument('--timeout', type=int, default=120, help='seconds before a run counts as hung (default 120)')
    ap.add_argument('--impl', default='parley', help='comma-separated subset of parley,mpich,openmpi (default parley)')
    ap.add_argument('--check', action='store_true', help='verify received data (-c; outside the timing)')
    a = ap.parse_args()
    benches = [b.strip() for b in a.bench.split(',') if b.strip()]
    for b in benches:
        if b not in BENCHES:
            ap.error('unknown benchmark %r (choose from %s)' % (b, ','.join(BENCHES)))
    if a.reps < 1:
        ap.error('--reps must be at least 1')
    wanted = wanted_impls(ap, a.impl)
    cores = len(os.sched_getaffinity(0))
    impls = {k: v for k, v in find_impls(os.path.abspath(a.build), a.timeout).items() if k in wanted}
    if not impls:
        sys.exit('nothing to run: no implementation found')
    print('# bench/cxx/compare.py: %s; %d cores, load average %s at start'
          % (', '.join(impls), cores, load_average()))
    ok = True
    with tempfile.TemporaryDirectory(prefix='parley-cxx-') as tmp:
        build(impls, benches, tmp)
        if not impls:
            sys.exit('nothing to run: every build failed')
        for b in benches:
            ok = run_bench(b, impls, a, cores) and ok
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
