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

Usage: bench/datatype/compare.py [--build build] [--reps 5] [--bench pack,halo]
                                 [-n 2] [--timeout 180] [--impl parley,mpich,openmpi]
"""
import argparse
import importlib.util
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# bench/osu/compare.py's helpers (find_impls, note, progress, tail, IMPL_KEYS),
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
    'halo': ('halo.c', True, [], [
        ('halo Sendrecv', 1, 'us per 4-face exchange, MPI_Sendrecv', 'lower'),
        ('halo Isend/Irecv', 2, 'us per 4-face exchange, MPI_Isend/Irecv/Waitall', 'lower'),
    ]),
}


def parse(text):
    """OSU layout: '#' lines are headers, the others 'size value [value...]'.
    Returns {size: [values...]}."""
    out = {}
    for line in text.splitlines():
        f = line.split()
        if not f or line.startswith('#'):
            continue
        try:
            out[int(f[0])] = [float(x) for x in f[1:]]
        except ValueError:
            pass
    return out


def run_once(cmd, timeout):
    """(rows per size, failure text or None, seconds); a hung run is killed
    with its process group and still gives the sizes it finished."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        failure = None if p.returncode == 0 else 'exit code %d' % p.returncode
    except subprocess.TimeoutExpired:
        out, err = b'', b''
        for sig in (15, 9):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                out, err = p.communicate(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue
        failure = 'no result after %d s (killed)' % timeout
    out, err = out.decode(errors='replace'), err.decode(errors='replace')
    rows = parse(out)
    if failure and (err.strip() or out.strip()):
        failure += '\n  output tail:\n' + osu.tail(out + '\n' + err)
    return rows, failure, time.monotonic() - t0


def build(impls, programs, tmp):
    for impl in list(impls.values()):
        tag = impl.name.replace(' ', '').lower()
        for prog in programs:
            src = os.path.join(HERE, PROGRAMS[prog][0])
            exe = os.path.join(tmp, '%s_%s' % (prog, tag))
            r = subprocess.run(impl.cc + ['-O2', '-o', exe, src], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if r.returncode != 0:
                osu.note('%s skipped: building %s failed:\n%s' % (impl.name, prog, r.stdout.decode(errors='replace')))
                del impls[impl.name]
                break
            impl.binaries[prog] = exe


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
        print('# geometric mean of ratio: %.2f' % math.exp(sum(math.log(x) for x in ratios) / len(ratios)))


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
            rows, failure, secs = run_once(cmd, a.timeout)
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
    for name, failure in failed.items():
        print('# %s: FAILED (%s)' % (name, failure.splitlines()[0]))
    sys.stdout.flush()
    return not failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default='build', help='Parley build tree (default: build)')
    ap.add_argument('--reps', type=int, default=5, help='interleaved runs per implementation (default 5)')
    ap.add_argument('--bench', default='pack,halo', help='comma-separated subset of %s' % ','.join(PROGRAMS))
    ap.add_argument('-n', type=int, default=2, help='ranks for halo (default 2)')
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
    wanted = set()
    for k in a.impl.split(','):
        if k.strip().lower() not in osu.IMPL_KEYS:
            ap.error('unknown implementation %r (choose from parley,mpich,openmpi)' % k)
        wanted.add(osu.IMPL_KEYS[k.strip().lower()])
    cores = len(os.sched_getaffinity(0))
    impls = {k: v for k, v in osu.find_impls(os.path.abspath(a.build), a.timeout).items() if k in wanted}
    if not impls:
        sys.exit('nothing to run: no implementation found')
    print('# bench/datatype/compare.py: %s; %d cores, load average %s at start'
          % (', '.join(impls), cores, ' '.join(open('/proc/loadavg').read().split()[:3])))
    ok = True
    with tempfile.TemporaryDirectory(prefix='parley-dt-') as tmp:
        build(impls, progs, tmp)
        if not impls:
            sys.exit('nothing to run: every build failed')
        for p in progs:
            ok = run_program(p, impls, a, cores) and ok
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
