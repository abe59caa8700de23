// Matched probes on the C ABI (MPI-3.1 §3.8.2–3.8.3): MPI_Mprobe/Improbe
// take a message out of matching and name it with an MPI_Message handle,
// so that only MPI_Mrecv/Imrecv on that handle can receive it (safe with
// threads, unlike Probe followed by Recv).
#include <mpi.h>

#include <cstdint>

#include "pt2pt_args.hpp"
#include "request_table.hpp"

using parley::Runtime;
using parley::Status;
using parley::c::report;
using parley::Communicator;
using parley::p2p::Request;
namespace p2p = parley::p2p;

namespace parley::c {
namespace {

Engine& engine() { return Runtime::get().engine(); }

// MPI_Message handles: 0xec000000 | index (an indirect request-kind handle
// in MPICH's encoding, distinct from MPI_MESSAGE_NULL and _NO_PROC).
struct MessageSlot {
  void* token = nullptr;  // the engine's matched message
  Communicator* comm = nullptr;
  bool operator==(const MessageSlot&) const = default;
};

class MessageTable {
 public:
  MPI_Message insert(void* token, Communicator* comm) {
    return static_cast<MPI_Message>(table_.insert(MessageSlot{token, comm}));
  }
  // Removes a live handle and returns its slot; false if h is not one.
  bool take(MPI_Message h, void*& token, Communicator*& comm) {
    const MessageSlot* s = table_.find(h);
    if (s == nullptr) return false;
    token = s->token;
    comm = s->comm;
    table_.erase(h);
    return true;
  }

 private:
  HandleTable<MessageSlot, 0xec000000u> table_;
};

MessageTable& messages() {
  static MessageTable t;
  return t;
}

// Arguments shared by Mprobe and Improbe; c is set on success.
int check_probe(const char* fn, int source, int tag, MPI_Comm comm, MPI_Message* message, Communicator*& c) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  c = lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, invalid_comm(comm));
  if (message == nullptr) return report(fn, comm, null_arg("message"));
  if (!source_ok(*c, source)) [[unlikely]] return report(fn, comm, bad_rank(*c, source, true));
  if (!recv_tag_ok(tag)) [[unlikely]] return report(fn, comm, bad_tag(tag, true));
  return MPI_SUCCESS;
}

// Resolves the message handle and creates the receive request for it.
// *r stays nullptr for MPI_MESSAGE_NO_PROC.
int start_mrecv(const char* fn, void* buf, int count, MPI_Datatype type, MPI_Message* message, Request** r) {
  *r = nullptr;
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (message == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("message"));
  p2p::Buffer b;
  if (Status st = make_buffer(buf, count, type, b); !st) return report(fn, MPI_COMM_WORLD, st);
  if (*message == MPI_MESSAGE_NO_PROC) {
    *message = MPI_MESSAGE_NULL;
    return MPI_SUCCESS;
  }
  void* token = nullptr;
  Communicator* comm = nullptr;
  if (!messages().take(*message, token, comm)) {
    return report(fn, MPI_COMM_WORLD,
                  Status(MPI_ERR_REQUEST, *message == MPI_MESSAGE_NULL
                                              ? std::string("message is MPI_MESSAGE_NULL")
                                              : "invalid message handle " + std::to_string(*message) +
                                                    " (already received, or not from MPI_Mprobe/Improbe)"));
  }
  *message = MPI_MESSAGE_NULL;
  Request* req = engine().alloc_request();
  req->comm = comm;
  engine().adopt_buffer(req, b);
  engine().mrecv(req, token);
  *r = req;
  return MPI_SUCCESS;
}

}  // namespace
}  // namespace parley::c

using namespace parley::c;

int PMPI_Improbe(int source, int tag, MPI_Comm comm, int* flag, MPI_Message* message, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Improbe";
  Communicator* c = nullptr;
  if (int rc = check_probe(fn, source, tag, comm, message, c); rc != MPI_SUCCESS) return rc;
  if (flag == nullptr) return report(fn, comm, null_arg("flag"));
  if (source == MPI_PROC_NULL) {
    *flag = 1;
    *message = MPI_MESSAGE_NO_PROC;
    proc_null_status(status);
    return MPI_SUCCESS;
  }
  p2p::StatusInfo st;
  void* token = engine().improbe(c, source, tag, st);
  *flag = token != nullptr ? 1 : 0;
  if (token != nullptr) {
    *message = messages().insert(token, c);
    fill_status(status, st);
  } else {
    engine().probe_missed();
  }
  return MPI_SUCCESS;
}

int PMPI_Mprobe(int source, int tag, MPI_Comm comm, MPI_Message* message, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Mprobe";
  Communicator* c = nullptr;
  if (int rc = check_probe(fn, source, tag, comm, message, c); rc != MPI_SUCCESS) return rc;
  if (source == MPI_PROC_NULL) {
    *message = MPI_MESSAGE_NO_PROC;
    proc_null_status(status);
    return MPI_SUCCESS;
  }
  p2p::StatusInfo st;
  void* token = nullptr;
  Runtime::get().set_current_call(fn);
  engine().wait_until([&] { return (token = engine().improbe(c, source, tag, st)) != nullptr; });
  Runtime::get().set_current_call(nullptr);
  *message = messages().insert(token, c);
  fill_status(status, st);
  return MPI_SUCCESS;
}

int PMPI_Mrecv(void* buf, int count, MPI_Datatype datatype, MPI_Message* message, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Mrecv";
  Request* r = nullptr;
  if (int rc = start_mrecv(fn, buf, count, datatype, message, &r); rc != MPI_SUCCESS) return rc;
  if (r == nullptr) {
    proc_null_status(status);
    return MPI_SUCCESS;
  }
  return finish_blocking(fn, MPI_COMM_WORLD, r, status);
}

int PMPI_Imrecv(void* buf, int count, MPI_Datatype datatype, MPI_Message* message, MPI_Request* request) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Imrecv";
  if (request == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("request"));
  Request* r = nullptr;
  if (int rc = start_mrecv(fn, buf, count, datatype, message, &r); rc != MPI_SUCCESS) return rc;
  if (r == nullptr) {
    // MPI_MESSAGE_NO_PROC: a receive from MPI_PROC_NULL, complete at once.
    r = engine().alloc_request();
    r->kind = p2p::RequestKind::recv;
    r->peer = MPI_PROC_NULL;
    r->status.source = MPI_PROC_NULL;
    r->status.tag = MPI_ANY_TAG;
    r->complete = true;
  }
  return nonblocking(MPI_SUCCESS, r, request);
}
