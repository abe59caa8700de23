// The lock that makes MPI_THREAD_MULTIPLE safe: one per process, taken by
// every C entry point (PARLEY_API_LOCK) and given up only while a call
// waits and another thread wants in (Engine::wait_until), so that a thread
// blocked in MPI_Recv never keeps out the thread that sends the message.
//
// Off unless MPI_Init_thread granted MPI_THREAD_MULTIPLE: then an entry
// point pays one predictable branch on a global flag and nothing else.
// On, an uncontended call costs one compare-and-swap and one exchange: the
// lock is a futex word (0 free, 1 held, 2 held and maybe sleepers: a
// thread that finds it held sleeps in the kernel, it never spins), and the
// recursion depth is thread-local. Recursive, because user callbacks run
// inside MPI calls (error handlers, attribute copy/delete functions, user
// reduction ops, generalized request callbacks) and may call MPI again on
// the same thread.
#pragma once

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace parley {

class ApiLock {
 public:
  static ApiLock& get() { return instance_; }
  // Set once by MPI_Init_thread (before any other thread may call MPI).
  static bool enabled() { return enabled_.load(std::memory_order_relaxed); }
  static void enable() { enabled_.store(true, std::memory_order_relaxed); }

  void lock() {
    if (depth_++ != 0) return;
    int free = 0;
    if (!word_.compare_exchange_strong(free, 1, std::memory_order_acquire, std::memory_order_relaxed)) lock_slow();
  }
  void unlock() {
    if (--depth_ != 0) return;
    if (word_.exchange(0, std::memory_order_release) == 2) wake_one();
  }
  bool held_by_me() const { return depth_ != 0; }

  // Called by the holder while it waits: if other threads are asleep on
  // the lock, gives it up (however deep it is held), lets one of them take
  // it, and queues for it again behind them. Nothing when nobody waits.
  //
  // The holder yields until a waiter really has the lock: it has nothing
  // to do but poll, which the new holder does for the whole process. A
  // woken thread may not run for a while on a loaded machine, and a holder
  // that raced it for the lock straight away would nearly always win.
  void yield_to_waiters() {
    if (waiters_.load(std::memory_order_relaxed) == 0) return;
    const int depth = depth_;
    depth_ = 1;
    unlock();
    while (word_.load(std::memory_order_relaxed) == 0 && waiters_.load(std::memory_order_relaxed) != 0) sched_yield();
    lock();
    depth_ = depth;
  }

 private:
  constexpr ApiLock() = default;

  // The classic three-state futex mutex: mark "sleepers" and sleep until
  // the word is free, then take it still marked (a later unlock may wake
  // one thread too many, which only costs a system call). waiters_ counts
  // the threads in here, so that a holder knows when to hand over.
  void lock_slow() {
    waiters_.fetch_add(1, std::memory_order_relaxed);
    int c = word_.exchange(2, std::memory_order_acquire);
    while (c != 0) {
      syscall(SYS_futex, reinterpret_cast<int*>(&word_), FUTEX_WAIT_PRIVATE, 2, nullptr, nullptr, 0);
      c = word_.exchange(2, std::memory_order_acquire);
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }
  void wake_one() { syscall(SYS_futex, reinterpret_cast<int*>(&word_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0); }

  static inline std::atomic<bool> enabled_{false};
  // This thread's depth (one lock per process, so one counter per thread).
  // initial-exec: a plain %fs-relative access, no __tls_get_addr call.
  static inline thread_local int depth_ __attribute__((tls_model("initial-exec"))) = 0;
  std::atomic<int> word_{0};
  std::atomic<int> waiters_{0};  // threads in lock_slow (asleep or about to take the lock)
  static ApiLock instance_;  // constant-initialized, trivially destroyed
  static_assert(sizeof(std::atomic<int>) == sizeof(int) && std::atomic<int>::is_always_lock_free);
};

// Held for the scope of one MPI call when MPI_THREAD_MULTIPLE is on.
class ApiGuard {
 public:
  ApiGuard() : on_(ApiLock::enabled()) {
    if (on_) ApiLock::get().lock();
  }
  ~ApiGuard() {
    if (on_) ApiLock::get().unlock();
  }
  ApiGuard(const ApiGuard&) = delete;
  ApiGuard& operator=(const ApiGuard&) = delete;

 private:
  bool on_;
};

inline constinit ApiLock ApiLock::instance_;

}  // namespace parley

// First statement of every PMPI_ function that touches library state.
#define PARLEY_API_LOCK() ::parley::ApiGuard parley_api_guard_
