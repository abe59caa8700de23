#!/usr/bin/env python3
"""Checks Parley's function table (api/c/abi/mpi_functions.txt) against the
prototypes of MPICH's installed headers, which are the ABI:

  1. every MPI_ function MPICH declares (mpi_proto.h, mpio.h) is in the table;
  2. return and parameter types agree, const placement included, after
     normalising whitespace (parameter names may differ; those are listed);
  3. the table's extra entries are the intentional ones (flag 'macro': the
     handle conversions that MPICH offers only as macros);
  4. the generated parley_mpi_functions.h compiles after MPICH's own mpi.h
     with -Werror: C rejects any redeclaration whose types conflict.

usage: check_functions.py CC MPICH_INCLUDE_DIR TABLE GENERATED_HEADER_DIR
"""
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', '..', 'api', 'c', 'abi'))

import gen_abi      # noqa: E402  (the table parser the build uses)
import proto_parse  # noqa: E402


def compile_against_mpich(cc, mpich_dir, generated_dir):
    src = ('#include <mpi.h>\n'
           '#include "parley_mpi_functions.h"\n'
           'int main(void) { return 0; }\n')
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'redeclare.c')
        with open(path, 'w') as f:
            f.write(src)
        cmd = shlex.split(cc) + ['-std=c11', '-Wall', '-Wextra', '-Werror', '-fsyntax-only',
               '-I' + mpich_dir, '-I' + generated_dir, path]
        res = subprocess.run(cmd, capture_output=True, text=True)
    return res.returncode, res.stderr


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    cc, mpich_dir, table_path, generated_dir = argv[1:]
    mpich = proto_parse.header_prototypes(cc, [mpich_dir], 'mpio.h')
    table = {fn.name: fn for fn in gen_abi.read_table(table_path)}
    failures, notes = [], []

    for name in sorted(mpich):
        if name not in table:
            failures.append('%s: declared by MPICH, missing from the table' % name)
            continue
        ret, params = mpich[name]
        fn = table[name]
        ours_sig = proto_parse.type_signature(fn.ret, fn.param_text())
        theirs_sig = proto_parse.type_signature(ret, params)
        if ours_sig != theirs_sig:
            failures.append('%s: signature differs\n    Parley: %s\n    MPICH:  %s' % (name, ours_sig, theirs_sig))
            continue
        ours_names = [proto_parse.param_name(p) for p in proto_parse.split_params(fn.param_text())]
        theirs_names = [proto_parse.param_name(p) for p in proto_parse.split_params(params)]
        if ours_names != theirs_names:
            notes.append('%s: parameter names differ (not ABI): %s vs %s' % (name, ours_names, theirs_names))

    for name in sorted(set(table) - set(mpich)):
        if 'macro' in table[name].flags:
            notes.append('%s: extra (MPICH has only the macro)' % name)
        else:
            failures.append('%s: in the table but MPICH does not declare it' % name)

    rc, err = compile_against_mpich(cc, mpich_dir, generated_dir)
    if rc != 0:
        failures.append('generated prototypes conflict with MPICH\'s when compiled together:\n' + err)

    print('MPICH declares %d MPI_ functions; the table lists %d' % (len(mpich), len(table)))
    print('intentional difference: MPICH declares MPI_DUP_FN as a function that its macro renames '
          'to MPIR_Dup_fn; Parley declares MPIR_Dup_fn in mpi.h (checked by the constants test)')
    for n in notes:
        print('note: ' + n)
    for f in failures:
        print('FAIL: ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
