// Copy-fallback pipeline: byte-exact for edge sizes, both sides driven as
// non-blocking state machines, consecutive transfers on one pair, and a
// 64 MiB transfer between two processes.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "shm_test_util.hpp"
#include "transport/shm/shm_pipeline.hpp"

using namespace parley::transport;
using namespace parley::transport::shm;
using parley::test::check_pattern;
using parley::test::fill_pattern;
using parley::test::XorShift;

namespace {

constexpr std::uint32_t kChunk = 4096;

Segment make_segment(std::uint32_t slots) {
  ShmConfig c;
  c.pipe_chunk = kChunk;
  c.pipe_slots = slots;
  Segment s;
  REQUIRE(Segment::create_anonymous(2, c, s).ok());
  return s;
}

// Cuts buf into uneven iovec pieces (1..max_piece bytes).
std::vector<iovec> cut(std::vector<std::uint8_t>& buf, std::size_t max_piece, std::uint64_t seed) {
  std::vector<iovec> v;
  XorShift rng(seed);
  std::size_t off = 0;
  while (off < buf.size()) {
    std::size_t n = std::min(buf.size() - off, 1 + rng.next() % max_piece);
    v.push_back({buf.data() + off, n});
    off += n;
  }
  return v;
}

}  // namespace

TEST_CASE("pipeline is byte-exact for edge sizes with interleaved steps") {
  const std::uint32_t slots = GENERATE(2u, 3u);
  Segment seg = make_segment(slots);
  PipeArea area(seg, 0, 1);
  XorShift rng(slots);
  // Several transfers back to back on the same pair: chunk numbers carry on.
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{kChunk - 1},
                           std::size_t{kChunk}, std::size_t{kChunk + 1},
                           std::size_t{17 * kChunk + 5}, std::size_t{3 * kChunk}}) {
    CAPTURE(size);
    std::vector<std::uint8_t> src(size), dst(size, 0);
    fill_pattern(src.data(), size, size);
    std::vector<iovec> siov = cut(src, 3000, size), diov = cut(dst, 5000, size + 1);
    PipelineSender tx(area, siov);
    PipelineReceiver rx(area, diov, size);
    REQUIRE(tx.total() == size);
    // Drive the two sides in a random order; neither ever waits.
    std::uint64_t steps = 0;
    while (!(tx.done() && rx.done())) {
      REQUIRE(++steps < 100000);
      if (rng.next() & 1) {
        if (!tx.done()) (void)tx.step();
      } else {
        StepResult r = rx.step();
        if (r == StepResult::blocked) REQUIRE_FALSE(rx.done());
      }
    }
    REQUIRE(tx.step() == StepResult::done);
    REQUIRE(rx.step() == StepResult::done);
    REQUIRE(check_pattern(dst.data(), size, size));
  }
}

TEST_CASE("sender blocks once every slot is full and resumes after a drain") {
  Segment seg = make_segment(2);
  PipeArea area(seg, 0, 1);
  std::vector<std::uint8_t> src(5 * kChunk), dst(5 * kChunk);
  fill_pattern(src.data(), src.size(), 3);
  iovec s{src.data(), src.size()}, d{dst.data(), dst.size()};
  PipelineSender tx(area, {&s, 1});
  PipelineReceiver rx(area, {&d, 1}, dst.size());
  CHECK(rx.step() == StepResult::blocked);        // nothing filled yet
  CHECK(tx.step() == StepResult::progressed);     // fills both slots
  CHECK(tx.step() == StepResult::blocked);        // no free slot
  CHECK(rx.step() == StepResult::progressed);     // drains both
  CHECK(tx.step() == StepResult::progressed);
  CHECK(rx.step() == StepResult::progressed);
  CHECK(tx.step() == StepResult::done);
  CHECK(rx.step() == StepResult::done);
  CHECK(check_pattern(dst.data(), dst.size(), 3));
}

TEST_CASE("64 MiB through the pipeline between two processes, both directions") {
  constexpr std::size_t kSize = std::size_t{64} << 20;
  Segment seg = make_segment(2);
  pid_t child = parley::test::fork_child([&seg] {
    // Child: receive 64 MiB from the parent, then send it back.
    std::vector<std::uint8_t> buf(kSize);
    iovec v{buf.data(), kSize};
    Backoff backoff(true);
    PipelineReceiver rx(PipeArea(seg, 0, 1), {&v, 1}, kSize);
    while (rx.step() != StepResult::done) backoff.pause();
    if (!check_pattern(buf.data(), kSize, 64)) return 5;
    PipelineSender tx(PipeArea(seg, 1, 0), {&v, 1});
    while (tx.step() != StepResult::done) backoff.pause();
    return 0;
  });
  std::vector<std::uint8_t> src(kSize), back(kSize, 0);
  fill_pattern(src.data(), kSize, 64);
  std::vector<iovec> siov = cut(src, 1 << 20, 1), biov = cut(back, 300000, 2);
  PipelineSender tx(PipeArea(seg, 0, 1), siov);
  PipelineReceiver rx(PipeArea(seg, 1, 0), biov, kSize);
  bool finished = parley::test::wait_until(
      [&] {
        StepResult a = tx.done() ? StepResult::done : tx.step();
        StepResult b = rx.step();
        return a == StepResult::done && b == StepResult::done;
      },
      {child}, 2'000'000'000);
  CHECK(parley::test::wait_child(child) == 0);
  REQUIRE(finished);
  REQUIRE(std::memcmp(src.data(), back.data(), kSize) == 0);
}

TEST_CASE("fill and drain callbacks see the stream in order, chunk by chunk") {
  Segment seg = make_segment(2);
  PipeArea area(seg, 0, 1);
  const std::size_t size = 9 * kChunk + 123;
  std::vector<std::uint8_t> src(size), dst(size, 0);
  fill_pattern(src.data(), size, 7);
  struct Stream {
    std::vector<std::uint8_t>* buf;
    std::size_t pos = 0;
    std::size_t calls = 0;
  } out{&src}, in{&dst};
  auto fill = [](void* ctx, std::byte* chunk, std::size_t len) {
    auto* s = static_cast<Stream*>(ctx);
    std::memcpy(chunk, s->buf->data() + s->pos, len);
    s->pos += len;
    ++s->calls;
  };
  auto drain = [](void* ctx, const std::byte* chunk, std::size_t len) {
    auto* s = static_cast<Stream*>(ctx);
    std::memcpy(s->buf->data() + s->pos, chunk, len);
    s->pos += len;
    ++s->calls;
  };
  PipelineSender tx(area, size, ChunkFill{fill, &out});
  PipelineReceiver rx(area, size, ChunkDrain{drain, &in});
  REQUIRE(tx.total() == size);
  std::uint64_t steps = 0;
  while (!(tx.done() && rx.done())) {
    REQUIRE(++steps < 100000);
    (void)tx.step();
    (void)rx.step();
  }
  CHECK(out.calls == 10);
  CHECK(in.calls == 10);
  CHECK(out.pos == size);
  CHECK(in.pos == size);
  CHECK(check_pattern(dst.data(), size, 7));
}
