// The object path against the typed path: a ping-pong of one std::vector<double> (8 B to 1 MiB by
// default), either with the upper-case methods into a vector of the right size (-p typed) or with the
// lower-case ones, which receive a new vector each time (-p object: comm.send(v), v =
// comm.recv<std::vector<double>>()). Output in the OSU layout, half round trip in microseconds; sizes in
// bytes of payload. bench/cxx/compare.py runs both modes interleaved and prints object / typed.
#include "cxx_bench.hpp"

namespace {

enum class Path { typed, object };

void fill(std::vector<double>& v, std::size_t size) {
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i * 3 + size);
}

bool verify(const std::vector<double>& v, std::size_t size) {
  if (v.size() != size / sizeof(double)) return false;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] != static_cast<double>(i * 3 + size)) return false;
  return true;
}

void exchange(const parley::Intracomm& comm, Path path, bool initiator, int peer, std::vector<double>& sbuf,
              std::vector<double>& rbuf) {
  if (path == Path::typed) {
    if (initiator) {
      comm.Send(sbuf, peer, TAG_DATA);
      comm.Recv(rbuf, peer, TAG_DATA);
    } else {
      comm.Recv(rbuf, peer, TAG_DATA);
      comm.Send(rbuf, peer, TAG_DATA);
    }
  } else {
    if (initiator) {
      comm.send(sbuf, peer, TAG_DATA);
      rbuf = comm.recv<std::vector<double>>(peer, TAG_DATA);
    } else {
      rbuf = comm.recv<std::vector<double>>(peer, TAG_DATA);
      comm.send(rbuf, peer, TAG_DATA);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = cxxbench::take_option(argc, argv, "-p", "object");
  bool max_given = false;
  for (int i = 1; i < argc; ++i) max_given = max_given || std::strcmp(argv[i], "-m") == 0;
  parley::Init();
  const parley::Intracomm& comm = parley::COMM_WORLD;
  const int rank = comm.Get_rank(), n = comm.Get_size();
  if (mode != "typed" && mode != "object") bench_die("-p takes typed or object");
  const Path path = mode == "typed" ? Path::typed : Path::object;
  BenchOptions o = bench_parse(argc, argv);
  if (!max_given) o.max_size = std::size_t{1} << 20;
  if (n != 2) bench_die("cxx_object_latency needs exactly 2 ranks");
  const bool initiator = rank == 0;
  const int peer = 1 - rank;

  if (rank == 0) {
    std::printf(
        "# Parley C++ API: ping-pong of a std::vector<double>, %s path (%s), half round trip, 2 ranks\n",
        mode.c_str(), path == Path::typed ? "Send/Recv into a sized vector" : "send/recv<vector<double>>");
    std::printf("# %-8s%18s\n", "Size", "Latency (us)");
    std::fflush(stdout);
  }

  for (std::size_t size = sizeof(double); size <= o.max_size; size *= 2) {
    std::vector<double> sbuf(size / sizeof(double)), rbuf(size / sizeof(double));
    fill(sbuf, size);

    long warm = bench_warmup(&o, size, 1000, 20);
    bench_barrier(MPI_COMM_WORLD);
    double t0 = parley::Wtime();
    for (long i = 0; i < warm; ++i) exchange(comm, path, initiator, peer, sbuf, rbuf);
    long iters = bench_pick_iters(&o, size, parley::Wtime() - t0, warm, 100000, 10000, 20, MPI_COMM_WORLD);

    if (o.check) std::fill(rbuf.begin(), rbuf.end(), -1.0);
    bench_barrier(MPI_COMM_WORLD);
    t0 = parley::Wtime();
    for (long i = 0; i < iters; ++i) exchange(comm, path, initiator, peer, sbuf, rbuf);
    double t = parley::Wtime() - t0;

    if (o.check && !verify(rbuf, size)) {
      std::fprintf(stderr, "rank %d: wrong data received at size %zu\n", rank, size);
      comm.Abort(3);
    }
    if (rank == 0) {
      std::printf("%-10zu%18.2f\n", size, t * 1e6 / (2.0 * static_cast<double>(iters)));
      std::fflush(stdout);
    }
  }

  parley::Finalize();
  return 0;
}
