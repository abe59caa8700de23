// CellQueues: set-up, the active-sender bitmap and the futex doorbell.
#include "transport/shm/shm_queue.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bit>

namespace parley::transport::shm {
namespace {

long futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t val, const timespec* ts) {
  // Shared (not FUTEX_PRIVATE) because waker and sleeper are different processes.
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), op, val, ts, nullptr, 0);
}

}  // namespace

TransportStatus CellQueues::init(const Segment& segment, std::uint32_t rank) {
  const SegmentLayout& l = segment.layout();
  if (!segment.valid() || rank >= l.local_size()) {
    return TransportStatus::error(Code::invalid, "shm queue: rank outside the segment");
  }
  rank_ = rank;
  local_size_ = l.local_size();
  const ShmConfig& c = l.config();
  peers_.assign(local_size_, Peer{});
  for (std::uint32_t p = 0; p < local_size_; ++p) {
    if (p == rank) continue;
    peers_[p].tx = RingSender(segment.ring(rank, p), c.ring_cells, c.cell_size);
    peers_[p].rx = RingReceiver(segment.ring(p, rank), c.ring_cells, c.cell_size);
    peers_[p].bell = segment.recv_ctl(p);
  }
  max_message_ = local_size_ > 1 ? peers_[rank == 0 ? 1 : 0].tx.max_message_bytes() : 0;
  active_bits_ = segment.active_words(rank);
  my_bell_ = segment.recv_ctl(rank);
  seen_.assign(l.active_words(), 0);
  active_.clear();
  rr_ = 0;
  return TransportStatus::success();
}

void CellQueues::announce(std::uint32_t dst) {
  // Set before the first message is published; the bit is never cleared.
  std::atomic<std::uint64_t>* words =
      reinterpret_cast<std::atomic<std::uint64_t>*>(reinterpret_cast<std::byte*>(peers_[dst].bell) +
                                                    kCacheLine);
  words[rank_ / 64].fetch_or(std::uint64_t{1} << (rank_ % 64), std::memory_order_release);
  peers_[dst].announced = true;
}

void CellQueues::rebuild_active() {
  active_.clear();
  for (std::size_t w = 0; w < seen_.size(); ++w) {
    std::uint64_t v = seen_[w];
    while (v != 0) {
      active_.push_back(static_cast<std::uint32_t>(w * 64 + std::countr_zero(v)));
      v &= v - 1;
    }
  }
  if (rr_ >= active_.size()) rr_ = 0;
}

bool CellQueues::has_message() {
  refresh_active();
  for (std::uint32_t src : active_) {
    if (peers_[src].rx.peek() != nullptr) return true;
  }
  return false;
}

void CellQueues::wake(std::uint32_t dst) {
  RecvCtl* b = peers_[dst].bell;
  b->bell.fetch_add(1, std::memory_order_release);
  futex(&b->bell, FUTEX_WAKE, 1, nullptr);
}

void CellQueues::wait_for_message(std::uint32_t timeout_us) {
  const std::uint32_t ticket = my_bell_->bell.load(std::memory_order_acquire);
  my_bell_->sleeping.fetch_add(1, std::memory_order_seq_cst);
  // Re-check after announcing that we sleep: a sender that published before
  // seeing `sleeping` is caught here.
  if (!has_message()) {
    timespec ts{static_cast<time_t>(timeout_us / 1000000),
                static_cast<long>(timeout_us % 1000000) * 1000};
    futex(&my_bell_->bell, FUTEX_WAIT, ticket, &ts);
  }
  my_bell_->sleeping.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace parley::transport::shm
