#!/usr/bin/env python3
"""Datatype benchmarks (bench/datatype: pack_bw, halo) with Parley, Debian
MPICH and Debian Open MPI side by side, the way bench/osu/compare.py does it
(and with its helpers): each program is built once per implementation, runs
are interleaved (Parley, MPICH, Open MPI, repeated --reps times, because the
machine is shared and noisy), and each table shows the median per size and
Parley's ratio to the best of the others.

pack_bw runs on one rank; its tables are the pack/memcpy ratios each
implementation measured within its own run (so machine noise between runs
largely cancels) and the vector's MB/s. halo runs on -n ranks (default 2).

vector runs vector_bw on 2 ranks (noncontiguous send/recv bandwidth).

Usage: bench/datatype/compare.py [--build build] [--reps 5] [--bench pack,vector,halo]
                                 [-n 2] [--timeout 180] [--impl parley,mpich,openmpi]
"""
import argparse
import importlib.util
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# bench/osu/compare.py's helpers (find_impls, build_sources, run_once, gmean, note, IMPL_KEYS),
# loaded by path: this file has the same name.
_spec = importlib.util.spec_from_file_location('osu_compare', os.path.join(HERE, '..', 'osu', 'compare.py'))
osu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(osu)

# program -> (source, ranks from -n?, extra args, tables)
# table: (title, value column (1 = first after Size), what, which way is better)
PROGRAMS = {
    'pack': ('pack_bw.c', False, ['-m', '16M'], [
        ('pack vector / memcpy', 6, 'MPI_Pack of a vector of 8-byte blocks, ratio to memcpy', 'higher'),
        ('pack face2d / memcpy', 7, 'MPI_Pack of a 2-D subarray column face, ratio to memcpy', 'higher'),
        ('pack face3d / memcpy', 8, 'MPI_Pack of a 3-D subarray z face, ratio to memcpy', 'higher'),
        ('unpack vector / memcpy', 9, 'MPI_Unpack of the vector, ratio to memcpy', 'higher'),
        ('pack vector MB/s', 2, 'MPI_Pack of a vector of 8-byte blocks (MB/s)', 'higher'),
    ]),
    'vector': ('vector_bw.c', True, ['-m', '16M'], [
        ('vector->vector MB/s', 1, 'send/recv of a vector of doubles, stride 2, same type both sides (MB/s)', 'higher'),
        ('vector->contig MB/s', 2, 'vector of doubles sent, received as contiguous doubles (MB/s)', 'higher'),
        ('contig MB/s', 3, 'contiguous doubles both ways, the reference (MB/s)', 'higher'),
    ]),
    'halo': ('halo.c', True, [], [
        ('halo Sendrecv', 1, 'us per 4-face exchange, MPI_Sendrecv', 'lower'),
        ('halo Isend/Irecv', 2, 'us per 4-face exchange, MPI_Isend/Irecv/Waitall', 'lower'),
    ]),
}


def table(title, col, what, better, results, names, reps, ranks, bind):
    others = [k for k in names if k != 'Parley']
    print()
    print('# %s: %s, %d rank(s), median of up to %d interleaved runs (binding: %s)' % (title, what, ranks, reps, bind))
    if 'Parley' in names and others:
        print('# ratio = Parley / best of %s; %s is better, so ratio %s 1 means Parley is ahead'
              % (' and '.join(others), better, '<' if better == 'lower' else '>'))
    print('# %-8s' % 'Size' + ''.join('%12s' % k for k in names) + ('%10s' % 'ratio' if others else ''))
    sizes = sorted({s for runs in results.values() for r in runs for s in r})
    ratios = []
    for s in sizes:
        med = {}
        line = '%-10d' % s
        for k in names:
            vals = [r[s][col - 1] for r in results[k] if s in r and len(r[s]) >= col]
            med[k] = statistics.median(vals) if vals else None
            line += '%12s' % ((('%.3f' if med[k] is not None and med[k] < 10 else '%.1f') % med[k]) if med[k]
                              is not None else '-')
        best = [med[k] for k in others if med[k] is not None]
        if med.get('Parley') is not None and best:
            ref = min(best) if better == 'lower' else max(best)
            if ref > 0 and med['Parley'] > 0:
                ratios.append(med['Parley'] / ref)
                line += '%10.2f' % ratios[-1]
        print(line)
    if ratios:
        print('# geometric mean of ratio: %.2f' % osu.gmean(ratios))


