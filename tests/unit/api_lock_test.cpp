// The MPI_THREAD_MULTIPLE lock (runtime/base/api_lock.hpp): mutual
// exclusion under contention, recursion, and the waiter's handoff.
#include "base/api_lock.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

using parley::ApiLock;

namespace {

// Not atomic on purpose: only the lock keeps the increments apart.
long counter = 0;
int inside = 0;

void critical(int nested) {
  ApiLock::get().lock();
  if (nested > 0) critical(nested - 1);
  ++inside;
  if (inside != 1) FAIL("two threads inside the lock");
  ++counter;
  --inside;
  ApiLock::get().unlock();
}

}  // namespace

TEST_CASE("the API lock excludes, nests and hands over", "[api_lock]") {
  ApiLock::enable();
  REQUIRE(ApiLock::enabled());
  REQUIRE_FALSE(ApiLock::get().held_by_me());
  constexpr int kThreads = 4, kIters = 20000;
  counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t] {
      for (int i = 0; i < kIters; ++i) critical((i + t) % 3);
    });
  for (auto& th : threads) th.join();
  long expect = 0;  // critical(n) counts once per level: n + 1
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kIters; ++i) expect += (i + t) % 3 + 1;
  REQUIRE(counter == expect);
}

TEST_CASE("a holder that waits lets a blocked thread in", "[api_lock]") {
  // The pattern of a receive that waits for a send from another thread:
  // the waiter holds the lock (twice, as from inside a callback) and polls
  // a flag that only the other thread, which needs the lock, can set.
  std::atomic<bool> flag{false};
  ApiLock::get().lock();
  ApiLock::get().lock();
  std::thread sender([&] {
    parley::ApiGuard guard;
    flag.store(true);
  });
  while (!flag.load()) {
    ApiLock::get().yield_to_waiters();
    std::this_thread::yield();
  }
  REQUIRE(ApiLock::get().held_by_me());
  ApiLock::get().unlock();
  REQUIRE(ApiLock::get().held_by_me());
  ApiLock::get().unlock();
  REQUIRE_FALSE(ApiLock::get().held_by_me());
  sender.join();
}
