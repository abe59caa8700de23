// The Op objects, the type check, and reduce(): predefined ops go to the
// kernel table, user ops to the user's function.
#include "op/op.hpp"

#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

#include "op/kernel.hpp"
#include "op/predefined_types.hpp"

namespace parley::op {
namespace {

constexpr std::array<std::string_view, kNumPredefinedOps + 1> kNames = {
    "MPI_MAX", "MPI_MIN", "MPI_SUM", "MPI_PROD", "MPI_LAND", "MPI_BAND", "MPI_LOR", "MPI_BOR",
    "MPI_LXOR", "MPI_BXOR", "MPI_MINLOC", "MPI_MAXLOC", "MPI_REPLACE", "MPI_NO_OP", "user-defined op",
};

bool aligned(const void* p, uint32_t align) { return reinterpret_cast<uintptr_t>(p) % align == 0; }

// Kernels may assume natural alignment (the vectoriser's peeling does); a
// misaligned buffer (e.g. inside an MPI_PACKED stream) is combined through
// aligned scratch space instead, a chunk at a time.
void bounce(Kernel kernel, const void* in, void* inout, size_t count, size_t extent) {
  constexpr size_t kScratch = 4096;
  alignas(64) unsigned char a[kScratch];
  alignas(64) unsigned char b[kScratch];
  const size_t per_chunk = kScratch / extent;
  const auto* src = static_cast<const unsigned char*>(in);
  auto* dst = static_cast<unsigned char*>(inout);
  while (count > 0) {
    size_t n = count < per_chunk ? count : per_chunk;
    std::memcpy(a, src, n * extent);
    std::memcpy(b, dst, n * extent);
    kernel(a, b, n);
    std::memcpy(dst, b, n * extent);
    src += n * extent;
    dst += n * extent;
    count -= n;
  }
}

}  // namespace

// Lets reduce() reach a user op's function pointers without making them public.
struct OpAccess {
  static Op* make(OpKind kind, bool commutative) { return new Op(kind, commutative); }
  static void destroy(Op* op) { delete op; }
  static void set_fn(Op* op, MPI_User_function* fn) { op->fn_ = fn; }
  static void set_fn_c(Op* op, MPI_User_function_c* fn) { op->fn_c_ = fn; }
};

std::string_view op_name(OpKind kind) { return kNames[static_cast<size_t>(kind)]; }

Op* Op::predefined(OpKind kind) {
  static const auto table = [] {
    std::array<Op*, kNumPredefinedOps> t{};
    for (size_t i = 0; i < kNumPredefinedOps; ++i) t[i] = OpAccess::make(static_cast<OpKind>(i), true);
    return t;
  }();
  return table[static_cast<size_t>(kind)];
}

Op* Op::create_user(MPI_User_function* fn, bool commutative) {
  Op* op = OpAccess::make(OpKind::User, commutative);
  OpAccess::set_fn(op, fn);
  return op;
}

Op* Op::create_user_c(MPI_User_function_c* fn, bool commutative) {
  Op* op = OpAccess::make(OpKind::User, commutative);
  OpAccess::set_fn_c(op, fn);
  return op;
}

void Op::retain() {
  if (!is_predefined()) refs_.fetch_add(1, std::memory_order_relaxed);
}

void Op::release() {
  if (is_predefined()) return;
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) OpAccess::destroy(this);
}

ElementType element_type(BasicKind kind) {
  return {predefined_handle(kind), dt::kind_info(kind).extent, kind, 1};
}

Status check(const Op& op, const ElementType& type, Usage usage) {
  if (!op.is_predefined()) return Status::ok();
  if (usage == Usage::Reduce && (op.kind() == OpKind::Replace || op.kind() == OpKind::NoOp))
    return Status(MPI_ERR_OP, std::string(op.name()) + " is only defined for RMA accumulate operations");
  if (type.basic_per_item == 0)
    return Status(MPI_ERR_OP, std::string(op.name()) +
                                  " is not defined for a datatype whose basic elements have different types");
  if (!op_allowed(op.kind(), type.basic))
    return Status(MPI_ERR_OP,
                  std::string(op.name()) + " is not defined for " + std::string(dt::kind_info(type.basic).name));
  return Status::ok();
}

Status check(const Op& op, BasicKind kind, Usage usage) { return check(op, element_type(kind), usage); }

// Calls the user's function in chunks the int-count signature can express.
Status reduce_user(const Op& op, const void* in, void* inout, size_t count, MPI_Datatype handle, size_t extent) {
  MPI_Datatype dtype = handle;
  auto* src = static_cast<unsigned char*>(const_cast<void*>(in));  // MPI_User_function takes void*
  auto* dst = static_cast<unsigned char*>(inout);
  if (op.fn_c_ != nullptr) {
    if (count == 0) return Status::ok();
    MPI_Count len = static_cast<MPI_Count>(count);
    op.fn_c_(src, dst, &len, &dtype);
    return Status::ok();
  }
  while (count > 0) {
    size_t n = count < static_cast<size_t>(INT_MAX) ? count : static_cast<size_t>(INT_MAX);
    int len = static_cast<int>(n);
    op.fn_(src, dst, &len, &dtype);
    src += n * extent;
    dst += n * extent;
    count -= n;
  }
  return Status::ok();
}

Status reduce(const Op& op, const void* in, void* inout, size_t count, const ElementType& type, Usage usage) {
  if (Status st = check(op, type, usage); !st) return st;
  if (!op.is_predefined()) return reduce_user(op, in, inout, count, type.handle, type.extent);
  if (count == 0 || op.kind() == OpKind::NoOp) return Status::ok();
  Kernel kernel = find_kernel(op.kind(), type.basic);
  if (kernel == nullptr)  // op_allowed() and the table disagree: a bug here, not the user's
    return Status(MPI_ERR_INTERN, "no kernel for " + std::string(op.name()) + " on " +
                                      std::string(dt::kind_info(type.basic).name));
  const dt::KindInfo& info = dt::kind_info(type.basic);
  size_t elements = count * type.basic_per_item;
  // The kernels' pointers are restrict: the same buffer on both sides goes
  // through the scratch copy too.
  if (in != inout && aligned(in, info.align) && aligned(inout, info.align)) kernel(in, inout, elements);
  else bounce(kernel, in, inout, elements, info.extent);
  return Status::ok();
}

Status reduce(const Op& op, const void* in, void* inout, size_t count, BasicKind kind, Usage usage) {
  return reduce(op, in, inout, count, element_type(kind), usage);
}

}  // namespace parley::op
