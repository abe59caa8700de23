// The node-wide shared segment of one job: created by local rank 0 with
// shm_open, attached by the other local ranks, and unlinked as soon as all
// of them are attached so that no file outlives a crash.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "transport/common/status.hpp"
#include "transport/shm/shm_layout.hpp"

namespace parley::transport::shm {

// "/parley-<jobid>-<tag>" with every character outside [A-Za-z0-9._-] replaced,
// short enough for shm_open (the file appears as /dev/shm/parley-...).
[[nodiscard]] std::string segment_name(std::string_view jobid, std::string_view tag);

// A mapping of the segment. Move-only; the destructor unmaps (never unlinks:
// unlinking is an explicit step of the bootstrap).
class Segment {
 public:
  Segment() = default;
  ~Segment();
  Segment(Segment&& other) noexcept;
  Segment& operator=(Segment&& other) noexcept;
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // Creates and maps a new segment (fails if the name exists). Checks that
  // /dev/shm has room, so that a full tmpfs fails here, not with SIGBUS later.
  [[nodiscard]] static TransportStatus create(const std::string& name, std::uint32_t local_size,
                                              const ShmConfig& config, Segment& out);
  // Maps an existing segment; layout and config come from its header.
  [[nodiscard]] static TransportStatus attach(const std::string& name, Segment& out);
  // Creates a segment with a unique name and unlinks it at once: for tests
  // and benchmarks whose ranks are fork()ed children inheriting the mapping.
  [[nodiscard]] static TransportStatus create_anonymous(std::uint32_t local_size,
                                                        const ShmConfig& config, Segment& out);

  // Removes the name from /dev/shm; mappings stay valid. Idempotent.
  [[nodiscard]] TransportStatus unlink();
  // Counts this process as attached (call once per rank after create/attach).
  std::uint32_t mark_attached() {
    return header()->attached.fetch_add(1, std::memory_order_acq_rel) + 1;
  }
  [[nodiscard]] std::uint32_t attached_count() const {
    return header()->attached.load(std::memory_order_acquire);
  }

  [[nodiscard]] bool valid() const { return base_ != nullptr; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::byte* base() const { return base_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] const SegmentLayout& layout() const { return layout_; }
  [[nodiscard]] SegmentHeader* header() const { return reinterpret_cast<SegmentHeader*>(base_); }

  [[nodiscard]] RankInfo* rank_info(std::uint32_t rank) const {
    return reinterpret_cast<RankInfo*>(base_ + layout_.rank_info_offset(rank));
  }
  [[nodiscard]] RecvCtl* recv_ctl(std::uint32_t rank) const {
    return reinterpret_cast<RecvCtl*>(base_ + layout_.recv_ctl_offset(rank));
  }
  [[nodiscard]] std::atomic<std::uint64_t>* active_words(std::uint32_t rank) const {
    return reinterpret_cast<std::atomic<std::uint64_t>*>(base_ + layout_.recv_ctl_offset(rank) +
                                                         kCacheLine);
  }
  [[nodiscard]] std::byte* ring(std::uint32_t src, std::uint32_t dst) const {
    return base_ + layout_.ring_offset(src, dst);
  }
  [[nodiscard]] std::byte* pipe(std::uint32_t src, std::uint32_t dst) const {
    return base_ + layout_.pipe_offset(src, dst);
  }

 private:
  void release();

  std::string name_;
  std::byte* base_ = nullptr;
  std::size_t size_ = 0;
  SegmentLayout layout_{};
  bool linked_ = false;
};

}  // namespace parley::transport::shm
