/* Shared pieces of the OSU-style point-to-point benchmarks: option parsing,
 * page-aligned buffers, a barrier / broadcast / gather made of point-to-point
 * messages only (so the programs run on an MPI without collectives), and the
 * rule that picks an iteration count from a timed warm-up so that every size
 * finishes within a time budget, even on an oversubscribed, noisy machine.
 *
 * Plain C11 against mpi.h; the same source builds with Parley, MPICH and
 * Open MPI. Everything is static: each program is one translation unit. */
#ifndef PARLEY_BENCH_OSU_BENCH_H
#define PARLEY_BENCH_OSU_BENCH_H

/* posix_memalign under -std=c11; this header comes first in every program. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* With the MPICH ABI, MPI_STATUSES_IGNORE is the address 1, which GCC takes
 * for a zero-sized array and warns about in every MPI_Waitall. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

/* Tags of the benchmark's own traffic, kept apart from the data tag so a
 * stray control message can never match a timed receive. */
enum { TAG_DATA = 1, TAG_ACK = 2, TAG_SYNC = 30001, TAG_BCAST = 30002, TAG_GATHER = 30003 };

/* Messages up to this size use the "small" warm-up and iteration limits
 * (the same split the OSU micro-benchmarks use). */
enum { LARGE_MESSAGE = 8192 };

/* Every MPI return code is checked: a failure ends the job with the call
 * that failed rather than printing a misleading number. */
#define CHECK(call)                                                                      \
  do {                                                                                   \
    int check_rc_ = (call);                                                              \
    if (check_rc_ != MPI_SUCCESS) bench_fail_call(#call, check_rc_, __FILE__, __LINE__); \
  } while (0)

static inline void bench_fail_call(const char* what, int rc, const char* file, int line) {
  char text[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) text[0] = '\0';
  int rank = -1;
  (void)MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  fprintf(stderr, "rank %d: %s failed (%d: %s) at %s:%d\n", rank, what, rc, text, file, line);
  fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 2);
  exit(2);
}

static inline void bench_die(const char* msg) {
  int rank = -1;
  (void)MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) fprintf(stderr, "%s\n", msg);
  fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  exit(1);
}

/* Options every program shares. Zero means "the program's default". */
typedef struct {
  size_t max_size; /* -m: largest message (default 4 MiB) */
  long iters;      /* -i: fixed timed iterations (default: from the budget) */
  long warmup;     /* -x: warm-up iterations */
  double budget;   /* -t: seconds of timed loop per size (default 0.2) */
  int window;      /* -w: messages in flight per window (bandwidth programs) */
  int check;       /* -c: verify the received bytes (outside the timing) */
  int zero;        /* -z: also measure 0-byte messages */
} BenchOptions;

/* "64", "64K", "4M" (binary units) -> bytes; 0 on junk. */
static inline size_t bench_parse_size(const char* s) {
  char* end = NULL;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s) return 0;
  if (*end == 'k' || *end == 'K')
    v <<= 10, ++end;
  else if (*end == 'm' || *end == 'M')
    v <<= 20, ++end;
  else if (*end == 'g' || *end == 'G')
    v <<= 30, ++end;
  if (*end == 'B' || *end == 'b') ++end;
  return *end == '\0' ? (size_t)v : 0;
}

static inline void bench_usage(const char* prog) {
  fprintf(stderr,
          "usage: %s [-m MAX] [-i ITERS] [-x WARMUP] [-t SECONDS] [-w WINDOW] [-c] [-z]\n"
          "  -m MAX      largest message size, e.g. 4M (default 4M); sizes are powers of two\n"
          "  -i ITERS    timed iterations per size (default: as many as fit the budget)\n"
          "  -x WARMUP   warm-up iterations per size\n"
          "  -t SECONDS  time budget of the timed loop per size (default 0.2)\n"
          "  -w WINDOW   messages in flight per window (bandwidth programs, default 64)\n"
          "  -c          verify received data (outside the timed loop)\n"
          "  -z          include 0-byte messages\n",
          prog);
}

static inline BenchOptions bench_parse(int argc, char** argv) {
  BenchOptions o = {(size_t)4 << 20, 0, 0, 0.2, 64, 0, 0};
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = (i + 1 < argc) ? argv[i + 1] : NULL;
    int takes_value = 1;
    if (strcmp(a, "-m") == 0 && v)
      o.max_size = bench_parse_size(v);
    else if (strcmp(a, "-i") == 0 && v)
      o.iters = atol(v);
    else if (strcmp(a, "-x") == 0 && v)
      o.warmup = atol(v);
    else if (strcmp(a, "-t") == 0 && v)
      o.budget = atof(v);
    else if (strcmp(a, "-w") == 0 && v)
      o.window = atoi(v);
    else if (strcmp(a, "-c") == 0)
      o.check = 1, takes_value = 0;
    else if (strcmp(a, "-z") == 0)
      o.zero = 1, takes_value = 0;
    else {
      int rank = 0;
      (void)MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      if (rank == 0) bench_usage(argv[0]);
      if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        CHECK(MPI_Finalize());
        exit(0);
      }
      bench_die("bad arguments");
    }
    i += takes_value;
  }
  if (o.max_size == 0 || o.iters < 0 || o.warmup < 0 || o.budget <= 0 || o.window < 1)
    bench_die("bad option value (see -h)");
  return o;
}

