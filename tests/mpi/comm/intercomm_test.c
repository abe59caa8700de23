/* Intercommunicators: the world split in two (even and odd ranks, so the
 * sides differ in size at odd sizes), MPI_Intercomm_create, remote queries,
 * point-to-point across, dup/idup/dup_with_info, MPI_Comm_split,
 * MPI_Comm_split_type and MPI_Comm_create of an intercommunicator (MPI_COMM_NULL where a side is
 * empty), MPI_Comm_create_group refusing one, and MPI_Intercomm_merge in
 * both orders. Prints "intercomm ok" per rank. Needs at least 2 ranks. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "rank %d: %s:%d: check failed: %s\n", g_rank, __FILE__, __LINE__, #cond); \
      MPI_Abort(MPI_COMM_WORLD, 1);                                                  \
    }                                                                                \
  } while (0)
#define OK(call) CHECK((call) == MPI_SUCCESS)

static int g_rank;

/* World rank of local rank l of side s (side 0: even world ranks). */
static int world_of(int s, int l) { return 2 * l + s; }
static int side_size(int s, int size) { return s == 0 ? (size + 1) / 2 : size / 2; }

/* Checks that group g holds exactly world ranks want[0..n-1], in order. */
static void check_group(MPI_Group g, const int* want, int n) {
  int gs;
  OK(MPI_Group_size(g, &gs));
  CHECK(gs == n);
  MPI_Group world;
  OK(MPI_Comm_group(MPI_COMM_WORLD, &world));
  int* ranks = malloc(sizeof(int) * (size_t)(n + 1));
  int* got = malloc(sizeof(int) * (size_t)(n + 1));
  for (int i = 0; i < n; ++i) ranks[i] = i;
  OK(MPI_Group_translate_ranks(g, n, ranks, world, got));
  for (int i = 0; i < n; ++i) CHECK(got[i] == want[i]);
  free(ranks);
  free(got);
  OK(MPI_Group_free(&world));
}

/* Checks an intercommunicator's two groups and that traffic crosses it:
 * local rank i sends its world rank to remote rank i % nr; each process
 * receives from every remote j with j % nl == its rank. */
static void check_inter(MPI_Comm c, const int* local, int nl, const int* remote, int nr) {
  int flag, rs, r, s;
  OK(MPI_Comm_test_inter(c, &flag));
  CHECK(flag == 1);
  OK(MPI_Comm_size(c, &s));
  OK(MPI_Comm_remote_size(c, &rs));
  OK(MPI_Comm_rank(c, &r));
  CHECK(s == nl && rs == nr && local[r] == g_rank);
  MPI_Group g;
  OK(MPI_Comm_group(c, &g));
  check_group(g, local, nl);
  OK(MPI_Group_free(&g));
  OK(MPI_Comm_remote_group(c, &g));
  check_group(g, remote, nr);
  OK(MPI_Group_free(&g));
  MPI_Request req;
  OK(MPI_Isend(&g_rank, 1, MPI_INT, r % nr, 11, c, &req));
  for (int j = 0; j < nr; ++j) {
    if (j % nl != r) continue;
    int got = -1;
    MPI_Status st;
    OK(MPI_Recv(&got, 1, MPI_INT, j, 11, c, &st));
    CHECK(got == remote[j] && st.MPI_SOURCE == j);
  }
  OK(MPI_Wait(&req, MPI_STATUS_IGNORE));
}

/* Split colours: side 0 uses l % 2 (local rank 1 opts out), side 1 uses
 * l % 3, so colour 2 exists only on side 1 and gets MPI_COMM_NULL there. */
static int split_color(int s, int l) { return s == 0 ? (l == 1 ? MPI_UNDEFINED : l % 2) : l % 3; }

/* The world ranks of side s with colour c, in key order (key -l: reversed). */
static int members(int s, int c, int size, int* out) {
  int n = 0;
  for (int l = side_size(s, size) - 1; l >= 0; --l)
    if (split_color(s, l) == c) out[n++] = world_of(s, l);
  return n;
}

