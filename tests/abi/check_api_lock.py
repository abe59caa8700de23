#!/usr/bin/env python3
"""Every C entry point takes the MPI_THREAD_MULTIPLE lock.

Usage: check_api_lock.py API_C_DIR

Checks that each `PMPI_X` defined in API_C_DIR/*.cpp starts with
PARLEY_API_LOCK(), unless it only forwards to another PMPI_ function (which
takes the lock) or is one of the calls that touch no library state and may
be called from any thread at any time (MPI_Wtime, MPI_Initialized, ...).
Entry points stamped out by a macro (#define M(NAME, ...) int NAME(...) {)
count too: the macro's body must start with the lock. (MPI_Isend and seven
other sends were once made by such a macro without it, and two threads
then wrote one shared-memory ring at once.)
A new entry point without the lock would race with other threads under
MPI_THREAD_MULTIPLE; this fails the suite instead.
"""
import glob
import os
import re
import sys

LOCK_FREE = {'Wtime', 'Wtick', 'Initialized', 'Finalized', 'Query_thread', 'Is_thread_main', 'Get_version',
             'Get_library_version', 'Aint_add', 'Aint_diff'}
SIG = re.compile(r'^(?:int|double|MPI_Aint|MPI_Fint|MPI_\w+) PMPI_(\w+)\(')
DEFINE = re.compile(r'^#define (\w+)\(([^)]*)\)')


def check_macro(lines, i, m):
    """A macro that defines a function named by one of its parameters."""
    body = []
    k = i
    while lines[k].rstrip().endswith('\\'):
        body.append(lines[k].rstrip()[:-1])
        k += 1
    body.append(lines[k])
    text = '\n'.join(body)
    params = [p.strip() for p in m.group(2).split(',') if p.strip()]
    if not params or not re.search(r'(?:int|double|MPI_\w+)\s+(?:' + '|'.join(params) + r')\s*\(', text):
        return True
    return '{' in text and text.split('{', 1)[1].strip().startswith('PARLEY_API_LOCK();')


def check(path):
    bad = []
    lines = open(path).read().split('\n')
    for i, line in enumerate(lines):
        d = DEFINE.match(line)
        if d and not check_macro(lines, i, d):
            bad.append((i + 1, '* made by macro ' + d.group(1)))
            continue
        m = SIG.match(line)
        if not m or line.rstrip().endswith(';'):
            continue
        name = m.group(1)
        j = i
        while '{' not in lines[j]:
            j += 1
        body = lines[j].split('{', 1)[1].strip()
        if body.endswith('}'):  # one-line body
            if re.match(r'return PMPI_\w+\(', body) or name in LOCK_FREE:
                continue
            bad.append((i + 1, name))
            continue
        if name in LOCK_FREE:
            continue
        if lines[j + 1].strip() != 'PARLEY_API_LOCK();':
            bad.append((i + 1, name))
    return bad


def main():
    failures = 0
    files = sorted(glob.glob(os.path.join(sys.argv[1], '*.cpp')))
    for path in files:
        for line, name in check(path):
            print(f'{path}:{line}: PMPI_{name} does not start with PARLEY_API_LOCK()')
            failures += 1
    if not files:
        print('no sources found in', sys.argv[1])
        return 1
    print(f'{len(files)} files checked, {failures} entry points without the API lock')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
