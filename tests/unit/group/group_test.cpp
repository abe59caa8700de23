// Tests for runtime/group/group.cpp: every operation is checked against a
// reference implementation on std::vector, and range-given groups of a
// million ranks are checked to stay a handful of ranges.
#include <mpi.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "group/group.hpp"

using parley::Group;
using parley::RankTriple;

namespace {

std::vector<int> ref_union(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> r = a;
  for (int x : b)
    if (std::find(a.begin(), a.end(), x) == a.end()) r.push_back(x);
  return r;
}
std::vector<int> ref_inter(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> r;
  for (int x : a)
    if (std::find(b.begin(), b.end(), x) != b.end()) r.push_back(x);
  return r;
}
std::vector<int> ref_diff(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> r;
  for (int x : a)
    if (std::find(b.begin(), b.end(), x) == b.end()) r.push_back(x);
  return r;
}

std::vector<int> random_members(std::mt19937& rng, int universe) {
  std::vector<int> all(static_cast<std::size_t>(universe));
  for (int i = 0; i < universe; ++i) all[static_cast<std::size_t>(i)] = i;
  std::shuffle(all.begin(), all.end(), rng);
  int n = std::uniform_int_distribution<int>(0, universe)(rng);
  all.resize(static_cast<std::size_t>(n));
  // Sometimes sorted, so that runs (and ranges) appear.
  if (rng() % 2) std::sort(all.begin(), all.end());
  return all;
}

std::shared_ptr<const Group> make(const std::vector<int>& v) {
  auto g = Group::from_world_ranks(v);
  REQUIRE(g.is_ok());
  return g.value();
}

}  // namespace

TEST_CASE("Group algebra matches a reference set implementation") {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 300; ++iter) {
    auto va = random_members(rng, 40);
    auto vb = random_members(rng, 40);
    auto a = make(va);
    auto b = make(vb);
    REQUIRE(a->to_vector() == va);
    REQUIRE(a->size() == static_cast<int>(va.size()));
    for (std::size_t i = 0; i < va.size(); ++i) {
      REQUIRE(a->world_rank(static_cast<int>(i)) == va[i]);
      REQUIRE(a->rank_of(va[i]) == static_cast<int>(i));
    }
    CHECK(Group::set_union(*a, *b)->to_vector() == ref_union(va, vb));
    CHECK(Group::set_intersection(*a, *b)->to_vector() == ref_inter(va, vb));
    CHECK(Group::set_difference(*a, *b)->to_vector() == ref_diff(va, vb));

    // translate a -> b
    std::vector<int> ranks(va.size()), out(va.size());
    for (std::size_t i = 0; i < va.size(); ++i) ranks[i] = static_cast<int>(i);
    REQUIRE(Group::translate(*a, ranks, *b, out, MPI_UNDEFINED, MPI_PROC_NULL).is_ok());
    for (std::size_t i = 0; i < va.size(); ++i) {
      auto it = std::find(vb.begin(), vb.end(), va[i]);
      CHECK(out[i] == (it == vb.end() ? MPI_UNDEFINED : static_cast<int>(it - vb.begin())));
    }

    // incl / excl of a random subset of a's ranks
    std::vector<int> pick;
    for (int i = 0; i < a->size(); ++i)
      if (rng() % 3 == 0) pick.push_back(i);
    std::shuffle(pick.begin(), pick.end(), rng);
    std::vector<int> ref_incl, ref_excl;
    for (int p : pick) ref_incl.push_back(va[static_cast<std::size_t>(p)]);
    for (int i = 0; i < a->size(); ++i)
      if (std::find(pick.begin(), pick.end(), i) == pick.end()) ref_excl.push_back(va[static_cast<std::size_t>(i)]);
    auto gi = a->incl(pick);
    REQUIRE(gi.is_ok());
    CHECK(gi.value()->to_vector() == ref_incl);
    auto ge = a->excl(pick);
    REQUIRE(ge.is_ok());
    CHECK(ge.value()->to_vector() == ref_excl);
  }
}