/* Page-aligned, touched (so page faults stay out of the timing). */
static inline char* bench_alloc(size_t bytes) {
  void* p = NULL;
  if (bytes == 0) bytes = 1;
  if (posix_memalign(&p, 4096, bytes) != 0) bench_die("out of memory for message buffers");
  memset(p, 0, bytes);
  return (char*)p;
}

/* A byte pattern that differs from size to size, so a receive that kept the
 * previous size's bytes is caught by -c. */
static inline void bench_fill(char* buf, size_t bytes, size_t size) {
  for (size_t i = 0; i < bytes; ++i) buf[i] = (char)((i * 7 + size * 13 + 1) & 0xff);
}

static inline int bench_verify(const char* buf, size_t bytes, size_t size) {
  for (size_t i = 0; i < bytes; ++i)
    if (buf[i] != (char)((i * 7 + size * 13 + 1) & 0xff)) return 0;
  return 1;
}

/* Dissemination barrier over point-to-point: ceil(log2 n) rounds, in round k
 * rank r signals r+2^k and waits for r-2^k. */
static inline void bench_barrier(MPI_Comm comm) {
  int rank, n;
  CHECK(MPI_Comm_rank(comm, &rank));
  CHECK(MPI_Comm_size(comm, &n));
  for (int k = 1; k < n; k <<= 1) {
    MPI_Request req[2];
    char in = 0, out = 0;
    CHECK(MPI_Irecv(&in, 1, MPI_CHAR, (rank - k + n) % n, TAG_SYNC, comm, &req[0]));
    CHECK(MPI_Isend(&out, 1, MPI_CHAR, (rank + k) % n, TAG_SYNC, comm, &req[1]));
    CHECK(MPI_Waitall(2, req, MPI_STATUSES_IGNORE));
  }
}

/* Rank 0's value to everyone (linear: n is small here). */
static inline long bench_bcast_long(long value, MPI_Comm comm) {
  int rank, n;
  CHECK(MPI_Comm_rank(comm, &rank));
  CHECK(MPI_Comm_size(comm, &n));
  if (rank == 0) {
    for (int r = 1; r < n; ++r) CHECK(MPI_Send(&value, 1, MPI_LONG, r, TAG_BCAST, comm));
  } else {
    CHECK(MPI_Recv(&value, 1, MPI_LONG, 0, TAG_BCAST, comm, MPI_STATUS_IGNORE));
  }
  return value;
}

/* Each rank in [first, first+count) sends one double; rank 0 gets them all in
 * out[0..count) (its own included if it is in the range). */
static inline void bench_gather_double(double mine, int first, int count, double* out, MPI_Comm comm) {
  int rank;
  CHECK(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    for (int i = 0; i < count; ++i) {
      int r = first + i;
      if (r == 0)
        out[i] = mine;
      else
        CHECK(MPI_Recv(&out[i], 1, MPI_DOUBLE, r, TAG_GATHER, comm, MPI_STATUS_IGNORE));
    }
  } else if (rank >= first && rank < first + count) {
    CHECK(MPI_Send(&mine, 1, MPI_DOUBLE, 0, TAG_GATHER, comm));
  }
}

/* Warm-up iterations for a size (OSU's split: more for small messages). */
static inline long bench_warmup(const BenchOptions* o, size_t size, long small, long large) {
  if (o->warmup > 0) return o->warmup;
  return size <= LARGE_MESSAGE ? small : large;
}

/* Rank 0 turns the time its warm-up took into the timed iteration count
 * (as many as fit the budget, between lo and hi) and tells every rank, so
 * each size costs about the same wall time however slow the machine is. */
static inline long bench_pick_iters(const BenchOptions* o, size_t size, double warm_seconds, long warm_iters,
                                    long small_max, long large_max, long lo, MPI_Comm comm) {
  long hi = size <= LARGE_MESSAGE ? small_max : large_max;
  long n = hi;
  if (o->iters > 0) {
    n = o->iters;
  } else if (warm_iters > 0 && warm_seconds > 0) {
    double per = warm_seconds / (double)warm_iters;
    double fit = o->budget / per;
    n = fit < (double)lo ? lo : (fit > (double)hi ? hi : (long)fit);
  }
  return bench_bcast_long(n, comm);
}

/* The sizes: 0 (if asked), then 1, 2, 4, ... up to max. */
#define BENCH_FOR_SIZES(o, size) \
  for (size_t size = (o).zero ? 0 : 1; size <= (o).max_size; size = size ? size * 2 : 1)

#endif
