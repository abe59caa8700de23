// Completion on the C ABI (MPI-3.1 §3.7–3.9): wait/test and their
// any/some/all forms, persistent start, free, cancel, status queries.
#include <mpi.h>

#include <vector>

#include "pt2pt_args.hpp"
#include "comm_handles.hpp"
#include "persistent_coll.hpp"
#include "request_table.hpp"

using parley::Runtime;
using parley::Status;
using parley::c::report;
using parley::p2p::Request;

namespace parley::c {

RequestTable* const detail::request_table = new RequestTable();

namespace {

Engine& engine() { return Runtime::get().engine(); }

[[gnu::cold]] Status invalid_request(MPI_Request h) {
  return Status(MPI_ERR_REQUEST, "invalid request handle " + std::to_string(h));
}

// Resolves a handle; MPI_REQUEST_NULL gives nullptr with ok status.
inline Status resolve(MPI_Request h, Request*& out) {
  out = nullptr;
  if (h == MPI_REQUEST_NULL) return Status::ok();
  out = requests().lookup(h);
  if (out == nullptr) [[unlikely]] return invalid_request(h);
  return Status::ok();
}

// Whether the request takes part in completion calls (persistent and
// inactive ones behave like MPI_REQUEST_NULL).
bool participates(const Request* r) { return r != nullptr && (!r->persistent || r->active || r->complete); }

// Whether r has completed. A started persistent collective completes with
// the nonblocking collective it runs, which is retired here.
bool done(Request* r) {
  if (r->complete) return true;
  PersistentColl* pc = persistent_coll(r);
  if (pc == nullptr || pc->inner == MPI_REQUEST_NULL) return false;
  Request* in = requests().lookup(pc->inner);
  if (in == nullptr || !in->complete) return false;
  r->status = in->status;
  requests().erase(pc->inner);
  engine().free_request(in);
  pc->inner = MPI_REQUEST_NULL;
  r->complete = true;
  return true;
}

// Hands a completed request's result to the user and retires it: the
// handle becomes MPI_REQUEST_NULL, except for persistent requests, which
// become inactive. Returns the operation's error class.
int retire(MPI_Request* handle, Request* r, MPI_Status* status) {
  if (persistent_coll(r) != nullptr) {
    fill_status(status, r->status);
    r->complete = false;
    r->active = false;
    return r->status.error;
  }
  if (r->kind == parley::p2p::RequestKind::generalized) {
    int gerr = grequest_finish(r, status);
    requests().erase(*handle);
    engine().free_request(r);
    *handle = MPI_REQUEST_NULL;
    return gerr;
  }
  fill_status(status, r->status);
  int err = r->status.error;
  if (r->persistent) {
    r->complete = false;
    r->active = false;
  } else {
    requests().erase(*handle);
    release_request(r);
    *handle = MPI_REQUEST_NULL;
  }
  return err;
}

// The handle whose error handler a request's failure goes to: its
// communicator's (read before retire() may free the request).
MPI_Comm comm_of(const Request* r) {
  MPI_Comm h = r->comm != nullptr ? handle_of(r->comm) : MPI_COMM_NULL;
  return h == MPI_COMM_NULL ? MPI_COMM_WORLD : h;
}

// A point-to-point request's partner rank (-1 for the others).
int partner(const Request* r) {
  const bool p2p = r->kind == parley::p2p::RequestKind::send || r->kind == parley::p2p::RequestKind::recv;
  return p2p && persistent_coll(r) == nullptr ? r->peer : -1;
}

// peer: the request's partner rank in its communicator (read before
// retire() frees it), named in the message when there is one.
int op_error(const char* fn, MPI_Comm comm, int err, int peer) {
  if (err == MPI_SUCCESS) [[likely]] return MPI_SUCCESS;
  if (err == MPI_ERR_TRUNCATE) return report(fn, comm, Status(err, "message truncated: the receive buffer is too small"));
  if (peer >= 0)
    return report(fn, comm,
                  Status(err, "the operation with rank " + std::to_string(peer) +
                                  " failed (the connection to it was lost, or the transport reported an error)"));
  return report(fn, comm, Status(err, "the operation failed"));
}

}  // namespace
}  // namespace parley::c

using namespace parley::c;

