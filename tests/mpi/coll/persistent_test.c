/* Persistent collectives (MPI-4.0): each request is started 1000 times with
 * fresh data, several in flight at once, completed with Wait/Waitall/Test,
 * then freed. */
#include "../p2p_common.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int value = 0, sum = 0, root_val = 0, gathered[64] = {0};
  MPI_Request r[4];
  MPI_Allreduce_init(&value, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &r[0]);
  MPI_Bcast_init(&root_val, 1, MPI_INT, size - 1, MPI_COMM_WORLD, MPI_INFO_NULL, &r[1]);
  MPI_Barrier_init(MPI_COMM_WORLD, MPI_INFO_NULL, &r[2]);
  MPI_Allgather_init(&value, 1, MPI_INT, gathered, 1, MPI_INT, MPI_COMM_WORLD, MPI_INFO_NULL, &r[3]);
  int bad = 0;
  for (int it = 0; it < 1000; it++) {
    value = my_rank + it;
    if (my_rank == size - 1) root_val = 7 * it;
    MPI_Startall(4, r);
    if (it % 2 == 0) {
      MPI_Waitall(4, r, MPI_STATUSES_IGNORE);
    } else {
      int flag = 0;
      while (!flag) MPI_Testall(4, r, &flag, MPI_STATUSES_IGNORE);
    }
    int want = size * it + size * (size - 1) / 2;
    if (sum != want || root_val != 7 * it) bad++;
    for (int k = 0; k < size && k < 64; k++) bad += gathered[k] != k + it;
  }
  CHECK(bad == 0, "%d wrong results over 1000 restarts", bad);
  CHECK(r[0] != MPI_REQUEST_NULL, "persistent request became MPI_REQUEST_NULL");
  for (int k = 0; k < 4; k++) MPI_Request_free(&r[k]);
  CHECK(r[0] == MPI_REQUEST_NULL && r[3] == MPI_REQUEST_NULL, "free did not null the handles");
  return finish("persistent-coll");
}
