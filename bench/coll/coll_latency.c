/* OSU-style collective latency: one program, the collective picked with
 * -b/--bench (barrier, bcast, reduce, allreduce, gather, scatter, allgather,
 * alltoall, iallreduce). Sizes are powers of two from 4 B (-n MIN) to 1 MiB
 * (-m MAX); for bcast/reduce/allreduce the size is the whole message, for
 * gather/scatter/allgather/alltoall the block each rank contributes per peer.
 * Reductions are MPI_SUM on MPI_FLOAT (size/4 elements).
 *
 * As in the OSU micro-benchmarks, each timed call is separated from the next
 * by an untimed MPI_Barrier (so a root cannot run ahead of the others), and
 * the value printed is the mean over ranks of each rank's mean time per call
 * (columns: Avg, Min and Max over ranks, µs). Barrier is timed back to back.
 *
 * iallreduce measures overlap (OSU osu_iallreduce): the pure time of
 * Iallreduce+Wait, then Iallreduce, a busy computation as long as the pure
 * time (calling MPI_Test -p times in between, default 0), Wait. Columns:
 * Overall (µs), Compute (µs), Pure comm (µs), Overlap (%), where
 * overlap = 100 * (1 - (overall - compute) / pure), clamped to [0, 100].
 *
 * Plain C11 against mpi.h: builds with Parley, MPICH and Open MPI. */
#include "../osu/osu_bench.h"

#include <math.h>

enum Bench { B_BARRIER, B_BCAST, B_REDUCE, B_ALLREDUCE, B_GATHER, B_SCATTER, B_ALLGATHER, B_ALLTOALL, B_IALLREDUCE };
static const char* const kNames[] = {"barrier", "bcast",     "reduce",   "allreduce", "gather",
                                     "scatter", "allgather", "alltoall", "iallreduce"};
enum { NBENCH = sizeof(kNames) / sizeof(kNames[0]) };

typedef struct {
  int bench;
  size_t min_size, max_size;
  long iters, warmup;
  double budget;
  int check, probes;
} Options;

static void usage(const char* prog) {
  fprintf(stderr,
          "usage: %s -b BENCH [-n MIN] [-m MAX] [-i ITERS] [-x WARMUP] [-t SECONDS] [-p PROBES] [-c]\n"
          "  -b, --bench BENCH  barrier|bcast|reduce|allreduce|gather|scatter|allgather|alltoall|iallreduce\n"
          "  -n MIN / -m MAX    smallest / largest size (default 4 / 1M), powers of two\n"
          "  -i ITERS           timed iterations per size (default: as many as fit the budget)\n"
          "  -x WARMUP          warm-up iterations per size\n"
          "  -t SECONDS         time budget of the timed loop per size (default 0.2)\n"
          "  -p PROBES          iallreduce: MPI_Test calls during the computation (default 0)\n"
          "  -c                 verify the results (outside the timing)\n",
          prog);
}

static Options parse(int argc, char** argv) {
  Options o = {-1, 4, (size_t)1 << 20, 0, 0, 0.2, 0, 0};
  int rank = 0;
  (void)MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = (i + 1 < argc) ? argv[i + 1] : NULL;
    int takes_value = 1;
    if ((strcmp(a, "-b") == 0 || strcmp(a, "--bench") == 0) && v) {
      for (int b = 0; b < NBENCH; ++b)
        if (strcmp(v, kNames[b]) == 0) o.bench = b;
      if (o.bench < 0) bench_die("unknown -b value (see -h)");
    } else if (strcmp(a, "-n") == 0 && v) {
      o.min_size = bench_parse_size(v);
    } else if (strcmp(a, "-m") == 0 && v) {
      o.max_size = bench_parse_size(v);
    } else if (strcmp(a, "-i") == 0 && v) {
      o.iters = atol(v);
    } else if (strcmp(a, "-x") == 0 && v) {
      o.warmup = atol(v);
    } else if (strcmp(a, "-t") == 0 && v) {
      o.budget = atof(v);
    } else if (strcmp(a, "-p") == 0 && v) {
      o.probes = atoi(v);
    } else if (strcmp(a, "-c") == 0) {
      o.check = 1, takes_value = 0;
    } else {
      if (rank == 0) usage(argv[0]);
      if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        CHECK(MPI_Finalize());
        exit(0);
      }
      bench_die("bad arguments");
    }
    i += takes_value;
  }
  if (o.bench < 0) {
    if (rank == 0) usage(argv[0]);
    bench_die("-b BENCH is required");
  }
  if (o.min_size < 4) o.min_size = 4;
  if (o.max_size < o.min_size || o.iters < 0 || o.warmup < 0 || o.budget <= 0 || o.probes < 0)
    bench_die("bad option value (see -h)");
  return o;
}

