#!/usr/bin/env python3
"""Point-to-point over TCP on loopback: bench/osu programs with Parley
(PARLEY_TRANSPORT=ofi: libfabric tcp;ofi_rxm), MPICH (Debian's ch4:ucx with
UCX_TLS=tcp and MPIR_CVAR_NOLOCAL=1, so its shared-memory path is off) and
Open MPI (--mca pml ob1 --mca btl tcp,self), interleaved, medians and
Parley's ratio to the best, exactly as bench/osu/compare.py (whose code this
reuses) does for the default paths.

Usage: bench/ofi/compare_tcp.py [--build build] [--reps 5] [--bench latency,bw]
                                [--sizes 4M] [--iface lo] [--impl parley,mpich,openmpi]
                                [--baseline 'VAR=VALUE ...']

--baseline adds a second Parley, "Parley base", run with those environment
variables (e.g. PARLEY_OFI_CQ_DATA=0) in the same interleaved rounds, for a
before/after from one build: the table then shows both Parleys, each one's
ratio to the best of MPICH and Open MPI, and Parley / Parley base.

--bare (latency only) adds bench/ofi/fi_bare_pingpong from the build, the
floor under Parley's path (plain libfabric, a 512-byte inject size asked as
Parley does, sched_yield after 20 us of empty polls as Parley's wait), as one
more column in the same interleaved rounds, and Parley / bare.

Each command line is printed once (# command:), so a reader can check which
path every implementation took.
"""
import copy
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'osu'))
import compare  # noqa: E402  (bench/osu/compare.py)

IFACE = 'lo'
_default_find_impls = compare.find_impls


def find_impls_tcp(build_dir, timeout):
    found = _default_find_impls(build_dir, timeout)
    shown = set()

    def wrap(name, env, extra_after_launcher=()):
        impl = found.get(name)
        if impl is None:
            return
        base = impl.launch

        def launch(n, bind):
            cmd = ['env'] + ['%s=%s' % kv for kv in env] + base(n, bind) + list(extra_after_launcher)
            if name not in shown:
                shown.add(name)
                compare.note('command (%s): %s' % (name, ' '.join(cmd)))
            return cmd
        impl.launch = launch

    if BASELINE is not None and 'Parley' in found:
        base = copy.copy(found['Parley'])
        base.name = 'Parley base'
        base.binaries = {}
        found['Parley base'] = base
        wrap('Parley base', [('PARLEY_TRANSPORT', 'ofi'), ('FI_PROVIDER', 'tcp'), ('PARLEY_OFI_IFACE', IFACE)]
             + BASELINE)
    wrap('Parley', [('PARLEY_TRANSPORT', 'ofi'), ('FI_PROVIDER', 'tcp'), ('PARLEY_OFI_IFACE', IFACE)])
    if BARE:
        exe = os.path.join(build_dir, 'bench', 'ofi', 'fi_bare_pingpong')
        if os.access(exe, os.X_OK):
            found['bare'] = compare.Impl('bare', None, None)
            found['bare'].raw = [exe, '--iface=' + IFACE, '--inject=512', '--yield=20', '--reps=1', '--iters=2000']
        else:
            compare.note('bare skipped: %s missing (ninja -C %s bench/ofi/fi_bare_pingpong)' % (exe, build_dir))
    wrap('MPICH', [('UCX_TLS', 'tcp,self'), ('UCX_NET_DEVICES', IFACE), ('MPIR_CVAR_NOLOCAL', '1')])
    wrap('Open MPI', [], ['--mca', 'pml', 'ob1', '--mca', 'btl', 'tcp,self', '--mca', 'btl_tcp_if_include', IFACE])
    return found


BASELINE = None  # [(var, value)] of "Parley base", or None
BARE = False  # --bare: fi_bare_pingpong as one more column


