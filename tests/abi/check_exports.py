#!/usr/bin/env python3
"""Checks that Parley's libmpi exports every MPI_/PMPI_ symbol (functions and
variables) that MPICH's libmpich.so.12 exports, plus MPIR_Dup_fn: those are
the names an MPICH-built binary can reference. MPIX_/QMPI_ extensions and the
Fortran-only MPIR_F08_ objects are not part of Parley's ABI promise.

usage: check_exports.py OUR_LIBMPI MPICH_LIBMPICH
"""
import re
import subprocess
import sys

WANTED = re.compile(r'^(P?MPI_\w+|MPIR_Dup_fn)$')


def exported(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and WANTED.match(fields[2]):
            names.add(fields[2].split('@')[0])
    return names


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    ours, theirs = exported(argv[1]), exported(argv[2])
    missing = sorted(theirs - ours)
    print('MPICH exports %d ABI symbols, Parley %d (%d extra)' % (len(theirs), len(ours), len(ours - theirs)))
    for name in missing:
        print('MISSING ' + name)
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