typedef struct {
  int rank, n;
  size_t size;
  char *sbuf, *rbuf;
} Ctx;

/* One call of the collective under test. */
static void run_one(const Options* o, const Ctx* c) {
  const int count = (int)c->size;
  const int fcount = (int)(c->size / 4);
  switch (o->bench) {
    case B_BARRIER: CHECK(MPI_Barrier(MPI_COMM_WORLD)); break;
    case B_BCAST: CHECK(MPI_Bcast(c->sbuf, count, MPI_CHAR, 0, MPI_COMM_WORLD)); break;
    case B_REDUCE: CHECK(MPI_Reduce(c->sbuf, c->rbuf, fcount, MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD)); break;
    case B_ALLREDUCE: CHECK(MPI_Allreduce(c->sbuf, c->rbuf, fcount, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD)); break;
    case B_GATHER:
      CHECK(MPI_Gather(c->sbuf, count, MPI_CHAR, c->rbuf, count, MPI_CHAR, 0, MPI_COMM_WORLD));
      break;
    case B_SCATTER:
      CHECK(MPI_Scatter(c->sbuf, count, MPI_CHAR, c->rbuf, count, MPI_CHAR, 0, MPI_COMM_WORLD));
      break;
    case B_ALLGATHER:
      CHECK(MPI_Allgather(c->sbuf, count, MPI_CHAR, c->rbuf, count, MPI_CHAR, MPI_COMM_WORLD));
      break;
    case B_ALLTOALL:
      CHECK(MPI_Alltoall(c->sbuf, count, MPI_CHAR, c->rbuf, count, MPI_CHAR, MPI_COMM_WORLD));
      break;
    case B_IALLREDUCE: {
      MPI_Request r;
      CHECK(MPI_Iallreduce(c->sbuf, c->rbuf, fcount, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &r));
      CHECK(MPI_Wait(&r, MPI_STATUS_IGNORE));
      break;
    }
  }
}

/* Mean seconds per call over `iters` calls, each followed by an untimed
 * barrier (barrier itself: back to back). */
static double time_calls(const Options* o, const Ctx* c, long iters) {
  double total = 0;
  if (o->bench == B_BARRIER) {
    double t0 = MPI_Wtime();
    for (long i = 0; i < iters; ++i) run_one(o, c);
    total = MPI_Wtime() - t0;
  } else {
    for (long i = 0; i < iters; ++i) {
      double t0 = MPI_Wtime();
      run_one(o, c);
      total += MPI_Wtime() - t0;
      CHECK(MPI_Barrier(MPI_COMM_WORLD));
    }
  }
  return iters > 0 ? total / (double)iters : 0;
}

/* A busy loop of about `seconds`, calling MPI_Test `probes` times spread
 * over it (the OSU dummy computation). */
static volatile double sink_;
static void compute(double seconds, int probes, MPI_Request* r) {
  const double t0 = MPI_Wtime();
  int done = 0;
  double x = 1.0;
  for (int p = 0; p <= probes; ++p) {
    const double until = t0 + seconds * (double)(p + 1) / (double)(probes + 1);
    while (MPI_Wtime() < until)
      for (int k = 0; k < 64; ++k) x = x * 1.0000001 + 1e-9;
    if (p < probes && !done) CHECK(MPI_Test(r, &done, MPI_STATUS_IGNORE));
  }
  sink_ = x;
}

