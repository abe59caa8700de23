// Cell queue (RingSender/RingReceiver through CellQueues): FIFO order,
// wrap-around with fillers, back-pressure, payload integrity, iovec gather.
#include <catch2/catch.hpp>

#include <cstring>
#include <deque>
#include <vector>

#include "shm_test_util.hpp"
#include "transport/shm/shm_queue.hpp"
#include "transport/shm/shm_segment.hpp"

using namespace parley::transport;
using namespace parley::transport::shm;
using parley::test::check_pattern;
using parley::test::fill_pattern;
using parley::test::XorShift;

namespace {

struct Hdr {
  std::uint64_t seq;
  std::uint32_t len;
  std::uint32_t magic;
};
constexpr std::uint32_t kMagic = 0xC0FFEE11;

std::span<const std::byte> bytes_of(const Hdr& h) {
  return {reinterpret_cast<const std::byte*>(&h), sizeof(h)};
}

Segment make_segment(std::uint32_t n, std::uint32_t cells = 64, std::uint32_t cell = 64) {
  ShmConfig c;
  c.ring_cells = cells;
  c.cell_size = cell;
  Segment s;
  auto st = Segment::create_anonymous(n, c, s);
  REQUIRE(st.ok());
  return s;
}

}  // namespace

TEST_CASE("a full ring says would_block, and loses or duplicates nothing") {
  Segment seg = make_segment(2, 64, 64);
  CellQueues a, b;
  REQUIRE(a.init(seg, 0).ok());
  REQUIRE(b.init(seg, 1).ok());
  std::uint64_t sent = 0, received = 0;
  for (int round = 0; round < 50; ++round) {
    // Fill until back-pressure; random sizes up to three cells.
    XorShift rng(round);
    std::uint64_t accepted = 0;
    for (;;) {
      std::vector<std::uint8_t> payload(rng.next() % 150);
      fill_pattern(payload.data(), payload.size(), sent);
      Hdr h{sent, static_cast<std::uint32_t>(payload.size()), kMagic};
      iovec v{payload.data(), payload.size()};
      auto st = a.try_send(1, bytes_of(h), {&v, 1});
      if (st.would_block()) break;
      REQUIRE(st.ok());
      ++sent;
      ++accepted;
      REQUIRE(accepted <= 64);  // never more messages than cells
    }
    REQUIRE(accepted >= 1);
    // Drain everything: exactly the accepted messages, in order.
    std::size_t got = b.poll(
        [&](const ShmMessage& m) {
          Hdr h;
          REQUIRE(m.src == 0);
          REQUIRE(m.header.size() == sizeof(Hdr));
          std::memcpy(&h, m.header.data(), sizeof(h));
          REQUIRE(h.magic == kMagic);
          REQUIRE(h.seq == received);
          REQUIRE(m.payload.size() == h.len);
          REQUIRE(check_pattern(m.payload.data(), m.payload.size(), h.seq));
          ++received;
        },
        1000);
    REQUIRE(got == accepted);
    REQUIRE(b.poll([](const ShmMessage&) { FAIL("duplicate delivery"); }) == 0);
  }
  REQUIRE(sent == received);
}

