/* Multiple bandwidth / message rate (osu_mbw_mr style): n/2 pairs, sender i
 * streams windows to receiver i + n/2, all pairs at once. Reported as the
 * aggregate MB/s (10^6 bytes per second) and messages per second over the
 * time the slowest pair took, so pairs that did not overlap are not counted
 * as if they had. */
#include "osu_bench.h"
#include "osu_window.h"

int main(int argc, char** argv) {
  CHECK(MPI_Init(&argc, &argv));
  int rank, n;
  CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK(MPI_Comm_size(MPI_COMM_WORLD, &n));
  BenchOptions o = bench_parse(argc, argv);
  if (n < 2 || n % 2 != 0) bench_die("osu_mbw_mr needs an even number of ranks (pairs i, i+n/2)");
  const int pairs = n / 2;
  const int sender = rank < pairs;
  const int peer = sender ? rank + pairs : rank - pairs;

  Window w = window_create(&o, sender, !sender);
  double* times = malloc(sizeof(double) * (size_t)pairs);
  if (times == NULL) bench_die("out of memory");
  if (rank == 0) {
    printf(
        "# Parley OSU-style multiple bandwidth / message rate test (window %d, capped to %d MiB), "
        "%d pair%s\n",
        o.window, (int)(WINDOW_BYTES >> 20), pairs, pairs == 1 ? "" : "s");
    printf("# %-8s%18s%18s\n", "Size", "MB/s", "Messages/s");
    fflush(stdout);
  }

  BENCH_FOR_SIZES(o, size) {
    int win = window_messages(&o, size);
    window_prepare(&w, &o, size, win);

    long warm = bench_warmup(&o, size, 100, 5);
    bench_barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (long i = 0; i < warm; ++i) window_one_way(&w, peer, size, win);
    long iters = bench_pick_iters(&o, size, MPI_Wtime() - t0, warm, 10000, 1000, 3, MPI_COMM_WORLD);

    bench_barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    for (long i = 0; i < iters; ++i) window_one_way(&w, peer, size, win);
    double t = MPI_Wtime() - t0;

    window_check(&w, &o, rank, size, win);
    bench_gather_double(t, 0, pairs, times, MPI_COMM_WORLD);
    if (rank == 0) {
      double slowest = 0;
      for (int p = 0; p < pairs; ++p)
        if (times[p] > slowest) slowest = times[p];
      double messages = (double)pairs * win * (double)iters;
      printf("%-10zu%18.2f%18.2f\n", size, messages * (double)size / slowest / 1e6, messages / slowest);
      fflush(stdout);
    }
  }

  free(times);
  window_destroy(&w);
  CHECK(MPI_Finalize());
  return 0;
}