/* iallreduce: mean overall time per call with `compute_s` of computation. */
static double time_overlap(const Options* o, const Ctx* c, long iters, double compute_s, double* compute_out) {
  double total = 0, comp = 0;
  const int fcount = (int)(c->size / 4);
  for (long i = 0; i < iters; ++i) {
    MPI_Request r;
    double t0 = MPI_Wtime();
    CHECK(MPI_Iallreduce(c->sbuf, c->rbuf, fcount, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &r));
    double c0 = MPI_Wtime();
    compute(compute_s, o->probes, &r);
    comp += MPI_Wtime() - c0;
    CHECK(MPI_Wait(&r, MPI_STATUS_IGNORE));
    total += MPI_Wtime() - t0;
    CHECK(MPI_Barrier(MPI_COMM_WORLD));
  }
  *compute_out = iters > 0 ? comp / (double)iters : 0;
  return iters > 0 ? total / (double)iters : 0;
}

static void fill_floats(char* buf, size_t bytes, int rank) {
  float* f = (float*)buf;
  for (size_t i = 0; i < bytes / 4; ++i) f[i] = (float)((int)(i % 97) + rank);
}

/* Checks one call's result (buffers refilled first). 1 = right. */
static int verify(const Options* o, Ctx* c) {
  const size_t size = c->size;
  const int n = c->n, rank = c->rank;
  size_t rbytes = size;
  if (o->bench == B_GATHER || o->bench == B_ALLGATHER || o->bench == B_ALLTOALL) rbytes = size * (size_t)n;
  switch (o->bench) {
    case B_BARRIER: run_one(o, c); return 1;
    case B_BCAST:
      if (rank == 0) bench_fill(c->sbuf, size, size);
      else memset(c->sbuf, 0, size);
      run_one(o, c);
      return bench_verify(c->sbuf, size, size);
    case B_REDUCE:
    case B_ALLREDUCE:
    case B_IALLREDUCE: {
      fill_floats(c->sbuf, size, rank);
      memset(c->rbuf, 0, size);
      run_one(o, c);
      if (o->bench == B_REDUCE && rank != 0) return 1;
      const float* f = (const float*)c->rbuf;
      for (size_t i = 0; i < size / 4; ++i) {
        const float want = (float)((int)(i % 97) * n + n * (n - 1) / 2);
        if (f[i] != want) return 0;
      }
      return 1;
    }
    case B_GATHER:
    case B_ALLGATHER:
      bench_fill(c->sbuf, size, size + (size_t)rank);
      memset(c->rbuf, 0, rbytes);
      run_one(o, c);
      if (o->bench == B_GATHER && rank != 0) return 1;
      for (int r = 0; r < n; ++r)
        if (!bench_verify(c->rbuf + (size_t)r * size, size, size + (size_t)r)) return 0;
      return 1;
    case B_SCATTER:
      if (rank == 0)
        for (int r = 0; r < n; ++r) bench_fill(c->sbuf + (size_t)r * size, size, size + (size_t)r);
      memset(c->rbuf, 0, size);
      run_one(o, c);
      return bench_verify(c->rbuf, size, size + (size_t)rank);
    case B_ALLTOALL:
      for (int r = 0; r < n; ++r) bench_fill(c->sbuf + (size_t)r * size, size, size + (size_t)(rank * n + r));
      memset(c->rbuf, 0, rbytes);
      run_one(o, c);
      for (int r = 0; r < n; ++r)
        if (!bench_verify(c->rbuf + (size_t)r * size, size, size + (size_t)(r * n + rank))) return 0;
      return 1;
  }
  return 1;
}

