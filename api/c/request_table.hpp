// Handle tables: integers naming runtime objects; MPI_Request handles.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "p2p/request.hpp"

namespace parley::c {

// Integer handles naming live objects: tag | index, freed indices reused.
// A slot holding T{} is free, so T must be default-constructible and a live
// value must differ from T{} (a non-null pointer, a struct with one).
template <class T, std::uint32_t Tag>
class HandleTable {
 public:
  static constexpr std::uint32_t kTagMask = 0xfc000000u;

  int insert(T value) {
    if (free_.empty()) [[unlikely]] return grow(value);
    const std::uint32_t index = free_.back();
    free_.pop_back();
    slots_[index] = value;
    return static_cast<int>(Tag | index);
  }

  // The live value behind a handle, or nullptr.
  const T* find(int h) const {
    auto u = static_cast<std::uint32_t>(h);
    if ((u & kTagMask) != Tag) return nullptr;
    std::uint32_t index = u & ~kTagMask;
    return index < slots_.size() && !(slots_[index] == T{}) ? &slots_[index] : nullptr;
  }

  // Frees a handle that find() accepted.
  void erase(int h) {
    std::uint32_t index = static_cast<std::uint32_t>(h) & ~kTagMask;
    slots_[index] = T{};
    free_.push_back(index);
  }

 private:
  // A new slot (out of line: the vector's growth would otherwise make every
  // insert save and restore registers it does not use).
  [[gnu::noinline]] int grow(T value) {
    const auto index = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(value);
    free_.reserve(slots_.capacity());  // erase never allocates
    return static_cast<int>(Tag | index);
  }

  std::vector<T> slots_;
  std::vector<std::uint32_t> free_;
};

// MPI_Request handles (MPICH ABI: MPI_REQUEST_NULL is 0x2c000000; ours are
// 0xac000000 | index). Each request knows its handle.
class RequestTable {
 public:
  // One shared, always-complete request stands for every standard or ready
  // send whose data went into the peer's queue inside the call (the common
  // eager case): such a send needs no request of its own, so it costs no
  // allocation, no handle and nothing to free. Its handle lies outside the
  // table's range; waiting on it, testing it, freeing it or cancelling it
  // behaves as for any completed send, and nothing writes it after start-up
  // (one object serves every thread).
  static constexpr MPI_Request kDoneSend = static_cast<MPI_Request>(0xac000000u | 0x03ffffffu);
  static p2p::Request* done_send() { return &done_send_; }

  MPI_Request insert(p2p::Request* r) {
    if (r == &done_send_) return kDoneSend;
    auto h = static_cast<MPI_Request>(table_.insert(r));
    r->handle = h;
    return h;
  }
  // The request behind a handle, or nullptr for anything not live.
  p2p::Request* lookup(MPI_Request h) const {
    if (h == kDoneSend) return &done_send_;
    p2p::Request* const* r = table_.find(h);
    return r != nullptr ? *r : nullptr;
  }
  void erase(MPI_Request h) {
    if (h != kDoneSend) table_.erase(h);
  }

 private:
  static inline p2p::Request done_send_ = [] {
    p2p::Request r;
    r.complete = true;
    r.handle = kDoneSend;
    return r;
  }();
  HandleTable<p2p::Request*, 0xac000000u> table_;
};

namespace detail {
extern RequestTable* const request_table;  // request.cpp; never destroyed
}
// Inline: every nonblocking call and every completion goes through it.
inline RequestTable& requests() { return *detail::request_table; }

}  // namespace parley::c
