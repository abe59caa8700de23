// The walker behind every datatype operation: an explicit-stack loop over the
// compiled program that hands contiguous pieces to a sink. Internal to
// runtime/datatype (pack.cpp, external32.cpp); see pack.hpp for the contract.
#pragma once

#include <algorithm>

#include "datatype/pack.hpp"

namespace parley::dt {

// How many of `left` pieces of `piece` bytes fit in `budget` (usually all of
// them: then no division, which costs ~40 cycles).
inline int64_t fit(int64_t left, int64_t piece, size_t budget) {
  if (static_cast<uint64_t>(left) * static_cast<uint64_t>(piece) <= budget) return left;
  return std::min<int64_t>(left, static_cast<int64_t>(budget / static_cast<size_t>(piece)));
}

template <class Sink>
size_t Cursor::walk(size_t max_bytes, Sink& sink) {
  ensure_state();
  size_t budget = std::min(max_bytes, total_ - pos_);
  const size_t start = pos_;
  const Program& p = *prog_;
  while (budget > 0) {
    Frame& f = stack_[depth_ - 1];
    const Node& n = node(f.node);
    if (f.idx >= n.count) {  // this instance is finished: back to the parent's next copy
      if (depth_ == 1) break;
      --depth_;
      Frame& up = stack_[depth_ - 1];
      const Node& un = node(up.node);
      const int64_t len = un.kind == NodeKind::Vector ? un.blocklen : p.blocks[un.first_block + up.idx].len;
      if (++up.sub == len) up.sub = 0, ++up.idx;
      continue;
    }
    // The current block of n.
    uint32_t child;
    int64_t len, origin, cext, csize;
    bool contig;
    if (n.kind == NodeKind::Vector) {
      child = n.child, len = n.blocklen, origin = f.base + n.disp + f.idx * n.stride;
      cext = n.child_extent, csize = n.child_size, contig = n.contig;
    } else {
      const BlockEntry& e = p.blocks[n.first_block + f.idx];
      child = e.child, len = e.len, origin = f.base + e.disp;
      cext = e.child_extent, csize = e.child_size, contig = e.contig;
    }
    const Node& c = p.nodes[child];
    if (c.kind != NodeKind::Leaf) {
      stack_[depth_++] = Frame{child, 0, 0, origin + f.sub * cext};
      continue;
    }
    const BasicKind kind = c.leaf_kind;
    if (contig) {
      // The whole block is one run; a vector of such blocks is a strided loop.
      const int64_t run = len * csize;
      if (run_done_ == 0 && n.kind == NodeKind::Vector && budget >= static_cast<size_t>(2 * run)) {
        const int64_t want = fit(n.count - f.idx, run, budget);
        const int64_t got = sink.strided(origin, run, n.stride, want, kind);
        f.idx += got;
        budget -= got * run, pos_ += got * run;
        if (got < want) break;
        continue;
      }
      const size_t take = std::min<size_t>(run - run_done_, budget);
      if (!sink.run(origin + run_done_, take, kind)) break;
      run_done_ += take, budget -= take, pos_ += take;
      if (run_done_ == run) run_done_ = 0, f.sub = 0, ++f.idx;
    } else {
      // Copies of a leaf `cext` apart.
      if (run_done_ == 0 && len - f.sub >= 2 && budget >= static_cast<size_t>(2 * csize)) {
        const int64_t want = fit(len - f.sub, csize, budget);
        const int64_t got = sink.strided(origin + f.sub * cext, csize, cext, want, kind);
        f.sub += got;
        budget -= got * csize, pos_ += got * csize;
        if (f.sub == len) f.sub = 0, ++f.idx;
        if (got < want) break;
        continue;
      }
      const size_t take = std::min<size_t>(csize - run_done_, budget);
      if (!sink.run(origin + f.sub * cext + run_done_, take, kind)) break;
      run_done_ += take, budget -= take, pos_ += take;
      if (run_done_ == csize) {
        run_done_ = 0;
        if (++f.sub == len) f.sub = 0, ++f.idx;
      }
    }
  }
  return pos_ - start;
}

}  // namespace parley::dt
