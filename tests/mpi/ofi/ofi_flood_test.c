/* An unexpected-message flood over libfabric must not exhaust memory: every
 * rank but 0 posts argv[1] (default 10000) eager-sized sends to rank 0, then
 * a "done" message; rank 0 waits for every "done" before it posts a single
 * receive for the flood, so the whole flood meets no posted receive. All
 * data must arrive intact and in per-sender order (first round by source,
 * second by MPI_ANY_SOURCE), and rank 0's unexpected eager bytes
 * (parley_debug_ofi_unexpected_peak, where the library has it) must have
 * stayed within PARLEY_OFI_UNEXPECTED_MAX (parley_debug_ofi_unexpected_cap). */
#include <stdint.h>

#include "../p2p_common.h"

extern unsigned long long parley_debug_ofi_unexpected_peak(void) __attribute__((weak));
extern unsigned long long parley_debug_ofi_unexpected_cap(void) __attribute__((weak));

enum { kFlood = 7, kDone = 8, kMaxLen = 1500 };

static size_t len_of(int seq) { return (size_t)(seq * 37 % kMaxLen); }

static unsigned char val(int seq, size_t i, int src) { return (unsigned char)(seq * 13 + (int)i * 7 + src * 31); }

static void fill(unsigned char *b, int seq, int src) {
  size_t n = len_of(seq);
  for (size_t i = 0; i < n; i++) b[i] = val(seq, i, src);
  if (n >= sizeof(int32_t)) memcpy(b, &seq, sizeof(int32_t));
}

/* Message `seq` of `src` as received into b with count `cnt`: 0 if right. */
static int check_msg(const unsigned char *b, int cnt, int seq, int src) {
  size_t n = len_of(seq);
  if (cnt != (int)n) return 1;
  if (n >= sizeof(int32_t)) {
    int32_t got;
    memcpy(&got, b, sizeof got);
    if (got != seq) return 2;
  }
  for (size_t i = sizeof(int32_t); i < n; i++)
    if (b[i] != val(seq, i, src)) return 3;
  return 0;
}

static void round_trip(int rank, int size, int n, int any_source) {
  if (rank != 0) {
    unsigned char *buf = malloc((size_t)n * kMaxLen);
    MPI_Request *req = malloc(sizeof(MPI_Request) * (size_t)n);
    for (int s = 0; s < n; s++) {
      unsigned char *b = buf + (size_t)s * kMaxLen;
      fill(b, s, rank);
      MPI_Isend(b, (int)len_of(s), MPI_BYTE, 0, kFlood, MPI_COMM_WORLD, &req[s]);
    }
    int done = n;
    MPI_Send(&done, 1, MPI_INT, 0, kDone, MPI_COMM_WORLD);
    MPI_Status *st = malloc(sizeof(MPI_Status) * (size_t)n);
    MPI_Waitall(n, req, st);
    free(st);
    free(req);
    free(buf);
    return;
  }
  /* The handshake: every sender has posted its whole flood. */
  for (int src = 1; src < size; src++) {
    int done = -1;
    MPI_Recv(&done, 1, MPI_INT, src, kDone, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(done == n, "done message from %d says %d", src, done);
  }
  const int total = n * (size - 1);
  unsigned char *buf = malloc((size_t)total * kMaxLen);
  MPI_Request *req = malloc(sizeof(MPI_Request) * (size_t)total);
  MPI_Status *st = malloc(sizeof(MPI_Status) * (size_t)total);
  for (int k = 0; k < total; k++) {
    const int src = any_source ? MPI_ANY_SOURCE : 1 + k / n;
    MPI_Irecv(buf + (size_t)k * kMaxLen, kMaxLen, MPI_BYTE, src, kFlood, MPI_COMM_WORLD, &req[k]);
  }
  MPI_Waitall(total, req, st);
  int *next = calloc((size_t)size, sizeof(int));
  int bad = 0;
  for (int k = 0; k < total; k++) {
    const int src = st[k].MPI_SOURCE;
    int cnt = -1;
    MPI_Get_count(&st[k], MPI_BYTE, &cnt);
    if (src < 1 || src >= size) {
      if (bad++ < 5) CHECK(0, "receive %d: source %d", k, src);
      continue;
    }
    /* Per-sender order: the k-th message from src is its message next[src]. */
    const int seq = next[src]++;
    const int why = check_msg(buf + (size_t)k * kMaxLen, cnt, seq, src);
    if (why != 0 && bad++ < 5) {
      CHECK(0, "%s round: message %d of rank %d (receive %d, %d bytes): %s", any_source ? "ANY_SOURCE" : "by-source",
            seq, src, k, cnt, why == 1 ? "wrong length" : why == 2 ? "out of order" : "wrong data");
    }
  }
  for (int src = 1; src < size; src++) CHECK(next[src] == n, "got %d of %d messages from %d", next[src], n, src);
  free(next);
  free(st);
  free(req);
  free(buf);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int n = argc > 1 ? atoi(argv[1]) : 10000;
  round_trip(my_rank, size, n, 0);
  MPI_Barrier(MPI_COMM_WORLD);
  round_trip(my_rank, size, n, 1);
  if (my_rank == 0 && parley_debug_ofi_unexpected_peak != NULL && getenv("PARLEY_TRANSPORT") != NULL &&
      strcmp(getenv("PARLEY_TRANSPORT"), "ofi") == 0 && size > 1) {
    const unsigned long long peak = parley_debug_ofi_unexpected_peak();
    const unsigned long long cap = parley_debug_ofi_unexpected_cap();
    printf("ofi-flood: unexpected eager bytes peak %llu, cap %llu\n", peak, cap);
    /* The flood did meet no receive, and was held to the cap. */
    CHECK(peak > 0, "no unexpected eager bytes counted over ofi");
    CHECK(peak <= cap, "unexpected eager bytes peaked at %llu, above the cap %llu", peak, cap);
  }
  return finish("ofi-flood");
}
