// Every datatype constructor against hand-computed sizes, bounds and
// typemaps (read back as merged iovec pieces), plus contents and refcounts.
#include <vector>

#include "dt_test_util.hpp"

using namespace dtt;
using parley::dt::Combiner;
namespace dt = parley::dt;

TEST_CASE("Predefined types have their C sizes, extents and names") {
  CHECK(basic(BasicKind::Int)->size() == 4);
  CHECK(basic(BasicKind::Double)->extent() == 8);
  CHECK(basic(BasicKind::Int)->name() == "MPI_INT");
  // MPI_DOUBLE_INT is struct { double; int; }: 12 bytes of data over 16.
  const Type* di = basic(BasicKind::DoubleInt);
  CHECK(di->size() == 12);
  CHECK(di->extent() == 16);
  CHECK(di->true_extent() == 12);
  CHECK(di->num_elements() == 2);
  CHECK(pieces(*di) == Pieces{{0, 12}});
  CHECK(pieces(*di, 2) == Pieces{{0, 12}, {16, 12}});
  CHECK(basic(BasicKind::Int)->is_contiguous());
  CHECK_FALSE(di->is_contiguous());
  CHECK(basic(BasicKind::Int)->combiner() == Combiner::Named);
}

TEST_CASE("contiguous of int is one run of count*4 bytes") {
  auto t = ok(dt::make_contiguous(3, basic(BasicKind::Int)));
  CHECK(t->size() == 12);
  CHECK(t->extent() == 12);
  CHECK(t->lb() == 0);
  CHECK(t->is_contiguous());
  CHECK(pieces(*t, 2) == Pieces{{0, 24}});
  CHECK(t->combiner() == Combiner::Contiguous);
  CHECK(t->contents_ints() == std::vector<int64_t>{3});
}

TEST_CASE("vector places blocks stride extents apart; extent ends at the last block") {
  auto t = ok(dt::make_vector(3, 2, 4, basic(BasicKind::Int)));
  CHECK(t->size() == 24);
  CHECK(t->lb() == 0);
  CHECK(t->extent() == 40);  // (2*4 + 2) ints
  CHECK(t->true_extent() == 40);
  CHECK_FALSE(t->is_contiguous());
  CHECK(pieces(*t) == Pieces{{0, 8}, {16, 8}, {32, 8}});
  CHECK(pieces(*t, 2) == Pieces{{0, 8}, {16, 8}, {32, 16}, {56, 8}, {72, 8}});
  CHECK(t->contents_ints() == std::vector<int64_t>{3, 2, 4});
}

TEST_CASE("vector with stride equal to blocklength is contiguous") {
  auto t = ok(dt::make_vector(4, 3, 3, basic(BasicKind::Double)));
  CHECK(t->is_contiguous());
  CHECK(pieces(*t) == Pieces{{0, 96}});
}

TEST_CASE("hvector with a negative stride has a negative lower bound") {
  auto t = ok(dt::make_hvector(3, 1, -16, basic(BasicKind::Double)));
  CHECK(t->size() == 24);
  CHECK(t->lb() == -32);
  CHECK(t->ub() == 8);
  CHECK(t->true_lb() == -32);
  CHECK(pieces(*t) == Pieces{{0, 8}, {-16, 8}, {-32, 8}});
  CHECK(t->contents_addrs() == std::vector<int64_t>{-16});
}

TEST_CASE("indexed keeps block order and merges adjacent blocks") {
  std::vector<int64_t> bl{2, 1, 3}, disp{3, 0, 1};
  auto t = ok(dt::make_indexed(bl, disp, basic(BasicKind::Int)));
  CHECK(t->size() == 24);
  CHECK(t->lb() == 0);
  CHECK(t->ub() == 20);
  CHECK(pieces(*t) == Pieces{{12, 8}, {0, 16}});  // blocks 2 and 3 are adjacent (0..4, 4..16)
  std::vector<int64_t> expect{3, 2, 1, 3, 3, 0, 1};
  CHECK(t->contents_ints() == expect);
}

