// osu_bw through the C++ API's upper-case path: the same window of nonblocking sends closed by an
// acknowledgement, the same slots, iteration rule and output as bench/osu/osu_bw.c, with comm.Isend /
// comm.Irecv of std::span<char> into a std::vector<parley::Request> and Request::Waitall in the timed loop.
#include "cxx_bench.hpp"

namespace {

// The receive slots of one window never exceed this (as in bench/osu/osu_window.h).
constexpr std::size_t window_bytes = std::size_t{64} << 20;

int window_messages(const BenchOptions& o, std::size_t size) {
  if (size == 0 || static_cast<std::size_t>(o.window) * size <= window_bytes) return o.window;
  std::size_t fit = window_bytes / size;
  return fit < 1 ? 1 : static_cast<int>(fit);
}

// Slots a cache-line multiple apart, so two never share a line.
std::size_t window_stride(std::size_t size) { return (size + 63) & ~std::size_t{63}; }

struct Window {
  bool sender, receiver;
  char* sbuf;
  char* rbuf;
  std::vector<parley::Request> req;
};

// One window from sender to receiver, closed by a 1-byte acknowledgement so the sender's clock covers
// delivery, not just local completion.
void one_way(const parley::Intracomm& comm, Window& w, int peer, std::size_t size, int win) {
  std::span<parley::Request> reqs(w.req.data(), static_cast<std::size_t>(win));
  char ack = 0;
  if (w.sender) {
    std::span<const char> s(w.sbuf, size);
    for (int i = 0; i < win; ++i) reqs[static_cast<std::size_t>(i)] = comm.Isend(s, peer, TAG_DATA);
    parley::Request::Waitall(reqs);
    comm.Recv(ack, peer, TAG_ACK);
  } else {
    for (int i = 0; i < win; ++i)
      reqs[static_cast<std::size_t>(i)] = comm.Irecv(
          std::span<char>(w.rbuf + static_cast<std::size_t>(i) * window_stride(size), size), peer, TAG_DATA);
    parley::Request::Waitall(reqs);
    comm.Send(ack, peer, TAG_ACK);
  }
}

}  // namespace

int main(int argc, char** argv) {
  parley::Init();
  const parley::Intracomm& comm = parley::COMM_WORLD;
  const int rank = comm.Get_rank(), n = comm.Get_size();
  BenchOptions o = bench_parse(argc, argv);
  if (n != 2) bench_die("cxx_osu_bw needs exactly 2 ranks");

  Window w{rank == 0, rank == 1, nullptr, nullptr,
           std::vector<parley::Request>(static_cast<std::size_t>(o.window))};
  std::size_t slots = 64;
  BENCH_FOR_SIZES(o, size) {
    std::size_t bytes = static_cast<std::size_t>(window_messages(o, size)) * window_stride(size);
    if (bytes > slots) slots = bytes;
  }
  w.sbuf = bench_alloc(w.sender ? o.max_size : 1);
  w.rbuf = bench_alloc(w.receiver ? slots : 1);
  if (rank == 0) {
    std::printf(
        "# Parley OSU-style bandwidth test, C++ API (window of %d nonblocking sends, capped to %d MiB), 2 "
        "ranks\n",
        o.window, static_cast<int>(window_bytes >> 20));
    std::printf("# %-8s%18s\n", "Size", "Bandwidth (MB/s)");
    std::fflush(stdout);
  }

  BENCH_FOR_SIZES(o, size) {
    int win = window_messages(o, size);
    if (w.sender) bench_fill(w.sbuf, size, size);
    if (w.receiver && o.check) std::memset(w.rbuf, 0, static_cast<std::size_t>(win) * window_stride(size));

    long warm = bench_warmup(&o, size, 100, 5);
    bench_barrier(MPI_COMM_WORLD);
    double t0 = parley::Wtime();
    for (long i = 0; i < warm; ++i) one_way(comm, w, 1 - rank, size, win);
    long iters = bench_pick_iters(&o, size, parley::Wtime() - t0, warm, 10000, 1000, 3, MPI_COMM_WORLD);

    bench_barrier(MPI_COMM_WORLD);
    t0 = parley::Wtime();
    for (long i = 0; i < iters; ++i) one_way(comm, w, 1 - rank, size, win);
    double t = parley::Wtime() - t0;

    if (w.receiver && o.check) {
      for (int i = 0; i < win; ++i) {
        if (!bench_verify(w.rbuf + static_cast<std::size_t>(i) * window_stride(size), size, size)) {
          std::fprintf(stderr, "rank %d: wrong data in receive slot %d at size %zu\n", rank, i, size);
          comm.Abort(3);
        }
      }
    }
    if (rank == 0) {
      std::printf("%-10zu%18.2f\n", size,
                  static_cast<double>(size) * win * static_cast<double>(iters) / t / 1e6);
      std::fflush(stdout);
    }
  }

  std::free(w.rbuf);
  std::free(w.sbuf);
  parley::Finalize();
  return 0;
}
