#!/usr/bin/env python3
"""Point-to-point over TCP on loopback: bench/osu programs with Parley
(PARLEY_TRANSPORT=ofi: libfabric tcp;ofi_rxm), MPICH (Debian's ch4:ucx with
UCX_TLS=tcp and MPIR_CVAR_NOLOCAL=1, so its shared-memory path is off) and
Open MPI (--mca pml ob1 --mca btl tcp,self), interleaved, medians and
Parley's ratio to the best, exactly as bench/osu/compare.py (whose code this
reuses) does for the default paths.

Usage: bench/ofi/compare_tcp.py [--build build] [--reps 5] [--bench latency,bw]
                                [--sizes 4M] [--iface lo] [--impl parley,mpich,openmpi]

Each command line is printed once (# command:), so a reader can check which
path every implementation took.
"""
import os
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

    wrap('Parley', [('PARLEY_TRANSPORT', 'ofi'), ('FI_PROVIDER', 'tcp'), ('PARLEY_OFI_IFACE', IFACE)])
    wrap('MPICH', [('UCX_TLS', 'tcp,self'), ('UCX_NET_DEVICES', IFACE), ('MPIR_CVAR_NOLOCAL', '1')])
    wrap('Open MPI', [], ['--mca', 'pml', 'ob1', '--mca', 'btl', 'tcp,self', '--mca', 'btl_tcp_if_include', IFACE])
    return found


def main():
    global IFACE
    args = sys.argv[1:]
    if '--iface' in args:
        i = args.index('--iface')
        IFACE = args[i + 1]
        del args[i:i + 2]
    if not any(a == '--bench' or a.startswith('--bench=') for a in args):
        args += ['--bench', 'latency,bw']
    sys.argv = [sys.argv[0]] + args
    compare.find_impls = find_impls_tcp
    compare.main()


if __name__ == '__main__':
    main()
