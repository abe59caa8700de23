// Argument checks and status conversion shared by the point-to-point entry
// points, so every function words the same mistake the same way.
#pragma once

#include <mpi.h>

#include <string>

#include "c_api.hpp"
#include "datatype_basic.hpp"
#include "datatype_table.hpp"
#include "p2p/request.hpp"
#include "request_table.hpp"

namespace parley::c {

// Shared by the point-to-point entry points (pt2pt.cpp, bsend.cpp,
// probe.cpp): each checks its arguments, reports through the error handler
// and returns the MPI return code; *out is set only on success.
int make_send(const char* fn, const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
              p2p::SendMode mode, bool persistent, p2p::Request** out);
int make_recv(const char* fn, void* buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              bool persistent, p2p::Request** out);
// Waits for a request the caller owns privately, fills status, reports its
// error and frees it.
int finish_blocking(const char* fn, MPI_Comm comm, p2p::Request* r, MPI_Status* status);
// Publishes a new request under a handle when rc is MPI_SUCCESS.
int nonblocking(int rc, p2p::Request* r, MPI_Request* request);

// Gives a request the user has finished with back to the engine; the shared
// completed send (RequestTable::done_send) is never freed.
inline void release_request(p2p::Request* r) {
  if (r != RequestTable::done_send()) Runtime::get().engine().free_request(r);
}

// Buffered sends (bsend.cpp): copies the message into the attached buffer
// and sends it from there; the returned request is already complete (or,
// when persistent, inactive until MPI_Start calls bsend_start).
int make_bsend(const char* fn, Communicator* comm, p2p::Buffer buf, int dest, int tag, bool persistent,
               p2p::Request** out);
Status bsend_start(p2p::Request* r);
// Completes every buffered send still in flight (MPI_Finalize, detach).
void bsend_flush();

// Generalized requests (grequest.cpp): calls the query then the free
// function once the request is complete; returns the first error.
int grequest_finish(p2p::Request* r, MPI_Status* status);
// Calls the cancel function (with whether the request already completed).
int grequest_cancel(p2p::Request* r);

// The messages of the checks below, out of line and marked cold so that the
// checks themselves inline into the entry points as a few compares (the
// latency path pays nothing for the wording of its errors).
[[gnu::cold]] Status bad_count(int count);
[[gnu::cold]] Status null_buffer(int count);
[[gnu::cold]] Status bad_rank(const Communicator& c, int rank, bool source);
[[gnu::cold]] Status bad_tag(int tag, bool recv);

// Checks (buf, count, datatype) and describes it for the engine: the bytes
// the message carries and, for a noncontiguous type, the layout the engine
// packs from or unpacks into. A contiguous derived type is moved in place.
inline Status make_buffer(const void* buf, int count, MPI_Datatype type, p2p::Buffer& out) {
  if (count < 0) [[unlikely]] return bad_count(count);
  // Predefined types (the latency path): contiguous, no table lookup.
  if (auto size = basic_type_size(type)) [[likely]] {
    if (buf == nullptr && count > 0 && *size > 0) [[unlikely]] return null_buffer(count);
    out = p2p::Buffer{};
    out.base = const_cast<void*>(buf);
    out.bytes = static_cast<std::size_t>(count) * *size;
    return Status::ok();
  }
  dt::Type* t = nullptr;
  if (Status st = check_datatype(type, "datatype", true, &t); !st) return st;
  const bool predefined = false;
  // NULL is MPI_BOTTOM: legal with a derived type of absolute addresses.
  if (predefined && buf == nullptr && count > 0 && t->size() > 0) return null_buffer(count);
  const auto bytes = static_cast<std::size_t>(count) * static_cast<std::size_t>(t->size());
  out = p2p::Buffer{};
  out.bytes = bytes;
  if (t->is_contiguous() || count == 0 || t->size() == 0) {
    out.base = static_cast<std::byte*>(const_cast<void*>(buf)) + (bytes ? t->true_lb() : 0);
  } else {
    out.type = t;
    out.user = const_cast<void*>(buf);
    out.count = count;
  }
  return Status::ok();
}

// The rank and tag checks, as predicates: the entry points report the cold
// builders' messages when one fails.
inline bool dest_ok(const Communicator& c, int dest) {
  return (dest >= 0 && dest < c.size()) || dest == MPI_PROC_NULL;
}
inline bool source_ok(const Communicator& c, int source) {
  return (source >= 0 && source < c.size()) || source == MPI_ANY_SOURCE || source == MPI_PROC_NULL;
}
inline bool send_tag_ok(int tag) { return tag >= 0; }
inline bool recv_tag_ok(int tag) { return tag >= 0 || tag == MPI_ANY_TAG; }

// MPICH ABI: count_lo holds the low 32 bits of the byte count,
// count_hi_and_cancelled the high bits shifted left by one and the cancelled flag in bit 0.
inline void fill_status(MPI_Status* s, const p2p::StatusInfo& st) {
  if (s == MPI_STATUS_IGNORE) return;
  s->MPI_SOURCE = st.source;
  s->MPI_TAG = st.tag;
  s->count_lo = static_cast<int>(st.bytes & 0xffffffffu);
  s->count_hi_and_cancelled = static_cast<int>(((st.bytes >> 32) << 1) | (st.cancelled ? 1u : 0u));
}

inline std::size_t status_bytes(const MPI_Status* s) {
  return static_cast<std::uint32_t>(s->count_lo) |
         (static_cast<std::size_t>(static_cast<std::uint32_t>(s->count_hi_and_cancelled) >> 1) << 32);
}

// What an operation with MPI_PROC_NULL reports.
inline void proc_null_status(MPI_Status* s) {
  p2p::StatusInfo st;
  st.source = MPI_PROC_NULL;
  st.tag = MPI_ANY_TAG;
  fill_status(s, st);
}

inline void empty_status(MPI_Status* s) {
  p2p::StatusInfo st;
  st.source = MPI_ANY_SOURCE;
  st.tag = MPI_ANY_TAG;
  st.error = MPI_SUCCESS;
  fill_status(s, st);
  if (s != MPI_STATUS_IGNORE) s->MPI_ERROR = MPI_SUCCESS;
}

}  // namespace parley::c
