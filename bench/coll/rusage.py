#!/usr/bin/env python3
"""Runs a command (one rank of an MPI job) and prints, on stderr, the
context switches and CPU seconds it used: a load-independent view of a
collective's cost per call, for runs with a fixed count (coll_latency -i N).

    parleyrun -n 4 bench/coll/rusage.py ./coll_latency -b alltoall -n 4 -m 4 -i 5000 -x 100
    mpirun.openmpi -n 4 --oversubscribe bench/coll/rusage.py ./coll_latency_ompi ...
"""
import resource
import subprocess
import sys

if len(sys.argv) < 2:
    sys.exit(__doc__)
rc = subprocess.run(sys.argv[1:]).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print('rusage: voluntary %d involuntary %d context switches, user %.3f s, system %.3f s'
      % (r.ru_nvcsw, r.ru_nivcsw, r.ru_utime, r.ru_stime), file=sys.stderr)
sys.exit(rc)
