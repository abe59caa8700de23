// transport::Backoff: the spin phase ends by count or by time, whichever
// comes first; oversubscribed waiters yield at once; reset() spins again.
#include <catch2/catch.hpp>

#include "transport/common/backoff.hpp"

using parley::transport::Backoff;

TEST_CASE("an oversubscribed waiter yields on its first pause", "[backoff]") {
  Backoff b(true);
  b.pause();
  CHECK(b.yields() == 1);
}

TEST_CASE("the spin phase ends after its count", "[backoff]") {
  Backoff b(false, 10);
  for (int i = 0; i < 10; ++i) b.pause();
  CHECK(b.yields() == 0);
  b.pause();
  CHECK(b.yields() == 1);
}

TEST_CASE("the spin phase ends after its time even with a huge count", "[backoff]") {
  Backoff b(false, 0xffffffffu);
  // Each pause spins once, so reaching 2^32 spins would take far longer than
  // kMaxSpinNanos: yielding before that proves the time bound works.
  std::uint64_t pauses = 0;
  while (b.yields() == 0 && pauses < 0xffffffffull) {
    b.pause();
    ++pauses;
  }
  CHECK(b.yields() == 1);
  CHECK(pauses < 0xffffffffull);
  // Once expired, every later pause yields.
  b.pause();
  CHECK(b.yields() == 2);
  // reset() starts a new spin phase.
  b.reset();
  b.pause();
  CHECK(b.yields() == 2);
}
