/* osu_latency's pattern at one message size, for counting system calls per
 * round trip: ranks 0 and 1 ping-pong SIZE bytes (MPI_Send, MPI_Recv)
 * ROUNDS times after 100 warm-up rounds. Prints the half round trip (us).
 * Any MPI.
 *
 *   mpicc -O2 -o lat_one_size bench/ofi/lat_one_size.c
 *   LAUNCHER -n 2 strace -f -c -o /tmp/st.RANK ./lat_one_size 1 4000
 *
 * (bench/README.md, ofi: a wrapper that names the strace output by rank.) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { kWarmup = 100 };

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (argc != 3) {
    if (rank == 0) fprintf(stderr, "usage: lat_one_size SIZE ROUNDS\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  const size_t n = (size_t)atol(argv[1]);
  const int rounds = atoi(argv[2]);
  char *buf = calloc(n + 1, 1);
  double t0 = 0;
  for (int it = -kWarmup; it < rounds; ++it) {
    if (it == 0) t0 = MPI_Wtime();
    if (rank == 0) {
      MPI_Send(buf, (int)n, MPI_CHAR, 1, 1, MPI_COMM_WORLD);
      MPI_Recv(buf, (int)n, MPI_CHAR, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buf, (int)n, MPI_CHAR, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buf, (int)n, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
    }
  }
  const double t = MPI_Wtime() - t0;
  if (rank == 0) printf("%zu %.2f us\n", n, t / rounds / 2 * 1e6);
  free(buf);
  MPI_Finalize();
  return 0;
}
