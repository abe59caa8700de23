/* Communicator churn: argv[1] rounds of dup+free (and, every so often, a
 * split) must neither run out of context ids nor grow memory. Prints
 * "churn ok" per rank. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static long rss_kib(void) {
  long pages = 0, resident = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == NULL) return 0;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  fclose(f);
  return resident * 4;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  long rounds = argc > 1 ? atol(argv[1]) : 100000;
  long before = 0;
  for (long i = 0; i < rounds; ++i) {
    MPI_Comm c;
    if (i % 16 == 15) {
      if (MPI_Comm_split(MPI_COMM_WORLD, rank % 2, 0, &c) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 2);
    } else if (MPI_Comm_dup(MPI_COMM_WORLD, &c) != MPI_SUCCESS) {
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (i % 1000 == 0) {
      /* Traffic on the churned communicator now and then. */
      int r, s, v = rank, got = -1;
      MPI_Comm_rank(c, &r);
      MPI_Comm_size(c, &s);
      MPI_Sendrecv(&v, 1, MPI_INT, (r + 1) % s, 0, &got, 1, MPI_INT, (r + s - 1) % s, 0, c, MPI_STATUS_IGNORE);
    }
    if (MPI_Comm_free(&c) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 3);
    if (i == rounds / 10) before = rss_kib();
  }
  /* Also many alive at once (well below the id space), then all freed. */
  enum { kAlive = 1000 };
  static MPI_Comm alive[kAlive];
  for (int i = 0; i < kAlive; ++i)
    if (MPI_Comm_dup(MPI_COMM_WORLD, &alive[i]) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 4);
  for (int i = 0; i < kAlive; ++i) MPI_Comm_free(&alive[i]);
  long after = rss_kib();
  if (before > 0 && after - before > 8192) {
    fprintf(stderr, "rank %d: resident memory grew from %ld to %ld KiB\n", rank, before, after);
    MPI_Abort(MPI_COMM_WORLD, 5);
  }
  printf("churn ok\n");
  MPI_Finalize();
  return 0;
}
