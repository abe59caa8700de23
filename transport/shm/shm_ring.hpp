// One single-producer/single-consumer ring of fixed-size cells between two
// local ranks. A message (caller header + payload) takes one or more
// consecutive cells; the first cell starts with a CellHead whose `seq` is
// stored last, with release, and is the only word the receiver polls. The
// sender learns about free cells from the receiver's `head` counter, which it
// reads only when its cached credit runs out, so a 1-line message moves
// exactly one cache line from sender to receiver.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "transport/common/iov.hpp"
#include "transport/common/status.hpp"
#include "transport/shm/shm_layout.hpp"

namespace parley::transport::shm {

// Start of a message's first cell. `seq` = ring position + 1 once published
// (0 and older positions never match the position the receiver expects).
struct CellHead {
  std::atomic<std::uint64_t> seq;
  std::uint32_t payload_len;
  std::uint16_t header_len;
  std::uint16_t kind;  // kCellMessage or kCellPad (filler up to the end of the ring)
};
static_assert(sizeof(CellHead) == 16);

inline constexpr std::uint16_t kCellMessage = 0;
inline constexpr std::uint16_t kCellPad = 1;
inline constexpr std::size_t kMaxHeaderBytes = 128;

// Bytes between the CellHead and the payload for a given header length.
[[nodiscard]] constexpr std::size_t header_span(std::size_t header_len) {
  return (header_len + 7) & ~std::size_t{7};
}

// Sender half; lives in the sender's private memory.
class RingSender {
 public:
  RingSender() = default;
  RingSender(std::byte* ring, std::uint32_t ncells, std::uint32_t cell_size)
      : ctl_(reinterpret_cast<RingCtl*>(ring)),
        cells_(ring + sizeof(RingCtl)),
        limit_(ncells),
        mask_(ncells - 1),
        shift_(static_cast<std::uint32_t>(std::countr_zero(cell_size))),
        ncells_(ncells) {}

  // Largest header + payload one message may carry (half the ring, so that a
  // filler at the ring's end never makes a message wait for itself).
  [[nodiscard]] std::size_t max_message_bytes() const {
    return (std::size_t{ncells_ / 2} << shift_) - sizeof(CellHead);
  }

  // Copies header + payload into the ring; would_block when it is full.
  // Never blocks and makes no syscall.
  [[nodiscard]] TransportStatus try_send(std::span<const std::byte> header, IovSpan payload,
                                         std::size_t payload_len) {
    return try_send_with(header, payload_len, [payload](std::byte* body) {
      for (const iovec& v : payload) {
        std::memcpy(body, v.iov_base, v.iov_len);
        body += v.iov_len;
      }
    });
  }

  // The same, with the payload written in place by fill(std::byte* body),
  // which must write exactly payload_len bytes there (a datatype packs
  // straight into the cells this way). fill runs only when the cells are
  // reserved; would_block leaves the ring untouched.
  template <class Fill>
  [[nodiscard]] TransportStatus try_send_with(std::span<const std::byte> header, std::size_t payload_len,
                                              Fill&& fill) {
    const std::size_t hspan = header_span(header.size());
    const std::size_t need = sizeof(CellHead) + hspan + payload_len;
    if (header.size() > kMaxHeaderBytes || need > max_message_bytes() + sizeof(CellHead)) {
      return TransportStatus::error(Code::too_large, "shm ring: message larger than a ring slot");
    }
    const std::uint64_t k = (need + (std::size_t{1} << shift_) - 1) >> shift_;
    std::uint64_t idx = tail_ & mask_;
    if (idx + k > ncells_) {
      const std::uint64_t pad = ncells_ - idx;
      if (!reserve(pad)) return TransportStatus::busy();
      CellHead* p = cell(idx);
      p->payload_len = static_cast<std::uint32_t>((pad << shift_) - sizeof(CellHead));
      p->header_len = 0;
      p->kind = kCellPad;
      p->seq.store(tail_ + 1, std::memory_order_release);
      tail_ += pad;
      idx = 0;
    }
    if (!reserve(k)) return TransportStatus::busy();
    CellHead* h = cell(idx);
    h->payload_len = static_cast<std::uint32_t>(payload_len);
    h->header_len = static_cast<std::uint16_t>(header.size());
    h->kind = kCellMessage;
    auto* body = reinterpret_cast<std::byte*>(h + 1);
    if (!header.empty()) std::memcpy(body, header.data(), header.size());
    fill(body + hspan);
    h->seq.store(tail_ + 1, std::memory_order_release);
    tail_ += k;
    return TransportStatus::success();
  }

