// MPI_Request handles: integers naming runtime requests (MPICH ABI:
// MPI_REQUEST_NULL is 0x2c000000; ours are 0xac000000 | index).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "p2p/request.hpp"

namespace parley::c {

class RequestTable {
 public:
  static constexpr std::uint32_t kTag = 0xac000000u;
  static constexpr std::uint32_t kTagMask = 0xfc000000u;

  MPI_Request insert(p2p::Request* r) {
    std::uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
      slots_[index] = r;
    } else {
      index = static_cast<std::uint32_t>(slots_.size());
      slots_.push_back(r);
    }
    auto h = static_cast<MPI_Request>(kTag | index);
    r->handle = h;
    return h;
  }

  // The request behind a handle, or nullptr for anything not live.
  p2p::Request* lookup(MPI_Request h) const {
    auto u = static_cast<std::uint32_t>(h);
    if ((u & kTagMask) != kTag) return nullptr;
    std::uint32_t index = u & ~kTagMask;
    return index < slots_.size() ? slots_[index] : nullptr;
  }

  void erase(MPI_Request h) {
    std::uint32_t index = static_cast<std::uint32_t>(h) & ~kTagMask;
    slots_[index] = nullptr;
    free_.push_back(index);
  }

 private:
  std::vector<p2p::Request*> slots_;
  std::vector<std::uint32_t> free_;
};

RequestTable& requests();

}  // namespace parley::c
