// osu_latency through the C++ API's upper-case path: the same ping-pong, pairs, iteration rule and
// output as bench/osu/osu_latency.c, with comm.Send/comm.Recv of std::span<char> in the timed loop.
// bench/cxx/compare.py runs the two interleaved and prints the ratio.
#include "cxx_bench.hpp"

namespace {

// One ping-pong exchange; the partner echoes what it received, so -c checks both directions.
void exchange(const parley::Intracomm& comm, bool initiator, int peer, std::span<const char> sbuf,
              std::span<char> rbuf) {
  if (initiator) {
    comm.Send(sbuf, peer, TAG_DATA);
    comm.Recv(rbuf, peer, TAG_DATA);
  } else {
    comm.Recv(rbuf, peer, TAG_DATA);
    comm.Send(std::span<const char>(rbuf), peer, TAG_DATA);
  }
}

}  // namespace

int main(int argc, char** argv) {
  parley::Init();
  const parley::Intracomm& comm = parley::COMM_WORLD;
  const int rank = comm.Get_rank(), n = comm.Get_size();
  BenchOptions o = bench_parse(argc, argv);
  if (n < 2 || n % 2 != 0) bench_die("cxx_osu_latency needs an even number of ranks (pairs i, i+n/2)");
  const int pairs = n / 2;
  const bool initiator = rank < pairs;
  const int peer = initiator ? rank + pairs : rank - pairs;

  char* sbuf = bench_alloc(o.max_size);
  char* rbuf = bench_alloc(o.max_size);
  std::vector<double> lat(static_cast<std::size_t>(pairs));

  if (rank == 0) {
    std::printf(
        "# Parley OSU-style latency test, C++ API (ping-pong, half round trip), %d rank%s, %d pair%s\n", n,
        n == 1 ? "" : "s", pairs, pairs == 1 ? "" : "s");
    std::printf("# %-8s%18s\n", "Size", "Latency (us)");
    std::fflush(stdout);
  }

  BENCH_FOR_SIZES(o, size) {
    if (initiator) bench_fill(sbuf, size, size);
    if (o.check) std::memset(rbuf, 0, size);
    std::span<const char> s(sbuf, size);
    std::span<char> r(rbuf, size);

    long warm = bench_warmup(&o, size, 1000, 20);
    bench_barrier(MPI_COMM_WORLD);
    double t0 = parley::Wtime();
    for (long i = 0; i < warm; ++i) exchange(comm, initiator, peer, s, r);
    long iters = bench_pick_iters(&o, size, parley::Wtime() - t0, warm, 100000, 10000, 20, MPI_COMM_WORLD);

    bench_barrier(MPI_COMM_WORLD);
    t0 = parley::Wtime();
    for (long i = 0; i < iters; ++i) exchange(comm, initiator, peer, s, r);
    double t = parley::Wtime() - t0;

    if (o.check && !bench_verify(rbuf, size, size)) {
      std::fprintf(stderr, "rank %d: wrong data received at size %zu\n", rank, size);
      comm.Abort(3);
    }
    bench_gather_double(t * 1e6 / (2.0 * static_cast<double>(iters)), 0, pairs, lat.data(), MPI_COMM_WORLD);
    if (rank == 0) {
      double sum = 0;
      for (double l : lat) sum += l;
      std::printf("%-10zu%18.2f\n", size, sum / pairs);
      std::fflush(stdout);
    }
  }

  std::free(rbuf);
  std::free(sbuf);
  parley::Finalize();
  return 0;
}
