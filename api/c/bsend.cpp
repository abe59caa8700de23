// Buffered sends on the C ABI (MPI-3.1 §3.6): MPI_Buffer_attach/detach and
// the buffered send modes. A buffered send copies the message into the
// attached buffer and sends the copy with an ordinary internal send; the
// user's operation is complete as soon as the copy is made.
#include <mpi.h>

#include <cstring>
#include <string>
#include <vector>

#include "datatype/pack.hpp"
#include "pt2pt_args.hpp"
#include "request_table.hpp"

using parley::Runtime;
using parley::Status;
using parley::c::report;
using parley::p2p::Request;

namespace parley::c {
namespace {

Engine& engine() { return Runtime::get().engine(); }

// Space inside the user's buffer. Each message takes its bytes plus
// MPI_BSEND_OVERHEAD, as the standard tells users to budget, rounded up so
// that copies stay aligned. Segments are kept sorted by offset; allocation is
// first fit, which suits the FIFO-like life of buffered sends.
class BsendPool {
 public:
  bool attached() const { return base_ != nullptr; }
  std::byte* base() const { return base_; }
  std::size_t size() const { return size_; }

  void attach(void* base, std::size_t size) {
    base_ = static_cast<std::byte*>(base);
    size_ = size;
  }
  void detach() {
    base_ = nullptr;
    size_ = 0;
  }

  // Frees the space of internal sends that have completed.
  void reap() {
    std::size_t kept = 0;
    for (Segment& s : used_) {
      if (s.req->complete) {
        engine().free_request(s.req);
      } else {
        used_[kept++] = s;
      }
    }
    used_.resize(kept);
  }

  // Reserves n bytes, or returns nullptr when no gap is large enough.
  std::byte* reserve(std::size_t n, std::size_t& offset) {
    std::size_t at = 0;
    std::size_t pos = 0;
    for (; pos < used_.size(); ++pos) {
      if (used_[pos].offset - at >= n) break;
      at = used_[pos].offset + used_[pos].length;
    }
    if (pos == used_.size() && size_ - at < n) return nullptr;
    offset = at;
    used_.insert(used_.begin() + static_cast<std::ptrdiff_t>(pos), Segment{at, n, nullptr});
    return base_ + at;
  }
  void bind(std::size_t offset, Request* r) {
    for (Segment& s : used_)
      if (s.offset == offset && s.req == nullptr) s.req = r;
  }
  void release(std::size_t offset) {
    for (std::size_t i = 0; i < used_.size(); ++i) {
      if (used_[i].offset == offset && used_[i].req == nullptr) {
        used_.erase(used_.begin() + static_cast<std::ptrdiff_t>(i));
        return;
      }
    }
  }

  std::size_t in_use() const {
    std::size_t n = 0;
    for (const Segment& s : used_) n += s.length;
    return n;
  }
  bool idle() {
    reap();
    return used_.empty();
  }

 private:
  struct Segment {
    std::size_t offset;
    std::size_t length;
    Request* req;  // the internal send reading from it
  };
  std::byte* base_ = nullptr;
  std::size_t size_ = 0;
  std::vector<Segment> used_;
};

BsendPool& pool() {
  static BsendPool p;
  return p;
}

constexpr std::size_t kAlign = 16;

// Copies the message into the attached buffer and starts its internal send.
Status buffered_send(Communicator* comm, const p2p::Buffer& buf, int dest, int tag) {
  if (dest == MPI_PROC_NULL) return Status::ok();
  BsendPool& p = pool();
  if (!p.attached())
    return Status(MPI_ERR_BUFFER, "no buffer is attached (call MPI_Buffer_attach before a buffered send)");
  p.reap();
  const std::size_t need = (buf.bytes + MPI_BSEND_OVERHEAD + kAlign - 1) & ~(kAlign - 1);
  std::size_t offset = 0;
  std::byte* space = p.reserve(need, offset);
  if (space == nullptr) {
    return Status(MPI_ERR_BUFFER, "the attached buffer is too small: the message needs " + std::to_string(need) +
                                      " bytes (" + std::to_string(buf.bytes) +
                                      " + MPI_BSEND_OVERHEAD), the buffer has " + std::to_string(p.size()) +
                                      " bytes of which " + std::to_string(p.in_use()) + " are still in use");
  }
  if (buf.type != nullptr) {
    (void)dt::pack(buf.user, buf.count, *buf.type, 0, space, buf.bytes);
  } else if (buf.bytes != 0) {
    std::memcpy(space, buf.base, buf.bytes);
  }
  auto res = engine().isend(comm, p2p::Buffer{space, buf.bytes}, dest, tag, p2p::SendMode::standard);
  if (!res.is_ok()) {
    p.release(offset);
    return res.status();
  }
  p.bind(offset, res.value());
  return Status::ok();
}

}  // namespace

int make_bsend(const char* fn, Communicator* comm, p2p::Buffer buf, int dest, int tag, bool persistent,
               Request** out) {
  Request* r = engine().alloc_request();
  r->kind = p2p::RequestKind::send;
  r->mode = p2p::SendMode::buffered;
  r->comm = comm;
  r->peer = dest;
  r->tag = tag;
  engine().adopt_buffer(r, buf);
  r->persistent = persistent;
  if (!persistent) {
    if (Status st = buffered_send(comm, buf, dest, tag); !st) {
      engine().free_request(r);
      return report(fn, MPI_COMM_WORLD, st);
    }
    r->complete = true;
  }
  *out = r;
  return MPI_SUCCESS;
}

Status bsend_start(Request* r) {
  r->status = p2p::StatusInfo{};
  if (Status st = buffered_send(r->comm, r->buf, r->peer, r->tag); !st) return st;
  r->active = true;
  r->complete = true;
  return Status::ok();
}

void bsend_flush() {
  if (!pool().attached()) return;
  engine().wait_until([] { return pool().idle(); });
}

}  // namespace parley::c

using namespace parley::c;

int PMPI_Buffer_attach(void* buffer, int size) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Buffer_attach";
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (size < 0)
    return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_ARG, "size must be non-negative (got " + std::to_string(size) + ")"));
  if (buffer == nullptr && size > 0) return report(fn, MPI_COMM_WORLD, null_arg("buffer"));
  if (pool().attached())
    return report(fn, MPI_COMM_WORLD,
                  Status(MPI_ERR_BUFFER, "a buffer is already attached (detach it with MPI_Buffer_detach first)"));
  pool().attach(buffer, static_cast<std::size_t>(size));
  return MPI_SUCCESS;
}

int PMPI_Buffer_detach(void* buffer_addr, int* size) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Buffer_detach";
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (buffer_addr == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("buffer_addr"));
  if (size == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("size"));
  // Blocks until every message buffered so far has been sent.
  Runtime::get().set_current_call(fn);
  bsend_flush();
  Runtime::get().set_current_call(nullptr);
  *static_cast<void**>(buffer_addr) = pool().base();
  *size = static_cast<int>(pool().size());
  pool().detach();
  return MPI_SUCCESS;
}
