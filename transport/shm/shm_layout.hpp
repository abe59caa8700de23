// Where everything lives inside the node-wide shared segment: the header, one
// info line per local rank, one control block per receiver, one cell ring and
// one copy-pipeline bounce area per ordered pair of local ranks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "transport/common/status.hpp"
#include "transport/shm/shm_config.hpp"

namespace parley::transport::shm {

inline constexpr std::size_t kCacheLine = 64;
inline constexpr std::uint64_t kSegmentMagic = 0x5041524c45595348ull;  // "PARLEYSH"
inline constexpr std::uint32_t kSegmentVersion = 1;
inline constexpr std::uint32_t kMaxLocalSize = 4096;

// Offset 0 of the segment. Written by the creator before anyone attaches;
// `ready` is published last so an early attacher can tell.
struct SegmentHeader {
  std::uint64_t magic;
  std::uint32_t version;
  std::uint32_t local_size;
  std::uint32_t cell_size;
  std::uint32_t ring_cells;
  std::uint32_t pipe_chunk;
  std::uint32_t pipe_slots;
  std::uint64_t total_size;
  alignas(kCacheLine) std::atomic<std::uint32_t> attached;
  alignas(kCacheLine) std::atomic<std::uint64_t> ready;
};

// Per local rank, written by that rank: what peers need for CMA (its pid and
// the address of a word holding a known value, read by the probe), and
// whether it is blocked in a wait now (a receiver splits a large copy with a
// sender only while the sender is there to do its part).
struct alignas(kCacheLine) RankInfo {
  std::atomic<std::int32_t> pid;
  std::atomic<std::uint32_t> waiting;
  std::uint64_t probe_addr;
  std::uint64_t probe_value;
};

// Per receiver. The first line is the futex doorbell (written by the receiver
// when it goes to sleep, read by senders); the bitmap of senders that ever
// sent to this receiver (set once per sender) follows on its own lines, at
// recv_ctl_offset(r) + kCacheLine, active_words() words long.
struct alignas(kCacheLine) RecvCtl {
  std::atomic<std::uint32_t> bell;      // futex word, bumped by a waking sender
  std::atomic<std::uint32_t> sleeping;  // non-zero while the receiver may sleep
};

// Per ordered pair, receiver-written: cells consumed so far (sender credit).
struct alignas(kCacheLine) RingCtl {
  std::atomic<std::uint64_t> head;
};

// Copy pipeline of one ordered pair: each side's running chunk count (so
// consecutive transfers agree on chunk numbers), then per-slot flags.
struct alignas(kCacheLine) PipeCtl {
  std::uint64_t sender_next;                        // written by the sender only
  alignas(kCacheLine) std::uint64_t receiver_next;  // written by the receiver only
};
struct alignas(kCacheLine) PipeSlotCtl {
  std::atomic<std::uint64_t> filled;                         // chunk number + 1, by sender
  alignas(kCacheLine) std::atomic<std::uint64_t> drained;    // chunk number + 1, by receiver
};

// Offsets of every block, computed identically by creator and attachers.
class SegmentLayout {
 public:
  // Fails on a bad config, a bad local_size, or a size that overflows.
  [[nodiscard]] static TransportStatus compute(std::uint32_t local_size, const ShmConfig& config,
                                               SegmentLayout& out);

  [[nodiscard]] std::uint32_t local_size() const { return local_size_; }
  [[nodiscard]] const ShmConfig& config() const { return config_; }
  [[nodiscard]] std::size_t total_size() const { return total_; }
  [[nodiscard]] std::size_t active_words() const { return (local_size_ + 63) / 64; }

  [[nodiscard]] std::size_t rank_info_offset(std::uint32_t rank) const {
    return rank_info_ + rank * sizeof(RankInfo);
  }
  [[nodiscard]] std::size_t recv_ctl_offset(std::uint32_t rank) const {
    return recv_ctl_ + rank * recv_ctl_stride_;
  }
  // Ring carrying messages from src to dst (src != dst); RingCtl then cells.
  [[nodiscard]] std::size_t ring_offset(std::uint32_t src, std::uint32_t dst) const {
    return rings_ + pair_index(src, dst) * ring_stride_;
  }
  // Bounce area for src -> dst: PipeCtl, slot controls, then data slots.
  [[nodiscard]] std::size_t pipe_offset(std::uint32_t src, std::uint32_t dst) const {
    return pipes_ + pair_index(src, dst) * pipe_stride_;
  }
  [[nodiscard]] std::size_t pipe_data_offset() const { return pipe_data_; }

  // Shared bytes reserved for one ordered pair (ring + bounce area).
  [[nodiscard]] std::size_t per_pair_bytes() const { return ring_stride_ + pipe_stride_; }
  [[nodiscard]] std::size_t ring_bytes() const { return ring_stride_; }
  [[nodiscard]] std::size_t pipe_bytes() const { return pipe_stride_; }

 private:
  // Incoming rings of one receiver are contiguous, which keeps its poll local.
  [[nodiscard]] std::size_t pair_index(std::uint32_t src, std::uint32_t dst) const {
    return static_cast<std::size_t>(dst) * (local_size_ - 1) + (src < dst ? src : src - 1);
  }

  std::uint32_t local_size_ = 0;
  ShmConfig config_{};
  std::size_t rank_info_ = 0;
  std::size_t recv_ctl_ = 0;
  std::size_t recv_ctl_stride_ = 0;
  std::size_t rings_ = 0;
  std::size_t ring_stride_ = 0;
  std::size_t pipes_ = 0;
  std::size_t pipe_stride_ = 0;
  std::size_t pipe_data_ = 0;
  std::size_t total_ = 0;
};

}  // namespace parley::transport::shm