int main(int argc, char** argv) {
  CHECK(MPI_Init(&argc, &argv));
  int rank, n;
  CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK(MPI_Comm_size(MPI_COMM_WORLD, &n));
  Options o = parse(argc, argv);
  const int per_rank = o.bench == B_GATHER || o.bench == B_SCATTER || o.bench == B_ALLGATHER ||
                       o.bench == B_ALLTOALL;
  const size_t bytes = per_rank ? o.max_size * (size_t)n : o.max_size;
  Ctx c = {rank, n, 0, bench_alloc(bytes), bench_alloc(bytes)};
  double* vals = malloc(sizeof(double) * (size_t)n * 2);
  if (vals == NULL) bench_die("out of memory");

  if (rank == 0) {
    printf("# Parley OSU-style %s latency test, %d rank%s\n", kNames[o.bench], n, n == 1 ? "" : "s");
    if (o.bench == B_IALLREDUCE)
      printf("# %-8s%14s%14s%14s%12s\n", "Size", "Overall(us)", "Compute(us)", "Pure(us)", "Overlap(%)");
    else
      printf("# %-8s%14s%14s%14s\n", "Size", "Avg(us)", "Min(us)", "Max(us)");
    fflush(stdout);
  }

  for (size_t size = o.min_size; size <= o.max_size; size *= 2) {
    c.size = o.bench == B_BARRIER ? 0 : size;
    for (size_t i = 0; i < bytes; ++i) c.sbuf[i] = (char)(i * 3 + 1);
    if (o.bench == B_REDUCE || o.bench == B_ALLREDUCE || o.bench == B_IALLREDUCE) fill_floats(c.sbuf, size, rank);

    long warm = bench_warmup(&(BenchOptions){.warmup = o.warmup}, size, 200, 10);
    CHECK(MPI_Barrier(MPI_COMM_WORLD));
    double t0 = MPI_Wtime();
    for (long i = 0; i < warm; ++i) run_one(&o, &c);
    double warm_s = MPI_Wtime() - t0;
    BenchOptions bo = {.iters = o.iters, .budget = o.budget};
    /* The pure-communication pass of iallreduce is timed too: halve the
     * iterations so the size still fits the budget. */
    long iters = bench_pick_iters(&bo, size, warm_s * (o.bench == B_IALLREDUCE ? 2.0 : 1.0), warm, 20000, 2000, 5,
                                  MPI_COMM_WORLD);

    CHECK(MPI_Barrier(MPI_COMM_WORLD));
    double mine[2];
    mine[0] = time_calls(&o, &c, iters);
    if (o.bench == B_IALLREDUCE) {
      /* Everyone computes for the slowest rank's pure time. */
      double pure_max = 0;
      CHECK(MPI_Allreduce(&mine[0], &pure_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
      double comp = 0;
      double overall = time_overlap(&o, &c, iters, pure_max, &comp);
      mine[0] = overall;
      mine[1] = comp;
      double pure = pure_max;
      CHECK(MPI_Gather(mine, 2, MPI_DOUBLE, vals, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD));
      if (rank == 0) {
        double so = 0, sc = 0;
        for (int r = 0; r < n; ++r) so += vals[2 * r], sc += vals[2 * r + 1];
        so /= n, sc /= n;
        double ov = pure > 0 ? 100.0 * (1.0 - (so - sc) / pure) : 0;
        if (ov < 0) ov = 0;
        if (ov > 100) ov = 100;
        printf("%-10zu%14.2f%14.2f%14.2f%12.2f\n", size, so * 1e6, sc * 1e6, pure * 1e6, ov);
        fflush(stdout);
      }
    } else {
      bench_gather_double(mine[0], 0, n, vals, MPI_COMM_WORLD);
      if (rank == 0) {
        double sum = 0, lo = vals[0], hi = vals[0];
        for (int r = 0; r < n; ++r) {
          sum += vals[r];
          lo = fmin(lo, vals[r]);
          hi = fmax(hi, vals[r]);
        }
        printf("%-10zu%14.2f%14.2f%14.2f\n", o.bench == B_BARRIER ? (size_t)0 : size, sum / n * 1e6, lo * 1e6, hi * 1e6);
        fflush(stdout);
      }
    }
    if (o.check) {
      int ok = verify(&o, &c), all = 0;
      CHECK(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
      if (!all) {
        if (rank == 0) fprintf(stderr, "%s: wrong result at size %zu\n", kNames[o.bench], size);
        MPI_Abort(MPI_COMM_WORLD, 3);
      }
    }
    if (o.bench == B_BARRIER) break; /* one line: barrier has no size */
  }

  free(vals);
  free(c.rbuf);
  free(c.sbuf);
  CHECK(MPI_Finalize());
  return 0;
}
