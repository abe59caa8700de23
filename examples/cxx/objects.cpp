// Objects through the lower-case methods: a user type and a map around the ring (the receiver needs no
// size), a vector of doubles (sent as its bytes), a broadcast configuration, and reductions with a lambda.
// Run: mpiexec -n 4 ./objects_cxx
#include <cstdio>
#include <map>
#include <parley/parley.hpp>
#include <string>
#include <vector>

struct Mesh {
  std::string name;
  std::vector<std::vector<double>> cells;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(name, cells);
  }
};

int main() {
  const auto& world = parley::COMM_WORLD;
  const int rank = world.Get_rank(), size = world.Get_size();
  const int next = (rank + 1) % size, prev = (rank + size - 1) % size;

  parley::RecvRequest<Mesh> pending = world.irecv<Mesh>(prev, 0);
  parley::SendRequest s =
      world.isend(Mesh{"rank " + std::to_string(rank), {{1.0, 2.0}, {double(rank)}}}, next, 0);
  Mesh m = pending.wait();
  s.wait();

  auto table = world.sendrecv<std::map<int, std::string>>(std::map<int, std::string>{{rank, m.name}}, next, 1,
                                                          prev, 1);

  std::vector<double> field(1000, 0.5 * rank);
  parley::SendRequest f = world.isend(field, next, 2);
  std::vector<double> upstream = world.recv<std::vector<double>>(prev, 2);
  f.wait();

  auto config = world.bcast(std::map<std::string, int>{{"steps", 10}, {"ranks", size}}, 0);
  int best = world.allreduce(rank, [](int a, int b) { return a > b ? a : b; });
  std::string order = world.allreduce(std::string(1, char('a' + rank % 26)));  // rank order

  bool ok = m.cells[1][0] == prev && table.count(prev) == 1 && upstream.size() == 1000 &&
            upstream[999] == 0.5 * prev && config.at("ranks") == size && best == size - 1 &&
            order.size() == static_cast<std::size_t>(size);
  std::printf("objects_cxx rank=%d got=%s steps=%d best=%d order=%s %s\n", rank, m.name.c_str(),
              config.at("steps"), best, order.c_str(), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
