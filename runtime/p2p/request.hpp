// Requests: the state of one nonblocking operation, from posting to
// completion. Allocated from a free list; completion is a flag the engine
// sets. The C layer hands out integer handles that index them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/intrusive_list.hpp"
#include "comm/communicator.hpp"
#include "datatype/type.hpp"
#include "p2p/match.hpp"

namespace parley::p2p {

enum class RequestKind : std::uint8_t { send, recv, generalized };
enum class SendMode : std::uint8_t { standard, sync, ready, buffered };

// What MPI_Status reports, in runtime terms.
struct StatusInfo {
  int source = -1;  // MPI_ANY_SOURCE until matched
  int tag = -1;
  int error = 0;
  std::size_t bytes = 0;
  bool cancelled = false;
};

// The message buffer of an operation: `bytes` contiguous bytes at `base`,
// which is what the protocols move. A noncontiguous datatype sets `type`,
// `user` and `count` instead (base stays null): the shm and self protocols
// stream the packed form of (count, type) at `user` straight into and out
// of cells, CMA iovecs and pipeline chunks; libfabric routes stage it in a
// packed copy (Request::staging, then base).
struct Buffer {
  void* base = nullptr;
  std::size_t bytes = 0;
  const dt::Type* type = nullptr;  // noncontiguous: the user's layout (referenced)
  void* user = nullptr;            // noncontiguous: the user's buffer
  std::int64_t count = 0;
};

struct Request {
  RequestKind kind = RequestKind::send;
  SendMode mode = SendMode::standard;
  bool complete = false;
  bool persistent = false;  // MPI_*_init: survives completion until freed
  bool active = false;      // persistent: started and not yet completed
  bool user_freed = false;  // MPI_Request_free before completion: free when done
  StatusInfo status;

  Communicator* comm = nullptr;
  int peer = 0;  // destination (send) or source (recv), in comm's ranks
  int tag = 0;
  Buffer buf;

  PostedRecv posted;      // recv: its entry in the matching engine
  ListLink pending_link;  // send: queued behind earlier sends to the same peer
  ListLink wait_link;     // ofi: waiting for the peer's reply (ack/fin/cts) or data
  int dest_local = -1;    // send: the destination's local (shm) rank

  // ofi rendezvous state.
  void* rndv_mr = nullptr;         // send: the registered buffer (transport::ofi::MemoryRegion, owned)
  std::uint64_t remote_req = 0;    // the peer's request (echoed in fin / pipeline chunks)
  std::uint64_t remote_addr = 0;   // recv: the sender's registered buffer (fi_read)
  std::uint64_t remote_key = 0;
  std::uint64_t xfer_total = 0;    // pipeline: bytes of the whole message
  std::uint64_t xfer_done = 0;     // pipeline: bytes sent / received so far
  int handle = 0;         // the C handle naming it, if any

  // Generalized requests (MPI_Grequest_start): the user's callbacks.
  void* greq_query = nullptr;
  void* greq_free = nullptr;
  void* greq_cancel = nullptr;
  void* greq_state = nullptr;

  std::byte* staging = nullptr;  // noncontiguous buffer over libfabric: the packed copy (owned)
  void* coll_persistent = nullptr;  // MPI_X_init: the C layer's PersistentColl (owned there)

  Request* next_free = nullptr;  // free list
};

}  // namespace parley::p2p