  // For the hang report: our next position, and the receiver's.
  [[nodiscard]] std::uint64_t tail() const { return tail_; }
  [[nodiscard]] std::uint64_t receiver_head() const { return ctl_->head.load(std::memory_order_relaxed); }

 private:
  [[nodiscard]] CellHead* cell(std::uint64_t idx) const {
    return reinterpret_cast<CellHead*>(cells_ + (idx << shift_));
  }
  // True when n more cells are free; refreshes the credit from the receiver's
  // head only when the cached one is exhausted.
  [[nodiscard]] bool reserve(std::uint64_t n) {
    if (tail_ + n <= limit_) return true;
    limit_ = ctl_->head.load(std::memory_order_acquire) + ncells_;
    return tail_ + n <= limit_;
  }

  RingCtl* ctl_ = nullptr;
  std::byte* cells_ = nullptr;
  std::uint64_t tail_ = 0;
  std::uint64_t limit_ = 0;
  std::uint64_t mask_ = 0;
  std::uint32_t shift_ = 0;
  std::uint32_t ncells_ = 0;
};

// Receiver half; lives in the receiver's private memory.
class RingReceiver {
 public:
  RingReceiver() = default;
  RingReceiver(std::byte* ring, std::uint32_t ncells, std::uint32_t cell_size)
      : ctl_(reinterpret_cast<RingCtl*>(ring)),
        cells_(ring + sizeof(RingCtl)),
        mask_(ncells - 1),
        shift_(static_cast<std::uint32_t>(std::countr_zero(cell_size))) {}

  // The next published message, or nullptr. Fillers are consumed on the way.
  [[nodiscard]] const CellHead* peek() {
    for (;;) {
      CellHead* h = cell(head_ & mask_);
      if (h->seq.load(std::memory_order_acquire) != head_ + 1) return nullptr;
      if (h->kind != kCellPad) return h;
      advance(cells_of(h));
    }
  }

  // Gives the cells of the message returned by peek() back to the sender.
  void release(const CellHead* h) {
    const std::uint64_t n = cells_of(h);
    // The payload overwrote the seq words of the continuation cells; a
    // later message may start in one of them, so those words must never hold
    // a value the receiver could mistake for a published position.
    for (std::uint64_t i = 1; i < n; ++i) {
      cell((head_ + i) & mask_)->seq.store(0, std::memory_order_relaxed);
    }
    advance(n);
  }

  // For the hang report: the position we expect next and the seq word
  // found there (head + 1 once the sender published it).
  [[nodiscard]] std::uint64_t head() const { return head_; }
  [[nodiscard]] std::uint64_t seq_at_head() const {
    return cell(head_ & mask_)->seq.load(std::memory_order_relaxed);
  }

  [[nodiscard]] static std::span<const std::byte> header_of(const CellHead* h) {
    return {reinterpret_cast<const std::byte*>(h + 1), h->header_len};
  }
  [[nodiscard]] static std::span<const std::byte> payload_of(const CellHead* h) {
    return {reinterpret_cast<const std::byte*>(h + 1) + header_span(h->header_len),
            h->payload_len};
  }

 private:
  [[nodiscard]] CellHead* cell(std::uint64_t idx) const {
    return reinterpret_cast<CellHead*>(cells_ + (idx << shift_));
  }
  [[nodiscard]] std::uint64_t cells_of(const CellHead* h) const {
    const std::size_t bytes = sizeof(CellHead) + header_span(h->header_len) + h->payload_len;
    return (bytes + (std::size_t{1} << shift_) - 1) >> shift_;
  }
  void advance(std::uint64_t n) {
    head_ += n;
    ctl_->head.store(head_, std::memory_order_release);
  }

  RingCtl* ctl_ = nullptr;
  std::byte* cells_ = nullptr;
  std::uint64_t head_ = 0;
  std::uint64_t mask_ = 0;
  std::uint32_t shift_ = 0;
};

}  // namespace parley::transport::shm