TEST_CASE("hindexed, indexed_block and hindexed_block place blocks at their displacements") {
  std::vector<int64_t> bl{1, 2}, hd{8, 24};
  auto h = ok(dt::make_hindexed(bl, hd, basic(BasicKind::Short)));
  CHECK(h->size() == 6);
  CHECK(h->lb() == 8);
  CHECK(h->ub() == 28);
  CHECK(pieces(*h) == Pieces{{8, 2}, {24, 4}});

  std::vector<int64_t> d{4, 0, 8};
  auto ib = ok(dt::make_indexed_block(2, d, basic(BasicKind::Float)));
  CHECK(ib->size() == 24);
  CHECK(ib->ub() == 40);
  CHECK(pieces(*ib) == Pieces{{16, 8}, {0, 8}, {32, 8}});
  CHECK(ib->contents_ints() == std::vector<int64_t>{3, 2, 4, 0, 8});

  std::vector<int64_t> hb{0, 100};
  auto hbt = ok(dt::make_hindexed_block(3, hb, basic(BasicKind::Char)));
  CHECK(hbt->size() == 6);
  CHECK(hbt->extent() == 103);
  CHECK(pieces(*hbt) == Pieces{{0, 3}, {100, 3}});
  CHECK(hbt->combiner() == Combiner::HindexedBlock);
}

TEST_CASE("struct pads its extent to the strictest alignment") {
  std::vector<int64_t> bl{1, 1};
  std::vector<int64_t> d{0, 8};
  std::vector<Type*> ty{basic(BasicKind::Double), basic(BasicKind::Char)};
  auto t = ok(dt::make_struct(bl, d, ty));
  CHECK(t->size() == 9);
  CHECK(t->extent() == 16);
  CHECK(t->true_extent() == 9);
  CHECK(pieces(*t, 2) == Pieces{{0, 9}, {16, 9}});
  CHECK(t->contents_types().size() == 2);
  CHECK(t->contents_types()[1] == basic(BasicKind::Char));
}

TEST_CASE("struct of adjacent members of different kinds is contiguous") {
  std::vector<int64_t> bl{2, 1};
  std::vector<int64_t> d{0, 8};
  std::vector<Type*> ty{basic(BasicKind::Int), basic(BasicKind::Float)};
  auto t = ok(dt::make_struct(bl, d, ty));
  CHECK(t->size() == 12);
  CHECK(t->extent() == 12);
  CHECK(t->is_contiguous());
}

TEST_CASE("resized changes bounds but not the data; a resized struct is not padded") {
  auto r = ok(dt::make_resized(basic(BasicKind::Int), -4, 16));
  CHECK(r->lb() == -4);
  CHECK(r->extent() == 16);
  CHECK(r->true_lb() == 0);
  CHECK(r->true_extent() == 4);
  CHECK(pieces(*r, 3) == Pieces{{0, 4}, {16, 4}, {32, 4}});
  CHECK(r->contents_addrs() == std::vector<int64_t>{-4, 16});

  auto c = ok(dt::make_resized(basic(BasicKind::Char), 0, 3));
  std::vector<int64_t> bl{1, 1};
  std::vector<int64_t> d{0, 8};
  std::vector<Type*> ty{basic(BasicKind::Double), c.get()};
  auto s = ok(dt::make_struct(bl, d, ty));
  CHECK(s->extent() == 11);  // explicit bounds inside: no padding
}

TEST_CASE("dup has the same layout and records its parent") {
  auto v = ok(dt::make_vector(2, 1, 3, basic(BasicKind::Int)));
  auto d = ok(dt::make_dup(v.get()));
  CHECK(d->size() == v->size());
  CHECK(d->extent() == v->extent());
  CHECK(pieces(*d, 2) == pieces(*v, 2));
  CHECK(d->combiner() == Combiner::Dup);
  CHECK(d->contents_types() == std::vector<Type*>{v.get()});
}

TEST_CASE("C-order subarray selects rows then columns; extent is the whole array") {
  // 4 x 5 ints, rows 1..2, columns 2..4.
  std::vector<int64_t> sizes{4, 5}, sub{2, 3}, start{1, 2};
  auto t = ok(dt::make_subarray(sizes, sub, start, dt::kOrderC, basic(BasicKind::Int)));
  CHECK(t->size() == 24);
  CHECK(t->lb() == 0);
  CHECK(t->extent() == 80);
  CHECK(pieces(*t) == Pieces{{(1 * 5 + 2) * 4, 12}, {(2 * 5 + 2) * 4, 12}});
  CHECK(t->combiner() == Combiner::Subarray);
  std::vector<int64_t> expect{2, 4, 5, 2, 3, 1, 2, dt::kOrderC};
  CHECK(t->contents_ints() == expect);
}

