/* Noncontiguous point-to-point bandwidth: rank 0 sends a vector of doubles
 * with stride 2 (every other double of a buffer twice the payload) to rank
 * 1, which acknowledges each message with one byte; MB/s of payload
 * (10^6 bytes per second). Columns: vector sent and received as the same
 * vector, vector sent and received as contiguous doubles, and contiguous
 * doubles both ways (the reference: what the bytes cost without a type).
 * Size is the payload (the packed bytes), 64 KiB .. -m (default 16 MiB).
 *
 * Options: those of bench/osu (-m, -t, -i, -x, -c checks the received data
 * after the timed loop), and -b B: blocks of B doubles (default 1) at a
 * stride of 2B doubles, -s S: only payload size S. Plain C11; builds with
 * any MPI. */
#include "../osu/osu_bench.h"

enum { KIND_VV, KIND_VC, KIND_CC, KINDS };

static int g_block = 1; /* doubles per block (-b) */

static void one(int rank, double* sbuf, double* rbuf, int n, MPI_Datatype vec, int kind) {
  char ack = 0;
  if (rank == 0) {
    if (kind == KIND_CC)
      CHECK(MPI_Send(sbuf, n, MPI_DOUBLE, 1, TAG_DATA, MPI_COMM_WORLD));
    else
      CHECK(MPI_Send(sbuf, 1, vec, 1, TAG_DATA, MPI_COMM_WORLD));
    CHECK(MPI_Recv(&ack, 1, MPI_CHAR, 1, TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
  } else if (rank == 1) {
    if (kind == KIND_VV)
      CHECK(MPI_Recv(rbuf, 1, vec, 0, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    else
      CHECK(MPI_Recv(rbuf, n, MPI_DOUBLE, 0, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK(MPI_Send(&ack, 1, MPI_CHAR, 0, TAG_ACK, MPI_COMM_WORLD));
  }
}

static int check(int rank, const double* rbuf, int n, int kind) {
  if (rank != 1) return 1;
  for (int i = 0; i < n; ++i) {
    const int b = g_block, at = (i / b) * 2 * b + i % b; /* where element i sits in a strided buffer */
    double want = kind == KIND_CC ? (double)i : (double)at;
    double got = kind == KIND_VV ? rbuf[at] : rbuf[i];
    if (got != want) return 0;
  }
  return 1;
}

int main(int argc, char** argv) {
  CHECK(MPI_Init(&argc, &argv));
  int rank, size_n;
  CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_n));
  size_t only = 0;
  int kept = 1;
  for (int i = 1; i < argc; ++i) { /* our own options; the rest are bench/osu's */
    if (strcmp(argv[i], "-b") == 0 && i + 1 < argc) {
      g_block = atoi(argv[++i]);
    } else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
      only = bench_parse_size(argv[++i]);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  BenchOptions o = bench_parse(argc, argv);
  if (o.max_size == ((size_t)4 << 20)) o.max_size = (size_t)16 << 20; /* -m not given */
  if (g_block < 1) bench_die("-b needs a positive number of doubles");
  if (size_n != 2) bench_die("vector_bw needs exactly 2 ranks");
  const size_t max_doubles = o.max_size / sizeof(double);
  double* sbuf = (double*)bench_alloc(2 * max_doubles * sizeof(double));
  double* rbuf = (double*)bench_alloc(2 * max_doubles * sizeof(double));
  if (rank == 0) {
    printf("# Parley noncontiguous bandwidth: vector of %d-double blocks at stride %d; MB/s of payload, 2 ranks\n",
           g_block, 2 * g_block);
    printf("# %-8s%14s%14s%14s\n", "Size", "vec->vec", "vec->contig", "contig");
    fflush(stdout);
  }
  for (size_t size = only ? only : 65536; size <= (only ? only : o.max_size); size *= 2) {
    const int n = (int)(size / sizeof(double) / (size_t)g_block) * g_block;
    MPI_Datatype vec;
    CHECK(MPI_Type_vector(n / g_block, g_block, 2 * g_block, MPI_DOUBLE, &vec));
    CHECK(MPI_Type_commit(&vec));
    double mbs[KINDS];
    for (int kind = 0; kind < KINDS; ++kind) {
      for (size_t i = 0; i < 2 * (size_t)n; ++i) sbuf[i] = (double)i;
      long warm = bench_warmup(&o, size, 5, 5);
      bench_barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      for (long i = 0; i < warm; ++i) one(rank, sbuf, rbuf, n, vec, kind);
      long iters = bench_pick_iters(&o, size, MPI_Wtime() - t0, warm, 2000, 2000, 3, MPI_COMM_WORLD);
      bench_barrier(MPI_COMM_WORLD);
      t0 = MPI_Wtime();
      for (long i = 0; i < iters; ++i) one(rank, sbuf, rbuf, n, vec, kind);
      double t = MPI_Wtime() - t0;
      mbs[kind] = (double)n * sizeof(double) * (double)iters / t / 1e6;
      if (o.check) {
        memset(rbuf, 0, 2 * (size_t)n * sizeof(double));
        one(rank, sbuf, rbuf, n, vec, kind);
        if (!check(rank, rbuf, n, kind)) bench_die("vector_bw: received data is wrong (-c)");
      }
    }
    CHECK(MPI_Type_free(&vec));
    if (rank == 0) {
      printf("%-10zu%14.1f%14.1f%14.1f\n", size, mbs[KIND_VV], mbs[KIND_VC], mbs[KIND_CC]);
      fflush(stdout);
    }
  }
  free(sbuf);
  free(rbuf);
  CHECK(MPI_Finalize());
  return 0;
}
