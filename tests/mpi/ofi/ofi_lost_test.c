/* A lost ofi peer under MPI_ERRORS_RETURN (3 ranks, PARLEY_TRANSPORT=ofi,
 * PARLEY_OFI_TEST_LOSE=0:1:1: rank 0 treats rank 1 as lost right after rank
 * 1's first message, as after a provider error). Afterwards rank 0's
 * receives from and sends to rank 1 fail with an error that names rank 1,
 * through the communicator's error handler (also a receive from rank 1
 * posted before the loss and still unmatched), while MPI_ANY_SOURCE receives
 * (one posted before the loss, one after) are not failed and match rank 2.
 * Ranks 1 and 2 run normally. Before its one message rank 1 sends a stream
 * (kStream messages, so the fault is PARLEY_OFI_TEST_LOSE=0:1:kStream+1)
 * that rank 0 consumes (and acknowledges), so rank 0 lends it credit (PARLEY_OFI_LEND); once
 * rank 1 is lost, its whole grant is back in rank 0's reserve (grants +
 * reserve = the cap, rank 1's grant 0), checked with the library's debug
 * hooks. */
#include "../p2p_common.h"

extern unsigned long long parley_debug_ofi_grant(int sender) __attribute__((weak));
extern unsigned long long parley_debug_ofi_reserve(void) __attribute__((weak));
extern unsigned long long parley_debug_ofi_unexpected_cap(void) __attribute__((weak));

enum { kStream = 40, kStreamLen = 4000, kStreamTag = 7 };

static void expect_lost(int rc, const char *what) {
  CHECK(rc != MPI_SUCCESS, "%s to/from the lost rank 1 succeeded", what);
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  CHECK(strstr(text, "rank 1") != NULL, "%s: the error does not name rank 1: %s", what, text);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 3) {
    if (my_rank == 0) fprintf(stderr, "ofi_lost_test needs 3 ranks\n");
    MPI_Finalize();
    return 1;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int v = 0;
  if (my_rank == 0) {
    MPI_Request early;
    int early_v = -1;
    MPI_Irecv(&early_v, 1, MPI_INT, MPI_ANY_SOURCE, 4, MPI_COMM_WORLD, &early);
    /* A receive naming rank 1, posted before the loss and never matched:
     * the loss must complete it with an error instead of leaving it. */
    MPI_Request orphan;
    int orphan_v = -1;
    MPI_Irecv(&orphan_v, 1, MPI_INT, 1, 9, MPI_COMM_WORLD, &orphan);
    unsigned char *b = malloc(kStreamLen);
    for (int s = 0; s < kStream; s++) {
      int rc = MPI_Recv(b, kStreamLen, MPI_BYTE, 1, kStreamTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      int ok = rc == MPI_SUCCESS;
      for (size_t i = 0; ok && i < kStreamLen; i++) ok = b[i] == pattern(i, s);
      CHECK(ok, "stream message %d from rank 1: rc %d or wrong data", s, rc);
    }
    free(b);
    /* Rank 1 sends its last message once the stream is consumed (else its
     * queued messages would keep their part of the grant). */
    int ack = 1;
    CHECK(MPI_Send(&ack, 1, MPI_INT, 1, 8, MPI_COMM_WORLD) == MPI_SUCCESS, "ack to rank 1 failed");
    /* Rank 1's last message arrives; right after it rank 1 counts as lost. */
    int rc = MPI_Recv(&v, 1, MPI_INT, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(rc == MPI_SUCCESS && v == 11, "last message from rank 1: rc %d value %d", rc, v);
    rc = MPI_Wait(&orphan, MPI_STATUS_IGNORE);
    expect_lost(rc, "MPI_Wait on a receive posted before the loss");
    CHECK(orphan == MPI_REQUEST_NULL, "the failed receive's request was not freed");
    rc = MPI_Recv(&v, 1, MPI_INT, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    expect_lost(rc, "MPI_Recv");
    MPI_Request r;
    rc = MPI_Irecv(&v, 1, MPI_INT, 1, 2, MPI_COMM_WORLD, &r);
    expect_lost(rc, "MPI_Irecv");
    rc = MPI_Send(&v, 1, MPI_INT, 1, 3, MPI_COMM_WORLD);
    expect_lost(rc, "MPI_Send");
    /* Rank 2 is fine: wildcard receives still match it. */
    int go = 1;
    rc = MPI_Send(&go, 1, MPI_INT, 2, 5, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "send to rank 2: rc %d", rc);
    MPI_Status st;
    rc = MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 3, MPI_COMM_WORLD, &st);
    CHECK(rc == MPI_SUCCESS && v == 23 && st.MPI_SOURCE == 2, "ANY_SOURCE after the loss: rc %d value %d source %d",
          rc, v, st.MPI_SOURCE);
    rc = MPI_Wait(&early, &st);
    CHECK(rc == MPI_SUCCESS && early_v == 24 && st.MPI_SOURCE == 2,
          "ANY_SOURCE posted before the loss: rc %d value %d source %d", rc, early_v, st.MPI_SOURCE);
    const char *t = getenv("PARLEY_TRANSPORT");
    const char *lend = getenv("PARLEY_OFI_LEND");
    if (parley_debug_ofi_grant != NULL && t != NULL && strcmp(t, "ofi") == 0 && (lend == NULL || strcmp(lend, "0") != 0)) {
      const unsigned long long g1 = parley_debug_ofi_grant(1), g2 = parley_debug_ofi_grant(2);
      const unsigned long long res = parley_debug_ofi_reserve(), cap = parley_debug_ofi_unexpected_cap();
      printf("ofi-lost: after the loss: grants %llu %llu, reserve %llu, cap %llu\n", g1, g2, res, cap);
      CHECK(g1 == 0, "the lost rank 1 still holds a grant of %llu", g1);
      CHECK(g1 + g2 + res == cap, "grants %llu + %llu + reserve %llu != cap %llu", g1, g2, res, cap);
      CHECK(res > cap / 2, "the reserve %llu did not get rank 1's grant back (cap %llu)", res, cap);
    }
  } else if (my_rank == 1) {
    unsigned char *b = malloc(kStreamLen);
    for (int s = 0; s < kStream; s++) {
      for (size_t i = 0; i < kStreamLen; i++) b[i] = pattern(i, s);
      MPI_Send(b, kStreamLen, MPI_BYTE, 0, kStreamTag, MPI_COMM_WORLD);
    }
    free(b);
    int ack = 0;
    MPI_Recv(&ack, 1, MPI_INT, 0, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    v = 11;
    MPI_Send(&v, 1, MPI_INT, 0, 1, MPI_COMM_WORLD);
  } else {
    int go = 0;
    MPI_Recv(&go, 1, MPI_INT, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    v = 23;
    MPI_Send(&v, 1, MPI_INT, 0, 3, MPI_COMM_WORLD);
    v = 24;
    MPI_Send(&v, 1, MPI_INT, 0, 4, MPI_COMM_WORLD);
  }
  return finish("ofi-lost");
}