TEST_CASE("Group compare tells identical, similar and unequal apart") {
  auto a = make({3, 4, 5, 9});
  auto b = make({3, 4, 5, 9});
  auto c = make({9, 5, 4, 3});
  auto d = make({3, 4, 5});
  CHECK(Group::compare(*a, *b) == Group::Relation::ident);
  CHECK(Group::compare(*a, *c) == Group::Relation::similar);
  CHECK(Group::compare(*a, *d) == Group::Relation::unequal);
  CHECK(Group::compare(*Group::empty(), *Group::empty()) == Group::Relation::ident);
  // The same sequence built by ranges and by single members compares identical.
  std::vector<RankTriple> t{{0, 9, 3}};
  auto r = Group::identity(10)->range_incl(t);
  REQUIRE(r.is_ok());
  CHECK(Group::compare(*r.value(), *make({0, 3, 6, 9})) == Group::Relation::ident);
}

TEST_CASE("Group range_incl and range_excl follow the standard's examples") {
  auto g = Group::identity(16);
  std::vector<RankTriple> t{{1, 7, 3}, {15, 10, -1}};  // 1 4 7 15 14 13 12 11 10
  auto r = g->range_incl(t);
  REQUIRE(r.is_ok());
  CHECK(r.value()->to_vector() == std::vector<int>{1, 4, 7, 15, 14, 13, 12, 11, 10});
  auto e = g->range_excl(t);
  REQUIRE(e.is_ok());
  CHECK(e.value()->to_vector() == std::vector<int>{0, 2, 3, 5, 6, 8, 9});
  // Through a reordered group: ranks map through the parent's members.
  auto p = make({10, 11, 12, 13, 20, 21, 22, 23});
  std::vector<RankTriple> t2{{7, 0, -2}};
  auto r2 = p->range_incl(t2);
  REQUIRE(r2.is_ok());
  CHECK(r2.value()->to_vector() == std::vector<int>{23, 21, 13, 11});
}

TEST_CASE("Group operations reject invalid and repeated ranks") {
  auto g = Group::identity(4);
  std::vector<int> bad{0, 4};
  CHECK(g->incl(bad).status().error_class() == MPI_ERR_RANK);
  std::vector<int> twice{1, 1};
  CHECK(g->incl(twice).status().error_class() == MPI_ERR_RANK);
  CHECK(g->excl(twice).status().error_class() == MPI_ERR_RANK);
  std::vector<RankTriple> zero{{0, 3, 0}};
  CHECK(g->range_incl(zero).status().error_class() == MPI_ERR_ARG);
  std::vector<RankTriple> overlap{{0, 3, 1}, {2, 2, 1}};
  CHECK(g->range_incl(overlap).status().error_class() == MPI_ERR_RANK);
  std::vector<RankTriple> away{{3, 0, 1}};
  CHECK(g->range_incl(away).status().error_class() == MPI_ERR_ARG);
  std::vector<int> out(1);
  std::vector<int> in{5};
  CHECK(parley::Group::translate(*g, in, *g, out, MPI_UNDEFINED, MPI_PROC_NULL).error_class() == MPI_ERR_RANK);
  std::vector<int> dup{2, 2};
  CHECK(Group::from_world_ranks(dup).status().error_class() == MPI_ERR_RANK);
}

TEST_CASE("A group of a million ranks given as ranges stays a few ranges") {
  auto world = Group::identity(1000000);
  CHECK(world->range_count() == 1);
  std::vector<RankTriple> evens{{0, 999998, 2}};
  auto e = world->range_incl(evens);
  REQUIRE(e.is_ok());
  CHECK(e.value()->size() == 500000);
  CHECK(e.value()->range_count() == 1);
  CHECK(e.value()->world_rank(499999) == 999998);
  CHECK(e.value()->rank_of(1000) == 500);
  CHECK(e.value()->rank_of(1001) == -1);
  std::vector<RankTriple> halves{{500000, 999999, 1}, {0, 499999, 1}};
  auto h = world->range_incl(halves);
  REQUIRE(h.is_ok());
  CHECK(h.value()->range_count() == 2);
  auto odd = world->range_excl(evens);
  REQUIRE(odd.is_ok());
  CHECK(odd.value()->range_count() == 1);
  CHECK(odd.value()->world_rank(0) == 1);
  auto u = Group::set_union(*e.value(), *odd.value());
  CHECK(u->size() == 1000000);
  CHECK(Group::compare(*u, *world) == Group::Relation::similar);
  CHECK(Group::set_difference(*world, *odd.value())->range_count() == 1);
  CHECK(Group::set_intersection(*world, *e.value())->range_count() == 1);
}
