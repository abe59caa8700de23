// Point-to-point communication on the C ABI (MPI-3.1 chapter 3): blocking,
// nonblocking and persistent sends and receives, probes, sendrecv.
#include <mpi.h>

#include <cstring>
#include <memory>

#include "datatype/pack.hpp"
#include "pt2pt_args.hpp"
#include "request_table.hpp"

using parley::Runtime;
using parley::Status;
using parley::c::report;
using parley::p2p::Request;
using parley::p2p::SendMode;

namespace parley::c {
namespace {

Engine& engine() { return Runtime::get().engine(); }

}  // namespace

Status bad_count(int count) {
  return Status(MPI_ERR_COUNT, "count must be non-negative (got " + std::to_string(count) + ")");
}
Status null_buffer(int count) {
  return Status(MPI_ERR_BUFFER, "buffer is NULL but count is " + std::to_string(count));
}
Status bad_rank(const Communicator& c, int rank, bool source) {
  return Status(MPI_ERR_RANK, std::string(source ? "invalid source rank " : "invalid destination rank ") +
                                  std::to_string(rank) + " (communicator size " + std::to_string(c.size()) + ")");
}
Status bad_tag(int tag, bool recv) {
  return Status(MPI_ERR_TAG, "invalid tag " + std::to_string(tag) +
                                 (recv ? " (receive tags must be MPI_ANY_TAG or in 0..MPI_TAG_UB)"
                                       : " (send tags must be in 0..MPI_TAG_UB)"));
}

// Checks a send's arguments and creates its (started or inactive) request.
int make_send(const char* fn, const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
              SendMode mode, bool persistent, Request** out) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, invalid_comm(comm));
  p2p::Buffer b;
  if (Status st = make_buffer(buf, count, type, b); !st) return report(fn, comm, st);
  if (!dest_ok(*c, dest)) [[unlikely]] return report(fn, comm, bad_rank(*c, dest, false));
  if (!send_tag_ok(tag)) [[unlikely]] return report(fn, comm, bad_tag(tag, false));
  if (mode == SendMode::buffered) return make_bsend(fn, c, b, dest, tag, persistent, out);
  if (persistent || dest == MPI_PROC_NULL) {
    Request* r = engine().alloc_request();
    r->kind = p2p::RequestKind::send;
    r->mode = mode;
    r->comm = c;
    r->peer = dest;
    r->tag = tag;
    engine().adopt_buffer(r, b);
    r->persistent = persistent;
    if (!persistent) (void)engine().start(r);
    *out = r;
    return MPI_SUCCESS;
  }
  // The common case: the whole message fits the peer's queue now, and the
  // send is complete before it returns.
  if (mode != SendMode::sync && engine().send_eager_now(c, b, dest, tag)) [[likely]] {
    *out = RequestTable::done_send();
    return MPI_SUCCESS;
  }
  auto res = engine().isend(c, b, dest, tag, mode);
  if (!res.is_ok()) return report(fn, comm, res.status());
  *out = res.value();
  return MPI_SUCCESS;
}

int make_recv(const char* fn, void* buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              bool persistent, Request** out) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, invalid_comm(comm));
  p2p::Buffer b;
  if (Status st = make_buffer(buf, count, type, b); !st) return report(fn, comm, st);
  if (!source_ok(*c, source)) [[unlikely]] return report(fn, comm, bad_rank(*c, source, true));
  if (!recv_tag_ok(tag)) [[unlikely]] return report(fn, comm, bad_tag(tag, true));
  if (persistent || source == MPI_PROC_NULL) {
    Request* r = engine().alloc_request();
    r->kind = p2p::RequestKind::recv;
    r->comm = c;
    r->peer = source;
    r->tag = tag;
    engine().adopt_buffer(r, b);
    r->persistent = persistent;
    if (!persistent) (void)engine().start(r);
    *out = r;
    return MPI_SUCCESS;
  }
  auto res = engine().irecv(c, b, source, tag);
  if (!res.is_ok()) return report(fn, comm, res.status());
  *out = res.value();
  return MPI_SUCCESS;
}

