// Tests for runtime/topo/topology.cpp: MPI_Dims_create against the
// standard's examples and a brute-force balance check, coordinate round
// trips in 1-4 dimensions, and shifts at periodic and non-periodic edges.
#include <mpi.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "topo/topology.hpp"

using parley::Topology;
namespace topo = parley::topo;

namespace {

std::vector<int> dims(int nnodes, std::vector<int> d) {
  REQUIRE(topo::dims_create(nnodes, d).is_ok());
  return d;
}

Topology cart(std::vector<int> d, std::vector<int> p) {
  Topology t;
  t.dims = std::move(d);
  t.periods = std::move(p);
  return t;
}

// Every way to write n as k non-decreasing factors >= lo.
void all_factorisations(int n, int k, int lo, std::vector<int>& cur, std::vector<std::vector<int>>& out) {
  if (k == 1) {
    if (n >= lo) {
      cur.push_back(n);
      out.push_back(cur);
      cur.pop_back();
    }
    return;
  }
  for (int f = lo; f <= n; ++f)
    if (n % f == 0) {
      cur.push_back(f);
      all_factorisations(n / f, k - 1, f, cur, out);
      cur.pop_back();
    }
}

}  // namespace

TEST_CASE("Dims_create gives the standard's examples") {
  CHECK(dims(6, {0, 0}) == std::vector<int>{3, 2});
  CHECK(dims(7, {0, 0}) == std::vector<int>{7, 1});
  CHECK(dims(6, {0, 3, 0}) == std::vector<int>{2, 3, 1});
  std::vector<int> bad{0, 3, 0};
  CHECK(topo::dims_create(7, bad).error_class() == MPI_ERR_DIMS);
  CHECK(dims(16, {0, 0, 0}) == std::vector<int>{4, 2, 2});
  CHECK(dims(1, {0, 0, 0}) == std::vector<int>{1, 1, 1});
  CHECK(dims(12, {2, 0}) == std::vector<int>{2, 6});
  CHECK(dims(72, {0, 0}) == std::vector<int>{9, 8});
  CHECK(dims(1 << 30, {0, 0, 0}) == std::vector<int>{1024, 1024, 1024});
  auto many = dims(9699690, {0, 0, 0, 0, 0});  // 2*3*5*7*11*13*17*19
  long prod = 1;
  for (int x : many) prod *= x;
  CHECK(prod == 9699690);
  std::vector<int> neg{-1};
  CHECK(topo::dims_create(4, neg).error_class() == MPI_ERR_DIMS);
}

TEST_CASE("Dims_create is as balanced as any factorisation") {
  for (int n = 1; n <= 200; ++n) {
    for (int k = 1; k <= 4; ++k) {
      std::vector<int> d(static_cast<std::size_t>(k), 0);
      REQUIRE(topo::dims_create(n, d).is_ok());
      int prod = 1;
      for (int x : d) prod *= x;
      REQUIRE(prod == n);
      REQUIRE(std::is_sorted(d.rbegin(), d.rend()));
      std::vector<int> cur;
      std::vector<std::vector<int>> all;
      all_factorisations(n, k, 1, cur, all);
      int best = n;
      for (auto& f : all) best = std::min(best, f.back() - f.front());
      INFO("n=" << n << " k=" << k);
      CHECK(d.front() - d.back() == best);
    }
  }
}

TEST_CASE("Cartesian coordinates round-trip in 1 to 4 dimensions") {
  std::vector<std::vector<int>> shapes{{5}, {3, 4}, {2, 3, 2}, {2, 2, 3, 2}};
  for (auto& s : shapes) {
    Topology t = cart(s, std::vector<int>(s.size(), 0));
    int n = topo::grid_size(s).value();
    for (int r = 0; r < n; ++r) {
      std::vector<int> c(s.size());
      topo::coords_of(t, r, c);
      for (std::size_t i = 0; i < s.size(); ++i) REQUIRE((c[i] >= 0 && c[i] < s[i]));
      CHECK(topo::rank_of(t, c) == r);
    }
    // Row-major: the last coordinate varies fastest.
    std::vector<int> c(s.size());
    topo::coords_of(t, 1, c);
    CHECK(c.back() == 1);
  }
}

TEST_CASE("Cart shift wraps in periodic dimensions and gives PROC_NULL at edges") {
  Topology t = cart({3, 4}, {1, 0});
  int src, dst;
  // rank 0 = (0,0)
  topo::shift(t, 0, 0, 1, MPI_PROC_NULL, src, dst);
  CHECK(dst == 4);  // (1,0)
  CHECK(src == 8);  // (2,0), wrapped
  topo::shift(t, 0, 1, 1, MPI_PROC_NULL, src, dst);
  CHECK(dst == 1);
  CHECK(src == MPI_PROC_NULL);
  topo::shift(t, 3, 1, 1, MPI_PROC_NULL, src, dst);  // (0,3)
  CHECK(dst == MPI_PROC_NULL);
  CHECK(src == 2);
  topo::shift(t, 5, 0, -4, MPI_PROC_NULL, src, dst);  // (1,1), displacement beyond the extent
  CHECK(dst == 1);                                     // (1-4 mod 3 = 0, 1)
  CHECK(src == 9);                                     // (1+4 mod 3 = 2, 1)
  std::vector<int> out{5, 1};
  CHECK(topo::rank_of(t, out) == 9);  // periodic dimension wraps
  std::vector<int> off{0, 4};
  CHECK(topo::rank_of(t, off) == -1);  // non-periodic does not
}

TEST_CASE("Grid size rejects bad extents") {
  std::vector<int> z{2, 0};
  CHECK(topo::grid_size(z).status().error_class() == MPI_ERR_DIMS);
  std::vector<int> big{65536, 65536};
  CHECK(topo::grid_size(big).status().error_class() == MPI_ERR_DIMS);
  CHECK(topo::grid_size({}).value() == 1);
}
