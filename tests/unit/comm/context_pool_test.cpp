// ContextPool's pure parts: choosing a pair from an agreed mask, where a
// retry starts, and take/release bookkeeping.
#include <catch2/catch.hpp>

#include <set>

#include "comm/context_pool.hpp"

using parley::ContextPool;

namespace {

ContextPool::Mask mask_of(std::initializer_list<int> pairs) {
  ContextPool::Mask m{};
  for (int p : pairs) m[static_cast<std::size_t>(p / 64)] |= std::uint64_t{1} << (p % 64);
  return m;
}

}  // namespace

TEST_CASE("lowest_from finds the first set pair at or after start, wrapping around") {
  auto m = mask_of({5, 64, 200, 8191});
  CHECK(ContextPool::lowest(m) == 5);
  CHECK(ContextPool::lowest_from(m, 0) == 5);
  CHECK(ContextPool::lowest_from(m, 5) == 5);
  CHECK(ContextPool::lowest_from(m, 6) == 64);
  CHECK(ContextPool::lowest_from(m, 65) == 200);
  CHECK(ContextPool::lowest_from(m, 201) == 8191);
  CHECK(ContextPool::lowest_from(m, 8191) == 8191);
  CHECK(ContextPool::lowest(mask_of({})) == -1);
  CHECK(ContextPool::lowest_from(mask_of({}), 77) == -1);
  // Only bits below start in start's own word: found after the wrap.
  auto low = mask_of({3});
  CHECK(ContextPool::lowest_from(low, 10) == 3);
  CHECK(ContextPool::lowest_from(low, 8000) == 3);
  // Out-of-range starts wrap.
  CHECK(ContextPool::lowest_from(m, ContextPool::kPairs + 6) == 64);
}

TEST_CASE("A first attempt starts at 0; retries start where the parent says, alike everywhere") {
  CHECK(ContextPool::start_of_attempt(0, 0) == 0);
  CHECK(ContextPool::start_of_attempt(1234, 0) == 0);
  std::set<int> starts;
  for (std::uint32_t parent = 4; parent < 4 + 2 * 16; parent += 2) {
    int s = ContextPool::start_of_attempt(parent, 1);
    CHECK(s >= 0);
    CHECK(s < ContextPool::kPairs);
    CHECK(s == ContextPool::start_of_attempt(parent, 1));  // deterministic
    starts.insert(s);
  }
  // Different parents spread their retries out (no two of 16 collide here).
  CHECK(starts.size() == 16);
  // Successive attempts of one parent move on.
  CHECK(ContextPool::start_of_attempt(10, 1) != ContextPool::start_of_attempt(10, 2));
}

TEST_CASE("take and release keep the pool's bookkeeping") {
  ContextPool& pool = ContextPool::get();
  const int before = pool.in_use();
  auto snap = pool.snapshot();
  int pair = ContextPool::lowest(snap);
  REQUIRE(pair >= 2);  // pairs 0 and 1 are WORLD's and SELF's
  CHECK(pool.take(pair));
  CHECK_FALSE(pool.take(pair));  // a pair is taken once
  CHECK(pool.in_use() == before + 1);
  pool.release(static_cast<std::uint32_t>(pair) * 2);
  CHECK(pool.in_use() == before);
  CHECK(pool.take(pair));
  pool.release(static_cast<std::uint32_t>(pair) * 2);
}