int PMPI_Wait(MPI_Request* request, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Wait";
  if (request == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("request"));
  Request* r = nullptr;
  if (Status st = resolve(*request, r); !st) return report(fn, MPI_COMM_WORLD, st);
  if (!participates(r)) {
    empty_status(status);
    return MPI_SUCCESS;
  }
  Runtime::get().set_current_call(fn, r);
  engine().wait_until([r] { return done(r); });
  Runtime::get().set_current_call(nullptr);
  const MPI_Comm comm = comm_of(r);
  const int peer = partner(r);
  return op_error(fn, comm, retire(request, r, status), peer);
}

int PMPI_Test(MPI_Request* request, int* flag, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Test";
  if (request == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("request"));
  if (flag == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("flag"));
  Request* r = nullptr;
  if (Status st = resolve(*request, r); !st) return report(fn, MPI_COMM_WORLD, st);
  if (!participates(r)) {
    *flag = 1;
    empty_status(status);
    return MPI_SUCCESS;
  }
  if (!done(r)) engine().test_progress();
  *flag = done(r) ? 1 : 0;
  if (!*flag) return MPI_SUCCESS;
  const MPI_Comm comm = comm_of(r);
  const int peer = partner(r);
  return op_error(fn, comm, retire(request, r, status), peer);
}

namespace {

// Shared body of Waitall/Testall: returns MPI_ERR_IN_STATUS when any failed.
int complete_all(const char* fn, int count, MPI_Request* reqs, MPI_Status* statuses, bool wait, int* flag) {
  if (count < 0) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_COUNT, "count must be non-negative"));
  if (count > 0 && reqs == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("array_of_requests"));
  // The usual window (osu_bw's 64, a halo's few) needs no allocation.
  constexpr int kOnStack = 128;
  Request* on_stack[kOnStack];
  std::vector<Request*> on_heap;
  Request** rs = on_stack;
  if (count > kOnStack) {
    on_heap.resize(static_cast<std::size_t>(count));
    rs = on_heap.data();
  }
  for (int i = 0; i < count; ++i)
    if (Status st = resolve(reqs[i], rs[i]); !st) return report(fn, MPI_COMM_WORLD, st);
  // Requests done stay done: each poll resumes at the first one that was
  // not (they tend to finish in order), instead of rescanning them all.
  int next = 0;
  auto all_done = [&] {
    for (; next < count; ++next)
      if (participates(rs[next]) && !done(rs[next])) return false;
    return true;
  };
  if (wait) {
    Runtime::get().set_current_call(fn);
    engine().wait_until(all_done);
    Runtime::get().set_current_call(nullptr);
  } else {
    if (!all_done()) engine().test_progress();
    *flag = all_done() ? 1 : 0;
    if (!*flag) return MPI_SUCCESS;
  }
  bool failed = false;
  for (int i = 0; i < count; ++i) {
    MPI_Status* s = statuses == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &statuses[i];
    Request* r = rs[i];
    if (!participates(r)) {
      empty_status(s);
      continue;
    }
    int err = retire(&reqs[i], r, s);
    if (s != MPI_STATUS_IGNORE) s->MPI_ERROR = err;
    failed |= err != MPI_SUCCESS;
  }
  if (failed) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_IN_STATUS, "one or more requests failed (see the statuses)"));
  return MPI_SUCCESS;
}

// Shared body of Waitany/Testany.
int complete_any(const char* fn, int count, MPI_Request* reqs, int* index, MPI_Status* status, bool wait, int* flag) {
  if (count < 0) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_COUNT, "count must be non-negative"));
  if (count > 0 && reqs == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("array_of_requests"));
  if (index == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("index"));
  std::vector<Request*> rs(static_cast<std::size_t>(count));
  bool any_active = false;
  for (int i = 0; i < count; ++i) {
    if (Status st = resolve(reqs[i], rs[static_cast<std::size_t>(i)]); !st) return report(fn, MPI_COMM_WORLD, st);
    any_active |= participates(rs[static_cast<std::size_t>(i)]);
  }
  if (!any_active) {
    *index = MPI_UNDEFINED;
    if (flag) *flag = 1;
    empty_status(status);
    return MPI_SUCCESS;
  }
  int found = -1;
  auto find = [&] {
    for (int i = 0; i < count; ++i) {
      Request* r = rs[static_cast<std::size_t>(i)];
      if (participates(r) && done(r)) {
        found = i;
        return true;
      }
    }
    return false;
  };
  if (wait) {
    Runtime::get().set_current_call(fn);
    engine().wait_until(find);
    Runtime::get().set_current_call(nullptr);
  } else if (!find()) {
    engine().test_progress();
    if (!find()) {
      *flag = 0;
      *index = MPI_UNDEFINED;
      return MPI_SUCCESS;
    }
  }
  if (flag) *flag = 1;
  *index = found;
  Request* r = rs[static_cast<std::size_t>(found)];
  const MPI_Comm comm = comm_of(r);
  const int peer = partner(r);
  return op_error(fn, comm, retire(&reqs[found], r, status), peer);
}

