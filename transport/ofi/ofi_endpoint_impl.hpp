// Internal state of an ofi Endpoint, shared by ofi_endpoint.cpp (messages,
// credits, polling) and ofi_rma.cpp (rendezvous reads). Not for the runtime.
#pragma once

#include <rdma/fabric.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_eq.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "transport/common/iov.hpp"
#include "transport/ofi/ofi_endpoint.hpp"
#include "transport/ofi/ofi_fabric.hpp"
#include "transport/ofi/ofi_memory.hpp"

namespace parley::transport::ofi {

enum class CtxKind : std::uint8_t { rx, tx, read };

// The context of one posted operation; fi_context2 first, as FI_CONTEXT2
// mode asks, so op_context of a completion points back at it.
struct OpCtx {
  fi_context2 fi;
  CtxKind kind;
  std::uint32_t index;
};

struct RxBuf {
  OpCtx ctx;
  std::byte* data;
};

struct TxSlot {
  OpCtx ctx;
  std::byte* data;
  PeerId peer;
  bool hello;  // carried our address: the peer counts as reached on completion
};

struct PeerState {
  fi_addr_t addr = FI_ADDR_NOTAVAIL;
  std::uint32_t send_credits = 0;      // messages we may still send it
  std::uint32_t owed = 0;              // its messages we consumed and not yet credited back
  bool known = false;                  // in our address vector
  bool reached = false;                // a send to it completed or a message came from it
  std::uint64_t blocked_since_ms = 0;  // first FI_EAGAIN of a send while not reached, 0 if none
  bool hello_sent = false;             // our address went out in a message to it
  bool credit_queued = false;          // in credit_queue
  bool failed = false;
  TransportStatus failure{};  // first error seen for it
  // Stall detection (PARLEY_OFI_PEER_TIMEOUT_MS): operations waiting on it
  // (sends in flight, active reads), since when, and the last sign of it.
  std::uint32_t pending = 0;
  std::uint64_t pending_since_ms = 0;
  std::uint64_t heard_ms = 0;  // last completion involving it or message from it
  bool watched = false;        // in Impl::watch
};

// One rendezvous read: chunks of at most read_chunk bytes, up to
// kChunksPerRead in flight, posted from read() and then from poll().
struct ReadOp {
  static constexpr std::uint32_t kChunksPerRead = 4;
  OpCtx chunk[kChunksPerRead];
  std::uint8_t busy = 0;  // bit k: chunk[k] in flight
  bool active = false;
  bool stopped = false;  // an error stopped posting
  bool abandoned = false;  // reported failed while chunks were still in flight
  PeerId peer = kNoPeer;
  std::uint64_t cookie = 0;
  std::uint64_t remote_addr = 0;
  std::uint64_t key = 0;
  std::uint64_t posted = 0;  // bytes handed to fi_readv so far
  std::vector<iovec> iov;
  IovCursor cursor;
  std::vector<MemoryRegion> local_mr;  // FI_MR_LOCAL domains: one per iov entry
  TransportStatus error{};
};

struct Endpoint::Impl {
  const Fabric* fabric = nullptr;
  PeerId self = kNoPeer;
  fid_ep* ep = nullptr;
  fid_cq* cq = nullptr;
  fid_av* av = nullptr;
  std::vector<std::byte> address;
  TransportDescriptor desc{};
  std::size_t eager_size = 0;
  std::size_t inject_size = 0;
  bool bare = false;  // the provider carries 8 bytes of remote CQ data and self fits its id bits
  std::uint32_t credits = 0;
  std::uint32_t connect_timeout_ms = 0;
  std::uint32_t peer_timeout_ms = 0;
  std::vector<PeerId> watch;  // peers with pending operations
  std::uint64_t next_stall_check_ms = 0;

  std::vector<PeerState> peers;  // indexed by PeerId, grown on demand
  std::vector<PeerId> credit_queue;

  std::byte* rx_mem = nullptr;
  std::vector<RxBuf> rx;
  std::vector<std::uint32_t> repost;  // rx buffers the provider refused (FI_EAGAIN)
  MemoryRegion rx_mr;                 // FI_MR_LOCAL only
  std::byte* tx_mem = nullptr;
  std::vector<TxSlot> tx;
  std::vector<std::uint32_t> tx_free;
  MemoryRegion tx_mr;

  std::vector<ReadOp> reads;
  std::vector<std::uint32_t> read_free;
  std::vector<std::uint32_t> read_active;  // ops with chunks still to post or in flight
  std::vector<std::uint32_t> read_scratch;
  std::size_t read_chunk = 0;
  std::size_t iov_limit = 1;

  PeerState* peer(PeerId id) { return id < peers.size() ? &peers[id] : nullptr; }
  PeerState& peer_slot(PeerId id);
  // Marks `id` failed with `st` (first failure wins).
  void fail_peer(PeerId id, const TransportStatus& st);
  // Bookkeeping of operations waiting on a peer, for stall detection.
  void op_started(PeerId id);
  void op_ended(PeerId id);
  void heard(PeerId id);
  // Ends everything still waiting on a failed peer (its active reads become
  // error events); peers silent past peer_timeout_ms while operations wait
  // on them fail first. Called from poll when some peer is watched.
  void check_stalls(EventFn fn, void* user, std::size_t* events);

  // Hands tx slot s (total bytes of it, for dst) to the provider, with
  // remote CQ data when has_data; on success the bookkeeping of a data
  // message (credit spent, slot taken). would_block as the provider says.
  TransportStatus post_send(PeerId dst, PeerState& p, std::uint32_t s, std::size_t total, bool has_data,
                            std::uint64_t data);
  TransportStatus post_rx(std::uint32_t index);
  // Sends owed credits to queued peers (credit-only messages), as resources allow.
  void flush_credits();
  void consume_rx(const fi_cq_data_entry& e, EventFn fn, void* user, std::size_t* events);
  void complete_tx(std::uint32_t index);
  void handle_error(EventFn fn, void* user, std::size_t* events);

  // ofi_rma.cpp
  void progress_reads(EventFn fn, void* user, std::size_t* events);
  void post_read_chunks(ReadOp& op);
  void complete_read_chunk(const OpCtx& ctx, const TransportStatus* err, EventFn fn, void* user,
                           std::size_t* events);
  void finish_read_if_done(std::uint32_t index, EventFn fn, void* user, std::size_t* events);
  // Reports every active read of failed peer `id` as an error now; their
  // slots come back when the provider completes their chunks, if ever.
  // Returns how many were reported.
  std::size_t abandon_reads(PeerId id, EventFn fn, void* user, std::size_t* events);
};

}  // namespace parley::transport::ofi
