// Reduction operations on the C ABI (MPI-3.1 5.9): MPI_Op_create/free,
// MPI_Op_commutative and MPI_Reduce_local. Each checks its arguments,
// translates handles, makes one runtime call and reports through
// MPI_COMM_WORLD's error handler.
#include <mpi.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "datatype/pack.hpp"
#include "datatype/uniform_kind.hpp"
#include "datatype_table.hpp"
#include "c_api.hpp"
#include "op/op.hpp"
#include "op/op_handles.hpp"
#include "op/predefined_types.hpp"

using parley::Status;
using parley::c::report;
namespace op = parley::op;

namespace {

std::string hex(unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", value);
  return buf;
}

Status invalid_op(MPI_Op handle) {
  if (handle == MPI_OP_NULL) return Status(MPI_ERR_OP, "op is MPI_OP_NULL");
  return Status(MPI_ERR_OP, "invalid op handle " + hex(static_cast<unsigned>(handle)));
}

// The op behind a handle, or the error naming why there is none.
Status find_op(MPI_Op handle, op::Op*& out) {
  out = op::lookup_op(handle);
  return out != nullptr ? Status::ok() : invalid_op(handle);
}

// The element description of a reduce_local datatype. Derived datatypes
// join here once the datatype engine can say "count basic elements of one
// kind" for them.
Status find_element_type(MPI_Datatype type, op::ElementType& out) {
  if (type == MPI_DATATYPE_NULL) return Status(MPI_ERR_TYPE, "datatype is MPI_DATATYPE_NULL");
  std::optional<op::ElementType> t = op::predefined_element_type(type);
  if (t) {
    out = *t;
    return Status::ok();
  }
  // A derived type: its basic elements must all be one predefined type for
  // a predefined op (basic_per_item 0 marks a mixed type; user ops accept it).
  parley::dt::Type* d = nullptr;
  if (Status st = parley::c::check_datatype(type, "datatype", true, &d); !st) return st;
  out = op::ElementType{type, static_cast<size_t>(d->extent()), parley::dt::BasicKind::Byte, 0};
  if (auto u = parley::dt::uniform_basic_kind(*d)) {
    out.basic = u->kind;
    out.basic_per_item = static_cast<size_t>(u->count);
  }
  return Status::ok();
}

Status reduce_local(const void* inbuf, void* inoutbuf, MPI_Count count, MPI_Datatype datatype, MPI_Op handle) {
  if (Status st = parley::c::require_initialized(); !st) return st;
  op::Op* o = nullptr;
  if (Status st = find_op(handle, o); !st) return st;
  if (count < 0) return Status(MPI_ERR_COUNT, "count must be non-negative (got " + std::to_string(count) + ")");
  op::ElementType type{};
  if (Status st = find_element_type(datatype, type); !st) return st;
  if (inbuf == MPI_IN_PLACE || inoutbuf == MPI_IN_PLACE)
    return Status(MPI_ERR_BUFFER, "MPI_IN_PLACE is not allowed in MPI_Reduce_local");
  if (count > 0 && inbuf == nullptr) return Status(MPI_ERR_BUFFER, "inbuf is NULL but count is " + std::to_string(count));
  if (count > 0 && inoutbuf == nullptr)
    return Status(MPI_ERR_BUFFER, "inoutbuf is NULL but count is " + std::to_string(count));
  const parley::dt::Type* d = op::predefined_element_type(datatype) ? nullptr : parley::c::lookup_datatype(datatype);
  if (d == nullptr || !o->is_predefined() || d->is_contiguous() || count == 0) {
    // Predefined types, user functions (they get the user's layout) and
    // contiguous derived types reduce in place.
    const std::ptrdiff_t lb = (d != nullptr && o->is_predefined()) ? d->true_lb() : 0;
    return op::reduce(*o, static_cast<const std::byte*>(inbuf) + lb, static_cast<std::byte*>(inoutbuf) + lb,
                      static_cast<size_t>(count), type);
  }
  // A predefined op on a type with holes: combine the packed elements.
  if (Status st = op::check(*o, type); !st) return st;
  const auto bytes = static_cast<size_t>(count) * static_cast<size_t>(d->size());
  std::vector<std::byte> a(bytes), b(bytes);
  parley::dt::pack(inbuf, count, *d, 0, a.data(), bytes);
  parley::dt::pack(inoutbuf, count, *d, 0, b.data(), bytes);
  if (Status st = op::reduce(*o, a.data(), b.data(), static_cast<size_t>(count), type); !st) return st;
  parley::dt::unpack(b.data(), bytes, inoutbuf, count, *d, 0);
  return Status::ok();
}

Status op_create(op::Op* created, MPI_Op* handle) {
  MPI_Op h = op::register_user_op(created);
  if (h == MPI_OP_NULL) {
    created->release();
    return Status(MPI_ERR_INTERN, "too many user-defined ops");
  }
  *handle = h;
  return Status::ok();
}

}  // namespace

int PMPI_Op_create(MPI_User_function* user_fn, int commute, MPI_Op* op) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Op_create";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (user_fn == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("user_fn"));
  if (op == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("op"));
  Status st = op_create(op::Op::create_user(user_fn, commute != 0), op);
  return st ? MPI_SUCCESS : report(fn, MPI_COMM_WORLD, st);
}

int PMPI_Op_create_c(MPI_User_function_c* user_fn, int commute, MPI_Op* op) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Op_create_c";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (user_fn == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("user_fn"));
  if (op == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("op"));
  Status st = op_create(op::Op::create_user_c(user_fn, commute != 0), op);
  return st ? MPI_SUCCESS : report(fn, MPI_COMM_WORLD, st);
}

int PMPI_Op_free(MPI_Op* op) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Op_free";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (op == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("op"));
  if (op::is_predefined_handle(*op))
    return report(fn, MPI_COMM_WORLD,
                  Status(MPI_ERR_OP, "cannot free the predefined op " + std::string(op::lookup_op(*op)->name())));
  if (!op::unregister_user_op(*op)) return report(fn, MPI_COMM_WORLD, invalid_op(*op));
  *op = MPI_OP_NULL;
  return MPI_SUCCESS;
}

int PMPI_Op_commutative(MPI_Op op, int* commute) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Op_commutative";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  op::Op* o = nullptr;
  if (Status st = find_op(op, o); !st) return report(fn, MPI_COMM_WORLD, st);
  if (commute == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("commute"));
  *commute = o->commutative() ? 1 : 0;
  return MPI_SUCCESS;
}

int PMPI_Reduce_local(const void* inbuf, void* inoutbuf, int count, MPI_Datatype datatype, MPI_Op op) {
  PARLEY_API_LOCK();
  Status st = reduce_local(inbuf, inoutbuf, count, datatype, op);
  return st ? MPI_SUCCESS : report("MPI_Reduce_local", MPI_COMM_WORLD, st);
}

int PMPI_Reduce_local_c(const void* inbuf, void* inoutbuf, MPI_Count count, MPI_Datatype datatype, MPI_Op op) {
  PARLEY_API_LOCK();
  Status st = reduce_local(inbuf, inoutbuf, count, datatype, op);
  return st ? MPI_SUCCESS : report("MPI_Reduce_local_c", MPI_COMM_WORLD, st);
}
