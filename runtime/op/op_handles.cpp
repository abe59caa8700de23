// The user-op handle table: a vector of slots with a free list, under a mutex
// (creating and freeing ops is rare; lookups of predefined ops skip the lock).
#include "op/op_handles.hpp"

#include <cstdint>
#include <mutex>
#include <vector>

namespace parley::op {
namespace {

constexpr uint32_t kPredefinedBase = 0x58000000u;
constexpr uint32_t kUserBase = 0x98000000u;
constexpr uint32_t kUserMask = 0xfc000000u;
constexpr uint32_t kMaxSlots = 0x03ffffffu;

struct Table {
  std::mutex mutex;
  std::vector<Op*> slots;       // nullptr: free
  std::vector<uint32_t> free;   // reusable slot numbers
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

bool is_predefined_handle(MPI_Op handle) {
  auto u = static_cast<uint32_t>(handle);
  return u > kPredefinedBase && u <= kPredefinedBase + kNumPredefinedOps;
}

Op* lookup_op(MPI_Op handle) {
  auto u = static_cast<uint32_t>(handle);
  if (is_predefined_handle(handle)) return Op::predefined(static_cast<OpKind>(u - kPredefinedBase - 1));
  if ((u & kUserMask) != kUserBase) return nullptr;
  uint32_t slot = u & ~kUserMask;
  Table& t = table();
  std::lock_guard lock(t.mutex);
  return slot < t.slots.size() ? t.slots[slot] : nullptr;
}

Op* acquire_op(MPI_Op handle) {
  if (is_predefined_handle(handle)) return lookup_op(handle);
  auto u = static_cast<uint32_t>(handle);
  if ((u & kUserMask) != kUserBase) return nullptr;
  uint32_t slot = u & ~kUserMask;
  Table& t = table();
  std::lock_guard lock(t.mutex);
  if (slot >= t.slots.size() || t.slots[slot] == nullptr) return nullptr;
  t.slots[slot]->retain();
  return t.slots[slot];
}

MPI_Op register_user_op(Op* op) {
  Table& t = table();
  std::lock_guard lock(t.mutex);
  uint32_t slot;
  if (!t.free.empty()) {
    slot = t.free.back();
    t.free.pop_back();
    t.slots[slot] = op;
  } else {
    if (t.slots.size() >= kMaxSlots) return MPI_OP_NULL;
    slot = static_cast<uint32_t>(t.slots.size());
    t.slots.push_back(op);
  }
  return static_cast<MPI_Op>(kUserBase | slot);
}

bool unregister_user_op(MPI_Op handle) {
  auto u = static_cast<uint32_t>(handle);
  if ((u & kUserMask) != kUserBase) return false;
  uint32_t slot = u & ~kUserMask;
  Op* op = nullptr;
  {
    Table& t = table();
    std::lock_guard lock(t.mutex);
    if (slot >= t.slots.size() || t.slots[slot] == nullptr) return false;
    op = t.slots[slot];
    t.slots[slot] = nullptr;
    t.free.push_back(slot);
  }
  op->release();
  return true;
}

}  // namespace parley::op
