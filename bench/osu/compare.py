#!/usr/bin/env python3
"""Point-to-point benchmarks (bench/osu: latency, bw, bibw, mbw_mr) with
Parley, Debian MPICH and Debian Open MPI side by side: each program is built
once per implementation, the runs are interleaved (Parley, MPICH, Open MPI,
repeated --reps times, because the machine is shared and noisy), and the
table shows the median per size and Parley's ratio to the best of the others.

Usage: bench/osu/compare.py [--build build] [--reps 5] [--bench latency,bw,bibw,mbw_mr]
                            [-n 2] [--sizes 4M] [--timeout 120] [--impl parley,mpich,openmpi]

-n sets the rank count of latency (n/2 pairs ping-ponging at once) and of
mbw_mr (n/2 sender/receiver pairs); bw and bibw always use 2 ranks. With more
ranks than cores every implementation runs unbound, otherwise bound to cores.
"""
import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (source, what the value is, which way is better, rank count from -n?, extra args)
BENCHES = {
    'latency': ('osu_latency.c', 'half round trip (us)', 'lower', True, ['-z']),
    'bw': ('osu_bw.c', 'bandwidth (MB/s)', 'higher', False, []),
    'bibw': ('osu_bibw.c', 'bidirectional bandwidth (MB/s)', 'higher', False, []),
    'mbw_mr': ('osu_mbw_mr.c', 'aggregate bandwidth (MB/s)', 'higher', True, []),
}
IMPLS = ['Parley', 'MPICH', 'Open MPI']
IMPL_KEYS = {'parley': 'Parley', 'mpich': 'MPICH', 'openmpi': 'Open MPI', 'ompi': 'Open MPI'}


def note(msg):
    print('# note: ' + msg, flush=True)


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


class Impl:
    """How to compile and launch with one implementation."""

    def __init__(self, name, cc, launch):
        self.name, self.cc, self.launch = name, cc, launch
        self.binaries = {}  # bench -> path


def find_impls(build_dir, timeout):
    """The implementations present on this machine, each with a note when not."""
    found = {}
    cc = os.path.join(build_dir, 'api', 'c', 'mpicc')
    run = os.path.join(build_dir, 'launcher', 'parleyrun')
    if os.access(cc, os.X_OK) and os.access(run, os.X_OK):
        # parleyrun's own --timeout fires first: its report of where each rank
        # is blocked is worth more than our kill.
        found['Parley'] = Impl('Parley', [cc], lambda n, bind: [
            run, '-n', str(n), '--bind-to', bind, '--timeout', str(max(5, timeout - 10))])
    else:
        note('Parley skipped: %s or %s missing (build it: ninja -C %s)' % (cc, run, build_dir))
    if shutil.which('mpicc.mpich') and shutil.which('mpiexec.mpich'):
        found['MPICH'] = Impl('MPICH', ['mpicc.mpich'], lambda n, bind: [
            'mpiexec.mpich', '-n', str(n), '-bind-to', bind])
    else:
        note('MPICH skipped: mpicc.mpich / mpiexec.mpich not installed (apt-get install mpich)')
    if shutil.which('mpicc.openmpi') and shutil.which('mpirun.openmpi'):
        found['Open MPI'] = Impl('Open MPI', ['mpicc.openmpi'], lambda n, bind: [
            'mpirun.openmpi', '--allow-run-as-root', '--oversubscribe', '--bind-to', bind, '-n', str(n)])
    else:
        note('Open MPI skipped: mpicc.openmpi / mpirun.openmpi not installed (apt-get install openmpi-bin)')
    return found


def build_sources(impls, sources, tmp, command=None):
    """Compiles each (key, source path) with every implementation; an
    implementation whose build fails is dropped with a note. `command(impl,
    src, exe)` gives the compile command (default: impl.cc -O2)."""
    for impl in list(impls.values()):
        tag = impl.name.replace(' ', '').lower()
        for key, src in sources:
            exe = os.path.join(tmp, '%s_%s' % (os.path.splitext(os.path.basename(key))[0], tag))
            cmd = command(impl, src, exe) if command else impl.cc + ['-O2', '-o', exe, src]
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if r.returncode != 0:
                note('%s skipped: building %s failed:\n%s' % (impl.name, key, r.stdout.decode(errors='replace')))
                del impls[impl.name]
                break
            impl.binaries[key] = exe