TEST_CASE("interleaved send and poll keep FIFO order over many wrap-arounds") {
  // Small ring, sizes from 0 to the maximum: fillers at the ring's end happen
  // constantly; a shadow deque tells what must come out next.
  Segment seg = make_segment(2, 32, 64);
  CellQueues a, b;
  REQUIRE(a.init(seg, 0).ok());
  REQUIRE(b.init(seg, 1).ok());
  const std::size_t max_payload = a.max_payload(sizeof(Hdr));
  REQUIRE(max_payload == 16 * 64 - 16 - sizeof(Hdr));
  XorShift rng(42);
  std::deque<std::uint64_t> in_flight;
  std::vector<std::uint8_t> buf(max_payload);
  std::uint64_t seq = 0, delivered = 0;
  for (int iter = 0; iter < 200000; ++iter) {
    if (rng.next() % 3 != 0) {
      std::size_t len = rng.next() % (max_payload + 1);
      fill_pattern(buf.data(), len, seq);
      Hdr h{seq, static_cast<std::uint32_t>(len), kMagic};
      iovec v{buf.data(), len};
      auto st = a.try_send(1, bytes_of(h), {&v, 1});
      if (st.ok()) {
        in_flight.push_back(seq++);
      } else {
        REQUIRE(st.would_block());
      }
    } else {
      (void)b.poll(
          [&](const ShmMessage& m) {
            Hdr h;
            std::memcpy(&h, m.header.data(), sizeof(h));
            REQUIRE(!in_flight.empty());
            REQUIRE(h.seq == in_flight.front());
            REQUIRE(m.payload.size() == h.len);
            REQUIRE(check_pattern(m.payload.data(), h.len, h.seq));
            in_flight.pop_front();
            ++delivered;
          },
          1 + rng.next() % 8);
    }
  }
  while (b.poll([&](const ShmMessage&) {
    in_flight.pop_front();
    ++delivered;
  }) > 0) {
  }
  REQUIRE(in_flight.empty());
  REQUIRE(delivered == seq);
  REQUIRE(seq > 50000);
}

TEST_CASE("payload words that look like a later position are never taken for a message") {
  // The receiver reads a cell's seq word only where it expects the next
  // message to start; elsewhere those words hold earlier payload. Here every
  // continuation cell's first word holds exactly the seq a message starting
  // in that cell one lap later would publish, and message lengths vary so
  // that later messages do start in such cells: a word the sender did not
  // clear first would show up as a phantom message.
  constexpr std::uint32_t kCells = 32, kCell = 64;
  Segment seg = make_segment(2, kCells, kCell);
  CellQueues a, b;
  REQUIRE(a.init(seg, 0).ok());
  REQUIRE(b.init(seg, 1).ok());
  const std::size_t max_payload = a.max_payload(sizeof(Hdr));
  constexpr std::size_t kFirst = sizeof(CellHead) + sizeof(Hdr);  // payload offset in the first cell
  XorShift rng(7);
  std::vector<std::uint8_t> buf(max_payload);
  std::deque<std::uint64_t> in_flight;
  std::uint64_t seq = 0, delivered = 0;
  for (int iter = 0; iter < 100000; ++iter) {
    if (rng.next() % 2 == 0) {
      const std::size_t len = rng.next() % (max_payload + 1);
      const std::uint64_t cells = (kFirst + len + kCell - 1) / kCell;
      std::uint64_t start = a.peer_state(1).tx_tail;
      if (start % kCells + cells > kCells) start += kCells - start % kCells;  // a filler goes first
      std::memset(buf.data(), 0xa5, len);
      for (std::uint64_t j = 1; j < cells; ++j) {
        const std::uint64_t later_seq = start + j + kCells + 1;
        std::memcpy(buf.data() + j * kCell - kFirst, &later_seq, sizeof later_seq);
      }
      Hdr h{seq, static_cast<std::uint32_t>(len), kMagic};
      iovec v{buf.data(), len};
      auto st = a.try_send(1, bytes_of(h), {&v, 1});
      if (st.ok()) {
        in_flight.push_back(seq++);
      } else {
        REQUIRE(st.would_block());
      }
    } else {
      (void)b.poll(
          [&](const ShmMessage& m) {
            Hdr h;
            REQUIRE(m.header.size() == sizeof(h));
            std::memcpy(&h, m.header.data(), sizeof(h));
            REQUIRE(h.magic == kMagic);
            REQUIRE(!in_flight.empty());
            REQUIRE(h.seq == in_flight.front());
            in_flight.pop_front();
            ++delivered;
          },
          1 + rng.next() % 4);
    }
  }
  while (b.poll([&](const ShmMessage& m) {
    Hdr h;
    std::memcpy(&h, m.header.data(), sizeof(h));
    REQUIRE(h.magic == kMagic);
    in_flight.pop_front();
    ++delivered;
  }) > 0) {
  }
  REQUIRE(in_flight.empty());
  REQUIRE(delivered == seq);
  REQUIRE(seq > 20000);
}

