// Two-copy pipeline for large messages when CMA is refused: the sender copies
// chunks of its iovec list into the per-pair bounce slots of the segment while
// the receiver drains earlier chunks into its own list. Both sides are
// resumable state machines whose step() never waits, so the runtime's
// progress engine can drive many transfers at once.
//
// Rules: per ordered pair, one transfer at a time, and both sides start their
// transfers on that pair in the same order (the runtime's message order).
// Chunk numbers keep counting across transfers (PipeCtl), which is what lets
// a slot flag never be mistaken for one of an earlier transfer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "transport/common/iov.hpp"
#include "transport/shm/shm_layout.hpp"
#include "transport/shm/shm_segment.hpp"

namespace parley::transport::shm {

enum class StepResult : std::uint8_t {
  done,        // transfer complete on this side
  progressed,  // moved at least one chunk, not finished
  blocked,     // nothing could move now (peer has not caught up)
};

// Where a transfer's bytes come from or go to when they are not an iovec
// list: fn(ctx, chunk, len) packs the next len bytes of the stream into the
// chunk (sender) or unpacks them out of it (receiver). The runtime streams
// a derived datatype this way, with its cursor in ctx.
struct ChunkFill {
  void (*fn)(void* ctx, std::byte* chunk, std::size_t len) = nullptr;
  void* ctx = nullptr;
};
struct ChunkDrain {
  void (*fn)(void* ctx, const std::byte* chunk, std::size_t len) = nullptr;
  void* ctx = nullptr;
};

// The bounce area of one ordered pair (src -> dst) inside the segment.
class PipeArea {
 public:
  PipeArea() = default;
  PipeArea(const Segment& segment, std::uint32_t src, std::uint32_t dst);

  [[nodiscard]] PipeCtl* ctl() const { return ctl_; }
  [[nodiscard]] PipeSlotCtl* slot(std::uint64_t chunk) const { return slots_ + chunk % nslots_; }
  [[nodiscard]] std::byte* data(std::uint64_t chunk) const {
    return data_ + (chunk % nslots_) * chunk_;
  }
  [[nodiscard]] std::size_t chunk_bytes() const { return chunk_; }
  [[nodiscard]] std::uint32_t slots() const { return nslots_; }

 private:
  PipeCtl* ctl_ = nullptr;
  PipeSlotCtl* slots_ = nullptr;
  std::byte* data_ = nullptr;
  std::size_t chunk_ = 0;
  std::uint32_t nslots_ = 0;
};

// Sending side of one transfer. `src` must stay valid until done.
class PipelineSender {
 public:
  PipelineSender() = default;
  PipelineSender(const PipeArea& area, IovSpan src);
  // `total` bytes produced by fill, chunk by chunk, in stream order.
  PipelineSender(const PipeArea& area, std::size_t total, ChunkFill fill);

  // Fills every free slot it can; never waits.
  [[nodiscard]] StepResult step();
  [[nodiscard]] bool done() const { return next_ == nchunks_; }
  [[nodiscard]] std::size_t total() const { return total_; }

 private:
  PipeArea area_;
  IovCursor cursor_;
  ChunkFill fill_;  // used instead of cursor_ when set
  std::size_t total_ = 0;
  std::uint64_t base_ = 0;  // chunk number of this transfer's first chunk
  std::uint64_t next_ = 0;  // chunks of this transfer filled so far
  std::uint64_t nchunks_ = 0;
};

// Receiving side of one transfer. `dst` must hold exactly `total` bytes (the
// size announced by the sender) and stay valid until done.
class PipelineReceiver {
 public:
  PipelineReceiver() = default;
  PipelineReceiver(const PipeArea& area, IovSpan dst, std::size_t total);
  // `total` bytes handed to drain, chunk by chunk, in stream order.
  PipelineReceiver(const PipeArea& area, std::size_t total, ChunkDrain drain);

  // Drains every filled slot it can; never waits.
  [[nodiscard]] StepResult step();
  [[nodiscard]] bool done() const { return next_ == nchunks_; }

 private:
  PipeArea area_;
  IovCursor cursor_;
  ChunkDrain drain_;  // used instead of cursor_ when set
  std::size_t total_ = 0;
  std::uint64_t base_ = 0;
  std::uint64_t next_ = 0;
  std::uint64_t nchunks_ = 0;
};

}  // namespace parley::transport::shm
