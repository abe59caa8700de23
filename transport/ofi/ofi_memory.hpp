// Memory registered with the domain: the rendezvous source a peer reads with
// fi_read (FI_REMOTE_READ), or local buffers on providers that need a
// descriptor for them (FI_MR_LOCAL).
#pragma once

#include <cstddef>
#include <cstdint>

#include "transport/common/status.hpp"

struct fid_mr;

namespace parley::transport::ofi {

class Fabric;

// What a reader needs to name registered memory of ours: carry it in the
// rendezvous header. `addr` already follows the domain's addressing rule
// (a virtual address, or an offset from the region's start), so the reader
// adds its byte offset to it and passes both to Endpoint::read.
struct RemoteKey {
  std::uint64_t addr = 0;
  std::uint64_t key = 0;
};

class MemoryRegion {
 public:
  enum Access : std::uint64_t { remote_read = 1, local = 2 };

  MemoryRegion() = default;
  MemoryRegion(const MemoryRegion&) = delete;
  MemoryRegion& operator=(const MemoryRegion&) = delete;
  MemoryRegion(MemoryRegion&& other) noexcept;
  MemoryRegion& operator=(MemoryRegion&& other) noexcept;
  ~MemoryRegion();

  // fi_mr_reg of [buf, buf + len). `access` is a mask of Access bits.
  // Costs a system call and page pinning on most providers: register a
  // rendezvous buffer once per transfer (or cache it), never per chunk.
  [[nodiscard]] TransportStatus register_memory(const Fabric& fabric, const void* buf, std::size_t len,
                                                std::uint64_t access);
  // fi_close of the registration; harmless when not registered.
  void close();

  [[nodiscard]] bool registered() const { return mr_ != nullptr; }
  [[nodiscard]] void* desc() const;         // local descriptor (fi_mr_desc)
  [[nodiscard]] std::uint64_t key() const;  // remote key (fi_mr_key)
  // The key and address a peer reads byte 0 of the region with.
  [[nodiscard]] RemoteKey remote() const { return RemoteKey{remote_base_, key_}; }

 private:
  fid_mr* mr_ = nullptr;
  std::uint64_t key_ = 0;
  std::uint64_t remote_base_ = 0;
};

}  // namespace parley::transport::ofi
