/* Every rank reports its identity; the runner checks that ranks are distinct
 * and complete and that sizes agree. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int flag = -1;
  MPI_Initialized(&flag);
  if (flag != 0) { fprintf(stderr, "MPI_Initialized before MPI_Init: %d\n", flag); return 2; }
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) return 3;
  MPI_Initialized(&flag);
  if (flag != 1) return 4;
  int rank = -1, size = -1, self_rank = -1, self_size = -1, len = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_rank(MPI_COMM_SELF, &self_rank);
  MPI_Comm_size(MPI_COMM_SELF, &self_size);
  if (self_rank != 0 || self_size != 1) { fprintf(stderr, "bad COMM_SELF %d/%d\n", self_rank, self_size); return 5; }
  if (rank < 0 || rank >= size) { fprintf(stderr, "rank %d out of [0,%d)\n", rank, size); return 6; }
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Get_processor_name(host, &len);
  if (len <= 0 || host[len] != '\0') return 7;
  printf("hello rank=%d size=%d host=%s\n", rank, size, host);
  MPI_Finalize();
  MPI_Finalized(&flag);
  if (flag != 1) return 8;
  return 0;
}