int complete_some(const char* fn, int incount, MPI_Request* reqs, int* outcount, int* indices, MPI_Status* statuses,
                  bool wait) {
  if (incount < 0) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_COUNT, "incount must be non-negative"));
  if (incount > 0 && reqs == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("array_of_requests"));
  if (outcount == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("outcount"));
  std::vector<Request*> rs(static_cast<std::size_t>(incount));
  bool any_active = false;
  for (int i = 0; i < incount; ++i) {
    if (Status st = resolve(reqs[i], rs[static_cast<std::size_t>(i)]); !st) return report(fn, MPI_COMM_WORLD, st);
    any_active |= participates(rs[static_cast<std::size_t>(i)]);
  }
  if (!any_active) {
    *outcount = MPI_UNDEFINED;
    return MPI_SUCCESS;
  }
  auto some_done = [&] {
    for (Request* r : rs)
      if (participates(r) && done(r)) return true;
    return false;
  };
  if (wait) {
    Runtime::get().set_current_call(fn);
    engine().wait_until(some_done);
    Runtime::get().set_current_call(nullptr);
  } else if (!some_done()) {
    engine().test_progress();
  }
  int n = 0;
  bool failed = false;
  for (int i = 0; i < incount; ++i) {
    Request* r = rs[static_cast<std::size_t>(i)];
    if (!participates(r) || !done(r)) continue;
    MPI_Status* s = statuses == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &statuses[n];
    int err = retire(&reqs[i], r, s);
    if (s != MPI_STATUS_IGNORE) s->MPI_ERROR = err;
    failed |= err != MPI_SUCCESS;
    indices[n++] = i;
  }
  *outcount = n;
  if (failed) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_IN_STATUS, "one or more requests failed (see the statuses)"));
  return MPI_SUCCESS;
}

}  // namespace

int PMPI_Waitall(int count, MPI_Request array_of_requests[], MPI_Status array_of_statuses[]) {
  PARLEY_API_LOCK();
  return complete_all("MPI_Waitall", count, array_of_requests, array_of_statuses, true, nullptr);
}
int PMPI_Testall(int count, MPI_Request array_of_requests[], int* flag, MPI_Status array_of_statuses[]) {
  PARLEY_API_LOCK();
  if (flag == nullptr) return report("MPI_Testall", MPI_COMM_WORLD, null_arg("flag"));
  return complete_all("MPI_Testall", count, array_of_requests, array_of_statuses, false, flag);
}
int PMPI_Waitany(int count, MPI_Request array_of_requests[], int* index, MPI_Status* status) {
  PARLEY_API_LOCK();
  return complete_any("MPI_Waitany", count, array_of_requests, index, status, true, nullptr);
}
int PMPI_Testany(int count, MPI_Request array_of_requests[], int* index, int* flag, MPI_Status* status) {
  PARLEY_API_LOCK();
  if (flag == nullptr) return report("MPI_Testany", MPI_COMM_WORLD, null_arg("flag"));
  return complete_any("MPI_Testany", count, array_of_requests, index, status, false, flag);
}
int PMPI_Waitsome(int incount, MPI_Request array_of_requests[], int* outcount, int array_of_indices[],
                  MPI_Status array_of_statuses[]) {
  PARLEY_API_LOCK();
  return complete_some("MPI_Waitsome", incount, array_of_requests, outcount, array_of_indices, array_of_statuses, true);
}
int PMPI_Testsome(int incount, MPI_Request array_of_requests[], int* outcount, int array_of_indices[],
                  MPI_Status array_of_statuses[]) {
  PARLEY_API_LOCK();
  return complete_some("MPI_Testsome", incount, array_of_requests, outcount, array_of_indices, array_of_statuses,
                       false);
}

