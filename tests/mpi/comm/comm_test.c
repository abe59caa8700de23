/* Communicator construction at any size: dup, split (every colour/key mix,
 * MPI_UNDEFINED included), create, create_group, compare, names, free,
 * split_type, and point-to-point on each new communicator, whose messages
 * must never match another communicator's. Prints "comm ok" per rank. */
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

/* A ring exchange on comm: each rank sends its rank (plus salt) to the next
 * and checks what the previous one sent. */
static void ring(MPI_Comm comm, int salt) {
  int rank, size, got = -1;
  OK(MPI_Comm_rank(comm, &rank));
  OK(MPI_Comm_size(comm, &size));
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  int out = rank * 1000 + salt;
  MPI_Status st;
  OK(MPI_Sendrecv(&out, 1, MPI_INT, next, 7, &got, 1, MPI_INT, prev, 7, comm, &st));
  CHECK(got == prev * 1000 + salt);
  CHECK(st.MPI_SOURCE == prev);
}

static void test_dup(int rank, int size) {
  MPI_Comm dup;
  OK(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
  int r, s, result;
  OK(MPI_Comm_rank(dup, &r));
  OK(MPI_Comm_size(dup, &s));
  CHECK(r == rank && s == size);
  OK(MPI_Comm_compare(MPI_COMM_WORLD, dup, &result));
  CHECK(result == MPI_CONGRUENT);
  OK(MPI_Comm_compare(dup, dup, &result));
  CHECK(result == MPI_IDENT);
  /* The same tag and peers on WORLD and the dup: the receive on the dup,
   * posted first, must get the dup's message although WORLD's was sent
   * first. */
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  int a = 100 + rank, b = 200 + rank, ga = -1, gb = -1;
  MPI_Request rq[4];
  MPI_Status sts[4];
  OK(MPI_Irecv(&gb, 1, MPI_INT, prev, 5, dup, &rq[0]));
  OK(MPI_Irecv(&ga, 1, MPI_INT, prev, 5, MPI_COMM_WORLD, &rq[1]));
  OK(MPI_Isend(&a, 1, MPI_INT, next, 5, MPI_COMM_WORLD, &rq[2]));
  OK(MPI_Isend(&b, 1, MPI_INT, next, 5, dup, &rq[3]));
  OK(MPI_Waitall(4, rq, sts));
  CHECK(ga == 100 + prev && gb == 200 + prev);
  ring(dup, 1);
  /* Names: a new communicator has none; set and read back. */
  char name[MPI_MAX_OBJECT_NAME];
  int len = -1;
  OK(MPI_Comm_get_name(dup, name, &len));
  CHECK(len == 0 && name[0] == '\0');
  OK(MPI_Comm_set_name(dup, "my dup"));
  OK(MPI_Comm_get_name(dup, name, &len));
  CHECK(len == 6 && strcmp(name, "my dup") == 0);
  int inter = -1;
  OK(MPI_Comm_test_inter(dup, &inter));
  CHECK(inter == 0);
  /* A dup of a dup, freed in the other order. */
  MPI_Comm dup2;
  OK(MPI_Comm_dup(dup, &dup2));
  ring(dup2, 2);
  OK(MPI_Comm_free(&dup));
  CHECK(dup == MPI_COMM_NULL);
  ring(dup2, 3);
  OK(MPI_Comm_free(&dup2));
  /* idup completes at once; wait on its request. */
  MPI_Comm idup;
  MPI_Request req;
  OK(MPI_Comm_idup(MPI_COMM_WORLD, &idup, &req));
  OK(MPI_Wait(&req, MPI_STATUS_IGNORE));
  CHECK(req == MPI_REQUEST_NULL);
  ring(idup, 4);
  OK(MPI_Comm_free(&idup));
  /* SELF dups. */
  MPI_Comm sd;
  OK(MPI_Comm_dup(MPI_COMM_SELF, &sd));
  OK(MPI_Comm_size(sd, &s));
  CHECK(s == 1);
  ring(sd, 5);
  OK(MPI_Comm_free(&sd));
}

/* Every colour/key mix: colours by rank modulo m (and MPI_UNDEFINED for
 * some), keys ascending, descending and all equal. */
static void test_split(int rank, int size) {
  for (int m = 1; m <= 3; ++m) {
    for (int keymode = 0; keymode < 3; ++keymode) {
      for (int undef = 0; undef < 2; ++undef) {
        int color = (undef && rank % 4 == 1) ? MPI_UNDEFINED : rank % m;
        int key = keymode == 0 ? rank : keymode == 1 ? -rank : 0;
        MPI_Comm sub;
        OK(MPI_Comm_split(MPI_COMM_WORLD, color, key, &sub));
        if (color == MPI_UNDEFINED) {
          CHECK(sub == MPI_COMM_NULL);
          continue;
        }
        /* Expected members: ranks with the same colour, ordered by key then rank. */
        int expect_size = 0, expect_rank = 0;
        for (int q = 0; q < size; ++q) {
          int qc = (undef && q % 4 == 1) ? MPI_UNDEFINED : q % m;
          if (qc != color) continue;
          ++expect_size;
          int qk = keymode == 0 ? q : keymode == 1 ? -q : 0;
          if (qk < key || (qk == key && q < rank)) ++expect_rank;
        }
        int r, s;
        OK(MPI_Comm_rank(sub, &r));
        OK(MPI_Comm_size(sub, &s));
        CHECK(s == expect_size && r == expect_rank);
        /* The group translates back to the right world ranks. */
        MPI_Group wg, sg;
        OK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
        OK(MPI_Comm_group(sub, &sg));
        int wr = -1;
        OK(MPI_Group_translate_ranks(sg, 1, &r, wg, &wr));
        CHECK(wr == rank);
        OK(MPI_Group_free(&wg));
        OK(MPI_Group_free(&sg));
        ring(sub, 10 + m);
        OK(MPI_Comm_free(&sub));
      }
    }
  }
  /* Reversed order is SIMILAR to WORLD (when there is an order to reverse). */
  MPI_Comm rev;
  OK(MPI_Comm_split(MPI_COMM_WORLD, 0, size - rank, &rev));
  int result;
  OK(MPI_Comm_compare(MPI_COMM_WORLD, rev, &result));
  CHECK(result == (size == 1 ? MPI_CONGRUENT : MPI_SIMILAR));
  ring(rev, 20);
  OK(MPI_Comm_free(&rev));
  /* All on one node here: split_type SHARED gives everyone. */
  MPI_Comm node;
  OK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
  int ns;
  OK(MPI_Comm_size(node, &ns));
  CHECK(ns == size);
  ring(node, 21);
  OK(MPI_Comm_free(&node));
  OK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_UNDEFINED, rank, MPI_INFO_NULL, &node));
  CHECK(node == MPI_COMM_NULL);
}

