/* Bidirectional bandwidth: ranks 0 and 1 each keep a window of nonblocking
 * sends in flight to the other while receiving the other's window; reported
 * as the sum of both directions in MB/s (10^6 bytes per second, as OSU
 * osu_bibw does). Window and receive slots as in osu_bw. */
#include "osu_bench.h"
#include "osu_window.h"

int main(int argc, char** argv) {
  CHECK(MPI_Init(&argc, &argv));
  int rank, n;
  CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK(MPI_Comm_size(MPI_COMM_WORLD, &n));
  BenchOptions o = bench_parse(argc, argv);
  if (n != 2) bench_die("osu_bibw needs exactly 2 ranks");

  Window w = window_create(&o, 1, 1);
  if (rank == 0) {
    printf("# Parley OSU-style bidirectional bandwidth test (window of %d each way, capped to %d MiB)\n",
           o.window, (int)(WINDOW_BYTES >> 20));
    printf("# %-8s%18s\n", "Size", "Bandwidth (MB/s)");
    fflush(stdout);
  }

  BENCH_FOR_SIZES(o, size) {
    int win = window_messages(&o, size);
    window_prepare(&w, &o, size, win);

    long warm = bench_warmup(&o, size, 100, 5);
    bench_barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (long i = 0; i < warm; ++i) window_two_way(&w, 1 - rank, size, win);
    long iters = bench_pick_iters(&o, size, MPI_Wtime() - t0, warm, 10000, 1000, 3, MPI_COMM_WORLD);

    bench_barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    for (long i = 0; i < iters; ++i) window_two_way(&w, 1 - rank, size, win);
    double t = MPI_Wtime() - t0;

    window_check(&w, &o, rank, size, win);
    if (rank == 0) {
      printf("%-10zu%18.2f\n", size, 2.0 * (double)size * win * (double)iters / t / 1e6);
      fflush(stdout);
    }
  }

  window_destroy(&w);
  CHECK(MPI_Finalize());
  return 0;
}