int PMPI_Start(MPI_Request* request) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Start";
  if (request == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("request"));
  Request* r = nullptr;
  if (Status st = resolve(*request, r); !st) return report(fn, MPI_COMM_WORLD, st);
  if (r == nullptr || !r->persistent)
    return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_REQUEST, "request is not a persistent request"));
  if (r->active) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_REQUEST, "persistent request is already active"));
  if (PersistentColl* pc = persistent_coll(r)) {
    r->status = parley::p2p::StatusInfo{};
    r->complete = false;
    if (int rc = pc->start(&pc->inner); rc != MPI_SUCCESS) return rc;
    r->active = true;
    return MPI_SUCCESS;
  }
  Status st = r->mode == parley::p2p::SendMode::buffered && r->kind == parley::p2p::RequestKind::send ? bsend_start(r)
                                                                                    : engine().start(r);
  if (!st) return report(fn, MPI_COMM_WORLD, st);
  return MPI_SUCCESS;
}

int PMPI_Startall(int count, MPI_Request array_of_requests[]) {
  PARLEY_API_LOCK();
  if (count < 0) return report("MPI_Startall", MPI_COMM_WORLD, Status(MPI_ERR_COUNT, "count must be non-negative"));
  for (int i = 0; i < count; ++i)
    if (int rc = PMPI_Start(&array_of_requests[i]); rc != MPI_SUCCESS) return rc;
  return MPI_SUCCESS;
}

int PMPI_Request_free(MPI_Request* request) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Request_free";
  if (request == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("request"));
  Request* r = nullptr;
  if (Status st = resolve(*request, r); !st) return report(fn, MPI_COMM_WORLD, st);
  if (r == nullptr) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_REQUEST, "request is MPI_REQUEST_NULL"));
  if (PersistentColl* pc = persistent_coll(r)) {
    requests().erase(*request);
    *request = MPI_REQUEST_NULL;
    if (pc->inner != MPI_REQUEST_NULL) {
      // A running collective finishes on its own and frees itself then.
      if (Request* in = requests().lookup(pc->inner)) {
        if (in->complete) {
          requests().erase(pc->inner);
          engine().free_request(in);
        } else {
          in->user_freed = true;
        }
      }
    }
    delete pc;
    r->coll_persistent = nullptr;
    engine().free_request(r);
    return MPI_SUCCESS;
  }
  if (r->kind == parley::p2p::RequestKind::generalized && !r->complete) {
    // Keeps its handle slot until MPI_Grequest_complete names it again.
    r->user_freed = true;
    *request = MPI_REQUEST_NULL;
    return MPI_SUCCESS;
  }
  if (r->kind == parley::p2p::RequestKind::generalized) {
    requests().erase(*request);
    *request = MPI_REQUEST_NULL;
    int err = grequest_finish(r, MPI_STATUS_IGNORE);
    engine().free_request(r);
    return err == MPI_SUCCESS ? MPI_SUCCESS : report(fn, MPI_COMM_WORLD, Status(err, "the generalized request's free function failed"));
  }
  requests().erase(*request);
  *request = MPI_REQUEST_NULL;
  // An operation in flight finishes on its own; the engine frees it then.
  if (r->active && !r->complete) {
    r->user_freed = true;
  } else {
    release_request(r);
  }
  return MPI_SUCCESS;
}

int PMPI_Request_get_status(MPI_Request request, int* flag, MPI_Status* status) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Request_get_status";
  if (flag == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("flag"));
  Request* r = nullptr;
  if (Status st = resolve(request, r); !st) return report(fn, MPI_COMM_WORLD, st);
  if (!participates(r)) {
    *flag = 1;
    empty_status(status);
    return MPI_SUCCESS;
  }
  if (!done(r)) engine().test_progress();
  *flag = done(r) ? 1 : 0;
  if (*flag) fill_status(status, r->status);
  return MPI_SUCCESS;
}

int PMPI_Cancel(MPI_Request* request) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Cancel";
  if (request == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("request"));
  Request* r = nullptr;
  if (Status st = resolve(*request, r); !st) return report(fn, MPI_COMM_WORLD, st);
  if (r == nullptr) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_REQUEST, "request is MPI_REQUEST_NULL"));
  if (r->kind == parley::p2p::RequestKind::generalized) {
    if (int err = grequest_cancel(r); err != MPI_SUCCESS)
      return report(fn, MPI_COMM_WORLD, Status(err, "the generalized request's cancel function failed"));
    return MPI_SUCCESS;
  }
  engine().cancel(r);
  return MPI_SUCCESS;
}

int PMPI_Test_cancelled(const MPI_Status* status, int* flag) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Test_cancelled";
  if (status == nullptr || status == MPI_STATUS_IGNORE) return report(fn, MPI_COMM_WORLD, null_arg("status"));
  if (flag == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("flag"));
  *flag = status->count_hi_and_cancelled & 1;
  return MPI_SUCCESS;
}
