/* Point-to-point details that matter over libfabric (PARLEY_TRANSPORT=ofi, or
 * ranks on two "nodes"): every size around the eager/rendezvous switch,
 * rendezvous truncation with its status, MPI_ANY_SOURCE receiving from every
 * rank (shm and ofi peers alike) in per-sender order, synchronous rendezvous,
 * an unexpected flood bigger than the endpoint's credits, medium messages
 * sent as eager fragments (unexpected, probed, truncated, synchronous,
 * noncontiguous, interleaved with small ones), messages at the eager limit
 * and a byte either side in order with others, and a message size given as
 * argv[1] (default 8 MiB). */
#include <stdint.h>

#include "../p2p_common.h"

/* Parley's test hooks (engine_ofi.cpp), where the library has them. */
extern unsigned long long parley_debug_ofi_bare_max(void) __attribute__((weak));
extern unsigned long long parley_debug_ofi_bare_sent(void) __attribute__((weak));

static unsigned char opat(size_t i, int src, int salt) { return (unsigned char)(i * 131u + (unsigned)src * 7u + (unsigned)salt); }

static void fill(unsigned char *b, size_t n, int src, int salt) {
  for (size_t i = 0; i < n; i++) b[i] = opat(i, src, salt);
}

static size_t first_bad(const unsigned char *b, size_t n, int src, int salt) {
  for (size_t i = 0; i < n; i++)
    if (b[i] != opat(i, src, salt)) return i;
  return n;
}

/* Rank 0 <-> every other rank, sizes around every switch point. */
static void sizes(int rank, int size, size_t big) {
  const size_t list[] = {0, 1, 8, 4000, 16000, 16300, 16384, 16385, 20000, 65536, 1 << 20, big};
  const int nl = (int)(sizeof list / sizeof list[0]);
  unsigned char *buf = malloc(big + 16);
  for (int peer = 1; peer < size; peer++) {
    for (int k = 0; k < nl; k++) {
      size_t n = list[k];
      if (rank == 0) {
        fill(buf, n, 0, k);
        MPI_Send(buf, (int)n, MPI_BYTE, peer, k, MPI_COMM_WORLD);
        MPI_Status st;
        memset(buf, 0, n);
        MPI_Recv(buf, (int)n, MPI_BYTE, peer, k, MPI_COMM_WORLD, &st);
        int cnt = -1;
        MPI_Get_count(&st, MPI_BYTE, &cnt);
        CHECK(cnt == (int)n, "echo count %d for %zu from %d", cnt, n, peer);
        size_t bad = first_bad(buf, n, peer, k);
        CHECK(bad == n, "echo of %zu bytes from %d wrong at %zu", n, peer, bad);
      } else if (rank == peer) {
        MPI_Status st;
        MPI_Recv(buf, (int)n, MPI_BYTE, 0, k, MPI_COMM_WORLD, &st);
        size_t bad = first_bad(buf, n, 0, k);
        CHECK(bad == n, "%zu bytes from 0 wrong at %zu", n, bad);
        fill(buf, n, rank, k);
        MPI_Send(buf, (int)n, MPI_BYTE, 0, k, MPI_COMM_WORLD);
      }
    }
  }
  free(buf);
}

/* A rendezvous message into a too-small buffer: MPI_ERR_TRUNCATE, the
 * bytes that fit, and the status of the received part. */
