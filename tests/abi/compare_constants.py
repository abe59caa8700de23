#!/usr/bin/env python3
"""Runs the constants program built against Parley's mpi.h and against MPICH's
and compares the two outputs line by line ("NAME value"); any difference is
an ABI break and is reported by name.

usage: compare_constants.py PARLEY_EXE MPICH_EXE
"""
import re
import subprocess
import sys


def parse(exe):
    """{key: value}; the key is everything before the last field for the
    structured lines, the name for the plain 'NAME value' lines."""
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        if ' sym:' in line:
            name, _, value = line.partition(' ')
            # Spelling of a cast is not ABI; what it names is.
            value = re.sub(r'\s+', '', value)
        else:
            name, _, value = line.rpartition(' ')
        if name in table:
            raise SystemExit('duplicate fact %r in output of %s' % (name, exe))
        table[name] = value
    return table


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    ours, theirs = parse(argv[1]), parse(argv[2])
    problems = []
    for name in sorted(set(ours) | set(theirs)):
        if name not in ours:
            problems.append('%s: missing from Parley (MPICH: %s)' % (name, theirs[name]))
        elif name not in theirs:
            problems.append('%s: missing from MPICH (Parley: %s)' % (name, ours[name]))
        elif ours[name] != theirs[name]:
            problems.append('%s: Parley %s, MPICH %s' % (name, ours[name], theirs[name]))
    print('%d ABI facts compared' % len(set(ours) | set(theirs)))
    for p in problems:
        print('MISMATCH ' + p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
