// Many senders -> one receiver through CellQueues: every message delivered
// exactly once, each sender's order kept, and round-robin polling bounds how
// long any sender waits behind the others.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "shm_test_util.hpp"
#include "transport/shm/shm_queue.hpp"
#include "transport/shm/shm_segment.hpp"

using namespace parley::transport;
using namespace parley::transport::shm;

namespace {

struct Hdr {
  std::uint32_t src;
  std::uint32_t len;
  std::uint64_t seq;
};

std::span<const std::byte> bytes_of(const Hdr& h) {
  return {reinterpret_cast<const std::byte*>(&h), sizeof(h)};
}

}  // namespace

TEST_CASE("7 senders to 1 receiver, oversubscribed: each message once, per-sender order") {
  constexpr std::uint32_t kRanks = 8;
  constexpr std::uint64_t kPerSender = 100'000;
  ShmConfig c;
  c.ring_cells = 64;  // small rings: senders hit back-pressure often
  Segment seg;
  REQUIRE(Segment::create_anonymous(kRanks, c, seg).ok());

  std::vector<pid_t> children;
  for (std::uint32_t r = 1; r < kRanks; ++r) {
    children.push_back(parley::test::fork_child([&seg, r] {
      CellQueues q;
      if (!q.init(seg, r).ok()) return 2;
      Backoff backoff(true);  // 8 ranks on 2 cores: yield at once
      std::uint8_t buf[200];
      for (std::uint64_t s = 0; s < kPerSender; ++s) {
        std::size_t len = (s * r) % sizeof(buf);
        parley::test::fill_pattern(buf, len, s + r);
        Hdr h{r, static_cast<std::uint32_t>(len), s};
        iovec v{buf, len};
        for (;;) {
          auto st = q.try_send(0, bytes_of(h), {&v, 1});
          if (st.ok()) break;
          if (!st.would_block()) return 3;
          backoff.pause();
        }
        backoff.reset();
      }
      return 0;
    }));
  }

  CellQueues rx;
  REQUIRE(rx.init(seg, 0).ok());
  std::vector<std::uint64_t> next(kRanks, 0);
  std::uint64_t total = 0;
  bool good = true;
  bool finished = parley::test::wait_until(
      [&] {
        rx.poll([&](const ShmMessage& m) {
          Hdr h;
          std::memcpy(&h, m.header.data(), sizeof(h));
          good = good && h.src == m.src && m.src < kRanks && h.seq == next[m.src] &&
                 m.payload.size() == h.len &&
                 parley::test::check_pattern(m.payload.data(), h.len, h.seq + h.src);
          if (m.src < kRanks) ++next[m.src];
          ++total;
        });
        return total == kPerSender * (kRanks - 1) || !good;
      },
      children, 2'000'000'000);
  for (pid_t p : children) CHECK(parley::test::wait_child(p) == 0);
  REQUIRE(good);
  REQUIRE(finished);
  for (std::uint32_t r = 1; r < kRanks; ++r) CHECK(next[r] == kPerSender);
  REQUIRE(rx.poll([](const ShmMessage&) {}) == 0);
}

TEST_CASE("round-robin polling serves every backlogged sender within one round") {
  // All senders live in this process, their rings filled before polling: the
  // order of delivery is then fully determined by the receiver's policy.
  constexpr std::uint32_t kRanks = 8;
  ShmConfig c;
  c.ring_cells = 256;
  Segment seg;
  REQUIRE(Segment::create_anonymous(kRanks, c, seg).ok());
  std::vector<CellQueues> senders(kRanks);
  std::vector<std::uint64_t> queued(kRanks, 0);
  for (std::uint32_t r = 1; r < kRanks; ++r) {
    REQUIRE(senders[r].init(seg, r).ok());
    for (std::uint64_t s = 0;; ++s) {
      Hdr h{r, 0, s};
      auto st = senders[r].try_send(0, bytes_of(h), {});
      if (st.would_block()) break;
      REQUIRE(st.ok());
      ++queued[r];
    }
    REQUIRE(queued[r] > 2 * CellQueues::kBurst);
  }
  CellQueues rx;
  REQUIRE(rx.init(seg, 0).ok());
  // Deliver one message at a time; between two deliveries from the same
  // backlogged sender, at most (senders - 1) * kBurst others may pass.
  std::vector<std::uint64_t> last(kRanks, 0);
  std::uint64_t clock = 0;
  std::uint64_t worst_gap = 0;
  std::vector<std::uint64_t> got(kRanks, 0);
  while (rx.poll(
             [&](const ShmMessage& m) {
               ++clock;
               if (got[m.src] < queued[m.src] && got[m.src] > 0) {
                 worst_gap = std::max(worst_gap, clock - last[m.src]);
               } else if (got[m.src] == 0) {
                 worst_gap = std::max(worst_gap, clock);
               }
               last[m.src] = clock;
               ++got[m.src];
             },
             1) > 0) {
  }
  for (std::uint32_t r = 1; r < kRanks; ++r) CHECK(got[r] == queued[r]);
  CHECK(worst_gap <= (kRanks - 1) * CellQueues::kBurst);
}

TEST_CASE("a sleeping receiver is woken by a sender's doorbell") {
  ShmConfig c;
  Segment seg;
  REQUIRE(Segment::create_anonymous(2, c, seg).ok());
  // The child sends 100 messages, each only after the parent acknowledged
  // the previous one; the parent sleeps in wait_for_message() in between.
  pid_t child = parley::test::fork_child([&seg] {
    CellQueues q;
    if (!q.init(seg, 1).ok()) return 2;
    for (std::uint64_t s = 0; s < 100; ++s) {
      Hdr h{1, 0, s};
      if (!q.try_send(0, bytes_of(h), {}).ok()) return 3;
      bool acked = false;
      while (!acked) {
        q.wait_for_message(1000);
        q.poll([&](const ShmMessage&) { acked = true; });
      }
    }
    return 0;
  });
  CellQueues q;
  REQUIRE(q.init(seg, 0).ok());
  std::uint64_t got = 0;
  bool finished = parley::test::wait_until(
      [&] {
        q.wait_for_message(1000);
        q.poll([&](const ShmMessage&) {
          ++got;
          Hdr h{0, 0, got};
          (void)q.try_send(1, bytes_of(h), {});
        });
        return got == 100;
      },
      {child});
  CHECK(parley::test::wait_child(child) == 0);
  REQUIRE(finished);
}
