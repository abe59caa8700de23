// Generalized requests on the C ABI (MPI-3.1 §12.2): operations the user
// implements, completed with MPI_Grequest_complete and finished through the
// ordinary wait/test calls, which call the user's query and free functions.
#include <mpi.h>

#include "pt2pt_args.hpp"
#include "request_table.hpp"

using parley::Runtime;
using parley::Status;
using parley::c::report;
using parley::p2p::Request;

namespace parley::c {

int grequest_finish(Request* r, MPI_Status* status) {
  MPI_Status local{};
  MPI_Status* s = status == MPI_STATUS_IGNORE ? &local : status;
  // What the query function leaves unset reads as an empty status.
  s->MPI_SOURCE = MPI_UNDEFINED;
  s->MPI_TAG = MPI_UNDEFINED;
  s->MPI_ERROR = MPI_SUCCESS;
  s->count_lo = 0;
  s->count_hi_and_cancelled = 0;
  int err = MPI_SUCCESS;
  if (auto* query = reinterpret_cast<MPI_Grequest_query_function*>(r->greq_query)) err = query(r->greq_state, s);
  if (auto* release = reinterpret_cast<MPI_Grequest_free_function*>(r->greq_free)) {
    int free_err = release(r->greq_state);
    if (err == MPI_SUCCESS) err = free_err;
  }
  return err;
}

int grequest_cancel(Request* r) {
  auto* cancel = reinterpret_cast<MPI_Grequest_cancel_function*>(r->greq_cancel);
  return cancel != nullptr ? cancel(r->greq_state, r->complete ? 1 : 0) : MPI_SUCCESS;
}

}  // namespace parley::c

using namespace parley::c;

int PMPI_Grequest_start(MPI_Grequest_query_function* query_fn, MPI_Grequest_free_function* free_fn,
                        MPI_Grequest_cancel_function* cancel_fn, void* extra_state, MPI_Request* request) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Grequest_start";
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (request == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("request"));
  Request* r = Runtime::get().engine().alloc_request();
  r->kind = parley::p2p::RequestKind::generalized;
  r->active = true;
  r->greq_query = reinterpret_cast<void*>(query_fn);
  r->greq_free = reinterpret_cast<void*>(free_fn);
  r->greq_cancel = reinterpret_cast<void*>(cancel_fn);
  r->greq_state = extra_state;
  *request = requests().insert(r);
  return MPI_SUCCESS;
}

int PMPI_Grequest_complete(MPI_Request request) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Grequest_complete";
  Request* r = request == MPI_REQUEST_NULL ? nullptr : requests().lookup(request);
  if (r == nullptr && request != MPI_REQUEST_NULL) {
    // The user may have freed the handle already (MPI_Request_free before
    // completion); such requests are found by their state below.
    return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_REQUEST, "invalid request handle " + std::to_string(request)));
  }
  if (r == nullptr) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_REQUEST, "request is MPI_REQUEST_NULL"));
  if (r->kind != parley::p2p::RequestKind::generalized)
    return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_REQUEST, "request was not created by MPI_Grequest_start"));
  if (r->complete) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_REQUEST, "request is already complete"));
  r->complete = true;
  if (r->user_freed) {
    // Freed by the user before completion: nobody will wait for it.
    (void)grequest_finish(r, MPI_STATUS_IGNORE);
    requests().erase(request);
    Runtime::get().engine().free_request(r);
  }
  return MPI_SUCCESS;
}
