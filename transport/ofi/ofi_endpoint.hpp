// One reliable-datagram endpoint (FI_EP_RDM) with its completion queue and
// address vector: eager messages with per-peer credit flow control over a
// fixed pool of pre-posted receive buffers, and rendezvous reads (fi_read)
// from peers' registered memory. Knows nothing of MPI: a message is opaque
// caller header bytes + payload bytes from one PeerId, delivered in the order
// that peer sent them (the provider guarantees send-after-send order).
//
// Threading and progress: not thread-safe; one thread (the progress engine,
// under its lock) makes every call. Nothing moves outside poll(): sends,
// reads and connection set-up advance only while the owner polls, and every
// received message, read completion and error is reported from inside
// poll()'s callback. No call blocks or spins; a missing resource is
// Code::would_block and the caller retries after polling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

#include "transport/common/iov.hpp"
#include "transport/common/status.hpp"
#include "transport/ofi/ofi_error.hpp"
#include "transport/ofi/ofi_memory.hpp"
#include "transport/transport.hpp"

namespace parley::transport::ofi {

class Fabric;

// A process as the runtime numbers it (e.g. its world rank). Carried in
// every message so that a receiver can name the sender before it has the
// sender's address; ids must be unique in the job and below kMaxPeerId.
using PeerId = std::uint32_t;
inline constexpr PeerId kMaxPeerId = 1u << 24;

enum class EventKind : std::uint8_t {
  message,    // header + payload from `peer`; valid only during the callback
  read_done,  // the read with `cookie` finished; the local buffer holds the data
  error,      // `op` failed; `status` names the call, the peer and the reason
};

// Which operation an error event belongs to.
enum class OpKind : std::uint8_t { send, recv, read, poll };

struct OfiEvent {
  EventKind kind;
  OpKind op = OpKind::poll;            // error only
  PeerId peer = kNoPeer;               // sender, read target, or failed peer (kNoPeer if unknown)
  std::uint64_t cookie = 0;            // read_done, and error of a read
  std::span<const std::byte> header;   // message only
  std::span<const std::byte> payload;  // message only
  TransportStatus status{};            // error only
  // message only: a bare message (try_send_bare), whose header is empty
  // and whose caller bits came in the provider's remote CQ data.
  bool bare = false;
  std::uint64_t imm = 0;
};

class Endpoint {
 public:
  // Largest caller header of one message.
  static constexpr std::size_t kMaxHeader = 256;

  Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;
  Endpoint(Endpoint&&) noexcept;
  Endpoint& operator=(Endpoint&&) noexcept;
  ~Endpoint();

  // Opens the endpoint on `fabric` (which must outlive it) as process `self`
  // and posts its receive buffers. Blocking, called once at start-up.
  [[nodiscard]] TransportStatus open(const Fabric& fabric, PeerId self);
  // Closes everything; receives in flight are cancelled, reads abandoned.
  void close();
  [[nodiscard]] bool is_open() const;

  // This endpoint's address (fi_getname): the bytes to publish (PMIx_Put).
  [[nodiscard]] std::span<const std::byte> address() const;

  // Makes `peer` sendable: fi_av_insert of the bytes it published. Cheap
  // and idempotent once known, so the runtime may call it on each first use
  // ("lazy" insertion); a peer that sent to us first is already known (its
  // first message carries its address).
  [[nodiscard]] TransportStatus insert_peer(PeerId peer, std::span<const std::byte> address);
  [[nodiscard]] bool knows_peer(PeerId peer) const;

  // Eager send: copies header (<= kMaxHeader) and the gathered payload into
  // one message to `dst` (an injected send when small); the caller's buffers
  // are free when this returns ok, and the message counts as sent (a later
  // transport failure arrives as an error event naming dst). would_block
  // when dst's credits or our send buffers are used up, or the provider
  // queue is full: poll, then retry. too_large past max_payload(); invalid
  // for a peer never inserted; peer_gone (with the first error's text) once
  // dst has failed.
  [[nodiscard]] TransportStatus try_send(PeerId dst, std::span<const std::byte> header, IovSpan payload);
  // Largest payload try_send takes with a header of header_len bytes.
  [[nodiscard]] std::size_t max_payload(std::size_t header_len) const;

