/* The window of nonblocking messages that the bandwidth programs (osu_bw,
 * osu_bibw, osu_mbw_mr) keep in flight: one send buffer that every send of a
 * window reads (concurrent sends from one buffer are legal since MPI-3), and a
 * separate receive slot per message of the window. */
#ifndef PARLEY_BENCH_OSU_WINDOW_H
#define PARLEY_BENCH_OSU_WINDOW_H

#include "osu_bench.h"

/* The receive slots of one window never exceed this (beyond one message):
 * 64 x 4 MiB per receiver would be 256 MiB on a machine others share. */
#define WINDOW_BYTES ((size_t)64 << 20)

typedef struct {
  int sender, receiver; /* roles of this rank (both for osu_bibw) */
  char* sbuf;
  char* rbuf;
  MPI_Request* req; /* 2 * window */
} Window;

/* Messages in a window of `size`-byte messages. */
static inline int window_messages(const BenchOptions* o, size_t size) {
  if (size == 0 || (size_t)o->window * size <= WINDOW_BYTES) return o->window;
  size_t fit = WINDOW_BYTES / size;
  return fit < 1 ? 1 : (int)fit;
}

/* Distance between receive slots: cache-line multiples, so two slots never
 * share a line. */
static inline size_t window_stride(size_t size) { return (size + 63) & ~(size_t)63; }

static inline Window window_create(const BenchOptions* o, int sender, int receiver) {
  Window w = {sender, receiver, NULL, NULL, NULL};
  size_t slots = 64;
  BENCH_FOR_SIZES(*o, size) {
    size_t bytes = (size_t)window_messages(o, size) * window_stride(size);
    if (bytes > slots) slots = bytes;
  }
  w.sbuf = bench_alloc(sender ? o->max_size : 1);
  w.rbuf = bench_alloc(receiver ? slots : 1);
  w.req = malloc(sizeof(MPI_Request) * 2 * (size_t)o->window);
  if (w.req == NULL) bench_die("out of memory");
  return w;
}

static inline void window_destroy(Window* w) {
  free(w->req);
  free(w->rbuf);
  free(w->sbuf);
}

/* Before a size: the sender's pattern for it, and (with -c) cleared slots so
 * stale bytes from the previous size cannot pass the check. */
static inline void window_prepare(Window* w, const BenchOptions* o, size_t size, int win) {
  if (w->sender) bench_fill(w->sbuf, size, size);
  if (w->receiver && o->check) memset(w->rbuf, 0, (size_t)win * window_stride(size));
}

static inline void window_check(const Window* w, const BenchOptions* o, int rank, size_t size, int win) {
  if (!w->receiver || !o->check) return;
  for (int i = 0; i < win; ++i) {
    if (!bench_verify(w->rbuf + (size_t)i * window_stride(size), size, size)) {
      fprintf(stderr, "rank %d: wrong data in receive slot %d at size %zu\n", rank, i, size);
      MPI_Abort(MPI_COMM_WORLD, 3);
    }
  }
}

/* One window from sender to receiver, closed by a 1-byte acknowledgement so
 * the sender's clock covers delivery, not just local completion. */
static inline void window_one_way(Window* w, int peer, size_t size, int win) {
  char ack = 0;
  if (w->sender) {
    for (int i = 0; i < win; ++i)
      CHECK(MPI_Isend(w->sbuf, (int)size, MPI_CHAR, peer, TAG_DATA, MPI_COMM_WORLD, &w->req[i]));
    CHECK(MPI_Waitall(win, w->req, MPI_STATUSES_IGNORE));
    CHECK(MPI_Recv(&ack, 1, MPI_CHAR, peer, TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
  } else {
    for (int i = 0; i < win; ++i)
      CHECK(MPI_Irecv(w->rbuf + (size_t)i * window_stride(size), (int)size, MPI_CHAR, peer, TAG_DATA,
                      MPI_COMM_WORLD, &w->req[i]));
    CHECK(MPI_Waitall(win, w->req, MPI_STATUSES_IGNORE));
    CHECK(MPI_Send(&ack, 1, MPI_CHAR, peer, TAG_ACK, MPI_COMM_WORLD));
  }
}

/* One window each way at once (osu_bibw): receives posted first, then sends. */
static inline void window_two_way(Window* w, int peer, size_t size, int win) {
  for (int i = 0; i < win; ++i)
    CHECK(MPI_Irecv(w->rbuf + (size_t)i * window_stride(size), (int)size, MPI_CHAR, peer, TAG_DATA,
                    MPI_COMM_WORLD, &w->req[i]));
  for (int i = 0; i < win; ++i)
    CHECK(MPI_Isend(w->sbuf, (int)size, MPI_CHAR, peer, TAG_DATA, MPI_COMM_WORLD, &w->req[win + i]));
  CHECK(MPI_Waitall(2 * win, w->req, MPI_STATUSES_IGNORE));
}

#endif