TEST_CASE("Fortran-order subarray runs the first index fastest") {
  // 4 x 5 (column-major), i in 1..2, j in 2..4: element (i,j) at i + 4j.
  std::vector<int64_t> sizes{4, 5}, sub{2, 3}, start{1, 2};
  auto t = ok(dt::make_subarray(sizes, sub, start, dt::kOrderFortran, basic(BasicKind::Double)));
  CHECK(t->extent() == 160);
  Pieces expect;
  for (int j = 2; j <= 4; ++j) expect.push_back({(1 + 4 * j) * 8, 16});
  CHECK(pieces(*t) == expect);
}

TEST_CASE("3-D subarray matches a hand enumeration") {
  std::vector<int64_t> sizes{3, 4, 5}, sub{2, 2, 2}, start{1, 1, 3};
  auto t = ok(dt::make_subarray(sizes, sub, start, dt::kOrderC, basic(BasicKind::Char)));
  Pieces expect;
  for (int i = 1; i < 3; ++i)
    for (int j = 1; j < 3; ++j) expect.push_back({(i * 4 + j) * 5 + 3, 2});
  CHECK(pieces(*t) == expect);
  CHECK(t->extent() == 60);
}

TEST_CASE("subarray rejects a window outside the array") {
  std::vector<int64_t> sizes{4}, sub{3}, start{2};
  auto r = dt::make_subarray(sizes, sub, start, dt::kOrderC, basic(BasicKind::Int));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().error_class() == dt::kErrArg);
  CHECK(r.status().message().find("array_of_starts[0]") != std::string::npos);
}

namespace {

Pieces darray1(int size, int rank, int64_t g, int distrib, int darg) {
  std::vector<int64_t> gs{g};
  std::vector<int> di{distrib}, da{darg}, ps{size};
  auto t = ok(dt::make_darray(size, rank, gs, di, da, ps, dt::kOrderC, basic(BasicKind::Int)));
  CHECK(t->extent() == g * 4);
  CHECK(t->lb() == 0);
  return pieces(*t);
}

}  // namespace

TEST_CASE("darray block distribution gives each rank ceil(g/p) elements") {
  CHECK(darray1(3, 0, 10, dt::kDistributeBlock, dt::kDistributeDefaultArg) == Pieces{{0, 16}});
  CHECK(darray1(3, 1, 10, dt::kDistributeBlock, dt::kDistributeDefaultArg) == Pieces{{16, 16}});
  CHECK(darray1(3, 2, 10, dt::kDistributeBlock, dt::kDistributeDefaultArg) == Pieces{{32, 8}});
  CHECK(darray1(2, 1, 10, dt::kDistributeBlock, 6) == Pieces{{24, 16}});
}

TEST_CASE("darray cyclic distribution deals blocks round robin") {
  CHECK(darray1(3, 0, 10, dt::kDistributeCyclic, dt::kDistributeDefaultArg) ==
        Pieces{{0, 4}, {12, 4}, {24, 4}, {36, 4}});
  CHECK(darray1(3, 0, 10, dt::kDistributeCyclic, 2) == Pieces{{0, 8}, {24, 8}});
  CHECK(darray1(3, 1, 10, dt::kDistributeCyclic, 2) == Pieces{{8, 8}, {32, 8}});
  CHECK(darray1(3, 2, 10, dt::kDistributeCyclic, 2) == Pieces{{16, 8}});
}

TEST_CASE("2-D darray: block rows, cyclic columns, row-major process grid") {
  // 4 x 6 ints on a 2 x 2 grid; rank 3 is grid (1, 1): rows 2..3, columns 1,3,5.
  std::vector<int64_t> gs{4, 6};
  std::vector<int> di{dt::kDistributeBlock, dt::kDistributeCyclic}, da{dt::kDistributeDefaultArg, 1},
      ps{2, 2};
  auto t = ok(dt::make_darray(4, 3, gs, di, da, ps, dt::kOrderC, basic(BasicKind::Int)));
  Pieces expect;
  for (int i = 2; i < 4; ++i)
    for (int j = 1; j < 6; j += 2) expect.push_back({(i * 6 + j) * 4, 4});
  CHECK(pieces(*t) == expect);
  CHECK(t->extent() == 96);
  CHECK(t->combiner() == Combiner::Darray);
  CHECK(t->contents_ints().size() == 4 * 2 + 4);

  // The same in Fortran order: dimension 0 fastest.
  auto f = ok(dt::make_darray(4, 3, gs, di, da, ps, dt::kOrderFortran, basic(BasicKind::Int)));
  Pieces fexpect;
  for (int j = 1; j < 6; j += 2) fexpect.push_back({(2 + 4 * j) * 4, 8});
  CHECK(pieces(*f) == fexpect);
}

