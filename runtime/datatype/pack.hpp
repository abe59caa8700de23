// Moving typed data: pack, unpack and iovec generation over any byte range
// of the packed stream of (count x type), so a protocol can stream a message
// through fixed-size cells or CMA iovecs and resume anywhere.
//
// The "packed stream" of (count, type) is the concatenation, in typemap
// order, of the bytes of every basic element of count consecutive instances
// (instance i at buffer + i*extent). It is count*type.size() bytes long and is
// exactly what MPI_Pack produces and what goes on the wire.
//
// Two ways in:
//  - Stateless calls (pack/unpack/make_iov below) take a byte `offset` into
//    the stream; each seeks (O(nesting depth x log blocks)) and then copies.
//  - A Cursor keeps its place between calls, for a sender or receiver that
//    walks one message front to back in pieces: no seek per piece.
// Both require a committed type and never allocate. The Type must outlive
// the call (or the Cursor): a request holds a reference (Type::retain).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "datatype/program.hpp"
#include "datatype/type.hpp"

namespace parley::dt {

// Packs bytes [offset, offset + max_bytes) of the stream of (count, type),
// read from the buffer at `src`, into dst. Returns the bytes written:
// min(max_bytes, count*size - offset) (0 when offset is at or past the end).
size_t pack(const void* src, int64_t count, const Type& type, size_t offset, void* dst, size_t max_bytes);

// The reverse: scatters `bytes` bytes of packed data (stream bytes
// [offset, offset + bytes)) into the buffer at `dst`. Returns bytes consumed.
size_t unpack(const void* packed, size_t bytes, void* dst, int64_t count, const Type& type, size_t offset);

// Describes stream bytes [offset, offset + max_bytes) as at most max_iov
// pieces of the buffer at `base` (which may be another process's address:
// only arithmetic is done on it). Adjacent pieces are merged. Returns the
// bytes described (less than asked when max_iov ran out) and sets *n_iov.
size_t make_iov(const void* base, int64_t count, const Type& type, size_t offset, size_t max_bytes,
                iovec* iov, size_t max_iov, size_t* n_iov);

// Basic elements in the first `bytes` bytes of the stream of (any count of)
// type; -1 when `bytes` ends inside a basic element (MPI_Get_elements then
// answers MPI_UNDEFINED).
int64_t count_elements(const Type& type, size_t bytes);

// A position in the packed stream of (count, type) that pack/unpack/iov calls
// advance. About 800 bytes, no heap; lives inside a request.
class Cursor {
 public:
  Cursor() = default;
  Cursor(const Type& type, int64_t count) { reset(type, count); }

  // Starts over on (count, type) at offset 0. `type` must be committed.
  void reset(const Type& type, int64_t count);
  // Starts over on count instances of a noncontiguous type known only by its
  // compiled program and layout: another process's type, read through CMA,
  // so that iov() describes that process's buffer. `prog` must outlive the
  // cursor and satisfy the Program invariants (children before parents).
  void reset(const Program& prog, int64_t extent, int64_t size, int64_t count);
  // Moves to a stream offset (clamped to total()).
  void seek(size_t offset);

  size_t position() const { return pos_; }
  size_t total() const { return total_; }
  bool done() const { return pos_ >= total_; }

  // Each moves the cursor forward by the bytes it returns.
  size_t pack(const void* src, void* dst, size_t max_bytes);
  size_t unpack(const void* packed, void* dst, size_t max_bytes);
  size_t iov(const void* base, iovec* iov, size_t max_iov, size_t max_bytes, size_t* n_iov);

  // The engine's walk: calls sink.run(offset, len, kind) for each piece of
  // contiguous buffer bytes (offset from the buffer's origin) and
  // sink.strided(offset, len, stride, k, kind) for k equal pieces `stride`
  // apart; run returns false / strided returns fewer than k to stop early.
  // Defined in datatype/walk.hpp (internal).
  template <class Sink>
  size_t walk(size_t max_bytes, Sink& sink);

 private:
  struct Frame {
    uint32_t node;
    int64_t idx;   // current block
    int64_t sub;   // current copy within the block
    int64_t base;  // byte offset of this node instance's origin
  };
  static constexpr uint32_t kTop = 0xffffffffu;

  const Node& node(uint32_t i) const { return i == kTop ? top_ : prog_->nodes[i]; }
  void ensure_state();

  void reset_top(int64_t extent, int64_t size, int64_t count);

  const Program* prog_ = nullptr;
  int64_t true_lb_ = 0;  // contiguous types: where the bytes start
  Node top_{};  // count copies of the root at the type's extent
  size_t pos_ = 0, total_ = 0;
  int64_t run_done_ = 0;  // bytes of the current contiguous run already done
  bool contiguous_ = false;
  bool stale_ = false;  // stack_ does not reflect pos_ (contiguous fast path moved it)
  int depth_ = 0;
  Frame stack_[kMaxDepth + 1];
};

}  // namespace parley::dt
