// Copy-fallback pipeline: slot protocol of PipelineSender / PipelineReceiver.
//
// Slot s carries chunks s, s+K, s+2K, ... (K slots). The sender may fill chunk
// c once the receiver has drained chunk c-K (drained == c-K+1, or c < K); the
// receiver may drain chunk c once filled == c+1. Each flag has one writer and
// lives on its own cache line.
#include "transport/shm/shm_pipeline.hpp"

#include <algorithm>
#include <atomic>

namespace parley::transport::shm {
namespace {

std::uint64_t chunks_for(std::size_t total, std::size_t chunk) {
  return (total + chunk - 1) / chunk;
}

}  // namespace

PipeArea::PipeArea(const Segment& segment, std::uint32_t src, std::uint32_t dst) {
  std::byte* base = segment.pipe(src, dst);
  const ShmConfig& c = segment.layout().config();
  ctl_ = reinterpret_cast<PipeCtl*>(base);
  slots_ = reinterpret_cast<PipeSlotCtl*>(base + sizeof(PipeCtl));
  data_ = base + segment.layout().pipe_data_offset();
  chunk_ = c.pipe_chunk;
  nslots_ = c.pipe_slots;
}

PipelineSender::PipelineSender(const PipeArea& area, IovSpan src)
    : area_(area),
      cursor_(src),
      total_(iov_total(src)),
      base_(area.ctl()->sender_next),
      nchunks_(chunks_for(total_, area.chunk_bytes())) {
  // Claim our chunk numbers now; the next transfer on this pair starts after.
  area_.ctl()->sender_next = base_ + nchunks_;
}

PipelineSender::PipelineSender(const PipeArea& area, std::size_t total, ChunkFill fill)
    : area_(area),
      fill_(fill),
      total_(total),
      base_(area.ctl()->sender_next),
      nchunks_(chunks_for(total_, area.chunk_bytes())) {
  area_.ctl()->sender_next = base_ + nchunks_;
}

StepResult PipelineSender::step() {
  bool moved = false;
  const std::uint64_t k = area_.slots();
  while (next_ < nchunks_) {
    const std::uint64_t c = base_ + next_;
    PipeSlotCtl* s = area_.slot(c);
    const std::uint64_t need = c >= k ? c - k + 1 : 0;
    if (s->drained.load(std::memory_order_acquire) != need) break;
    const std::size_t off = next_ * area_.chunk_bytes();
    const std::size_t len = std::min(area_.chunk_bytes(), total_ - off);
    if (fill_.fn != nullptr) {
      fill_.fn(fill_.ctx, area_.data(c), len);
    } else {
      (void)cursor_.gather(area_.data(c), len);
    }
    s->filled.store(c + 1, std::memory_order_release);
    ++next_;
    moved = true;
  }
  if (done()) return StepResult::done;
  return moved ? StepResult::progressed : StepResult::blocked;
}

PipelineReceiver::PipelineReceiver(const PipeArea& area, IovSpan dst, std::size_t total)
    : area_(area),
      cursor_(dst),
      total_(total),
      base_(area.ctl()->receiver_next),
      nchunks_(chunks_for(total, area.chunk_bytes())) {
  area_.ctl()->receiver_next = base_ + nchunks_;
}

PipelineReceiver::PipelineReceiver(const PipeArea& area, std::size_t total, ChunkDrain drain)
    : area_(area),
      drain_(drain),
      total_(total),
      base_(area.ctl()->receiver_next),
      nchunks_(chunks_for(total, area.chunk_bytes())) {
  area_.ctl()->receiver_next = base_ + nchunks_;
}

StepResult PipelineReceiver::step() {
  bool moved = false;
  while (next_ < nchunks_) {
    const std::uint64_t c = base_ + next_;
    PipeSlotCtl* s = area_.slot(c);
    if (s->filled.load(std::memory_order_acquire) != c + 1) break;
    const std::size_t off = next_ * area_.chunk_bytes();
    const std::size_t len = std::min(area_.chunk_bytes(), total_ - off);
    if (drain_.fn != nullptr) {
      drain_.fn(drain_.ctx, area_.data(c), len);
    } else {
      (void)cursor_.scatter(area_.data(c), len);
    }
    s->drained.store(c + 1, std::memory_order_release);
    ++next_;
    moved = true;
  }
  if (done()) return StepResult::done;
  return moved ? StepResult::progressed : StepResult::blocked;
}

}  // namespace parley::transport::shm
