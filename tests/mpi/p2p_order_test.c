/* Non-overtaking order for every mix of eager and rendezvous sizes, with
 * many senders to one ANY_SOURCE receiver; then an unexpected-message flood
 * (100 000 small messages sent before any receive is posted). */
#include "p2p_common.h"
#include <sys/resource.h>

static long max_rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

#define MSGS 300
static const int mix[] = {4, 20000, 100, 300000, 16, 70000, 8};
#define NMIX (int)(sizeof mix / sizeof mix[0])

static void ordered_from_many(int rank, int size) {
  if (size < 2) return;
  int *buf = malloc(300000);
  if (rank == 0) {
    int *next_seq = calloc((size_t)size, sizeof(int));
    for (int i = 0; i < MSGS * (size - 1); i++) {
      MPI_Status st;
      MPI_Recv(buf, 300000 / (int)sizeof(int), MPI_INT, MPI_ANY_SOURCE, 1, MPI_COMM_WORLD, &st);
      int src = st.MPI_SOURCE, count = 0;
      MPI_Get_count(&st, MPI_BYTE, &count);
      int seq = next_seq[src]++;
      CHECK(buf[0] == seq && count == mix[seq % NMIX], "from %d: got seq %d size %d, expected seq %d size %d", src,
            buf[0], count, seq, mix[seq % NMIX]);
    }
    for (int s = 1; s < size; s++) CHECK(next_seq[s] == MSGS, "sender %d delivered %d of %d", s, next_seq[s], MSGS);
    free(next_seq);
  } else {
    for (int seq = 0; seq < MSGS; seq++) {
      buf[0] = seq;
      MPI_Send(buf, mix[seq % NMIX] / (int)sizeof(int), MPI_INT, 0, 1, MPI_COMM_WORLD);
    }
  }
  free(buf);
}

static void flood(int rank, int size) {
  enum { FLOOD = 100000 };
  int peer = rank ^ 1;
  if (peer >= size) return;
  if (rank % 2 == 1) {
    for (int i = 0; i < FLOOD; i++) MPI_Send(&i, 1, MPI_INT, peer, 10, MPI_COMM_WORLD);
    int done = 1;
    MPI_Send(&done, 1, MPI_INT, peer, 11, MPI_COMM_WORLD);
  } else {
    /* Receiving the last message first leaves all the others unexpected. */
    long rss_before = max_rss_kib();
    int done = 0;
    MPI_Recv(&done, 1, MPI_INT, peer, 11, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int bad = -1;
    for (int i = 0; i < FLOOD; i++) {
      int v = -1;
      MPI_Recv(&v, 1, MPI_INT, peer, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (v != i && bad < 0) bad = i;
    }
    CHECK(done == 1 && bad < 0, "flood: first out-of-order message at %d", bad);
    /* Each unexpected 4-byte message costs its header and bookkeeping
     * (about 120 bytes): the flood must stay well inside 64 MiB. */
    long grew = max_rss_kib() - rss_before;
    CHECK(grew < 64 * 1024, "flood of %d unexpected messages grew the heap by %ld KiB", FLOOD, grew);
    if (getenv("PARLEY_TEST_VERBOSE")) printf("flood: peak memory grew by %ld KiB\n", grew);
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  ordered_from_many(my_rank, size);
  flood(my_rank, size);
  return finish("order");
}
