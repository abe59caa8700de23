#!/usr/bin/env python3
"""Collective latency (bench/coll/coll_latency.c) with Parley, Debian MPICH
and Debian Open MPI side by side: the program is built once per
implementation, and for each rank count and collective the runs are
interleaved (Parley, MPICH, Open MPI, repeated --reps times, because the
machine is shared and noisy); each table shows the median per size and
Parley's ratio to the best of the others, and a summary closes the run.

Usage: bench/coll/compare.py [--build build] [--reps 5] [--ranks 2,4,8]
         [--bench barrier,bcast,reduce,allreduce,gather,scatter,allgather,alltoall,iallreduce]
         [--sizes 1M] [--budget 0.2] [--timeout 180] [--impl parley,mpich,openmpi]
         [--variant NAME:VAR=VALUE[;VAR=VALUE...]]... [--check]

--variant adds a Parley run with extra environment (e.g.
  --variant shm:PARLEY_COLL_ALLREDUCE=shm --variant rd:PARLEY_COLL_ALLREDUCE=recursive_doubling)
so algorithms can be compared with each other and with the other MPIs in
the same interleaved run (the crossovers in docs/collectives.md come from
such runs); the ratio column is always plain Parley's.
With more ranks than cores every implementation runs unbound, otherwise
bound to cores.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'osu'))
import compare as osu  # noqa: E402  (find_impls, run_once, gmean, note)

BENCHES = ['barrier', 'bcast', 'reduce', 'allreduce', 'gather', 'scatter', 'allgather', 'alltoall', 'iallreduce']
# What each table shows: (column of the program's output, label, better).
TABLES = {
    'iallreduce': [(1, 'overall time with computation (us)', 'lower'), (4, 'overlap (%)', 'higher')],
}
DEFAULT_TABLE = [(1, 'mean latency over ranks (us)', 'lower')]


def run_bench(b, n, runners, a, cores, summary):
    bind = 'core' if n <= cores else 'none'
    args = ['-b', b, '-m', a.sizes, '-t', str(a.budget)] + (['-c'] if a.check else [])
    results = {name: [] for name in runners}
    failed = {}
    for rep in range(a.reps):
        took = []
        for name, (impl, env) in runners.items():
            if name in failed:
                continue
            cmd = impl.launch(n, bind) + [impl.binaries['coll_latency']] + args
            values, failure, secs = osu.run_once(cmd, a.timeout, env=env, columns=True)
            took.append('%s %.1f s' % (name, secs))
            if values:
                results[name].append(values)
            if failure:
                failed[name] = failure
                osu.note('%s %s -n %d failed in run %d of %d: %s\n#   command: %s\n#   (its later runs are skipped)'
                         % (name, b, n, rep + 1, a.reps, failure, ' '.join(cmd)))
        if not took:
            break
        osu.progress('%s -n %d, run %d/%d: %s' % (b, n, rep + 1, a.reps, ', '.join(took)))

    names = list(runners)
    others = [k for k in names if k in ('MPICH', 'Open MPI')]
    sizes = sorted({s for runs in results.values() for r in runs for s in r})
    for col, what, better in TABLES.get(b, DEFAULT_TABLE):
        print()
        print('# %s, %d ranks, %s, median of up to %d interleaved runs (binding: %s; load %s)'
              % (b, n, what, a.reps, bind, osu.load_average()))
        if 'Parley' in runners and others:
            print('# ratio = Parley / best of %s (%s is better)' % (' and '.join(others), better))
        print('# %-8s' % 'Size' + ''.join('%13s' % k[:13] for k in names) + ('%8s' % 'ratio' if others else ''))
        ratios = []
        variants = [k for k in names if k.startswith('P[')]
        vratios = {k: [] for k in variants}
        for s in sizes:
            med = {}
            line = '%-10d' % s
            for k in names:
                vals = [r[s][col - 1] for r in results[k] if s in r and len(r[s]) >= col]
                med[k] = statistics.median(vals) if vals else None
                line += '%13s' % (osu.fmt(med[k]) + ('*' if vals and len(vals) < a.reps else ''))
            best = [med[k] for k in others if med[k] is not None]
            ref = (min(best) if better == 'lower' else max(best)) if best else 0
            if med.get('Parley') is not None and best:
                if ref > 0 and med['Parley'] > 0:
                    ratio = med['Parley'] / ref
                    ratios.append(ratio)
                    line += '%8.2f' % ratio
                for k in variants:
                    if med.get(k) is not None and med[k] > 0 and ref > 0:
                        vratios[k].append(med[k] / ref)
            print(line)
        if ratios:
            worst = max(ratios) if better == 'lower' else min(ratios)
            print('# ratio: geometric mean %.2f, worst %.2f' % (osu.gmean(ratios), worst))
            summary.append((b + ('' if col == 1 else ' (col %d)' % col), n, osu.gmean(ratios), worst, better))
        # The same ratio for each variant, against the same best of the others.
        for k in variants:
            if vratios[k]:
                vworst = max(vratios[k]) if better == 'lower' else min(vratios[k])
                print('# ratio of %s: geometric mean %.2f, worst %.2f' % (k, osu.gmean(vratios[k]), vworst))
    return osu.report_failures(failed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default='build', help='Parley build tree (default: build)')
    ap.add_argument('--reps', type=int, default=5, help='interleaved runs per implementation (default 5)')
    ap.add_argument('--ranks', default='2,4,8', help='comma-separated rank counts (default 2,4,8)')
    ap.add_argument('--bench', default=','.join(BENCHES), help='comma-separated subset of %s' % ','.join(BENCHES))
    ap.add_argument('--sizes', default='1M', help='largest size (default 1M; the smallest is 4 B)')
    ap.add_argument('--budget', type=float, default=0.2, help='seconds of timed loop per size (default 0.2)')
    ap.add_argument('--timeout', type=int, default=180, help='seconds before one run counts as hung (default 180)')
    ap.add_argument('--impl', default='parley,mpich,openmpi', help='comma-separated subset of parley,mpich,openmpi')
    ap.add_argument('--variant', action='append', default=[], help='NAME:VAR=VALUE[;VAR=VALUE...] (extra Parley run)')
    ap.add_argument('--check', action='store_true', help='verify results (-c; outside the timing)')
    a = ap.parse_args()

    benches = [b.strip() for b in a.bench.split(',') if b.strip()]
    for b in benches:
        if b not in BENCHES:
            ap.error('unknown benchmark %r (choose from %s)' % (b, ','.join(BENCHES)))
    ranks = [int(x) for x in a.ranks.split(',') if x.strip()]
    if not ranks or min(ranks) < 1 or a.reps < 1:
        ap.error('--ranks needs counts >= 1 and --reps >= 1')
    wanted = osu.wanted_impls(ap, a.impl)

    cores = len(os.sched_getaffinity(0))
    impls = {k: v for k, v in osu.find_impls(os.path.abspath(a.build), a.timeout).items() if k in wanted}
    if a.variant and 'Parley' not in osu.find_impls(os.path.abspath(a.build), a.timeout):
        ap.error('--variant needs a Parley build')
    if not impls and not a.variant:
        sys.exit('nothing to run: no implementation found')
    print('# bench/coll/compare.py: %s; %d cores, load average %s at start'
          % (', '.join(list(impls) + ['Parley[%s]' % v.split(':')[0] for v in a.variant]), cores,
             osu.load_average()))
    ok = True
    summary = []
    with tempfile.TemporaryDirectory(prefix='parley-coll-') as tmp:
        all_impls = dict(impls)
        if a.variant and 'Parley' not in all_impls:
            all_impls['Parley'] = osu.find_impls(os.path.abspath(a.build), a.timeout)['Parley']
        for impl in list(all_impls.values()):
            tag = impl.name.replace(' ', '').lower()
            exe = os.path.join(tmp, 'coll_latency_%s' % tag)
            r = subprocess.run(impl.cc + ['-O2', '-o', exe, os.path.join(HERE, 'coll_latency.c'), '-lm'],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if r.returncode != 0:
                osu.note('%s skipped: build failed:\n%s' % (impl.name, r.stdout.decode(errors='replace')))
                impls.pop(impl.name, None)
                all_impls.pop(impl.name)
                continue
            impl.binaries['coll_latency'] = exe
        runners = {}
        for name, impl in impls.items():
            runners[name] = (impl, None)
        for v in a.variant:
            vname, _, assigns = v.partition(':')
            env = dict(os.environ)
            for kv in assigns.split(';'):
                if kv.strip():
                    key, _, val = kv.partition('=')
                    env[key.strip()] = val.strip()
            if 'Parley' in all_impls:
                runners['P[%s]' % vname] = (all_impls['Parley'], env)
        for n in ranks:
            for b in benches:
                ok = run_bench(b, n, runners, a, cores, summary) and ok
    if summary:
        print()
        print('# summary: Parley / best of the others per collective and rank count')
        print('# %-26s%6s%10s%10s' % ('collective', 'ranks', 'gmean', 'worst'))
        for b, n, g, w, better in summary:
            print('  %-26s%6d%10.2f%10.2f  (%s is better)' % (b, n, g, w, better))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
