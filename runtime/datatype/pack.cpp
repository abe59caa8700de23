// Pack, unpack, iovec generation and element counting over the compiled
// program (the walker is in walk.hpp; the interface in pack.hpp).
#include "datatype/pack.hpp"

#include <algorithm>
#include <cstring>

#include "datatype/walk.hpp"

namespace parley::dt {
namespace {

inline const char* at(const void* base, int64_t off) {
  return reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(base) + static_cast<uintptr_t>(off));
}
inline char* at_mut(void* base, int64_t off) {
  return reinterpret_cast<char*>(reinterpret_cast<uintptr_t>(base) + static_cast<uintptr_t>(off));
}

// k pieces of N bytes, `stride` apart, gathered into (Gather) or scattered
// from (!Gather) a dense buffer. Fixed N lets the compiler emit plain moves;
// four pieces are loaded before any is stored because a store between two
// loads makes the core check each load against it (the one-at-a-time loop
// runs at a third of the speed).
template <size_t N>
struct Piece {
  unsigned char b[N];
};

template <size_t N, bool Gather>
inline void strided_fixed(char* dense, char* sparse, int64_t stride, int64_t k) {
  using P = Piece<N>;
  const char* from = Gather ? sparse : dense;
  char* to = Gather ? dense : sparse;
  const int64_t from_step = Gather ? stride : static_cast<int64_t>(N);
  const int64_t to_step = Gather ? static_cast<int64_t>(N) : stride;
  int64_t i = 0;
  for (; i + 4 <= k; i += 4) {
    P a, b, c, d;
    std::memcpy(&a, from, N);
    std::memcpy(&b, from + from_step, N);
    std::memcpy(&c, from + 2 * from_step, N);
    std::memcpy(&d, from + 3 * from_step, N);
    std::memcpy(to, &a, N);
    std::memcpy(to + to_step, &b, N);
    std::memcpy(to + 2 * to_step, &c, N);
    std::memcpy(to + 3 * to_step, &d, N);
    from += 4 * from_step;
    to += 4 * to_step;
  }
  for (; i < k; ++i, from += from_step, to += to_step) std::memcpy(to, from, N);
}

template <bool Gather>
void strided_copy(char* dense, char* sparse, int64_t len, int64_t stride, int64_t k) {
  switch (len) {
    case 1:
      return strided_fixed<1, Gather>(dense, sparse, stride, k);
    case 2:
      return strided_fixed<2, Gather>(dense, sparse, stride, k);
    case 4:
      return strided_fixed<4, Gather>(dense, sparse, stride, k);
    case 8:
      return strided_fixed<8, Gather>(dense, sparse, stride, k);
    case 12:
      return strided_fixed<12, Gather>(dense, sparse, stride, k);
    case 16:
      return strided_fixed<16, Gather>(dense, sparse, stride, k);
    case 24:
      return strided_fixed<24, Gather>(dense, sparse, stride, k);
    case 32:
      return strided_fixed<32, Gather>(dense, sparse, stride, k);
    default:
      for (int64_t i = 0; i < k; ++i, dense += len, sparse += stride) {
        if constexpr (Gather)
          std::memcpy(dense, sparse, static_cast<size_t>(len));
        else
          std::memcpy(sparse, dense, static_cast<size_t>(len));
      }
  }
}

struct PackSink {
  const void* src;
  char* dst;
  bool run(int64_t off, size_t len, BasicKind) {
    std::memcpy(dst, at(src, off), len);
    dst += len;
    return true;
  }
  int64_t strided(int64_t off, int64_t len, int64_t stride, int64_t k, BasicKind) {
    strided_copy<true>(dst, const_cast<char*>(at(src, off)), len, stride, k);
    dst += k * len;
    return k;
  }
};

struct UnpackSink {
  const char* src;
  void* dst;
  bool run(int64_t off, size_t len, BasicKind) {
    std::memcpy(at_mut(dst, off), src, len);
    src += len;
    return true;
  }
  int64_t strided(int64_t off, int64_t len, int64_t stride, int64_t k, BasicKind) {
    strided_copy<false>(const_cast<char*>(src), at_mut(dst, off), len, stride, k);
    src += k * len;
    return k;
  }
};

struct IovSink {
  uintptr_t base;
  iovec* out;
  size_t max;
  size_t n = 0;
  bool run(int64_t off, size_t len, BasicKind) {
    const uintptr_t a = base + static_cast<uintptr_t>(off);
    if (n > 0 && reinterpret_cast<uintptr_t>(out[n - 1].iov_base) + out[n - 1].iov_len == a) {
      out[n - 1].iov_len += len;
      return true;
    }
    if (n == max) return false;
    out[n].iov_base = reinterpret_cast<void*>(a);
    out[n].iov_len = len;
    ++n;
    return true;
  }
  int64_t strided(int64_t off, int64_t len, int64_t stride, int64_t k, BasicKind kind) {
    for (int64_t i = 0; i < k; ++i)
      if (!run(off + i * stride, static_cast<size_t>(len), kind)) return i;
    return k;
  }
};

struct CountSink {
  int64_t elements = 0;
  bool partial = false;
  bool run(int64_t, size_t len, BasicKind kind) {
    const size_t es = kind_size(kind);
    elements += static_cast<int64_t>(len / es);
    if (len % es != 0) partial = true;
    return true;
  }
  int64_t strided(int64_t off, int64_t len, int64_t, int64_t k, BasicKind kind) {
    run(off, static_cast<size_t>(len * k), kind);
    return k;
  }
};

}  // namespace