/* The "mpi_hw_resource_type" hint of comm, compared with want. */
static int hint_is(MPI_Comm comm, const char* want) {
  MPI_Info info;
  char value[64];
  int flag = 0;
  OK(MPI_Comm_get_info(comm, &info));
  OK(MPI_Info_get(info, "mpi_hw_resource_type", sizeof(value) - 1, value, &flag));
  OK(MPI_Info_free(&info));
  return flag && strcmp(value, want) == 0;
}

static MPI_Comm guided(const char* resource, int key) {
  MPI_Info info = MPI_INFO_NULL;
  if (resource != NULL) {
    OK(MPI_Info_create(&info));
    OK(MPI_Info_set(info, "mpi_hw_resource_type", resource));
  }
  MPI_Comm c;
  OK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, key, info, &c));
  if (info != MPI_INFO_NULL) OK(MPI_Info_free(&info));
  return c;
}

/* MPI_Comm_split_type beyond the plain SHARED case: keys, MPI_UNDEFINED
 * mixed in, hardware-guided and unguided splits (one node here). */
static void test_split_type(int rank, int size) {
  MPI_Comm node, c;
  int r, s, result;
  /* Reversed keys reverse the ranks; the hint names shared memory. */
  OK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, size - rank, MPI_INFO_NULL, &node));
  OK(MPI_Comm_rank(node, &r));
  CHECK(r == size - 1 - rank);
  CHECK(hint_is(node, "mpi_shared_memory"));
  /* Odd ranks opt out with MPI_UNDEFINED. */
  OK(MPI_Comm_split_type(MPI_COMM_WORLD, rank % 2 ? MPI_UNDEFINED : MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &c));
  if (rank % 2) {
    CHECK(c == MPI_COMM_NULL);
  } else {
    OK(MPI_Comm_rank(c, &r));
    OK(MPI_Comm_size(c, &s));
    CHECK(r == rank / 2 && s == (size + 1) / 2);
    ring(c, 22);
    OK(MPI_Comm_free(&c));
  }
  /* HW_GUIDED: "mpi_shared_memory" and the whole machine are the node. */
  const char* same_as_node[] = {"mpi_shared_memory", "Machine", "hwloc://Machine"};
  for (int i = 0; i < 3; ++i) {
    c = guided(same_as_node[i], size - rank);
    CHECK(c != MPI_COMM_NULL);
    OK(MPI_Comm_compare(node, c, &result));
    CHECK(result == MPI_CONGRUENT);
    CHECK(hint_is(c, same_as_node[i]));
    ring(c, 23 + i);
    OK(MPI_Comm_free(&c));
  }
  /* No resource named, or one unknown: MPI_COMM_NULL everywhere. */
  CHECK(guided(NULL, 0) == MPI_COMM_NULL);
  CHECK(guided("NoSuchResource", 0) == MPI_COMM_NULL);
  /* Cores: those bound to one core share it with the others on it, the
   * rest get MPI_COMM_NULL. */
  c = guided("Core", rank);
  if (c != MPI_COMM_NULL) {
    OK(MPI_Comm_size(c, &s));
    CHECK(s >= 1 && s <= size && hint_is(c, "Core"));
    ring(c, 27);
    OK(MPI_Comm_free(&c));
  }
  /* HW_UNGUIDED: a strict subset at some hardware level, or nothing. */
  OK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_UNGUIDED, rank, MPI_INFO_NULL, &c));
  if (c != MPI_COMM_NULL) {
    OK(MPI_Comm_size(c, &s));
    CHECK(s < size);
    MPI_Info info;
    int flag = 0;
    char value[64];
    OK(MPI_Comm_get_info(c, &info));
    OK(MPI_Info_get(info, "mpi_hw_resource_type", sizeof(value) - 1, value, &flag));
    CHECK(flag);
    OK(MPI_Info_free(&info));
    ring(c, 28);
    OK(MPI_Comm_free(&c));
  }
  /* A single process has no strict subset. */
  OK(MPI_Comm_split_type(MPI_COMM_SELF, MPI_COMM_TYPE_HW_UNGUIDED, 0, MPI_INFO_NULL, &c));
  CHECK(c == MPI_COMM_NULL);
  OK(MPI_Comm_free(&node));
}