def run_program(prog, impls, a, cores):
    src, uses_n, extra, tables = PROGRAMS[prog]
    n = a.n if uses_n else 1
    bind = 'core' if n <= cores else 'none'
    args = extra + (['-t', str(a.budget)] if a.budget else []) + (['-c'] if a.check and prog == 'halo' else [])
    if prog == 'halo' and a.sizes:
        args += ['-m', a.sizes]
    results = {k: [] for k in impls}
    failed = {}
    for rep in range(a.reps):
        took = []
        for name, impl in impls.items():
            if name in failed:
                continue
            cmd = impl.launch(n, bind) + [impl.binaries[prog]] + args
            rows, failure, secs = osu.run_once(cmd, a.timeout, columns=True)
            took.append('%s %.1f s' % (name, secs))
            if rows:
                results[name].append(rows)
            if failure:
                failed[name] = failure
                osu.note('%s %s -n %d failed in run %d of %d: %s\n#   command: %s' %
                         (name, prog, n, rep + 1, a.reps, failure, ' '.join(cmd)))
        if not took:
            break
        osu.progress('%s -n %d, run %d/%d: %s' % (prog, n, rep + 1, a.reps, ', '.join(took)))
    for title, col, what, better in tables:
        table(title, col, what, better, results, list(impls), a.reps, n, bind)
    return osu.report_failures(failed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default='build', help='Parley build tree (default: build)')
    ap.add_argument('--reps', type=int, default=5, help='interleaved runs per implementation (default 5)')
    ap.add_argument('--bench', default='pack,halo', help='comma-separated subset of %s' % ','.join(PROGRAMS))
    ap.add_argument('-n', type=int, default=2, help='ranks for halo (default 2; vector needs 2)')
    ap.add_argument('--sizes', default=None, help='largest halo face, e.g. 32K (default: the program\'s 32K)')
    ap.add_argument('--budget', type=float, default=None, help='seconds per size, passed as -t')
    ap.add_argument('--timeout', type=int, default=180, help='seconds before one run counts as hung (default 180)')
    ap.add_argument('--impl', default='parley,mpich,openmpi', help='comma-separated subset of parley,mpich,openmpi')
    ap.add_argument('--check', action='store_true', help='halo: verify every halo cell (-c; outside the timing)')
    a = ap.parse_args()
    progs = [b.strip() for b in a.bench.split(',') if b.strip()]
    for b in progs:
        if b not in PROGRAMS:
            ap.error('unknown benchmark %r (choose from %s)' % (b, ','.join(PROGRAMS)))
    wanted = osu.wanted_impls(ap, a.impl)
    cores = len(os.sched_getaffinity(0))
    impls = {k: v for k, v in osu.find_impls(os.path.abspath(a.build), a.timeout).items() if k in wanted}
    if not impls:
        sys.exit('nothing to run: no implementation found')
    print('# bench/datatype/compare.py: %s; %d cores, load average %s at start'
          % (', '.join(impls), cores, osu.load_average()))
    ok = True
    with tempfile.TemporaryDirectory(prefix='parley-dt-') as tmp:
        osu.build_sources(impls, [(p, os.path.join(HERE, PROGRAMS[p][0])) for p in progs], tmp)
        if not impls:
            sys.exit('nothing to run: every build failed')
        for p in progs:
            ok = run_program(p, impls, a, cores) and ok
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
