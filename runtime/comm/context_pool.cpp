// The context-id pool and its agreement protocol.
#include "comm/context_pool.hpp"

#include <mpi.h>

#include <bit>

#include "runtime.hpp"

namespace parley {

ContextPool& ContextPool::get() {
  static ContextPool pool;
  return pool;
}

ContextPool::ContextPool() {
  free_.fill(~std::uint64_t{0});
  // Pairs 0 and 1 (ids 0-3) belong to MPI_COMM_WORLD and MPI_COMM_SELF.
  free_[0] &= ~std::uint64_t{3};
}

ContextPool::Mask ContextPool::snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  return free_;
}

int ContextPool::lowest(const Mask& agreed) {
  for (int w = 0; w < kWords; ++w)
    if (agreed[static_cast<std::size_t>(w)] != 0) return w * 64 + std::countr_zero(agreed[static_cast<std::size_t>(w)]);
  return -1;
}

bool ContextPool::take(int pair) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& word = free_[static_cast<std::size_t>(pair / 64)];
  std::uint64_t bit = std::uint64_t{1} << (pair % 64);
  if (!(word & bit)) return false;
  word &= ~bit;
  return true;
}

void ContextPool::release(std::uint32_t context_id) {
  int pair = static_cast<int>(context_id / 2);
  if (pair < 2 || pair >= kPairs) return;
  std::lock_guard<std::mutex> lock(mu_);
  free_[static_cast<std::size_t>(pair / 64)] |= std::uint64_t{1} << (pair % 64);
}

int ContextPool::in_use() const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (auto w : free_) n += 64 - std::popcount(w);
  return n;
}

Result<std::uint32_t> ContextPool::agree(const Participants& p) {
  // With one thread calling MPI, the AND of everyone's free ids is free
  // everywhere and stays so. Under MPI_THREAD_MULTIPLE another thread may
  // take the chosen id between snapshot and take(); a second round then
  // confirms that every participant got it, and retries otherwise.
  const bool confirm = Runtime::get().thread_level() == MPI_THREAD_MULTIPLE;
  for (;;) {
    Mask m = snapshot();
    if (Status st = allreduce_and(p, m); !st) return st;
    int pair = lowest(m);
    if (pair < 0) return Status(MPI_ERR_INTERN, "no context id is free in every process (too many communicators)");
    bool got = take(pair);
    if (!confirm) return static_cast<std::uint32_t>(pair) * 2;
    std::uint64_t ok = got ? 1 : 0;
    if (Status st = allreduce_and(p, std::span<std::uint64_t>(&ok, 1)); !st) return st;
    if (ok) return static_cast<std::uint32_t>(pair) * 2;
    if (got) release(static_cast<std::uint32_t>(pair) * 2);
  }
}

}  // namespace parley
