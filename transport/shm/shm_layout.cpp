// SegmentLayout::compute: block offsets of the shared segment.
#include "transport/shm/shm_layout.hpp"

namespace parley::transport::shm {
namespace {

constexpr std::size_t kPage = 4096;

constexpr std::size_t round_up(std::size_t v, std::size_t a) { return (v + a - 1) / a * a; }

}  // namespace

TransportStatus SegmentLayout::compute(std::uint32_t local_size, const ShmConfig& config,
                                       SegmentLayout& out) {
  if (auto st = config.validate(); !st.ok()) return st;
  if (local_size == 0 || local_size > kMaxLocalSize) {
    return TransportStatus::error(Code::invalid, "shm segment: local size out of range");
  }
  SegmentLayout l;
  l.local_size_ = local_size;
  l.config_ = config;
  const std::size_t pairs = static_cast<std::size_t>(local_size) * (local_size - 1);

  std::size_t off = round_up(sizeof(SegmentHeader), kCacheLine);
  l.rank_info_ = off;
  off += local_size * sizeof(RankInfo);
  l.recv_ctl_ = off;
  l.recv_ctl_stride_ = kCacheLine + round_up(l.active_words() * sizeof(std::uint64_t), kCacheLine);
  off += local_size * l.recv_ctl_stride_;
  // Rings and bounce areas start on pages so their cells never share a page
  // (and a line) with the small control blocks above.
  l.rings_ = round_up(off, kPage);
  l.ring_stride_ = sizeof(RingCtl) + static_cast<std::size_t>(config.ring_cells) * config.cell_size;
  off = l.rings_ + pairs * l.ring_stride_;
  l.pipes_ = round_up(off, kPage);
  l.pipe_data_ = round_up(sizeof(PipeCtl) + config.pipe_slots * sizeof(PipeSlotCtl), kPage);
  l.pipe_stride_ = l.pipe_data_ + static_cast<std::size_t>(config.pipe_slots) * config.pipe_chunk;
  off = l.pipes_ + pairs * l.pipe_stride_;
  l.total_ = round_up(off, kPage);
  out = l;
  return TransportStatus::success();
}

}  // namespace parley::transport::shm