// ---- Cursor -------------------------------------------------------------------

void Cursor::reset(const Type& type, int64_t count) {
  prog_ = &type.program();
  true_lb_ = type.true_lb();
  contiguous_ = type.is_contiguous();
  reset_top(type.extent(), type.size(), count);
}

void Cursor::reset(const Program& prog, int64_t extent, int64_t size, int64_t count) {
  prog_ = &prog;
  true_lb_ = 0;
  contiguous_ = false;
  reset_top(extent, size, count);
}

void Cursor::reset_top(int64_t extent, int64_t size, int64_t count) {
  total_ = static_cast<size_t>(count) * static_cast<size_t>(size);
  const Node& root = prog_->nodes[prog_->root];
  if (root.kind == NodeKind::Vector && (count == 1 || extent == root.count * root.stride)) {
    // count instances of a vector that continue its spacing are one longer
    // vector: the walk then starts in the loop itself, one frame shallower.
    top_ = root;
    top_.count = root.count * count;
    top_.size = static_cast<int64_t>(total_);
    seek(0);
    return;
  }
  top_ = Node{};
  top_.kind = NodeKind::Vector;
  top_.child = prog_->root;
  top_.count = 1;
  top_.blocklen = count;
  top_.stride = 0;
  top_.child_extent = extent;
  top_.child_size = size;
  top_.contig = root.kind == NodeKind::Leaf && extent == size;
  top_.size = static_cast<int64_t>(total_);
  seek(0);
}

void Cursor::seek(size_t offset) {
  pos_ = std::min(offset, total_);
  stale_ = false;
  run_done_ = 0;
  depth_ = 1;
  stack_[0] = Frame{kTop, 0, 0, 0};
  if (pos_ == total_) {
    stack_[0].idx = top_.count;
    return;
  }
  if (contiguous_) {  // pack/unpack/iov never walk these; walk() rebuilds the stack on demand
    stale_ = pos_ != 0;
    return;
  }
  int64_t r = static_cast<int64_t>(pos_);
  const Program& p = *prog_;
  for (;;) {
    Frame& f = stack_[depth_ - 1];
    const Node& n = node(f.node);
    uint32_t child;
    int64_t origin, cext, csize;
    bool contig;
    if (n.kind == NodeKind::Vector) {
      const int64_t block = n.blocklen * n.child_size;
      f.idx = r < block ? 0 : r / block;  // 64-bit division costs ~40 cycles; offset 0 is common
      r -= f.idx * block;
      child = n.child, origin = f.base + n.disp + f.idx * n.stride;
      cext = n.child_extent, csize = n.child_size, contig = n.contig;
    } else {
      const BlockEntry* first = &p.blocks[n.first_block];
      const BlockEntry* last = first + n.count;
      const BlockEntry* e =
          std::upper_bound(first, last, r,
                           [](int64_t v, const BlockEntry& b) { return v < b.packed_start; }) -
          1;
      f.idx = e - first;
      r -= e->packed_start;
      child = e->child, origin = f.base + e->disp;
      cext = e->child_extent, csize = e->child_size, contig = e->contig;
    }
    const Node& c = p.nodes[child];
    if (c.kind == NodeKind::Leaf && contig) {
      f.sub = 0;
      run_done_ = r;
      return;
    }
    f.sub = r < csize ? 0 : r / csize;
    r -= f.sub * csize;
    if (c.kind == NodeKind::Leaf) {
      run_done_ = r;
      return;
    }
    stack_[depth_++] = Frame{child, 0, 0, origin + f.sub * cext};
  }
}