  // Bare messages: the payload alone in the provider message, the sender's
  // id and `imm` (the caller's kImmBits bits, e.g. an envelope) in the
  // provider's remote CQ data, so a payload of a whole receive buffer
  // (max_bare_payload()) is one provider message. No credits ride on it
  // (they go on the next try_send or a credit-only message). Delivered as
  // a message event with bare set, in order with the sender's other
  // messages; otherwise as try_send. Needs FI_REMOTE_CQ_DATA of 8 bytes
  // from the provider (asked in the hints, PARLEY_OFI_CQ_DATA) and our
  // address already sent to dst (any earlier try_send carried it).
  static constexpr unsigned kImmBits = 44;
  // Whether try_send_bare to dst may be used now.
  [[nodiscard]] bool can_send_bare(PeerId dst) const;
  // Largest payload of a bare message: one receive buffer (0 without CQ data).
  [[nodiscard]] std::size_t max_bare_payload() const;
  // As try_send, but bare; invalid when can_send_bare(dst) is false or imm
  // has bits at or above kImmBits.
  [[nodiscard]] TransportStatus try_send_bare(PeerId dst, std::uint64_t imm, IovSpan payload);
  // Whether a try_send to dst now would carry credits back to it.
  [[nodiscard]] bool owes_credits(PeerId dst) const;

  // Drains up to `budget` completion entries (and the error queue), calling
  // fn(const OfiEvent&) for each message, read completion and error, then
  // reposts the receive buffers the callback consumed and sends credits
  // owed. The callback may call try_send, read and insert_peer, not poll or
  // close. Returns the number of events delivered.
  template <class Fn>
  std::size_t poll(Fn&& fn, std::size_t budget = 64) {
    using F = std::remove_reference_t<Fn>;
    return poll_impl([](void* user, const OfiEvent& ev) { (*static_cast<F*>(user))(ev); },
                     static_cast<void*>(&fn), budget);
  }

  // Rendezvous: registers [buf, buf + len) for peers to read (FI_REMOTE_READ);
  // send out->remote() (plus any offset) in the rendezvous header. invalid
  // when the provider has no FI_RMA (has_rma() false).
  [[nodiscard]] TransportStatus register_memory(const void* buf, std::size_t len, MemoryRegion* out) const;
  // Starts reading iov_total(local) bytes of `peer`'s memory at remote into
  // the local iovec list (which must stay valid and untouched until the
  // event). Completion: one read_done (or error) event with `cookie`, from
  // poll. would_block when PARLEY_OFI_READ_OPS reads are in flight. The peer
  // must keep polling too: software providers (tcp) serve reads in its poll.
  [[nodiscard]] TransportStatus read(PeerId peer, IovSpan local, RemoteKey remote, std::uint64_t cookie);

  // True when read()/register_memory work; otherwise the runtime moves large
  // messages as a pipeline of eager sends (cap_copy_pipeline).
  [[nodiscard]] bool has_rma() const;
  // Capabilities and sizes for the runtime's protocol choice.
  [[nodiscard]] const TransportDescriptor& descriptor() const;

  // Introspection for tests and diagnostics.
  [[nodiscard]] std::uint32_t send_credits(PeerId peer) const;
  [[nodiscard]] std::size_t sends_in_flight() const;
  [[nodiscard]] std::size_t reads_in_flight() const;
  [[nodiscard]] std::size_t posted_receive_bytes() const;

  struct Impl;

 private:
  using EventFn = void (*)(void*, const OfiEvent&);
  std::size_t poll_impl(EventFn fn, void* user, std::size_t budget);

  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::transport::ofi
