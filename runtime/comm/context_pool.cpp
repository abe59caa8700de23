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

bool ContextPool::needs_confirmation() { return Runtime::get().thread_level() == MPI_THREAD_MULTIPLE; }

int ContextPool::lowest_from(const Mask& agreed, int start) {
  start = ((start % kPairs) + kPairs) % kPairs;
  // The tail from start's word on (masking the bits below start), then the
  // words before it, then start's own word below start.
  const int w0 = start / 64;
  std::uint64_t first = agreed[static_cast<std::size_t>(w0)] & (~std::uint64_t{0} << (start % 64));
  if (first != 0) return w0 * 64 + std::countr_zero(first);
  for (int i = 1; i <= kWords; ++i) {
    int w = (w0 + i) % kWords;
    std::uint64_t bits = agreed[static_cast<std::size_t>(w)];
    if (w == w0) bits &= ~(~std::uint64_t{0} << (start % 64));
    if (bits != 0) return w * 64 + std::countr_zero(bits);
  }
  return -1;
}

int ContextPool::start_of_attempt(std::uint32_t parent_ctx, int attempt) {
  if (attempt == 0) return 0;
  // A multiplicative hash of (parent, attempt): equal on every participant
  // (they share the parent), different for different parents.
  std::uint64_t h = (static_cast<std::uint64_t>(parent_ctx) << 32 | static_cast<std::uint32_t>(attempt)) *
                    0x9e3779b97f4a7c15ull;
  return static_cast<int>((h >> 40) % kPairs);
}

Result<std::uint32_t> ContextPool::agree(const Participants& p) {
  // With one thread calling MPI, the AND of everyone's free ids is free
  // everywhere and stays so. Under MPI_THREAD_MULTIPLE another thread may
  // take the chosen id between snapshot and take() (snapshot, take and
  // release are atomic under mu_, the rounds are not); a second round then
  // confirms that every participant got it, and everyone retries otherwise,
  // from a spot that depends on the parent so that two colliding
  // agreements do not keep choosing the same id.
  const bool confirm = needs_confirmation();
  const std::uint32_t parent_ctx = p.via != nullptr ? p.via->context_id() : 0;
  for (int attempt = 0;; ++attempt) {
    Mask m = snapshot();
    if (Status st = allreduce_and(p, m); !st) return st;
    int pair = lowest_from(m, start_of_attempt(parent_ctx, attempt));
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
