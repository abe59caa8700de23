/* Intercommunicators: the world split in two (even and odd ranks, so the
 * sides differ in size at odd sizes), MPI_Intercomm_create, remote queries,
 * point-to-point across, dup, and MPI_Intercomm_merge in both orders.
 * Prints "intercomm ok" per rank. Needs at least 2 ranks. */
#include <mpi.h>
#include <stdio.h>

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "rank %d: %s:%d: check failed: %s\n", g_rank, __FILE__, __LINE__, #cond); \
      MPI_Abort(MPI_COMM_WORLD, 1);                                                  \
    }                                                                                \
  } while (0)
#define OK(call) CHECK((call) == MPI_SUCCESS)

static int g_rank;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int color = g_rank % 2;
  MPI_Comm half;
  OK(MPI_Comm_split(MPI_COMM_WORLD, color, g_rank, &half));
  int lrank, lsize;
  OK(MPI_Comm_rank(half, &lrank));
  OK(MPI_Comm_size(half, &lsize));
  int nsize = color == 0 ? size / 2 : (size + 1) / 2; /* the other side's size */
  MPI_Comm inter;
  /* Leaders: local rank 0 of each side = world ranks 0 and 1. */
  OK(MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, 1 - color, 42, &inter));
  int flag, rs, r, s;
  OK(MPI_Comm_test_inter(inter, &flag));
  CHECK(flag == 1);
  OK(MPI_Comm_remote_size(inter, &rs));
  CHECK(rs == nsize);
  OK(MPI_Comm_rank(inter, &r));
  OK(MPI_Comm_size(inter, &s));
  CHECK(r == lrank && s == lsize);
  MPI_Group rg;
  OK(MPI_Comm_remote_group(inter, &rg));
  OK(MPI_Group_size(rg, &s));
  CHECK(s == nsize);
  OK(MPI_Group_free(&rg));
  /* Across: local rank i talks to remote rank i % remote size. Each even
   * rank sends to its partner; the odd side receives from all that target it. */
  int peer = lrank % rs;
  if (color == 0) {
    int v = 1000 + lrank;
    OK(MPI_Send(&v, 1, MPI_INT, peer, 3, inter));
  }
  if (color == 1) {
    for (int q = 0; q < rs; ++q) {
      if (q % lsize != lrank) continue;
      int got = -1;
      MPI_Status st;
      OK(MPI_Recv(&got, 1, MPI_INT, q, 3, inter, &st));
      CHECK(got == 1000 + q && st.MPI_SOURCE == q);
    }
  }
  MPI_Comm idup;
  OK(MPI_Comm_dup(inter, &idup));
  OK(MPI_Comm_remote_size(idup, &rs));
  CHECK(rs == nsize);
  OK(MPI_Comm_free(&idup));
  /* Merge both ways; the merged order puts the low side first. */
  for (int order = 0; order < 2; ++order) {
    int high = order == 0 ? color : 1 - color;
    MPI_Comm merged;
    OK(MPI_Intercomm_merge(inter, high, &merged));
    int mr, ms;
    OK(MPI_Comm_rank(merged, &mr));
    OK(MPI_Comm_size(merged, &ms));
    CHECK(ms == size);
    int low_size = high ? nsize : lsize;
    CHECK(mr == (high ? low_size + lrank : lrank));
    /* Traffic on the merged communicator. */
    int next = (mr + 1) % ms, prev = (mr + ms - 1) % ms, got = -1;
    OK(MPI_Sendrecv(&mr, 1, MPI_INT, next, 0, &got, 1, MPI_INT, prev, 0, merged, MPI_STATUS_IGNORE));
    CHECK(got == prev);
    OK(MPI_Comm_free(&merged));
  }
  OK(MPI_Comm_free(&inter));
  OK(MPI_Comm_free(&half));
  printf("intercomm ok\n");
  MPI_Finalize();
  return 0;
}
