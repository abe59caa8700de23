/* MPI_Group_* through the C ABI at any size: algebra on WORLD's group
 * checked against plain arrays, MPI_GROUP_EMPTY, translate_ranks with
 * MPI_PROC_NULL and MPI_UNDEFINED, compare, and the error class of every
 * bad argument under MPI_ERRORS_RETURN. Prints "group ok" per rank. */
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

static int error_class(int rc) {
  int cls = -1;
  MPI_Error_class(rc, &cls);
  return cls;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Group world, rev, evens, odds, u, in, diff;
  OK(MPI_Comm_group(MPI_COMM_WORLD, &world));
  int s, r, res;
  OK(MPI_Group_size(world, &s));
  OK(MPI_Group_rank(world, &r));
  CHECK(s == size && r == g_rank);
  int range[1][3] = {{size - 1, 0, -1}};
  OK(MPI_Group_range_incl(world, 1, range, &rev));
  OK(MPI_Group_rank(rev, &r));
  CHECK(r == size - 1 - g_rank);
  OK(MPI_Group_compare(world, rev, &res));
  CHECK(res == (size == 1 ? MPI_IDENT : MPI_SIMILAR));
  int er[1][3] = {{0, size - 1, 2}};
  OK(MPI_Group_range_incl(world, 1, er, &evens));
  OK(MPI_Group_range_excl(world, 1, er, &odds));
  OK(MPI_Group_size(odds, &s));
  CHECK(s == size / 2);
  OK(MPI_Group_union(odds, evens, &u));
  OK(MPI_Group_compare(u, world, &res));
  CHECK(res == (size <= 1 ? MPI_IDENT : MPI_SIMILAR));
  OK(MPI_Group_intersection(odds, evens, &in));
  CHECK(in == MPI_GROUP_EMPTY);
  OK(MPI_Group_difference(world, odds, &diff));
  OK(MPI_Group_compare(diff, evens, &res));
  CHECK(res == MPI_IDENT);
  OK(MPI_Group_rank(odds, &r));
  CHECK(r == (g_rank % 2 ? g_rank / 2 : MPI_UNDEFINED));
  /* translate: every world rank into the evens, plus PROC_NULL. */
  int ranks[65], out[65];
  for (int i = 0; i < size; ++i) ranks[i] = i;
  ranks[size] = MPI_PROC_NULL;
  OK(MPI_Group_translate_ranks(world, size + 1, ranks, evens, out));
  for (int i = 0; i < size; ++i) CHECK(out[i] == (i % 2 ? MPI_UNDEFINED : i / 2));
  CHECK(out[size] == MPI_PROC_NULL);
  /* incl / excl of explicit lists. */
  MPI_Group last, rest;
  int lr = size - 1;
  OK(MPI_Group_incl(world, 1, &lr, &last));
  OK(MPI_Group_excl(world, 1, &lr, &rest));
  OK(MPI_Group_size(rest, &s));
  CHECK(s == size - 1);
  OK(MPI_Group_size(MPI_GROUP_EMPTY, &s));
  CHECK(s == 0);
  /* Errors come back with their class. */
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  MPI_Group bad;
  int outside = size;
  CHECK(error_class(MPI_Group_incl(world, 1, &outside, &bad)) == MPI_ERR_RANK);
  int twice[2] = {0, 0};
  CHECK(error_class(MPI_Group_incl(world, 2, twice, &bad)) == MPI_ERR_RANK);
  CHECK(error_class(MPI_Group_size(MPI_GROUP_NULL, &s)) == MPI_ERR_GROUP);
  CHECK(error_class(MPI_Group_size(world, NULL)) == MPI_ERR_ARG);
  int zero[1][3] = {{0, 0, 0}};
  CHECK(error_class(MPI_Group_range_incl(world, 1, zero, &bad)) == MPI_ERR_ARG);
  CHECK(error_class(MPI_Group_translate_ranks(world, 1, &outside, evens, out)) == MPI_ERR_RANK);
  MPI_Comm nc;
  CHECK(error_class(MPI_Comm_dup(MPI_COMM_NULL, &nc)) == MPI_ERR_COMM);
  CHECK(error_class(MPI_Comm_split(MPI_COMM_WORLD, -5, 0, &nc)) == MPI_ERR_ARG);
  MPI_Comm w = MPI_COMM_WORLD;
  CHECK(error_class(MPI_Comm_free(&w)) == MPI_ERR_COMM);
  CHECK(error_class(MPI_Cart_shift(MPI_COMM_WORLD, 0, 1, &s, &r)) == MPI_ERR_TOPOLOGY);
  int d0[1] = {-1};
  CHECK(error_class(MPI_Dims_create(4, 1, d0)) == MPI_ERR_DIMS);
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
  MPI_Group* all[] = {&world, &rev, &evens, &odds, &u, &diff, &last, &rest};
  for (unsigned i = 0; i < sizeof all / sizeof all[0]; ++i) {
    OK(MPI_Group_free(all[i]));
    CHECK(*all[i] == MPI_GROUP_NULL);
  }
  printf("group ok\n");
  MPI_Finalize();
  return 0;
}
