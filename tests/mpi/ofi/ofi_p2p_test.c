/* Point-to-point details that matter over libfabric (PARLEY_TRANSPORT=ofi, or
 * ranks on two "nodes"): every size around the eager/rendezvous switch,
 * rendezvous truncation with its status, MPI_ANY_SOURCE receiving from every
 * rank (shm and ofi peers alike) in per-sender order, synchronous rendezvous,
 * an unexpected flood bigger than the endpoint's credits, and a message
 * size given as argv[1] (default 8 MiB). */
#include <stdint.h>

#include "../p2p_common.h"

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

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  size_t big = argc > 1 ? (size_t)strtoull(argv[1], NULL, 0) : (size_t)8 << 20;
  sizes(my_rank, size, big);
  truncation(my_rank, size);
  any_source(my_rank, size);
  flood(my_rank, size);
  strided(my_rank, size);
  return finish("ofi-p2p");
}
