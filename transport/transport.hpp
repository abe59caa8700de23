// A first, narrow description of what a transport offers, so the runtime can
// pick a protocol per peer (inline send, rendezvous pull, copy pipeline, RMA)
// and fall back where an operation is missing. A sketch: the point-to-point
// layer refines it when it lands.
#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::transport {

// What a transport can do for a given peer.
enum Capability : std::uint32_t {
  cap_inline_send = 1u << 0,    // header + small payload copied into the peer's queue
  cap_rndv_pull = 1u << 1,      // receiver reads the sender's memory directly (CMA, fi_read)
  cap_rndv_push = 1u << 2,      // sender writes the receiver's memory directly
  cap_copy_pipeline = 1u << 3,  // two-copy chunked pipeline for large data
  cap_rma = 1u << 4,            // one-sided put/get on registered/shared memory
  cap_atomics = 1u << 5,        // remote atomic operations
};

// Static facts about one transport instance, filled in at initialisation.
struct TransportDescriptor {
  const char* name = "";            // "shm", "ofi", "self"
  std::uint32_t caps = 0;           // Capability bits
  std::size_t max_header = 0;       // largest protocol header an inline send carries
  std::size_t max_inline = 0;       // largest payload of one inline send (header of max_header)
  std::size_t pipeline_chunk = 0;   // chunk of the copy pipeline, 0 if none

  [[nodiscard]] bool has(Capability c) const { return (caps & c) != 0; }
};

}  // namespace parley::transport
