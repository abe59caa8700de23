/* Under the default MPI_ERRORS_ARE_FATAL, a bad argument ends the job with a
 * message naming the function, the argument, and the rank. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) {
    int size;
    MPI_Comm_size(MPI_COMM_NULL, &size); /* must not return */
    printf("fatal_test: error handler returned\n");
    return 0;
  }
  MPI_Finalize();
  return 0;
}