static void truncation(int rank, int size) {
  const size_t n = 1 << 20, small = 100000;
  unsigned char *buf = malloc(n);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (rank == 1) {
    fill(buf, n, 1, 99);
    MPI_Send(buf, (int)n, MPI_BYTE, 0, 5, MPI_COMM_WORLD);
  } else if (rank == 0 && size > 1) {
    MPI_Status st;
    memset(buf, 0, n);
    int rc = MPI_Recv(buf, (int)small, MPI_BYTE, 1, 5, MPI_COMM_WORLD, &st);
    CHECK(error_class_of(rc) == MPI_ERR_TRUNCATE, "truncation class %d", error_class_of(rc));
    CHECK(st.MPI_SOURCE == 1 && st.MPI_TAG == 5, "truncated status %d/%d", st.MPI_SOURCE, st.MPI_TAG);
    CHECK(first_bad(buf, small, 1, 99) == small, "truncated data");
    CHECK(buf[small] == 0, "wrote past the receive buffer");
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  free(buf);
}

/* Every rank sends M messages (eager and rendezvous mixed) to rank 0, which
 * takes them with MPI_ANY_SOURCE; each sender's must arrive in order. */
static void any_source(int rank, int size) {
  enum { M = 24 };
  const size_t big = 100000;
  unsigned char *buf = malloc(big);
  if (rank != 0) {
    for (int i = 0; i < M; i++) {
      size_t n = (i % 3 == 2) ? big : (size_t)(i * 10 + 4);
      fill(buf, n, rank, i);
      memcpy(buf, &i, sizeof i);
      if (i % 5 == 0) {
        MPI_Ssend(buf, (int)n, MPI_BYTE, 0, 11, MPI_COMM_WORLD);
      } else {
        MPI_Send(buf, (int)n, MPI_BYTE, 0, 11, MPI_COMM_WORLD);
      }
    }
  } else {
    int next[64] = {0};
    for (int k = 0; k < M * (size - 1); k++) {
      MPI_Status st;
      MPI_Recv(buf, (int)big, MPI_BYTE, MPI_ANY_SOURCE, 11, MPI_COMM_WORLD, &st);
      int i = -1;
      memcpy(&i, buf, sizeof i);
      int src = st.MPI_SOURCE;
      CHECK(src > 0 && src < size, "source %d", src);
      if (src <= 0 || src >= size || src >= 64) continue;
      CHECK(i == next[src], "from %d got message %d, expected %d", src, i, next[src]);
      next[src] = i + 1;
    }
  }
  free(buf);
}

/* Each rank floods its right neighbour with many small messages before the
 * receiver posts anything (more than the endpoint's per-peer credits). */
static void flood(int rank, int size) {
  enum { F = 600 };
  const int right = (rank + 1) % size, left = (rank + size - 1) % size;
  MPI_Request *reqs = malloc(sizeof(MPI_Request) * F);
  int *vals = malloc(sizeof(int) * F);
  for (int i = 0; i < F; i++) {
    vals[i] = rank * 100000 + i;
    MPI_Isend(&vals[i], 1, MPI_INT, right, 21, MPI_COMM_WORLD, &reqs[i]);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  for (int i = 0; i < F; i++) {
    int v = -1;
    MPI_Recv(&v, 1, MPI_INT, left, 21, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(v == left * 100000 + i, "flood message %d from %d is %d", i, left, v);
  }
  MPI_Waitall(F, reqs, MPI_STATUSES_IGNORE);
  free(reqs);
  free(vals);
}

/* A large noncontiguous (strided) message, both sides typed. */
static void strided(int rank, int size) {
  if (size < 2 || rank > 1) return;
  const int count = 40000;
  MPI_Datatype vec;
  MPI_Type_vector(count, 2, 3, MPI_INT, &vec);
  MPI_Type_commit(&vec);
  int *a = malloc(sizeof(int) * 3 * count);
  for (int i = 0; i < 3 * count; i++) a[i] = rank == 0 ? i : -1;
  if (rank == 0) {
    MPI_Send(a, 1, vec, 1, 31, MPI_COMM_WORLD);
  } else {
    MPI_Recv(a, 1, vec, 0, 31, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int bad = -1;
    for (int i = 0; i < 3 * count && bad < 0; i++)
      if (a[i] != (i % 3 == 2 ? -1 : i)) bad = i;
    CHECK(bad < 0, "strided element %d", bad);
  }
  MPI_Type_free(&vec);
  free(a);
}

/* Medium messages (above one receive buffer, up to PARLEY_OFI_FRAG_MAX) go
 * as several eager fragments: rank 1 sends them to rank 0 before rank 0
 * posts anything, so they are reassembled as unexpected messages, probed
 * (the whole size), received in order among small messages, truncated,
 * synchronous, and received into a noncontiguous type. */
static void fragments(int rank, int size) {
  if (size < 2 || rank > 1) return;
  enum { K = 8 };
  const size_t sz[K] = {16385, 20000, 32768, 5, 30001, 65536, 24000, 1};
  unsigned char *bufs[K];
  for (int i = 0; i < K; i++) bufs[i] = malloc(sz[i] + 16);
  unsigned char *trunc = malloc(30000);
  const int count = 3000; /* 3000 x 2 ints out of 3: a 24000-byte message */
  MPI_Datatype vec;
  MPI_Type_vector(count, 2, 3, MPI_INT, &vec);
  MPI_Type_commit(&vec);
  int *v = malloc(sizeof(int) * 3 * count);
  if (rank == 1) {
    MPI_Request reqs[K + 2];
    for (int i = 0; i < K; i++) {
      fill(bufs[i], sz[i], 1, 40 + i);
      MPI_Isend(bufs[i], (int)sz[i], MPI_BYTE, 0, 41, MPI_COMM_WORLD, &reqs[i]);
    }
    fill(trunc, 30000, 1, 60);
    MPI_Isend(trunc, 30000, MPI_BYTE, 0, 42, MPI_COMM_WORLD, &reqs[K]);
    for (int i = 0; i < 2 * count; i++) v[i] = 7 * i + 1;
    MPI_Isend(v, 2 * count, MPI_INT, 0, 43, MPI_COMM_WORLD, &reqs[K + 1]);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Waitall(K + 2, reqs, MPI_STATUSES_IGNORE);
    /* Synchronous, the receive posted (or not) at the receiver's pace. */
    fill(bufs[2], sz[2], 1, 70);
    MPI_Ssend(bufs[2], (int)sz[2], MPI_BYTE, 0, 44, MPI_COMM_WORLD);
  } else {
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Status st;
    MPI_Probe(1, 41, MPI_COMM_WORLD, &st);
    int cnt = -1;
    MPI_Get_count(&st, MPI_BYTE, &cnt);
    CHECK(cnt == (int)sz[0], "probed a fragmented message of %d bytes, expected %zu", cnt, sz[0]);
    for (int i = 0; i < K; i++) {
      memset(bufs[i], 0, sz[i]);
      MPI_Recv(bufs[i], (int)sz[i], MPI_BYTE, 1, 41, MPI_COMM_WORLD, &st);
      MPI_Get_count(&st, MPI_BYTE, &cnt);
      CHECK(cnt == (int)sz[i], "fragmented message %d: %d bytes, expected %zu", i, cnt, sz[i]);
      size_t bad = first_bad(bufs[i], sz[i], 1, 40 + i);
      CHECK(bad == sz[i], "fragmented message %d (%zu bytes) wrong at %zu", i, sz[i], bad);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    memset(trunc, 0, 30000);
    int rc = MPI_Recv(trunc, 17000, MPI_BYTE, 1, 42, MPI_COMM_WORLD, &st);
    CHECK(error_class_of(rc) == MPI_ERR_TRUNCATE, "fragmented truncation class %d", error_class_of(rc));
    CHECK(first_bad(trunc, 17000, 1, 60) == 17000, "truncated fragmented data");
    CHECK(trunc[17000] == 0, "wrote past a truncated receive");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    for (int i = 0; i < 3 * count; i++) v[i] = -1;
    MPI_Recv(v, 1, vec, 1, 43, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int bad = -1;
    for (int i = 0; i < count && bad < 0; i++) {
      if (v[3 * i] != 7 * (2 * i) + 1 || v[3 * i + 1] != 7 * (2 * i + 1) + 1 || v[3 * i + 2] != -1) bad = i;
    }
    CHECK(bad < 0, "noncontiguous fragmented receive wrong at block %d", bad);
    memset(bufs[2], 0, sz[2]);
    MPI_Recv(bufs[2], (int)sz[2], MPI_BYTE, 1, 44, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(first_bad(bufs[2], sz[2], 1, 70) == sz[2], "synchronous fragmented message");
  }
  MPI_Type_free(&vec);
  free(v);
  free(trunc);
  for (int i = 0; i < K; i++) free(bufs[i]);
}

/* Messages at the eager limit: a payload of one whole receive buffer
 * (16384 B, one provider message with the envelope in remote CQ data where
 * the provider has it), one byte under and over, and the edge of the
 * in-band header (16348/16349), sent before the receives (unexpected) and
 * after them (matched at arrival), in order with small and empty ones, with
 * tags the immediate holds and one it does not (70000: in band), on WORLD
 * and on a dup. Received with MPI_ANY_TAG (and some specific tags), so any
 * overtaking shows as a wrong tag, size or pattern. */
static void limit_edges(int rank, int size) {
  enum { K = 11 };
  const size_t sz[K] = {16384, 16383, 16385, 16348, 16349, 1, 16384, 0, 16384, 16380, 16384};
  const int tg[K] = {7, 7, 7, 7, 7, 7, 70000, 8, 9, 65535, 65536};
  MPI_Comm dup;
  MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  unsigned char *bufs[K];
  for (int i = 0; i < K; i++) bufs[i] = malloc(sz[i] + 16);
  for (int round = 0; round < 2; round++) { /* 0: unexpected; 1: receives posted first */
    MPI_Comm comm = round == 0 ? MPI_COMM_WORLD : dup;
    const int salt = 80 + round * K;
    if (rank == 1) {
      MPI_Request rq[K];
      if (round == 1) MPI_Barrier(MPI_COMM_WORLD);
      const unsigned long long bare0 = parley_debug_ofi_bare_sent ? parley_debug_ofi_bare_sent() : 0;
      for (int i = 0; i < K; i++) {
        fill(bufs[i], sz[i], 1, salt + i);
        MPI_Isend(bufs[i], (int)sz[i], MPI_BYTE, 0, tg[i], comm, &rq[i]);
      }
      if (round == 0) MPI_Barrier(MPI_COMM_WORLD);
      MPI_Waitall(K, rq, MPI_STATUSES_IGNORE);
      const char *tr = getenv("PARLEY_TRANSPORT");
      if (parley_debug_ofi_bare_sent && tr != NULL && strcmp(tr, "ofi") == 0) {
        /* 16384 (tags 7, 9), 16383, 16349 and 16380 (tag 65535) fit one
         * buffer only without their header: bare wherever the provider has
         * CQ data, and never without it. */
        const unsigned long long bare = parley_debug_ofi_bare_sent() - bare0;
        const unsigned long long max = parley_debug_ofi_bare_max();
        if (max >= 16384)
          CHECK(bare >= 5, "round %d: %llu of the messages at the limit went bare, expected >= 5", round, bare);
        else if (max == 0)
          CHECK(bare == 0, "round %d: %llu bare messages without remote CQ data", round, bare);
      }
    } else if (rank == 0 && size > 1) {
      MPI_Status st[K];
      for (int i = 0; i < K; i++) memset(bufs[i], 0, sz[i] + 16);
      if (round == 0) {
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Probe(1, MPI_ANY_TAG, comm, &st[0]);
        int cnt = -1;
        MPI_Get_count(&st[0], MPI_BYTE, &cnt);
        CHECK(cnt == (int)sz[0] && st[0].MPI_TAG == tg[0], "probed %d bytes tag %d at the limit", cnt,
              st[0].MPI_TAG);
        for (int i = 0; i < K; i++)
          MPI_Recv(bufs[i], (int)sz[i] + 16, MPI_BYTE, 1, MPI_ANY_TAG, comm, &st[i]);
      } else {
        MPI_Request rq[K];
        for (int i = 0; i < K; i++)
          MPI_Irecv(bufs[i], (int)sz[i] + 16, MPI_BYTE, 1, i % 2 ? tg[i] : MPI_ANY_TAG, comm, &rq[i]);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Waitall(K, rq, st);
      }
      for (int i = 0; i < K; i++) {
        int cnt = -1;
        MPI_Get_count(&st[i], MPI_BYTE, &cnt);
        CHECK(cnt == (int)sz[i] && st[i].MPI_TAG == tg[i] && st[i].MPI_SOURCE == 1,
              "round %d message %d: %d bytes tag %d source %d, expected %zu tag %d", round, i, cnt,
              st[i].MPI_TAG, st[i].MPI_SOURCE, sz[i], tg[i]);
        size_t bad = first_bad(bufs[i], sz[i], 1, salt + i);
        CHECK(bad == sz[i], "round %d message %d (%zu bytes) wrong at %zu", round, i, sz[i], bad);
        CHECK(bufs[i][sz[i]] == 0, "round %d message %d wrote past its size", round, i);
      }
    } else {
      MPI_Barrier(MPI_COMM_WORLD);
    }
  }
  for (int i = 0; i < K; i++) free(bufs[i]);
  MPI_Comm_free(&dup);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  size_t big = argc > 1 ? (size_t)strtoull(argv[1], NULL, 0) : (size_t)8 << 20;
  sizes(my_rank, size, big);
  limit_edges(my_rank, size);
  truncation(my_rank, size);
  any_source(my_rank, size);
  flood(my_rank, size);
  strided(my_rank, size);
  if (my_rank > 1) MPI_Barrier(MPI_COMM_WORLD); /* fragments' barrier */
  fragments(my_rank, size);
  return finish("ofi-p2p");
}