TEST_CASE("oversized messages and bad destinations are refused") {
  Segment seg = make_segment(2, 16, 64);
  CellQueues a;
  REQUIRE(a.init(seg, 0).ok());
  std::vector<std::uint8_t> big(a.max_payload(0) + 1);
  iovec v{big.data(), big.size()};
  CHECK(a.try_send(1, {}, {&v, 1}).code == Code::too_large);
  v.iov_len = a.max_payload(0);
  CHECK(a.try_send(1, {}, {&v, 1}).ok());
  std::vector<std::byte> hdr(kMaxHeaderBytes + 1);
  CHECK(a.try_send(1, hdr, {}).code == Code::too_large);
  CHECK(a.try_send(0, {}, {}).code == Code::invalid);
  CHECK(a.try_send(2, {}, {}).code == Code::invalid);
}

TEST_CASE("payload is gathered from an iovec list, including empty entries") {
  Segment seg = make_segment(2, 64, 128);
  CellQueues a, b;
  REQUIRE(a.init(seg, 0).ok());
  REQUIRE(b.init(seg, 1).ok());
  std::vector<std::uint8_t> whole(700);
  fill_pattern(whole.data(), whole.size(), 9);
  iovec v[5] = {{whole.data(), 1},
                {whole.data() + 1, 0},
                {whole.data() + 1, 300},
                {whole.data() + 301, 0},
                {whole.data() + 301, 399}};
  Hdr h{9, 700, kMagic};
  REQUIRE(a.try_send(1, bytes_of(h), v).ok());
  REQUIRE(a.try_send(1, {}, {}).ok());  // header-less, payload-less message
  int n = 0;
  REQUIRE(b.poll([&](const ShmMessage& m) {
    if (n++ == 0) {
      REQUIRE(m.payload.size() == 700);
      REQUIRE(check_pattern(m.payload.data(), 700, 9));
    } else {
      REQUIRE(m.header.empty());
      REQUIRE(m.payload.empty());
    }
  }) == 2);
}

TEST_CASE("two processes: millions of random-size messages arrive in order, intact") {
  Segment seg = make_segment(2, 256, 64);
  constexpr std::uint64_t kCount = 2'000'000;
  pid_t child = parley::test::fork_child([&] {
    CellQueues tx;
    if (!tx.init(seg, 0).ok()) return 2;
    Backoff backoff(true);
    XorShift rng(7);
    const std::size_t maxp = tx.max_payload(sizeof(Hdr));
    std::vector<std::uint8_t> buf(maxp);
    for (std::uint64_t s = 0; s < kCount; ++s) {
      // Mostly small, sometimes up to the maximum, split in two iovecs.
      std::uint64_t r = rng.next();
      std::size_t len = (r & 15) == 0 ? (r >> 8) % (maxp + 1) : (r >> 8) % 64;
      fill_pattern(buf.data(), len, s);
      Hdr h{s, static_cast<std::uint32_t>(len), kMagic};
      iovec v[2] = {{buf.data(), len / 3}, {buf.data() + len / 3, len - len / 3}};
      for (;;) {
        auto st = tx.try_send(1, bytes_of(h), v);
        if (st.ok()) break;
        if (!st.would_block()) return 3;
        backoff.pause();
      }
      backoff.reset();
    }
    return 0;
  });
  CellQueues rx;
  REQUIRE(rx.init(seg, 1).ok());
  std::uint64_t expect = 0;
  bool good = true;
  bool finished = parley::test::wait_until(
      [&] {
        rx.poll([&](const ShmMessage& m) {
          Hdr h;
          std::memcpy(&h, m.header.data(), sizeof(h));
          good = good && h.magic == kMagic && h.seq == expect && m.payload.size() == h.len &&
                 check_pattern(m.payload.data(), h.len, h.seq);
          ++expect;
        });
        return expect == kCount || !good;
      },
      {child}, 2'000'000'000);
  CHECK(parley::test::wait_child(child) == 0);
  REQUIRE(good);
  REQUIRE(finished);
  REQUIRE(expect == kCount);
  REQUIRE(rx.poll([](const ShmMessage&) {}) == 0);
}
