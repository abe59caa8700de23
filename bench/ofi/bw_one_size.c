/* osu_bw's pattern at one message size, for counting system calls per
 * message: rank 0 posts windows of 64 MPI_Isend of SIZE bytes to rank 1,
 * rank 1 answers each window with one byte; 5 windows of warm-up, then
 * WINDOWS timed ones. Prints the bandwidth (MB/s). Any MPI.
 *
 *   mpicc -O2 -o bw_one_size bench/ofi/bw_one_size.c
 *   LAUNCHER -n 2 strace -f -c -o /tmp/st.RANK ./bw_one_size 16384 300
 *
 * (bench/README.md, ofi: a wrapper that names the strace output by rank.) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { kWindow = 64, kWarmup = 5 };

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (argc != 3) {
    if (rank == 0) fprintf(stderr, "usage: bw_one_size SIZE WINDOWS\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  const size_t n = (size_t)atol(argv[1]);
  const int windows = atoi(argv[2]);
  char *buf = malloc(n * kWindow + 1);
  MPI_Request rq[kWindow];
  MPI_Status st[kWindow];
  char ack = 0;
  double t0 = 0;
  for (int it = -kWarmup; it < windows; ++it) {
    if (it == 0) t0 = MPI_Wtime();
    if (rank == 0) {
      for (int w = 0; w < kWindow; ++w) MPI_Isend(buf + w * n, (int)n, MPI_CHAR, 1, 1, MPI_COMM_WORLD, &rq[w]);
      MPI_Waitall(kWindow, rq, st);
      MPI_Recv(&ack, 1, MPI_CHAR, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      for (int w = 0; w < kWindow; ++w) MPI_Irecv(buf + w * n, (int)n, MPI_CHAR, 0, 1, MPI_COMM_WORLD, &rq[w]);
      MPI_Waitall(kWindow, rq, st);
      MPI_Send(&ack, 1, MPI_CHAR, 0, 2, MPI_COMM_WORLD);
    }
  }
  const double t = MPI_Wtime() - t0;
  if (rank == 0) printf("%zu %.1f MB/s\n", n, (double)n * kWindow * windows / t / 1e6);
  free(buf);
  MPI_Finalize();
  return 0;
}