static void test_split_create(MPI_Comm inter, int side, int lrank, int size) {
  int local[64], remote[64];
  /* MPI_Comm_split of an intercommunicator. */
  int color = split_color(side, lrank);
  MPI_Comm sub;
  OK(MPI_Comm_split(inter, color, -lrank, &sub));
  if (color == MPI_UNDEFINED) {
    CHECK(sub == MPI_COMM_NULL);
  } else {
    int nl = members(side, color, size, local);
    int nr = members(1 - side, color, size, remote);
    if (nr == 0) {
      CHECK(sub == MPI_COMM_NULL);
    } else {
      CHECK(sub != MPI_COMM_NULL);
      check_inter(sub, local, nl, remote, nr);
      /* A split of the split: everyone colour 0, keys kept. */
      MPI_Comm again;
      OK(MPI_Comm_split(sub, 0, 0, &again));
      /* Keys all equal: the order of sub is kept. */
      check_inter(again, local, nl, remote, nr);
      OK(MPI_Comm_free(&again));
      OK(MPI_Comm_free(&sub));
    }
  }
  /* MPI_Comm_split_type(SHARED) of an intercommunicator (one node here):
   * both sides whole, keys reversing each, side 0's rank 1 opting out. */
  int opt_out = side == 0 && lrank == 1;
  OK(MPI_Comm_split_type(inter, opt_out ? MPI_UNDEFINED : MPI_COMM_TYPE_SHARED, -lrank, MPI_INFO_NULL, &sub));
  if (opt_out) {
    CHECK(sub == MPI_COMM_NULL);
  } else {
    int nl = 0, nr = 0;
    for (int l = side_size(side, size) - 1; l >= 0; --l)
      if (!(side == 0 && l == 1)) local[nl++] = world_of(side, l);
    for (int l = side_size(1 - side, size) - 1; l >= 0; --l)
      if (!(side == 1 && l == 1)) remote[nr++] = world_of(1 - side, l);
    CHECK(sub != MPI_COMM_NULL);
    check_inter(sub, local, nl, remote, nr);
    OK(MPI_Comm_free(&sub));
  }
  /* MPI_Comm_create of an intercommunicator: side 0 keeps its even local
   * ranks, side 1 all but its local rank 0 (empty when it has one process). */
  MPI_Group lg, mine;
  OK(MPI_Comm_group(inter, &lg));
  int n[2] = {0, 0}, want[2][64];
  for (int s = 0; s < 2; ++s)
    for (int l = 0; l < side_size(s, size); ++l)
      if ((s == 0 && l % 2 == 0) || (s == 1 && l > 0)) want[s][n[s]++] = world_of(s, l);
  int incl[64];
  for (int i = 0; i < n[side]; ++i) incl[i] = (want[side][i] - side) / 2;
  OK(MPI_Group_incl(lg, n[side], incl, &mine));
  MPI_Comm made;
  OK(MPI_Comm_create(inter, mine, &made));
  int in_mine = side == 0 ? lrank % 2 == 0 : lrank > 0;
  if (!in_mine || n[0] == 0 || n[1] == 0) {
    CHECK(made == MPI_COMM_NULL);
  } else {
    CHECK(made != MPI_COMM_NULL);
    check_inter(made, want[side], n[side], want[1 - side], n[1 - side]);
    OK(MPI_Comm_free(&made));
  }
  /* MPI_Comm_create_group is for intracommunicators only. */
  OK(MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN));
  int rc = MPI_Comm_create_group(inter, mine, 5, &made);
  int cls = -1;
  OK(MPI_Error_class(rc, &cls));
  CHECK(cls == MPI_ERR_COMM);
  char text[MPI_MAX_ERROR_STRING];
  int len;
  OK(MPI_Error_string(rc, text, &len));
  CHECK(strstr(text, "MPI_Comm_create_group") != NULL && strstr(text, "intercommunicator") != NULL);
  OK(MPI_Comm_set_errhandler(inter, MPI_ERRORS_ARE_FATAL));
  OK(MPI_Group_free(&mine));
  OK(MPI_Group_free(&lg));
}

/* Dups of an intercommunicator keep both groups, and their messages never
 * match the parent's. */
static void test_dups(MPI_Comm inter, int side, int lrank, int size) {
  int local[64], remote[64];
  int nl = side_size(side, size), nr = side_size(1 - side, size);
  for (int l = 0; l < nl; ++l) local[l] = world_of(side, l);
  for (int l = 0; l < nr; ++l) remote[l] = world_of(1 - side, l);
  MPI_Comm d[3];
  MPI_Info info;
  OK(MPI_Info_create(&info));
  OK(MPI_Info_set(info, "parley_test_hint", "yes"));
  OK(MPI_Comm_dup(inter, &d[0]));
  OK(MPI_Comm_dup_with_info(inter, info, &d[1]));
  MPI_Request req;
  OK(MPI_Comm_idup(inter, &d[2], &req));
  OK(MPI_Wait(&req, MPI_STATUS_IGNORE));
  OK(MPI_Info_free(&info));
  for (int k = 0; k < 3; ++k) check_inter(d[k], local, nl, remote, nr);
  MPI_Info got;
  char value[16];
  int flag = 0;
  OK(MPI_Comm_get_info(d[1], &got));
  OK(MPI_Info_get(got, "parley_test_hint", sizeof(value) - 1, value, &flag));
  CHECK(flag && strcmp(value, "yes") == 0);
  OK(MPI_Info_free(&got));
  /* Side 0's rank 0 sends on the parent and then on each dup, same tag;
   * side 1's rank 0 receives on the dups first. */
  if (lrank == 0) {
    if (side == 0) {
      int vals[4];
      MPI_Request reqs[4];
      for (int k = -1; k < 3; ++k) {
        vals[k + 1] = k;
        OK(MPI_Isend(&vals[k + 1], 1, MPI_INT, 0, 9, k < 0 ? inter : d[k], &reqs[k + 1]));
      }
      MPI_Status sts[4];
      OK(MPI_Waitall(4, reqs, sts));
    } else {
      for (int k = 2; k >= -1; --k) {
        int v = -5;
        OK(MPI_Recv(&v, 1, MPI_INT, 0, 9, k < 0 ? inter : d[k], MPI_STATUS_IGNORE));
        CHECK(v == k);
      }
    }
  }
  for (int k = 0; k < 3; ++k) OK(MPI_Comm_free(&d[k]));
}

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
  test_dups(inter, color, lrank, size);
  test_split_create(inter, color, lrank, size);
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
