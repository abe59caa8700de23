#!/usr/bin/env python3
"""Compiles a small program using mpi.h and mpio.h as C99, C11, C17 and C++20
(and C++11/17 where the compiler has them) with -Wall -Wextra -pedantic
-Werror: the header must be clean in every language mode users build in.

usage: compile_header.py CC CXX INCLUDE_DIR GENERATED_DIR
"""
import os
import shlex
import subprocess
import sys
import tempfile

PROGRAM = r'''
#include <mpio.h>
#include <mpi.h>  /* twice through the include guard */

static int use_callbacks(MPI_Comm comm, int keyval, void *extra, void *in, void *out, int *flag) {
  return MPI_COMM_DUP_FN(comm, keyval, extra, in, out, flag);
}

int main(void) {
  MPI_Status status;
  MPI_Fint f = MPI_Comm_c2f(MPI_COMM_WORLD);
  MPI_Datatype t = MPI_Type_f2c(f);
  MPI_Aint a = 0;
  MPI_Offset o = MPI_DISPLACEMENT_CURRENT;
  MPI_Count c = 0;
  MPI_File fh = MPI_FILE_NULL;
  MPIO_Request r = MPIO_REQUEST_NULL;
  MPI_Copy_function *copy = MPI_NULL_COPY_FN;
  void *in_place = MPI_IN_PLACE;
  status.MPI_SOURCE = MPI_ANY_SOURCE;
  (void)status; (void)t; (void)a; (void)o; (void)c; (void)fh; (void)r; (void)copy; (void)in_place;
  (void)use_callbacks;
  return MPI_SUCCESS;
}
'''

MODES = [('c', 'c99'), ('c', 'c11'), ('c', 'c17'), ('c', 'gnu11'),
         ('c++', 'c++11'), ('c++', 'c++17'), ('c++', 'c++20')]


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    cc, cxx, inc, gen = argv[1:]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for lang, std in MODES:
            src = os.path.join(tmp, 'use_mpi.' + ('c' if lang == 'c' else 'cpp'))
            with open(src, 'w') as f:
                f.write(PROGRAM)
            compiler = cc if lang == 'c' else cxx
            cmd = shlex.split(compiler) + ['-std=' + std, '-Wall', '-Wextra', '-Wshadow', '-pedantic', '-Werror',
                   '-fsyntax-only', '-I' + inc, '-I' + gen, src]
            res = subprocess.run(cmd, capture_output=True, text=True)
            status = 'ok' if res.returncode == 0 else 'FAILED'
            print('%-6s %s' % (std, status))
            if res.returncode != 0:
                failed += 1
                print(res.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