def run_bench_with_base(b, impls, a, cores):
    """compare.run_bench with "Parley base" beside Parley (interleaved in the
    same rounds), each Parley's ratio to the best of MPICH and Open MPI, and
    Parley / Parley base."""
    src, what, better, uses_n, extra = compare.BENCHES[b]
    n = a.n if uses_n else 2
    bind = 'core' if n <= cores else 'none'
    args = extra + ['-m', a.sizes] + (['-t', str(a.budget)] if a.budget else []) + (['-c'] if a.check else [])
    results = {k: [] for k in impls}
    failed = {}
    for rep in range(a.reps):
        took = []
        for name, impl in impls.items():
            if name in failed:
                continue
            if getattr(impl, 'raw', None):
                if b != 'latency':
                    continue
                cmd = impl.raw + ['--max=%d' % max_size(a.sizes)]
                if rep == 0:
                    compare.note('command (bare): ' + ' '.join(cmd))
            else:
                cmd = impl.launch(n, bind) + [impl.binaries[b]] + args
            env = dict(os.environ, FI_PROVIDER='tcp') if getattr(impl, 'raw', None) else None
            values, failure, secs = compare.run_once(cmd, a.timeout, env=env)
            took.append('%s %.1f s' % (name, secs))
            if values:
                results[name].append(values)
            if failure:
                failed[name] = failure
                compare.note('%s %s failed in run %d: %s' % (name, b, rep + 1, failure))
        compare.progress('%s, run %d/%d: %s' % (b, rep + 1, a.reps, ', '.join(took)))
    names = [k for k in impls if results[k]]
    others = [k for k in names if not k.startswith('Parley') and k != 'bare']
    sizes = sorted({s for runs in results.values() for r in runs for s in r})
    print()
    print('# osu_%s, %d ranks, %s, median of up to %d interleaved runs (binding: %s); load average %s at end'
          % (b, n, what, a.reps, bind, compare.load_average()))
    pairs = [('ratio', 'Parley', None)]
    if 'Parley base' in names:
        pairs += [('base', 'Parley base', None), ('new/base', 'Parley', 'Parley base')]
    if 'bare' in names:
        pairs += [('P/bare', 'Parley', 'bare')]
    print('# ratio = Parley / best of %s (%s is better)%s%s'
          % (' and '.join(others), better,
             '; base = Parley with ' + ' '.join('%s=%s' % kv for kv in BASELINE) if BASELINE else '',
             '; bare = fi_bare_pingpong' if 'bare' in names else ''))
    print('# %-8s' % 'Size' + ''.join('%12s' % k for k in names) + ''.join('%10s' % p[0] for p in pairs))
    pick = min if better == 'lower' else max
    cols = {p[0]: [] for p in pairs}
    for s in sizes:
        med = {}
        for k in names:
            vals = [r[s] for r in results[k] if s in r]
            med[k] = statistics.median(vals) if vals else None
        line = '%-10d' % s + ''.join('%12s' % compare.fmt(med[k]) for k in names)
        best = [med[k] for k in others if med[k]]
        ref = pick(best) if best else None
        for key, num, den_name in pairs:
            v = med.get(num)
            den = ref if den_name is None else med.get(den_name)
            if v and den:
                cols[key].append((s, v / den))
                line += '%10.2f' % (v / den)
            else:
                line += '%10s' % '-'
        print(line)
    for key, vals in cols.items():
        if vals:
            print('# geometric mean of %s: all %s, <= 8 KiB %s, > 8 KiB %s'
                  % (key, compare.fmt(compare.gmean([r for _, r in vals])),
                     compare.fmt(compare.gmean([r for s, r in vals if s <= 8192])),
                     compare.fmt(compare.gmean([r for s, r in vals if s > 8192]))))
    return compare.report_failures(failed)


_default_build = compare.build


def build_but_bare(impls, benches, tmp):
    """compare.build for all but the bare ping-pong (built by meson)."""
    raw = {k: v for k, v in impls.items() if getattr(v, 'raw', None)}
    for k in raw:
        del impls[k]
    _default_build(impls, benches, tmp)
    impls.update(raw)


def max_size(spec):
    mult = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
    spec = spec.strip().upper()
    return int(spec[:-1]) * mult[spec[-1]] if spec[-1] in mult else int(spec)


def main():
    global IFACE, BASELINE, BARE
    args = sys.argv[1:]
    if '--iface' in args:
        i = args.index('--iface')
        IFACE = args[i + 1]
        del args[i:i + 2]
    if '--bare' in args:
        args.remove('--bare')
        BARE = True
        compare.run_bench = run_bench_with_base
    if '--baseline' in args:
        i = args.index('--baseline')
        BASELINE = [tuple(kv.split('=', 1)) for kv in args[i + 1].split()]
        del args[i:i + 2]
        compare.run_bench = run_bench_with_base
    if BARE or BASELINE:
        compare.build = build_but_bare
        wanted = compare.wanted_impls
        compare.wanted_impls = lambda ap, spec: (
            wanted(ap, spec) | ({'Parley base', 'bare'} if 'Parley' in wanted(ap, spec) else set()))
    if not any(a == '--bench' or a.startswith('--bench=') for a in args):
        args += ['--bench', 'latency,bw']
    sys.argv = [sys.argv[0]] + args
    compare.find_impls = find_impls_tcp
    compare.main()


if __name__ == '__main__':
    main()
