// Runtime start-up and shut-down, and the process-wide services around them.
#include "runtime.hpp"

#include <mpi.h>
#include <time.h>

#include <cstdio>
#include <string>

#include "base/api_lock.hpp"

namespace parley {

Runtime& Runtime::create() {
  static Runtime* made = new Runtime();  // once, even with racing threads
  instance_.store(made, std::memory_order_release);
  return *made;
}

Status Runtime::initialize(int required, int& provided) {
  if (state() == State::kInitialized) return Status(MPI_ERR_OTHER, "MPI is already initialized");
  if (state() == State::kFinalized) return Status(MPI_ERR_OTHER, "MPI cannot be initialized again after MPI_Finalize");
  if (required < MPI_THREAD_SINGLE || required > MPI_THREAD_MULTIPLE)
    return Status(MPI_ERR_ARG, "invalid thread level " + std::to_string(required));
  (void)wtime();  // fix the time origin now
  main_thread_ = std::this_thread::get_id();
  if (Status st = pmix_.init(); !st) return st;
  pmix_.on_dump_state([this] { print_state(); });
  if (Status st = engine_.init(pmix_.job(), pmix_); !st) return st;
  // MPI_THREAD_MULTIPLE: every entry point takes the API lock from now on
  // (base/api_lock.hpp); the lower levels need none.
  thread_level_ = required;
  if (required == MPI_THREAD_MULTIPLE) ApiLock::enable();
  provided = thread_level_;
  state_.store(State::kInitialized, std::memory_order_release);
  return Status::ok();
}

Status Runtime::finalize() {
  if (state() != State::kInitialized)
    return Status(MPI_ERR_OTHER, state() == State::kFinalized ? "MPI_Finalize called twice"
                                                              : "MPI_Finalize called before MPI_Init");
  // Finalize is collective: first finish what peers still need from us
  // (queued sends, rendezvous replies), then leave together.
  if (Status st = engine_.drain(); !st) return st;
  if (Status st = pmix_.fence(false); !st) return st;
  engine_.close();
  state_.store(State::kFinalized, std::memory_order_release);
  return pmix_.finalize();
}

double Runtime::wtime() {
  static const timespec origin = [] {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
  }();
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec - origin.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec - origin.tv_nsec);
}

double Runtime::wtick() {
  timespec res;
  clock_getres(CLOCK_MONOTONIC, &res);
  return static_cast<double>(res.tv_sec) + 1e-9 * static_cast<double>(res.tv_nsec);
}

void Runtime::abort(int code, const std::string& msg) {
  std::fflush(stdout);
  pmix_.abort(code, msg);
}

void Runtime::print_state() const {
  const char* call = current_call_.load(std::memory_order_relaxed);
  std::string what = call != nullptr ? std::string("blocked in ") + call : "not in an MPI call (running user code)";
  if (const Communicator* c = blocked_on_.load(std::memory_order_relaxed); c != nullptr && call != nullptr) {
    const int peer = blocked_peer_.load(std::memory_order_relaxed);
    const int tag = blocked_tag_.load(std::memory_order_relaxed);
    const bool recv = blocked_recv_.load(std::memory_order_relaxed);
    what += std::string(" waiting for a ") + (recv ? "receive from " : "send to ") +
            (peer == MPI_ANY_SOURCE ? std::string("MPI_ANY_SOURCE") : "rank " + std::to_string(peer)) +
            ", tag " + (tag == MPI_ANY_TAG ? std::string("MPI_ANY_TAG") : std::to_string(tag)) + ", on " + c->name();
  }
  // Counts only: the engine's queues belong to the thread inside MPI.
  what += "; " + std::to_string(engine_.posted_count()) + " receive(s) posted, " +
          std::to_string(engine_.unexpected_count()) + " unexpected message(s) queued" + engine_.describe_peers();
  std::fprintf(stderr, "parley: rank %d on %s: %s\n", job().rank, job().hostname.c_str(), what.c_str());
  std::fflush(stderr);
}

}  // namespace parley
