// Virtual topologies through the C++ API: Cartesian grids (queries, Shift, Sub), graphs and distributed
// graphs, Compute_dims, and the checked downcasts from a plain Comm.
#include <vector>

#include "harness.hpp"

TEST_CASE("Compute_dims factors the world size; Create_cart answers Get_topo, Shift, ranks and coords") {
  const auto& w = parley::COMM_WORLD;
  const int n = w.Get_size();
  std::vector<int> dims = parley::Compute_dims(n, 2);
  CHECK(dims.size() == 2 && dims[0] * dims[1] == n && dims[0] >= dims[1]);
  parley::Cartcomm cart = w.Create_cart(dims, {true, false});
  CHECK(cart.Get_topology() == parley::CART && cart.Get_dim() == 2);
  parley::CartTopo t = cart.Get_topo();
  CHECK(t.dims == dims && t.periods[0] && !t.periods[1]);
  CHECK(cart.Get_cart_rank(t.coords) == cart.Get_rank());
  CHECK(cart.Get_coords(cart.Get_rank()) == t.coords);
  auto [src, dst] = cart.Shift(0, 1);
  CHECK(src == cart.Get_cart_rank({(t.coords[0] + dims[0] - 1) % dims[0], t.coords[1]}));
  CHECK(dst == cart.Get_cart_rank({(t.coords[0] + 1) % dims[0], t.coords[1]}));
  auto [up, down] = cart.Shift(1, 1);
  CHECK(t.coords[1] + 1 < dims[1] ? down != parley::PROC_NULL : down == parley::PROC_NULL);
  CHECK(t.coords[1] > 0 ? up != parley::PROC_NULL : up == parley::PROC_NULL);
  // Neighbours exchange along dimension 0 with plain point-to-point.
  int got = -1;
  cart.Sendrecv(cart.Get_rank(), dst, 0, got, src, 0);
  CHECK(got == src);
  parley::Cartcomm rows = cart.Sub({false, true});
  CHECK(rows.Get_dim() == 1 && rows.Get_size() == dims[1]);
  parley::Cartcomm copy = cart.Dup();
  CHECK(copy.Get_topo().dims == dims);
}

TEST_CASE("a Cartesian grid larger than the world leaves the extra ranks out") {
  const auto& w = parley::COMM_WORLD;
  parley::Cartcomm line = w.Create_cart({1});
  CHECK(w.Get_rank() == 0 ? line.Get_size() == 1 : line.Is_null());
  CHECK((parley::Compute_dims(12, {0, 3, 0}) == std::vector<int>{2, 3, 2}));
}

TEST_CASE("a ring graph reports its index, edges and neighbours") {
  const auto& w = parley::COMM_WORLD;
  const int n = w.Get_size();
  if (n < 3) return;
  std::vector<int> index, edges;
  for (int i = 0; i < n; ++i) {
    edges.push_back((i + 1) % n);
    edges.push_back((i + n - 1) % n);
    index.push_back(2 * (i + 1));
  }
  parley::Graphcomm g = w.Create_graph(index, edges);
  CHECK(g.Get_topology() == parley::GRAPH);
  auto [nnodes, nedges] = g.Get_dims();
  CHECK(nnodes == n && nedges == 2 * n);
  CHECK(g.Get_topo().second == edges);
  CHECK(g.Get_neighbors_count(g.Get_rank()) == 2);
  std::vector<int> nb = g.Get_neighbors(0);
  CHECK(nb[0] == 1 && nb[1] == n - 1);
}

TEST_CASE("distributed graphs: adjacent (weighted) and general forms report their neighbours") {
  const auto& w = parley::COMM_WORLD;
  const int n = w.Get_size(), r = w.Get_rank();
  const int next = (r + 1) % n, prev = (r + n - 1) % n;
  parley::Distgraphcomm d =
      w.Create_dist_graph_adjacent({prev}, {next}, std::vector<int>{5}, std::vector<int>{6});
  CHECK(d.Get_topology() == parley::DIST_GRAPH);
  auto [in, out, weighted] = d.Get_dist_neighbors_count();
  CHECK(in == 1 && out == 1 && weighted);
  parley::DistNeighbors nb = d.Get_dist_neighbors();
  CHECK(nb.sources == std::vector<int>{prev} && nb.destinations == std::vector<int>{next});
  CHECK(nb.weights && nb.weights->first == std::vector<int>{5} && nb.weights->second == std::vector<int>{6});
  // General form: each rank declares its edge to next; unweighted.
  parley::Distgraphcomm g = w.Create_dist_graph({r}, {1}, {next});
  auto [gin, gout, gweighted] = g.Get_dist_neighbors_count();
  CHECK(gin == 1 && gout == 1 && !gweighted);
  CHECK(g.Get_dist_neighbors().sources == std::vector<int>{prev});
}

TEST_CASE("checked downcasts: a Comm holding a grid becomes a Cartcomm, not a Graphcomm") {
  const auto& w = parley::COMM_WORLD;
  parley::Comm plain = w.Create_cart({w.Get_size()}, {true}).Dup();
  CHECK(plain.Get_topology() == parley::CART);
  parley::Cartcomm view{plain};
  CHECK(!view.is_owner() && view.Get_dim() == 1);
  CHECK_THROWS_CLASS(MPI_ERR_COMM, parley::Graphcomm{plain});
  CHECK_THROWS_CLASS(MPI_ERR_COMM, parley::Cartcomm{w.Dup()});
  parley::Cartcomm owner{std::move(plain)};
  CHECK(owner.is_owner() && plain.Is_null());
}

COLL_CASE("neighbourhood allgather on a periodic line collects both neighbours") {
  const auto& w = parley::COMM_WORLD;
  parley::Cartcomm line = w.Create_cart({w.Get_size()}, {true});
  int mine = line.Get_rank();
  std::vector<int> got(2, -1);
  line.Neighbor_allgather(mine, got);
  auto [src, dst] = line.Shift(0, 1);
  CHECK(got[0] == src && got[1] == dst);
}

int main() { return harness::run("cxx-topo"); }
