// Reduction operations (MPI-3.1 section 5.9): the predefined ops and user ops
// as runtime objects, and the one entry point every reduction in the runtime
// (collectives, MPI_Reduce_local, RMA accumulate) calls to combine buffers.
#pragma once

#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/status.hpp"
#include "datatype/basic_kind.hpp"

namespace parley::op {

using dt::BasicKind;

// The predefined ops in MPICH's handle order (MPI_MAX is 0x58000001, ...).
enum class OpKind : uint8_t {
  Max, Min, Sum, Prod, Land, Band, Lor, Bor, Lxor, Bxor, Minloc, Maxloc, Replace, NoOp,
  User,  // created with MPI_Op_create
};
inline constexpr size_t kNumPredefinedOps = static_cast<size_t>(OpKind::User);

// "MPI_SUM", ..., "user-defined op".
std::string_view op_name(OpKind kind);

// Where a reduction happens: MPI_REPLACE and MPI_NO_OP are only defined for
// the RMA accumulate functions (MPI-3.1 11.3.4), not for collectives or
// MPI_Reduce_local.
enum class Usage : uint8_t { Reduce, Accumulate };

// An operation: one of the fourteen predefined ones (static objects, never
// freed) or a user function. Reference counted so that a nonblocking
// collective keeps a user op alive after MPI_Op_free.
class Op {
 public:
  // The predefined op of this kind (kind != User).
  static Op* predefined(OpKind kind);
  // A user op (MPI_Op_create / MPI_Op_create_c); reference count starts at 1.
  static Op* create_user(MPI_User_function* fn, bool commutative);
  static Op* create_user_c(MPI_User_function_c* fn, bool commutative);

  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;
  Op(Op&&) = delete;
  Op& operator=(Op&&) = delete;

  OpKind kind() const { return kind_; }
  bool is_predefined() const { return kind_ != OpKind::User; }
  bool commutative() const { return commutative_; }
  std::string_view name() const { return op_name(kind_); }

  // Predefined ops are never counted; a user op is deleted by its last release.
  void retain();
  void release();

 private:
  Op(OpKind kind, bool commutative) : kind_(kind), commutative_(commutative) {}
  ~Op() = default;
  friend struct OpAccess;
  friend Status reduce_user(const Op&, const void*, void*, size_t, MPI_Datatype, size_t);

  OpKind kind_;
  bool commutative_;
  MPI_User_function* fn_ = nullptr;
  MPI_User_function_c* fn_c_ = nullptr;
  std::atomic<int> refs_{1};
};

// What a reduction needs to know about the elements of its buffers. For a
// predefined datatype use element_type(kind). The datatype engine fills it in
// for a derived type: a type whose basic elements are all of one kind, packed
// without holes, reduces as count * basic_per_item elements of that kind.
struct ElementType {
  MPI_Datatype handle;    // handed to user functions unchanged
  size_t extent;          // bytes from one item to the next (user-function chunking)
  BasicKind basic;        // the kind every basic element has
  size_t basic_per_item;  // basic elements in one item; 0: mixed kinds, predefined ops refuse
};

// The ElementType of a predefined datatype.
ElementType element_type(BasicKind kind);

// Whether op may combine elements of this type here; the message is the
// user-facing reason, e.g. "MPI_SUM is not defined for MPI_DOUBLE_INT".
// Collectives check this before they communicate.
Status check(const Op& op, const ElementType& type, Usage usage = Usage::Reduce);
Status check(const Op& op, BasicKind kind, Usage usage = Usage::Reduce);

// inout[i] = in[i] op inout[i] for count items of type (the MPI order: the
// earlier rank's data is `in`). `in` and `inout` are either the same buffer or
// do not overlap. Predefined ops run vectorised kernels (any alignment is
// accepted; misaligned or identical buffers are bounced through an aligned
// scratch area);
// user ops call the user function, split into chunks of at most INT_MAX
// items for MPI_User_function. Performs check() first.
Status reduce(const Op& op, const void* in, void* inout, size_t count, const ElementType& type,
              Usage usage = Usage::Reduce);
// The same for count elements of a predefined kind.
Status reduce(const Op& op, const void* in, void* inout, size_t count, BasicKind kind,
              Usage usage = Usage::Reduce);

}  // namespace parley::op
