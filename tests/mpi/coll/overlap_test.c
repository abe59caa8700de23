/* Nonblocking collectives progress in the background: a rank that started
 * MPI_Ibarrier/Iallreduce keeps doing point-to-point that its peer needs
 * before the peer even joins the collective (legal MPI; it hangs when the
 * collective runs to completion inside its MPI_I... call). */
#include "../p2p_common.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int next = (my_rank + 1) % size, prev = (my_rank + size - 1) % size;
  MPI_Request r[2];
  int token = 0, sum = 0, one = 1;
  /* Rank 0 starts the collectives first, then sends the token around the
   * ring; every other rank joins only after the token has passed it. */
  if (my_rank == 0) {
    MPI_Ibarrier(MPI_COMM_WORLD, &r[0]);
    MPI_Iallreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &r[1]);
    if (size > 1) {
      MPI_Send(&token, 1, MPI_INT, next, 0, MPI_COMM_WORLD);
      MPI_Recv(&token, 1, MPI_INT, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
  } else {
    MPI_Recv(&token, 1, MPI_INT, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    token++;
    MPI_Send(&token, 1, MPI_INT, next, 0, MPI_COMM_WORLD);
    MPI_Ibarrier(MPI_COMM_WORLD, &r[0]);
    MPI_Iallreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &r[1]);
  }
  MPI_Waitall(2, r, MPI_STATUSES_IGNORE);
  CHECK(sum == size, "iallreduce gave %d", sum);
  if (my_rank == 0) CHECK(token == size - 1, "token %d", token);
  return finish("overlap");
}