static void test_create(int rank, int size) {
  MPI_Group world, evens, odds;
  OK(MPI_Comm_group(MPI_COMM_WORLD, &world));
  int range[1][3] = {{0, size - 1, 2}};
  OK(MPI_Group_range_incl(world, 1, range, &evens));
  OK(MPI_Group_difference(world, evens, &odds));
  MPI_Comm ce;
  OK(MPI_Comm_create(MPI_COMM_WORLD, evens, &ce));
  if (rank % 2 == 0) {
    int r, s;
    OK(MPI_Comm_rank(ce, &r));
    OK(MPI_Comm_size(ce, &s));
    CHECK(r == rank / 2 && s == (size + 1) / 2);
    ring(ce, 30);
    OK(MPI_Comm_free(&ce));
  } else {
    CHECK(ce == MPI_COMM_NULL);
  }
  /* create_group: only the odd ranks take part. */
  if (rank % 2 == 1) {
    MPI_Comm co;
    OK(MPI_Comm_create_group(MPI_COMM_WORLD, odds, 99, &co));
    int r, s;
    OK(MPI_Comm_rank(co, &r));
    OK(MPI_Comm_size(co, &s));
    CHECK(r == rank / 2 && s == size / 2);
    ring(co, 31);
    OK(MPI_Comm_free(&co));
  }
  OK(MPI_Group_free(&world));
  OK(MPI_Group_free(&evens));
  if (odds != MPI_GROUP_EMPTY) OK(MPI_Group_free(&odds));
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  test_dup(g_rank, size);
  test_split(g_rank, size);
  test_split_type(g_rank, size);
  test_create(g_rank, size);
  printf("comm ok\n");
  MPI_Finalize();
  return 0;
}