// Waits for a request the caller owns privately, reports its error, frees it.
int finish_blocking(const char* fn, MPI_Comm comm, Request* r, MPI_Status* status) {
  Runtime::get().set_current_call(fn, r);
  engine().wait(r);
  Runtime::get().set_current_call(nullptr);
  fill_status(status, r->status);
  int err = r->status.error;
  release_request(r);
  if (err != MPI_SUCCESS) {
    return report(fn, comm, Status(err, err == MPI_ERR_TRUNCATE ? "message truncated: the receive buffer is too small"
                                                                  : "the transfer failed"));
  }
  return MPI_SUCCESS;
}

int blocking_send(const char* fn, const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
                  SendMode mode) {
  Request* r = nullptr;
  if (int rc = make_send(fn, buf, count, type, dest, tag, comm, mode, false, &r); rc != MPI_SUCCESS) return rc;
  return finish_blocking(fn, comm, r, MPI_STATUS_IGNORE);
}

// Publishes a new request under a handle (call after the request exists:
// argument evaluation order would otherwise hand over a null request).
int nonblocking(int rc, Request* r, MPI_Request* request) {
  if (rc == MPI_SUCCESS) *request = requests().insert(r);
  return rc;
}

}  // namespace parley::c

using namespace parley::c;

int PMPI_Send(const void* buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return blocking_send("MPI_Send", buf, count, datatype, dest, tag, comm, SendMode::standard);
}
int PMPI_Ssend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return blocking_send("MPI_Ssend", buf, count, datatype, dest, tag, comm, SendMode::sync);
}
int PMPI_Rsend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return blocking_send("MPI_Rsend", buf, count, datatype, dest, tag, comm, SendMode::ready);
}
int PMPI_Bsend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return blocking_send("MPI_Bsend", buf, count, datatype, dest, tag, comm, SendMode::buffered);
}

int PMPI_Recv(void* buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Status* status) {
  PARLEY_API_LOCK();
  Request* r = nullptr;
  if (int rc = make_recv("MPI_Recv", buf, count, datatype, source, tag, comm, false, &r); rc != MPI_SUCCESS)
    return rc;
  return finish_blocking("MPI_Recv", comm, r, status);
}

#define PARLEY_NONBLOCKING_SEND(NAME, FN, MODE, PERSISTENT)                                                    \
  int NAME(const void* buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,               \
           MPI_Request* request) {                                                                            \
    PARLEY_API_LOCK();                                                                                        \
    if (request == nullptr) return report(FN, comm, null_arg("request"));                                    \
    Request* r = nullptr;                                                                                     \
    int rc = make_send(FN, buf, count, datatype, dest, tag, comm, MODE, PERSISTENT, &r);                      \
    return nonblocking(rc, r, request);                                                                       \
  }
PARLEY_NONBLOCKING_SEND(PMPI_Isend, "MPI_Isend", SendMode::standard, false)
PARLEY_NONBLOCKING_SEND(PMPI_Issend, "MPI_Issend", SendMode::sync, false)
PARLEY_NONBLOCKING_SEND(PMPI_Irsend, "MPI_Irsend", SendMode::ready, false)
PARLEY_NONBLOCKING_SEND(PMPI_Send_init, "MPI_Send_init", SendMode::standard, true)
PARLEY_NONBLOCKING_SEND(PMPI_Ssend_init, "MPI_Ssend_init", SendMode::sync, true)
PARLEY_NONBLOCKING_SEND(PMPI_Rsend_init, "MPI_Rsend_init", SendMode::ready, true)
PARLEY_NONBLOCKING_SEND(PMPI_Ibsend, "MPI_Ibsend", SendMode::buffered, false)
PARLEY_NONBLOCKING_SEND(PMPI_Bsend_init, "MPI_Bsend_init", SendMode::buffered, true)
#undef PARLEY_NONBLOCKING_SEND

