// The one process-wide runtime object: initialisation state, thread level,
// the bootstrap connection, and (as the layers land) the progress engine.
// All engine state lives here so that one lock can guard it under
// MPI_THREAD_MULTIPLE.
#pragma once

#include <atomic>
#include <thread>

#include "base/status.hpp"
#include "bootstrap/pmix_client.hpp"
#include "engine/engine.hpp"

namespace parley {

class Runtime {
 public:
  enum class State { kNotInitialized, kInitialized, kFinalized };

  // Inline (one load): every entry point asks. Created on first use, never
  // destroyed: error paths may run during static destruction.
  static Runtime& get() {
    Runtime* r = instance_.load(std::memory_order_acquire);
    if (r == nullptr) [[unlikely]] return create();
    return *r;
  }

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  Runtime(Runtime&&) = delete;
  Runtime& operator=(Runtime&&) = delete;

  // MPI_Init_thread: may be called once; `provided` is only set on success.
  Status initialize(int required, int& provided);
  Status finalize();

  State state() const { return state_.load(std::memory_order_acquire); }
  bool initialized() const { return state() != State::kNotInitialized; }
  bool finalized() const { return state() == State::kFinalized; }
  int thread_level() const { return thread_level_; }
  bool is_main_thread() const { return std::this_thread::get_id() == main_thread_; }

  const bootstrap::JobInfo& job() const { return pmix_.job(); }
  bootstrap::PmixClient& pmix() { return pmix_; }
  Engine& engine() { return engine_; }

  // Seconds since an arbitrary point fixed at start-up (MPI_Wtime).
  static double wtime();
  static double wtick();

  // The MPI call this process is blocked in, for the launcher's --timeout
  // report; set by blocking entry points, nullptr in user code.
  void set_current_call(const char* name) {
    blocked_on_.store(nullptr, std::memory_order_relaxed);
    current_call_.store(name, std::memory_order_relaxed);
  }
  // The same, naming the one operation the call waits for (its peer, tag and
  // communicator go into the --timeout report).
  void set_current_call(const char* name, const p2p::Request* waiting_for) {
    if (waiting_for != nullptr) {
      blocked_peer_.store(waiting_for->peer, std::memory_order_relaxed);
      blocked_tag_.store(waiting_for->tag, std::memory_order_relaxed);
      blocked_recv_.store(waiting_for->kind == p2p::RequestKind::recv, std::memory_order_relaxed);
    }
    blocked_on_.store(waiting_for != nullptr ? waiting_for->comm : nullptr, std::memory_order_relaxed);
    current_call_.store(name, std::memory_order_relaxed);
  }

  [[noreturn]] void abort(int code, const std::string& msg);

 private:
  Runtime() = default;
  ~Runtime() = default;
  static Runtime& create();
  static inline std::atomic<Runtime*> instance_{nullptr};
  void print_state() const;

  std::atomic<State> state_{State::kNotInitialized};
  int thread_level_ = 0;
  std::thread::id main_thread_;
  bootstrap::PmixClient pmix_;
  Engine engine_;
  std::atomic<const char*> current_call_{nullptr};
  // What a blocking call waits for; read by the dump-state handler, which
  // runs on PMIx's thread, hence atomics (values may be a moment stale).
  std::atomic<const Communicator*> blocked_on_{nullptr};
  std::atomic<int> blocked_peer_{0};
  std::atomic<int> blocked_tag_{0};
  std::atomic<bool> blocked_recv_{false};
};

}  // namespace parley
