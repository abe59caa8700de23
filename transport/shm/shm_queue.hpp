// The cell queues of one local rank: a RingSender towards every peer and a
// RingReceiver from every peer, over the shared segment. Polling visits only
// peers that have ever sent to us (a sticky bitmap in our RecvCtl, set once
// per sender), round-robin with a per-peer burst so that no sender starves.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "transport/common/iov.hpp"
#include "transport/common/status.hpp"
#include "transport/shm/shm_ring.hpp"
#include "transport/shm/shm_segment.hpp"

namespace parley::transport::shm {

// A received message, valid only during the poll callback that sees it.
struct ShmMessage {
  std::uint32_t src;
  std::span<const std::byte> header;
  std::span<const std::byte> payload;
};

class CellQueues {
 public:
  // Messages taken from one peer before poll() moves on to the next.
  static constexpr std::size_t kBurst = 16;

  CellQueues() = default;
  CellQueues(const CellQueues&) = delete;
  CellQueues& operator=(const CellQueues&) = delete;
  CellQueues(CellQueues&&) = default;
  CellQueues& operator=(CellQueues&&) = default;
  ~CellQueues() = default;

  // Binds to `segment` as local rank `rank`; the segment must outlive this.
  [[nodiscard]] TransportStatus init(const Segment& segment, std::uint32_t rank);

  // Copies header (<= kMaxHeaderBytes) and the gathered payload into the ring
  // towards dst. would_block when that ring is full: the caller keeps the
  // message and retries after polling. Non-blocking, no syscall unless dst
  // is asleep in wait_for_message().
  [[nodiscard]] TransportStatus try_send(std::uint32_t dst, std::span<const std::byte> header,
                                         IovSpan payload) {
    std::size_t len = 0;
    for (const iovec& v : payload) len += v.iov_len;
    if (dst >= local_size_ || dst == rank_) [[unlikely]] {
      return TransportStatus::error(Code::invalid, "shm queue: bad destination rank");
    }
    Peer& p = peers_[dst];
    if (!p.announced) [[unlikely]] announce(dst);
    TransportStatus st = p.tx.try_send(header, payload, len);
    if (st.ok() && p.bell->sleeping.load(std::memory_order_relaxed) != 0) [[unlikely]] {
      wake(dst);
    }
    return st;
  }

  // The same with a payload of payload_len bytes written in place by
  // fill(std::byte* body) once the cells are reserved (see RingSender).
  template <class Fill>
  [[nodiscard]] TransportStatus try_send_with(std::uint32_t dst, std::span<const std::byte> header,
                                              std::size_t payload_len, Fill&& fill) {
    if (dst >= local_size_ || dst == rank_) [[unlikely]] {
      return TransportStatus::error(Code::invalid, "shm queue: bad destination rank");
    }
    Peer& p = peers_[dst];
    if (!p.announced) [[unlikely]] announce(dst);
    TransportStatus st = p.tx.try_send_with(header, payload_len, static_cast<Fill&&>(fill));
    if (st.ok() && p.bell->sleeping.load(std::memory_order_relaxed) != 0) [[unlikely]] {
      wake(dst);
    }
    return st;
  }

  // Calls fn(const ShmMessage&) for up to `budget` received messages, then
  // gives their cells back. Returns how many were delivered.
  template <class Fn>
  std::size_t poll(Fn&& fn, std::size_t budget = 64) {
    refresh_active();
    const std::size_t n = active_.size();
    std::size_t delivered = 0;
    // Rounds over the active peers, at most kBurst messages from each per
    // round, until the budget is spent or a whole round finds nothing.
    while (delivered < budget) {
      const std::size_t before = delivered;
      for (std::size_t i = 0; i < n && delivered < budget; ++i) {
        std::uint32_t src = active_[rr_];
        rr_ = (rr_ + 1 == n) ? 0 : rr_ + 1;
        RingReceiver& rx = peers_[src].rx;
        for (std::size_t b = 0; b < kBurst && delivered < budget; ++b) {
          const CellHead* h = rx.peek();
          if (h == nullptr) break;
          fn(ShmMessage{src, RingReceiver::header_of(h), RingReceiver::payload_of(h)});
          rx.release(h);
          ++delivered;
        }
      }
      if (delivered == before) break;
    }
    return delivered;
  }

  // True if some peer has a message waiting (does not consume it).
  [[nodiscard]] bool has_message();

  // Sleeps on our futex doorbell until a sender rings it, a message is seen,
  // or timeout_us passes. Senders ring without a full fence on their fast
  // path, so a wake-up can be missed: the timeout bounds that delay.
  void wait_for_message(std::uint32_t timeout_us);

  // Largest payload one message with a header of header_len bytes can carry.
  [[nodiscard]] std::size_t max_payload(std::size_t header_len) const {
    return max_message_ - header_span(header_len);
  }
  [[nodiscard]] std::uint32_t rank() const { return rank_; }

  // A snapshot of the rings with one peer, for the hang report (read
  // without synchronisation: only meaningful when nothing moves).
  struct PeerState {
    std::uint64_t tx_tail, tx_peer_head, rx_head, rx_seq;
    bool announced, polled;  // we set our bit at the peer; we poll it
  };
  [[nodiscard]] PeerState peer_state(std::uint32_t peer) const {
    const Peer& p = peers_[peer];
    bool polled = false;
    for (std::uint32_t a : active_) polled |= a == peer;
    return {p.tx.tail(), p.tx.receiver_head(), p.rx.head(), p.rx.seq_at_head(), p.announced, polled};
  }
  [[nodiscard]] std::uint32_t local_size() const { return local_size_; }

 private:
  struct Peer {
    RingSender tx;
    RingReceiver rx;
    RecvCtl* bell = nullptr;  // the peer's doorbell
    bool announced = false;   // we set our bit in its active bitmap
  };

  void announce(std::uint32_t dst);
  void wake(std::uint32_t dst);
  // Re-reads our active bitmap; rebuilds active_ when a new sender appeared.
  void refresh_active() {
    bool changed = false;
    for (std::size_t w = 0; w < seen_.size(); ++w) {
      std::uint64_t v = active_bits_[w].load(std::memory_order_acquire);
      if (v != seen_[w]) [[unlikely]] {
        seen_[w] = v;
        changed = true;
      }
    }
    if (changed) [[unlikely]] rebuild_active();
  }
  void rebuild_active();

  std::vector<Peer> peers_;
  std::vector<std::uint32_t> active_;      // peers that have sent to us, ascending
  std::vector<std::uint64_t> seen_;        // last bitmap we looked at
  std::atomic<std::uint64_t>* active_bits_ = nullptr;
  RecvCtl* my_bell_ = nullptr;
  std::size_t rr_ = 0;
  std::size_t max_message_ = 0;
  std::uint32_t rank_ = 0;
  std::uint32_t local_size_ = 0;
};

}  // namespace parley::transport::shm