int PMPI_Irecv(void* buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm,
               MPI_Request* request) {
  PARLEY_API_LOCK();
  if (request == nullptr) return report("MPI_Irecv", comm, null_arg("request"));
  Request* r = nullptr;
  int rc = make_recv("MPI_Irecv", buf, count, datatype, source, tag, comm, false, &r);
  return nonblocking(rc, r, request);
}

int PMPI_Recv_init(void* buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm,
                   MPI_Request* request) {
  PARLEY_API_LOCK();
  if (request == nullptr) return report("MPI_Recv_init", comm, null_arg("request"));
  Request* r = nullptr;
  int rc = make_recv("MPI_Recv_init", buf, count, datatype, source, tag, comm, true, &r);
  return nonblocking(rc, r, request);
}

int PMPI_Sendrecv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag, void* recvbuf,
                  int recvcount, MPI_Datatype recvtype, int source, int recvtag, MPI_Comm comm, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Sendrecv";
  Request* rr = nullptr;
  Request* sr = nullptr;
  if (int rc = make_recv(fn, recvbuf, recvcount, recvtype, source, recvtag, comm, false, &rr); rc != MPI_SUCCESS)
    return rc;
  if (int rc = make_send(fn, sendbuf, sendcount, sendtype, dest, sendtag, comm, SendMode::standard, false, &sr);
      rc != MPI_SUCCESS) {
    // The receive is posted: withdraw it before returning the error.
    engine().cancel(rr);
    engine().wait(rr);
    engine().free_request(rr);
    return rc;
  }
  int send_rc = finish_blocking(fn, comm, sr, MPI_STATUS_IGNORE);
  int recv_rc = finish_blocking(fn, comm, rr, status);
  return send_rc != MPI_SUCCESS ? send_rc : recv_rc;
}

int PMPI_Sendrecv_replace(void* buf, int count, MPI_Datatype datatype, int dest, int sendtag, int source,
                          int recvtag, MPI_Comm comm, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Sendrecv_replace";
  parley::p2p::Buffer b;
  if (Status st = make_buffer(buf, count, datatype, b); !st) return report(fn, comm, st);
  const std::size_t bytes = b.bytes;
  // The outgoing data must survive the incoming message landing on it.
  std::unique_ptr<std::byte[]> copy(new std::byte[bytes ? bytes : 1]);
  if (b.type != nullptr) {
    (void)parley::dt::pack(b.user, b.count, *b.type, 0, copy.get(), bytes);
  } else if (bytes) {
    std::memcpy(copy.get(), b.base, bytes);
  }
  return PMPI_Sendrecv(copy.get(), static_cast<int>(bytes), MPI_BYTE, dest, sendtag, buf, count, datatype, source,
                       recvtag, comm, status);
}

int PMPI_Iprobe(int source, int tag, MPI_Comm comm, int* flag, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Iprobe";
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  parley::Communicator* c = lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, invalid_comm(comm));
  if (flag == nullptr) return report(fn, comm, null_arg("flag"));
  if (!source_ok(*c, source)) [[unlikely]] return report(fn, comm, bad_rank(*c, source, true));
  if (!recv_tag_ok(tag)) [[unlikely]] return report(fn, comm, bad_tag(tag, true));
  if (source == MPI_PROC_NULL) {
    *flag = 1;
    proc_null_status(status);
    return MPI_SUCCESS;
  }
  parley::p2p::StatusInfo st;
  *flag = engine().iprobe(c, source, tag, st) ? 1 : 0;
  if (*flag) {
    fill_status(status, st);
  } else {
    engine().probe_missed();
  }
  return MPI_SUCCESS;
}

int PMPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Probe";
  int flag = 0;
  if (int rc = PMPI_Iprobe(source, tag, comm, &flag, status); rc != MPI_SUCCESS || flag) return rc;
  parley::Communicator* c = lookup_comm(comm);
  parley::p2p::StatusInfo st;
  Runtime::get().set_current_call(fn);
  engine().wait_until([&] { return engine().iprobe(c, source, tag, st); });
  Runtime::get().set_current_call(nullptr);
  fill_status(status, st);
  return MPI_SUCCESS;
}
