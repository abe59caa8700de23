#!/usr/bin/env python3
"""Runs an MPI program under a launcher and checks what a user would check.

Usage: run_mpi.py [options] -- PROGRAM [ARGS...]
  --launcher parley|openmpi|singleton   how to start the job (default parley)
  -n N                                   number of ranks
  --expect-exit K                        exit status the job must end with (default 0)
  --expect-nonzero                       any non-zero exit status
  --hello N                              stdout has one "hello rank=R size=N" line per rank 0..N-1
  --stdout-has TEXT / --stderr-has TEXT  (repeatable) substrings that must appear
  --count-lines TEXT N                   TEXT must appear on exactly N stdout lines
  --timeout S                            a hang fails the test after S seconds (default 120)
Environment: PARLEYRUN (path of parleyrun), set by meson.
"""
import argparse
import os
import re
import signal
import subprocess
import sys


def launcher_command(kind, n, prog):
    if kind == 'parley':
        return [os.environ['PARLEYRUN'], '-n', str(n)] + prog
    if kind == 'openmpi':
        return ['mpirun.openmpi', '--allow-run-as-root', '--oversubscribe', '--mca', 'btl', 'self',
                '-n', str(n)] + prog
    if kind == 'singleton':
        if n != 1:
            sys.exit('run_mpi.py: a singleton has exactly one rank')
        return prog
    sys.exit('run_mpi.py: unknown launcher ' + kind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--launcher', default='parley')
    ap.add_argument('-n', type=int, default=1)
    ap.add_argument('--expect-exit', type=int, default=0)
    ap.add_argument('--expect-nonzero', action='store_true')
    ap.add_argument('--hello', type=int)
    ap.add_argument('--stdout-has', action='append', default=[])
    ap.add_argument('--stderr-has', action='append', default=[])
    ap.add_argument('--count-lines', nargs=2, action='append', default=[])
    ap.add_argument('--timeout', type=float, default=120)
    ap.add_argument('prog', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    prog = a.prog[1:] if a.prog and a.prog[0] == '--' else a.prog
    cmd = launcher_command(a.launcher, a.n, prog)
    env = dict(os.environ)
    # A singleton must not see a launcher's PMIx environment.
    if a.launcher == 'singleton':
        env = {k: v for k, v in env.items() if not k.startswith('PMIX_')}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)

    def stop_job():
        # SIGTERM first: parleyrun forwards it and tears the whole job down
        # (its ranks run in sessions of their own); SIGKILL if it lingers.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def on_term(signum, frame):
        # Meson's own timeout: never leave the job's ranks running.
        stop_job()
        sys.exit(1)

    signal.signal(signal.SIGTERM, on_term)
    try:
        out, err = proc.communicate(timeout=a.timeout)
    except subprocess.TimeoutExpired:
        stop_job()
        out, err = proc.communicate()
        print('FAIL: job hung; killed after %s s' % a.timeout)
        print(out.decode(errors='replace'), err.decode(errors='replace'))
        return 1
    out = out.decode(errors='replace')
    err = err.decode(errors='replace')
    problems = []
    if a.expect_nonzero:
        if proc.returncode == 0:
            problems.append('exit status 0, expected non-zero')
    elif proc.returncode != a.expect_exit:
        problems.append('exit status %d, expected %d' % (proc.returncode, a.expect_exit))
    if a.hello is not None:
        seen = {}
        for m in re.finditer(r'^hello rank=(\d+) size=(\d+) host=(\S+)$', out, re.M):
            r, s = int(m.group(1)), int(m.group(2))
            if s != a.hello:
                problems.append('rank %d reports size %d, expected %d' % (r, s, a.hello))
            if r in seen:
                problems.append('rank %d reported twice' % r)
            seen[r] = m.group(3)
        missing = sorted(set(range(a.hello)) - set(seen))
        if missing:
            problems.append('ranks missing: %s' % missing)
    for text in a.stdout_has:
        if text not in out:
            problems.append('stdout lacks %r' % text)
    for text in a.stderr_has:
        if text not in err:
            problems.append('stderr lacks %r' % text)
    for text, n in a.count_lines:
        count = sum(1 for line in out.splitlines() if text in line)
        if count != int(n):
            problems.append('%d stdout lines contain %r, expected %s' % (count, text, n))
    if problems:
        print('FAIL: ' + ' '.join(cmd))
        for p in problems:
            print('  - ' + p)
        print('--- stdout ---\n' + out + '--- stderr ---\n' + err)
        return 1
    print('ok: ' + ' '.join(cmd))
    return 0


if __name__ == '__main__':
    sys.exit(main())