TEST_CASE("darray with DISTRIBUTE_NONE keeps the whole dimension") {
  std::vector<int64_t> gs{3, 4};
  std::vector<int> di{dt::kDistributeNone, dt::kDistributeBlock},
      da{dt::kDistributeDefaultArg, dt::kDistributeDefaultArg}, ps{1, 2};
  auto t = ok(dt::make_darray(2, 1, gs, di, da, ps, dt::kOrderC, basic(BasicKind::Char)));
  CHECK(pieces(*t) == Pieces{{2, 2}, {6, 2}, {10, 2}});
}

TEST_CASE("darray rejects a process grid that does not match size") {
  std::vector<int64_t> gs{8};
  std::vector<int> di{dt::kDistributeBlock}, da{dt::kDistributeDefaultArg}, ps{3};
  auto r = dt::make_darray(4, 0, gs, di, da, ps, dt::kOrderC, basic(BasicKind::Int));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().error_class() == dt::kErrArg);
}

TEST_CASE("negative counts and blocklengths are MPI_ERR_COUNT") {
  auto a = dt::make_contiguous(-1, basic(BasicKind::Int));
  REQUIRE_FALSE(a.is_ok());
  CHECK(a.status().error_class() == dt::kErrCount);
  auto b = dt::make_vector(2, -3, 1, basic(BasicKind::Int));
  REQUIRE_FALSE(b.is_ok());
  CHECK(b.status().message().find("blocklength") != std::string::npos);
  std::vector<int64_t> bl{1, -1}, d{0, 1};
  auto c = dt::make_indexed(bl, d, basic(BasicKind::Int));
  REQUIRE_FALSE(c.is_ok());
  CHECK(c.status().message().find("blocklength[1]") != std::string::npos);
}

TEST_CASE("empty types have size 0 and zero bounds") {
  auto t = ok(dt::make_contiguous(0, basic(BasicKind::Int)));
  CHECK(t->size() == 0);
  CHECK(t->extent() == 0);
  CHECK(pieces(*t, 5).empty());
  std::vector<int64_t> bl{0, 2}, d{0, 3};
  auto i = ok(dt::make_indexed(bl, d, basic(BasicKind::Int)));
  CHECK(i->lb() == 12);
  CHECK(pieces(*i) == Pieces{{12, 8}});
}

TEST_CASE("a freed type stays valid while a derived type or a user holds it") {
  Type* v = dt::make_vector(2, 1, 2, basic(BasicKind::Int)).value();
  REQUIRE(v->commit().is_ok());
  Type* d = dt::make_dup(v).value();
  CHECK(v->ref_count() == 2);
  v->retain();   // e.g. a pending request
  v->release();  // the user's MPI_Type_free
  CHECK(v->ref_count() == 2);
  REQUIRE(d->commit().is_ok());
  CHECK(d->size() == 8);
  v->release();                // the request completes
  CHECK(v->ref_count() == 1);  // still held by the dup
  d->release();                // frees both
}

TEST_CASE("nested vectors of structs walk in typemap order") {
  std::vector<int64_t> bl{1, 1};
  std::vector<int64_t> d{0, 8};
  std::vector<Type*> ty{basic(BasicKind::Int), basic(BasicKind::Double)};
  auto s = ok(dt::make_struct(bl, d, ty));  // {int @0, double @8}, extent 16
  auto v = ok(dt::make_vector(2, 2, 3, s.get()));
  CHECK(v->size() == 48);
  CHECK(v->extent() == (3 + 2) * 16);
  CHECK(pieces(*v) == Pieces{{0, 4}, {8, 12}, {24, 8}, {48, 4}, {56, 12}, {72, 8}});
}

TEST_CASE("empty struct members neither align nor bound the struct") {
  std::vector<int64_t> bl{0, 1};
  std::vector<int64_t> d{8, 16};
  std::vector<Type*> ty{basic(BasicKind::Double), basic(BasicKind::Int)};
  auto t = ok(dt::make_struct(bl, d, ty));
  CHECK(t->lb() == 16);
  CHECK(t->extent() == 4);
}

TEST_CASE("a darray rank with no elements has zero true bounds") {
  std::vector<int64_t> gs{2};
  std::vector<int> di{dt::kDistributeBlock}, da{dt::kDistributeDefaultArg}, ps{4};
  auto t = ok(dt::make_darray(4, 3, gs, di, da, ps, dt::kOrderC, basic(BasicKind::Int)));
  CHECK(t->size() == 0);
  CHECK(t->extent() == 8);
  CHECK(t->true_lb() == 0);
  CHECK(t->true_extent() == 0);
}