def build(impls, benches, tmp):
    build_sources(impls, [(b, os.path.join(HERE, BENCHES[b][0])) for b in benches], tmp)


def parse_columns(text):
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


def parse(text):
    """{size: first value} of OSU-layout output."""
    return {size: v[0] for size, v in parse_columns(text).items() if v}


def gmean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def tail(text, lines=8):
    t = text.strip().splitlines()
    return '\n'.join('    ' + x for x in t[-lines:])


def run_once(cmd, timeout, env=None, columns=False):
    """(values per size, failure text or None, seconds). A run that fails or
    hangs still gives the sizes it finished; its whole process group is
    ended. With columns, each size maps to all its values (parse_columns)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)
    try:
        out, err = p.communicate(timeout=timeout)
        failure = None if p.returncode == 0 else 'exit code %d' % p.returncode
    except subprocess.TimeoutExpired:
        out, err = b'', b''
        for sig in (signal.SIGTERM, signal.SIGKILL):
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
    values = parse_columns(out) if columns else parse(out)
    if failure:
        done = max(values) if values else None
        failure += '; last size finished: %s' % ('none' if done is None else done)
        if err.strip() or out.strip():
            failure += '\n  output tail:\n' + tail(out + '\n' + err)
    return values, failure, time.monotonic() - t0


def wanted_impls(ap, spec):
    """The implementation names a comma-separated --impl value asks for."""
    wanted = set()
    for k in spec.split(','):
        if k.strip().lower() not in IMPL_KEYS:
            ap.error('unknown implementation %r (choose from parley,mpich,openmpi)' % k)
        wanted.add(IMPL_KEYS[k.strip().lower()])
    return wanted


def load_average():
    return ' '.join(open('/proc/loadavg').read().split()[:3])


def report_failures(failed):
    """Prints one line per failed implementation; True when none failed."""
    for name, failure in failed.items():
        print('# %s: FAILED (%s)' % (name, failure.splitlines()[0]))
    sys.stdout.flush()
    return not failed


def fmt(v):
    if v is None:
        return '-'
    return '%.2f' % v


def run_bench(b, impls, a, cores):
    src, what, better, uses_n, extra = BENCHES[b]
    n = a.n if uses_n else 2
    bind = 'core' if n <= cores else 'none'
    args = extra + ['-m', a.sizes] + (['-t', str(a.budget)] if a.budget else []) + (['-c'] if a.check else [])
    results = {k: [] for k in impls}
    paired = [{} for _ in range(a.reps)]  # per run: impl -> values, for the paired ratio
    failed = {}
    for rep in range(a.reps):
        took = []
        for name, impl in impls.items():
            if name in failed:
                continue
            cmd = impl.launch(n, bind) + [impl.binaries[b]] + args
            load = load_average()
            values, failure, secs = run_once(cmd, a.timeout)
            took.append('%s %.1f s' % (name, secs))
            if values:
                results[name].append(values)
                paired[rep][name] = values
            if a.raw:
                with open(a.raw, 'a') as f:
                    f.write(json.dumps({'bench': b, 'n': n, 'impl': name, 'run': rep + 1, 'load': load,
                                        'seconds': round(secs, 2), 'values': values}) + '\n')
            if failure:
                failed[name] = failure
                note('%s %s -n %d failed in run %d of %d: %s\n#   command: %s\n#   (its later runs are skipped)'
                     % (name, b, n, rep + 1, a.reps, failure, ' '.join(cmd)))
        if not took:
            break  # every implementation has failed this benchmark
        progress('%s -n %d, run %d/%d: %s' % (b, n, rep + 1, a.reps, ', '.join(took)))

    sizes = sorted({s for runs in results.values() for r in runs for s in r})
    names = list(impls)
    others = [k for k in names if k != 'Parley']
    print()
    print('# osu_%s, %d ranks, %s, median of up to %d interleaved runs (binding: %s)' % (b, n, what, a.reps, bind))
    if 'Parley' in impls and others:
        if better == 'lower':
            print('# ratio = Parley / best of %s; lower is better, so ratio < 1 means Parley is faster'
                  % ' and '.join(others))
        else:
            print('# ratio = Parley / best of %s; higher is better, so ratio > 1 means Parley is faster'
                  % ' and '.join(others))
        print('# paired = median over runs of Parley / best of the others in the same run (the three ran back to back)')
    print('# %-8s' % 'Size' + ''.join('%12s' % k for k in names) + ('%10s%10s' % ('ratio', 'paired') if others else ''))
    ratios = []
    pratios = []
    short = False
    for s in sizes:
        med, cell = {}, {}
        for k in names:
            vals = [r[s] for r in results[k] if s in r]
            med[k] = statistics.median(vals) if vals else None
            cell[k] = fmt(med[k])
            if vals and len(vals) < a.reps:
                cell[k] += '*'
                short = True
        line = '%-10d' % s + ''.join('%12s' % cell[k] for k in names)
        best = [med[k] for k in others if med[k] is not None]
        if 'Parley' in med and med['Parley'] is not None and best:
            ref = min(best) if better == 'lower' else max(best)
            if ref > 0 and med['Parley'] > 0:
                ratio = med['Parley'] / ref
                ratios.append((s, ratio))
                line += '%10.2f' % ratio
                per_run = []
                for run in paired:
                    refs = [run[k][s] for k in others if k in run and s in run[k]]
                    if 'Parley' in run and s in run['Parley'] and refs:
                        r = min(refs) if better == 'lower' else max(refs)
                        if r > 0:
                            per_run.append(run['Parley'][s] / r)
                if per_run:
                    p = statistics.median(per_run)
                    pratios.append(p)
                    line += '%10.2f' % p
        print(line)
    if ratios:
        small = [r for s, r in ratios if s <= 8192]
        large = [r for s, r in ratios if s > 8192]
        print('# geometric mean of ratio: all sizes %s, <= 8 KiB %s, > 8 KiB %s; of paired: all sizes %s'
              % (fmt(gmean([r for _, r in ratios])), fmt(gmean(small)), fmt(gmean(large)), fmt(gmean(pratios))))
    if short:
        print('# * median of fewer than %d runs: a run of that implementation failed' % a.reps)
    return report_failures(failed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default='build', help='Parley build tree (default: build)')
    ap.add_argument('--reps', type=int, default=5, help='interleaved runs per implementation (default 5)')
    ap.add_argument('--bench', default='latency,bw,bibw,mbw_mr',
                    help='comma-separated subset of %s' % ','.join(BENCHES))
    ap.add_argument('-n', type=int, default=2, help='ranks for latency and mbw_mr (even; default 2)')
    ap.add_argument('--sizes', default='4M', help='largest message size, e.g. 64K or 4194304 (default 4M)')
    ap.add_argument('--budget', type=float, default=None,
                    help='seconds of timed loop per size, passed as -t (default: the programs\' 0.2)')
    ap.add_argument('--timeout', type=int, default=120, help='seconds before one run counts as hung (default 120)')
    ap.add_argument('--impl', default='parley,mpich,openmpi', help='comma-separated subset of parley,mpich,openmpi')
    ap.add_argument('--check', action='store_true', help='verify received data (-c; outside the timing)')
    ap.add_argument('--raw', metavar='FILE', help='append every run (JSON lines: bench, impl, run, load, values per size)')
    a = ap.parse_args()

    benches = [b.strip() for b in a.bench.split(',') if b.strip()]
    for b in benches:
        if b not in BENCHES:
            ap.error('unknown benchmark %r (choose from %s)' % (b, ','.join(BENCHES)))
    if a.n < 2 or a.n % 2:
        ap.error('-n must be even and at least 2 (pairs i, i+n/2)')
    if a.reps < 1:
        ap.error('--reps must be at least 1')
    wanted = wanted_impls(ap, a.impl)

    cores = len(os.sched_getaffinity(0))
    impls = {k: v for k, v in find_impls(os.path.abspath(a.build), a.timeout).items() if k in wanted}
    if not impls:
        sys.exit('nothing to run: no implementation found')
    print('# bench/osu/compare.py: %s; %d cores, load average %s at start'
          % (', '.join(impls), cores, load_average()))
    ok = True
    with tempfile.TemporaryDirectory(prefix='parley-osu-') as tmp:
        build(impls, benches, tmp)
        if not impls:
            sys.exit('nothing to run: every build failed')
        for b in benches:
            ok = run_bench(b, impls, a, cores) and ok
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
