// Virtual topologies through the C++ API: Cartesian grids (queries, Shift, Sub), graphs and distributed
// graphs, Compute_dims, and the checked downcasts from a plain Comm.
#include <array>
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

COLL_CASE("neighbourhood v/w, nonblocking and persistent forms on a line; PROC_NULL ends are left alone") {
  // Not periodic: at 1 and 2 processes a periodic line has the same process on both sides, where MPICH 4.0
  // orders the v/w forms' blocks unlike its plain form.
  const auto& w = parley::COMM_WORLD;
  parley::Cartcomm line = w.Create_cart({w.Get_size()}, {false});
  const int me = line.Get_rank();
  auto [src, dst] = line.Shift(0, 1);
  // Block 0 goes to the lower neighbour, block 1 to the upper one; in[0] comes from below, in[1] from above.
  auto a2a_from = [&](int base) {
    return std::array<int, 2>{src == parley::PROC_NULL ? -1 : base + src * 10 + 1,
                              dst == parley::PROC_NULL ? -1 : base + dst * 10};
  };
  auto ag_from = [&](int base) {
    return std::array<int, 2>{src == parley::PROC_NULL ? -1 : base + src,
                              dst == parley::PROC_NULL ? -1 : base + dst};
  };
  std::array<int, 2> out{me * 10, me * 10 + 1};
  const std::array<int, 2> ones{1, 1}, at{0, 1};
  const std::array<MPI_Aint, 2> bytes{0, static_cast<MPI_Aint>(sizeof(int))};
  const std::array<MPI_Datatype, 2> types{MPI_INT, MPI_INT};
  const std::array<int, 2> unset{-1, -1};
  std::array<int, 2> in = unset;
  line.Neighbor_alltoall(out, in);
  CHECK(in == a2a_from(0));
  in = unset;
  line.Neighbor_alltoallv(out, ones, at, in, ones, at);
  CHECK(in == a2a_from(0));
  in = unset;
  line.Neighbor_alltoallw(out.data(), ones, bytes, types, in.data(), ones, bytes, types);
  CHECK(in == a2a_from(0));
  in = unset;
  line.Neighbor_allgatherv(me, in, ones, at);
  CHECK(in == ag_from(0));

  std::array<int, 2> ag = unset, agv = unset, a2a = unset, a2av = unset, a2aw = unset;
  std::vector<parley::Request> reqs;
  reqs.push_back(line.Ineighbor_allgather(me, ag));
  reqs.push_back(line.Ineighbor_allgatherv(me, agv, ones, at));
  reqs.push_back(line.Ineighbor_alltoall(out, a2a));
  reqs.push_back(line.Ineighbor_alltoallv(out, ones, at, a2av, ones, at));
  reqs.push_back(line.Ineighbor_alltoallw(out.data(), ones, bytes, types, a2aw.data(), ones, bytes, types));
  parley::Request::Waitall(reqs);
  CHECK(ag == ag_from(0) && agv == ag && a2a == a2a_from(0) && a2av == a2a && a2aw == a2a);

  int mine = 0;
  std::vector<parley::Prequest> pers;
  pers.push_back(line.Neighbor_allgather_init(mine, ag));
  pers.push_back(line.Neighbor_allgatherv_init(mine, agv, ones, at));
  pers.push_back(line.Neighbor_alltoall_init(out, a2a));
  pers.push_back(line.Neighbor_alltoallv_init(out, ones, at, a2av, ones, at));
  pers.push_back(
      line.Neighbor_alltoallw_init(out.data(), ones, bytes, types, a2aw.data(), ones, bytes, types));
  for (int round = 1; round <= 3; ++round) {
    mine = 100 * round + me;
    out = {100 * round + me * 10, 100 * round + me * 10 + 1};
    parley::Prequest::Startall(pers);
    parley::Request::Waitall(pers);
    CHECK(ag == ag_from(100 * round) && agv == ag);
    CHECK(a2a == a2a_from(100 * round) && a2av == a2a && a2aw == a2a);
  }
}

int main() { return harness::run("cxx-topo"); }
