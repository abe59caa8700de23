// The C++ API in one page: ranks, a typed ring exchange, an object exchange, and an exception.
// Run: mpiexec -n 4 ./hello_cxx
#include <cstdio>
#include <map>
#include <parley/parley.hpp>
#include <string>
#include <vector>

int main() {
  const auto& world = parley::COMM_WORLD;  // first use initialises MPI; it is finalised at exit
  const int rank = world.Get_rank(), size = world.Get_size();
  const int next = (rank + 1) % size, prev = (rank + size - 1) % size;

  // Upper case: typed buffers, datatype and count deduced from the vector.
  std::vector<double> out(4, rank), in(4);
  parley::Request sent = world.Isend(out, next, 0);
  world.Recv(in, prev, 0);
  sent.Wait();

  // Lower case: any serialisable object, size unknown to the receiver.
  std::map<std::string, std::vector<int>> note{{"from", {rank}}, {"squares", {rank * rank, 4 * rank * rank}}};
  parley::SendRequest s = world.isend(note, next, 1);
  auto got = world.recv<std::map<std::string, std::vector<int>>>(prev, 1);
  s.wait();

  // Errors are exceptions.
  try {
    world.Send(out, size, 0);
  } catch (const parley::Exception& e) {
    if (e.Get_error_class() != parley::ERR_RANK) return 1;
  }
  std::printf("hello_cxx rank=%d size=%d got=%g from=%d\n", rank, size, in[0], got["from"][0]);
  return in[0] == prev && got["from"][0] == prev ? 0 : 1;
}
