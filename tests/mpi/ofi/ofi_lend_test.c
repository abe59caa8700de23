/* Eager credit moves towards the senders that use it (PARLEY_OFI_LEND),
 * within the bound: 3 ranks, rank 0 receives. Rank 1 sends a stream that
 * rank 0 consumes, so rank 0 lends it its reserve; then rank 2 does the
 * same, so rank 0 takes rank 1's surplus back (rank 1 sits in a barrier)
 * and lends it to rank 2. At every step rank 0's grants plus its reserve
 * are its whole bound, PARLEY_OFI_UNEXPECTED_MAX (set to 1 MiB by the test
 * registration: base 256 KiB per sender, reserve 512 KiB), and every
 * message arrives intact and in order. Without the library's debug hooks
 * (another MPI) only the data is checked. */
#include "../p2p_common.h"

extern unsigned long long parley_debug_ofi_grant(int sender) __attribute__((weak));
extern unsigned long long parley_debug_ofi_reserve(void) __attribute__((weak));
extern unsigned long long parley_debug_ofi_unexpected_cap(void) __attribute__((weak));
extern unsigned long long parley_debug_ofi_unexpected_peak(void) __attribute__((weak));

enum { kLen = 4000, kMsgs = 300, kTag = 5, kGo = 6 };

static void stream_send(int n) {
  unsigned char *b = malloc(kLen);
  for (int s = 0; s < n; s++) {
    for (size_t i = 0; i < kLen; i++) b[i] = pattern(i, s + my_rank * 1000);
    MPI_Send(b, kLen, MPI_BYTE, 0, kTag, MPI_COMM_WORLD);
  }
  free(b);
}

static void stream_recv(int src, int n) {
  unsigned char *b = malloc(kLen);
  int bad = 0;
  for (int s = 0; s < n; s++) {
    MPI_Status st;
    MPI_Recv(b, kLen, MPI_BYTE, src, kTag, MPI_COMM_WORLD, &st);
    int cnt = -1;
    MPI_Get_count(&st, MPI_BYTE, &cnt);
    int ok = cnt == kLen;
    for (size_t i = 0; ok && i < kLen; i++) ok = b[i] == pattern(i, s + src * 1000);
    if (!ok && bad++ < 3) CHECK(0, "message %d of rank %d: wrong length or data", s, src);
  }
  free(b);
}

static int hooks(void) {
  const char *t = getenv("PARLEY_TRANSPORT");
  return parley_debug_ofi_grant != NULL && t != NULL && strcmp(t, "ofi") == 0;
}

static void check_sum(const char *when) {
  const unsigned long long cap = parley_debug_ofi_unexpected_cap();
  const unsigned long long sum = parley_debug_ofi_grant(1) + parley_debug_ofi_grant(2) + parley_debug_ofi_reserve();
  CHECK(sum == cap, "%s: grants %llu + %llu + reserve %llu = %llu, not the cap %llu", when, parley_debug_ofi_grant(1),
        parley_debug_ofi_grant(2), parley_debug_ofi_reserve(), sum, cap);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 3) {
    if (my_rank == 0) fprintf(stderr, "ofi_lend_test: needs 3 ranks\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  const int check = hooks();
  unsigned long long base = 0, after_a = 0;
  if (my_rank == 0) {
    if (check) {
      base = parley_debug_ofi_grant(1);
      CHECK(base == parley_debug_ofi_unexpected_cap() / 4, "start: base %llu, cap %llu", base,
            parley_debug_ofi_unexpected_cap());
      CHECK(parley_debug_ofi_grant(2) == base, "start: grant to 2 %llu, base %llu", parley_debug_ofi_grant(2), base);
      check_sum("start");
    }
    stream_recv(1, kMsgs);
    if (check) {
      after_a = parley_debug_ofi_grant(1);
      printf("ofi-lend: after rank 1's stream: grants %llu %llu, reserve %llu\n", after_a, parley_debug_ofi_grant(2),
             parley_debug_ofi_reserve());
      CHECK(after_a > base, "rank 1 used its credit but was lent none (grant %llu, base %llu)", after_a, base);
      check_sum("after rank 1's stream");
    }
    int go = 1;
    MPI_Send(&go, 1, MPI_INT, 2, kGo, MPI_COMM_WORLD);
    stream_recv(2, kMsgs);
    if (check) {
      printf("ofi-lend: after rank 2's stream: grants %llu %llu, reserve %llu\n", parley_debug_ofi_grant(1),
             parley_debug_ofi_grant(2), parley_debug_ofi_reserve());
      CHECK(parley_debug_ofi_grant(2) > base, "rank 2 used its credit but was lent none (grant %llu, base %llu)",
            parley_debug_ofi_grant(2), base);
      CHECK(parley_debug_ofi_grant(1) < after_a, "rank 1's surplus was not taken back (grant %llu, was %llu)",
            parley_debug_ofi_grant(1), after_a);
      check_sum("after rank 2's stream");
    }
  } else if (my_rank == 1) {
    stream_send(kMsgs);
  } else {
    int go = 0;
    MPI_Recv(&go, 1, MPI_INT, 0, kGo, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    stream_send(kMsgs);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  /* A burst nobody waits for yet, from both senders: still within the cap. */
  if (my_rank == 0) {
    MPI_Barrier(MPI_COMM_WORLD);
    stream_recv(1, 100);
    stream_recv(2, 100);
    if (check) {
      CHECK(parley_debug_ofi_unexpected_peak() <= parley_debug_ofi_unexpected_cap(), "unexpected peak %llu above cap %llu",
            parley_debug_ofi_unexpected_peak(), parley_debug_ofi_unexpected_cap());
      check_sum("after the burst");
    }
  } else {
    MPI_Request req[100];
    MPI_Status st[100];
    unsigned char *b = malloc((size_t)100 * kLen);
    for (int s = 0; s < 100; s++) {
      for (size_t i = 0; i < kLen; i++) b[(size_t)s * kLen + i] = pattern(i, s + my_rank * 1000);
      MPI_Isend(b + (size_t)s * kLen, kLen, MPI_BYTE, 0, kTag, MPI_COMM_WORLD, &req[s]);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Waitall(100, req, st);
    free(b);
  }
  return finish("ofi-lend");
}
