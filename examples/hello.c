/* Parley demo: every rank says where it runs, a token travels around the
 * ring, and MPI_Reduce adds up one number from every rank on rank 0.
 * Build with mpicc, run with: parleyrun -n 4 ./hello */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size, len;
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Get_processor_name(host, &len);
  if (rank == 0) {
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    MPI_Get_library_version(lib, &len);
    printf("%s\n", lib);
  }
  printf("Hello from rank %d of %d on %s\n", rank, size, host);

  /* A ring: rank 0 starts a token, every rank adds its rank and passes it on. */
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  int token = 0;
  if (rank == 0) {
    MPI_Send(&token, 1, MPI_INT, next, 0, MPI_COMM_WORLD);
    MPI_Recv(&token, 1, MPI_INT, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    printf("Ring: the token went around %d ranks and came back as %d (expected %d)\n", size, token,
           size * (size - 1) / 2);
  } else {
    MPI_Recv(&token, 1, MPI_INT, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    token += rank;
    MPI_Send(&token, 1, MPI_INT, next, 0, MPI_COMM_WORLD);
  }

  /* A reduction: the sum of rank^2 over all ranks, delivered to rank 0. */
  double mine = (double)rank * rank, sum = 0;
  MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0) printf("Reduction: sum of rank^2 over %d ranks = %.0f (expected %d)\n", size, sum,
                        (size - 1) * size * (2 * size - 1) / 6);
  MPI_Finalize();
  return 0;
}
