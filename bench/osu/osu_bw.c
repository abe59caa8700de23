/* Bandwidth: rank 0 keeps a window of nonblocking sends in flight to rank 1,
 * which answers each window with a short acknowledgement; reported in MB/s
 * (10^6 bytes per second, as OSU osu_bw does). Each receive of a window has
 * its own slot (overlapping pending receives are erroneous MPI); the window
 * shrinks for the largest sizes so the slots fit in 64 MiB. */
#include "osu_bench.h"
#include "osu_window.h"

int main(int argc, char** argv) {
  CHECK(MPI_Init(&argc, &argv));
  int rank, n;
  CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK(MPI_Comm_size(MPI_COMM_WORLD, &n));
  BenchOptions o = bench_parse(argc, argv);
  if (n != 2) bench_die("osu_bw needs exactly 2 ranks");

  Window w = window_create(&o, rank == 0, rank == 1);
  if (rank == 0) {
    printf("# Parley OSU-style bandwidth test (window of %d nonblocking sends, capped to %d MiB), 2 ranks\n",
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
    for (long i = 0; i < warm; ++i) window_one_way(&w, 1 - rank, size, win);
    long iters = bench_pick_iters(&o, size, MPI_Wtime() - t0, warm, 10000, 1000, 3, MPI_COMM_WORLD);

    bench_barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    for (long i = 0; i < iters; ++i) window_one_way(&w, 1 - rank, size, win);
    double t = MPI_Wtime() - t0;

    window_check(&w, &o, rank, size, win);
    if (rank == 0) {
      printf("%-10zu%18.2f\n", size, (double)size * win * (double)iters / t / 1e6);
      fflush(stdout);
    }
  }

  window_destroy(&w);
  CHECK(MPI_Finalize());
  return 0;
}