void Cursor::ensure_state() {
  if (stale_) {
    const bool c = contiguous_;
    contiguous_ = false;
    seek(pos_);
    contiguous_ = c;
  }
}

size_t Cursor::pack(const void* src, void* dst, size_t max_bytes) {
  if (contiguous_) {
    const size_t n = std::min(max_bytes, total_ - pos_);
    std::memcpy(dst, at(src, true_lb_ + static_cast<int64_t>(pos_)), n);
    pos_ += n;
    stale_ = true;
    return n;
  }
  PackSink s{src, static_cast<char*>(dst)};
  return walk(max_bytes, s);
}

size_t Cursor::unpack(const void* packed, void* dst, size_t max_bytes) {
  if (contiguous_) {
    const size_t n = std::min(max_bytes, total_ - pos_);
    std::memcpy(at_mut(dst, true_lb_ + static_cast<int64_t>(pos_)), packed, n);
    pos_ += n;
    stale_ = true;
    return n;
  }
  UnpackSink s{static_cast<const char*>(packed), dst};
  return walk(max_bytes, s);
}

size_t Cursor::iov(const void* base, iovec* iov, size_t max_iov, size_t max_bytes, size_t* n_iov) {
  *n_iov = 0;
  if (max_iov == 0) return 0;
  if (contiguous_) {
    const size_t n = std::min(max_bytes, total_ - pos_);
    if (n == 0) return 0;
    iov[0].iov_base = const_cast<char*>(at(base, true_lb_ + static_cast<int64_t>(pos_)));
    iov[0].iov_len = n;
    *n_iov = 1;
    pos_ += n;
    stale_ = true;
    return n;
  }
  IovSink s{reinterpret_cast<uintptr_t>(base), iov, max_iov};
  const size_t done = walk(max_bytes, s);
  *n_iov = s.n;
  return done;
}

// ---- stateless forms ----------------------------------------------------------

size_t pack(const void* src, int64_t count, const Type& type, size_t offset, void* dst, size_t max_bytes) {
  Cursor c(type, count);
  if (offset != 0) c.seek(offset);
  return c.pack(src, dst, max_bytes);
}

size_t unpack(const void* packed, size_t bytes, void* dst, int64_t count, const Type& type, size_t offset) {
  Cursor c(type, count);
  if (offset != 0) c.seek(offset);
  return c.unpack(packed, dst, bytes);
}

size_t make_iov(const void* base, int64_t count, const Type& type, size_t offset, size_t max_bytes,
                iovec* iov, size_t max_iov, size_t* n_iov) {
  Cursor c(type, count);
  if (offset != 0) c.seek(offset);
  return c.iov(base, iov, max_iov, max_bytes, n_iov);
}

int64_t count_elements(const Type& type, size_t bytes) {
  if (type.size() == 0) return 0;
  const size_t size = static_cast<size_t>(type.size());
  const int64_t whole = static_cast<int64_t>(bytes / size);
  const size_t rest = bytes % size;
  int64_t n = whole * type.num_elements();
  if (rest == 0) return n;
  Cursor c(type, 1);
  CountSink s;
  c.walk(rest, s);
  return s.partial ? -1 : n + s.elements;
}

}  // namespace parley::dt
