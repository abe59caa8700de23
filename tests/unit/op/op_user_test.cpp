// User ops through reduce() and the MPI_Op handle table: handle values,
// lookup, free, slot reuse, reference counting.
#include <catch2/catch.hpp>
#include <mpi.h>

#include "op/op.hpp"
#include "op/op_handles.hpp"
#include "op/predefined_types.hpp"

namespace op = parley::op;
using parley::dt::BasicKind;

namespace {

MPI_Datatype g_seen_type = MPI_DATATYPE_NULL;
int g_seen_len = -1;

// inout = 10 * in + inout, to tell the argument order apart.
void weighted(void* in, void* inout, int* len, MPI_Datatype* type) {
  g_seen_type = *type;
  g_seen_len = *len;
  for (int i = 0; i < *len; ++i) static_cast<int*>(inout)[i] += 10 * static_cast<int*>(in)[i];
}

void weighted_c(void* in, void* inout, MPI_Count* len, MPI_Datatype* type) {
  g_seen_type = *type;
  g_seen_len = static_cast<int>(*len);
  for (MPI_Count i = 0; i < *len; ++i) static_cast<int*>(inout)[i] += 10 * static_cast<int*>(in)[i];
}

}  // namespace

TEST_CASE("Predefined op handles are MPICH's values and name their ops") {
  CHECK(op::lookup_op(MPI_MAX)->kind() == op::OpKind::Max);
  CHECK(op::lookup_op(MPI_SUM)->name() == "MPI_SUM");
  CHECK(op::lookup_op(MPI_MAXLOC)->kind() == op::OpKind::Maxloc);
  CHECK(op::lookup_op(MPI_NO_OP)->kind() == op::OpKind::NoOp);
  CHECK(op::lookup_op(MPI_OP_NULL) == nullptr);
  CHECK(op::lookup_op(0x5800000f) == nullptr);
  CHECK(op::lookup_op(0x98001234) == nullptr);
  CHECK(op::lookup_op(MPI_SUM)->commutative());
  CHECK(op::is_predefined_handle(MPI_BXOR));
  CHECK_FALSE(op::unregister_user_op(MPI_SUM));
}

TEST_CASE("Predefined datatype handles map to their kinds and back") {
  CHECK(op::predefined_kind(MPI_DOUBLE) == BasicKind::Double);
  CHECK(op::predefined_kind(MPI_LONG_LONG) == BasicKind::LongLong);
  CHECK(op::predefined_kind(MPI_2INT) == BasicKind::TwoInt);
  CHECK(op::predefined_kind(MPI_LONG_DOUBLE_INT) == BasicKind::LongDoubleInt);
  CHECK(op::predefined_kind(MPI_COMPLEX32) == BasicKind::Complex32);
  CHECK_FALSE(op::predefined_kind(MPI_DATATYPE_NULL).has_value());
  CHECK_FALSE(op::predefined_kind(MPI_LB).has_value());
  for (size_t i = 0; i < parley::dt::kNumKinds; ++i) {
    auto k = static_cast<BasicKind>(i);
    CHECK(op::predefined_kind(op::predefined_handle(k)) == k);
  }
}

TEST_CASE("A user op gets in, inout, the count and the datatype handle, in that order") {
  op::Op* user = op::Op::create_user(&weighted, false);
  MPI_Op h = op::register_user_op(user);
  CHECK((static_cast<unsigned>(h) & 0xfc000000u) == 0x98000000u);
  REQUIRE(op::lookup_op(h) == user);
  CHECK_FALSE(user->commutative());
  int in[3] = {1, 2, 3}, io[3] = {4, 5, 6};
  REQUIRE(op::reduce(*user, in, io, 3, BasicKind::Int).is_ok());
  CHECK((io[0] == 14 && io[1] == 25 && io[2] == 36));
  CHECK(g_seen_type == MPI_INT);
  CHECK(g_seen_len == 3);
  // User ops accept any type, including ones no predefined op takes.
  REQUIRE(op::reduce(*user, in, io, 0, BasicKind::Char).is_ok());
  REQUIRE(op::unregister_user_op(h));
  CHECK(op::lookup_op(h) == nullptr);
  CHECK_FALSE(op::unregister_user_op(h));
}

TEST_CASE("The large-count user function gets an MPI_Count length") {
  op::Op* user = op::Op::create_user_c(&weighted_c, true);
  MPI_Op h = op::register_user_op(user);
  int in[2] = {1, 1}, io[2] = {0, 0};
  REQUIRE(op::reduce(*user, in, io, 2, BasicKind::Int).is_ok());
  CHECK((io[0] == 10 && io[1] == 10 && g_seen_len == 2));
  CHECK(user->commutative());
  REQUIRE(op::unregister_user_op(h));
}

TEST_CASE("Freed slots are reused and an acquired op outlives its handle") {
  MPI_Op a = op::register_user_op(op::Op::create_user(&weighted, true));
  MPI_Op b = op::register_user_op(op::Op::create_user(&weighted, true));
  CHECK(a != b);
  op::Op* kept = op::acquire_op(a);
  REQUIRE(kept != nullptr);
  REQUIRE(op::unregister_user_op(a));
  int in = 1, io = 0;
  REQUIRE(op::reduce(*kept, &in, &io, 1, BasicKind::Int).is_ok());  // still alive
  CHECK(io == 10);
  kept->release();
  MPI_Op c = op::register_user_op(op::Op::create_user(&weighted, true));
  CHECK(c == a);  // the slot came back
  REQUIRE(op::unregister_user_op(b));
  REQUIRE(op::unregister_user_op(c));
}
