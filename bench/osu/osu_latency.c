/* Latency: ping-pong between rank i and rank i + n/2, reported as half the
 * round trip in microseconds (the OSU osu_latency layout). With 2 ranks this
 * is the classic one-pair test; with more (an even count) every pair runs at
 * once and the value is the mean over pairs (osu_multi_lat style), which is
 * how an oversubscribed node is measured. */
#include "osu_bench.h"

/* One ping-pong exchange of `size` bytes between `me` and `peer`; the
 * initiator sends first. The partner echoes what it received, so -c checks
 * both directions. */
static void exchange(int initiator, int peer, char* sbuf, char* rbuf, size_t size) {
  if (initiator) {
    CHECK(MPI_Send(sbuf, (int)size, MPI_CHAR, peer, TAG_DATA, MPI_COMM_WORLD));
    CHECK(MPI_Recv(rbuf, (int)size, MPI_CHAR, peer, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
  } else {
    CHECK(MPI_Recv(rbuf, (int)size, MPI_CHAR, peer, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK(MPI_Send(rbuf, (int)size, MPI_CHAR, peer, TAG_DATA, MPI_COMM_WORLD));
  }
}

int main(int argc, char** argv) {
  CHECK(MPI_Init(&argc, &argv));
  int rank, n;
  CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK(MPI_Comm_size(MPI_COMM_WORLD, &n));
  BenchOptions o = bench_parse(argc, argv);
  if (n < 2 || n % 2 != 0) bench_die("osu_latency needs an even number of ranks (pairs i, i+n/2)");
  const int pairs = n / 2;
  const int initiator = rank < pairs;
  const int peer = initiator ? rank + pairs : rank - pairs;

  char* sbuf = bench_alloc(o.max_size);
  char* rbuf = bench_alloc(o.max_size);
  double* lat = malloc(sizeof(double) * (size_t)pairs);
  if (lat == NULL) bench_die("out of memory");

  if (rank == 0) {
    printf("# Parley OSU-style latency test (ping-pong, half round trip), %d rank%s, %d pair%s\n", n,
           n == 1 ? "" : "s", pairs, pairs == 1 ? "" : "s");
    printf("# %-8s%18s\n", "Size", "Latency (us)");
    fflush(stdout);
  }

  BENCH_FOR_SIZES(o, size) {
    if (initiator) bench_fill(sbuf, size, size);
    if (o.check) memset(rbuf, 0, size);

    long warm = bench_warmup(&o, size, 1000, 20);
    bench_barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (long i = 0; i < warm; ++i) exchange(initiator, peer, sbuf, rbuf, size);
    long iters = bench_pick_iters(&o, size, MPI_Wtime() - t0, warm, 100000, 10000, 20, MPI_COMM_WORLD);

    bench_barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    for (long i = 0; i < iters; ++i) exchange(initiator, peer, sbuf, rbuf, size);
    double t = MPI_Wtime() - t0;

    if (o.check && !bench_verify(rbuf, size, size)) {
      fprintf(stderr, "rank %d: wrong data received at size %zu\n", rank, size);
      MPI_Abort(MPI_COMM_WORLD, 3);
    }
    bench_gather_double(t * 1e6 / (2.0 * (double)iters), 0, pairs, lat, MPI_COMM_WORLD);
    if (rank == 0) {
      double sum = 0;
      for (int p = 0; p < pairs; ++p) sum += lat[p];
      printf("%-10zu%18.2f\n", size, sum / pairs);
      fflush(stdout);
    }
  }

  free(lat);
  free(rbuf);
  free(sbuf);
  CHECK(MPI_Finalize());
  return 0;
}
