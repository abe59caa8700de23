/* The last rank calls MPI_Abort(MPI_COMM_WORLD, code) while the others wait
 * in MPI_Finalize; the job must end with that code. Usage: abort_test CODE */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int code = argc > 1 ? atoi(argv[1]) : 7;
  if (rank == size - 1) {
    printf("rank %d aborting with %d\n", rank, code);
    fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, code);
    return 99; /* not reached */
  }
  MPI_Finalize();
  return 0;
}
