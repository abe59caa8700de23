// uniform_basic_kind: the one predefined kind of a type's basic elements and
// their count per instance, for every constructor; mixed and empty types.
#include "datatype/uniform_kind.hpp"

#include <vector>

#include "dt_test_util.hpp"

using namespace dtt;
namespace dt = parley::dt;

namespace {

void check_uniform(const Type& t, BasicKind kind, int64_t count) {
  auto u = dt::uniform_basic_kind(t);
  REQUIRE(u.has_value());
  CHECK(u->kind == kind);
  CHECK(u->count == count);
}

}  // namespace

TEST_CASE("uniform_basic_kind of a predefined type is itself, once") {
  check_uniform(*basic(BasicKind::Double), BasicKind::Double, 1);
  check_uniform(*basic(BasicKind::Int), BasicKind::Int, 1);
  check_uniform(*basic(BasicKind::DoubleInt), BasicKind::DoubleInt, 1);
  check_uniform(*basic(BasicKind::TwoInt), BasicKind::TwoInt, 1);
}

TEST_CASE("uniform_basic_kind counts the elements of every single-child constructor") {
  Type* d = basic(BasicKind::Double);
  check_uniform(*ok(dt::make_contiguous(7, d)), BasicKind::Double, 7);
  check_uniform(*ok(dt::make_vector(5, 3, 4, d)), BasicKind::Double, 15);
  check_uniform(*ok(dt::make_hvector(5, 3, 100, d)), BasicKind::Double, 15);
  std::vector<int64_t> bl{2, 0, 5}, disp{0, 3, 10};
  check_uniform(*ok(dt::make_indexed(bl, disp, d)), BasicKind::Double, 7);
  check_uniform(*ok(dt::make_hindexed(bl, disp, d)), BasicKind::Double, 7);
  check_uniform(*ok(dt::make_indexed_block(4, disp, d)), BasicKind::Double, 12);
  check_uniform(*ok(dt::make_hindexed_block(4, disp, d)), BasicKind::Double, 12);
  check_uniform(*ok(dt::make_resized(d, -8, 64)), BasicKind::Double, 1);
  check_uniform(*ok(dt::make_dup(d)), BasicKind::Double, 1);
  std::vector<int64_t> sizes{6, 7, 5}, sub{3, 2, 4}, start{2, 4, 1};
  check_uniform(*ok(dt::make_subarray(sizes, sub, start, dt::kOrderC, d)), BasicKind::Double, 24);
  std::vector<int64_t> gs{10, 9};
  std::vector<int> distrib{dt::kDistributeBlock, dt::kDistributeCyclic}, darg{dt::kDistributeDefaultArg, 2},
      ps{2, 3};
  TypePtr da = ok(dt::make_darray(6, 4, gs, distrib, darg, ps, dt::kOrderC, d));
  check_uniform(*da, BasicKind::Double, da->size() / 8);
}

TEST_CASE("uniform_basic_kind counts a pair type once per pair") {
  Type* p = basic(BasicKind::DoubleInt);
  check_uniform(*ok(dt::make_contiguous(3, p)), BasicKind::DoubleInt, 3);
  check_uniform(*ok(dt::make_vector(2, 2, 3, basic(BasicKind::TwoInt))), BasicKind::TwoInt, 4);
}

TEST_CASE("uniform_basic_kind sees through nesting and structs of one kind") {
  Type* f = basic(BasicKind::Float);
  TypePtr v = ok(dt::make_vector(3, 2, 5, f));
  std::vector<int64_t> bl{1, 4, 2}, disp{0, 64, 200};
  std::vector<Type*> ty{v.get(), f, v.get()};
  TypePtr s = ok(dt::make_struct(bl, disp, ty));
  check_uniform(*s, BasicKind::Float, 6 + 4 + 12);
  TypePtr outer = ok(dt::make_contiguous(2, ok(dt::make_resized(s.get(), 0, 512)).get()));
  check_uniform(*outer, BasicKind::Float, 44);
}

TEST_CASE("uniform_basic_kind is empty for mixed kinds, kinds that only look alike, and empty types") {
  std::vector<int64_t> bl{1, 1}, disp{0, 8};
  std::vector<Type*> mixed{basic(BasicKind::Double), basic(BasicKind::Int)};
  CHECK_FALSE(dt::uniform_basic_kind(*ok(dt::make_struct(bl, disp, mixed))).has_value());
  // Same size and meaning in C, but different MPI types.
  std::vector<Type*> alike{basic(BasicKind::Int), basic(BasicKind::Int32)};
  CHECK_FALSE(dt::uniform_basic_kind(*ok(dt::make_struct(bl, disp, alike))).has_value());
  // A struct shaped like MPI_DOUBLE_INT is not MPI_DOUBLE_INT.
  std::vector<Type*> pair_parts{basic(BasicKind::Double), basic(BasicKind::Int)};
  CHECK_FALSE(dt::uniform_basic_kind(*ok(dt::make_struct(bl, disp, pair_parts))).has_value());
  // A pair mixed with its own member kind.
  std::vector<Type*> pair_and_double{basic(BasicKind::DoubleInt), basic(BasicKind::Double)};
  std::vector<int64_t> disp2{0, 16};
  CHECK_FALSE(dt::uniform_basic_kind(*ok(dt::make_struct(bl, disp2, pair_and_double))).has_value());
  CHECK_FALSE(dt::uniform_basic_kind(*ok(dt::make_contiguous(0, basic(BasicKind::Int)))).has_value());
}

TEST_CASE("uniform_basic_kind ignores empty struct members of another kind") {
  std::vector<int64_t> bl{3, 0, 2}, disp{0, 24, 32};
  TypePtr empty_short = ok(dt::make_contiguous(0, basic(BasicKind::Short)));
  std::vector<Type*> ty{basic(BasicKind::Double), basic(BasicKind::Int), basic(BasicKind::Double)};
  check_uniform(*ok(dt::make_struct(bl, disp, ty)), BasicKind::Double, 5);
  std::vector<int64_t> bl2{3, 4, 2};
  std::vector<Type*> ty2{basic(BasicKind::Double), empty_short.get(), basic(BasicKind::Double)};
  check_uniform(*ok(dt::make_struct(bl2, disp, ty2)), BasicKind::Double, 5);
}

TEST_CASE("uniform_basic_kind works before commit") {
  auto r = dt::make_vector(4, 2, 3, basic(BasicKind::Long));
  REQUIRE(r.is_ok());
  TypePtr t(r.value());
  REQUIRE_FALSE(t->committed());
  check_uniform(*t, BasicKind::Long, 8);
}
