// Conformance tests of transport/ofi/ofi_endpoint (+ ofi_rma): eager
// messages both ways, order, credit flow control under a flood, 64 MiB
// rendezvous reads, the no-RMA fallback, and errors when a peer died.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <deque>
#include <string>

#include "tests/unit/ofi/ofi_test_util.hpp"

using namespace parley::test::ofi;
using parley::test::fill_pattern;
using parley::test::pattern_byte;

namespace {

// Two endpoints of one process on one fabric: a = peer 0, b = peer 1.
// Only a inserts b; b learns a from a's first message.
struct Pair {
  Fabric fabric;
  Endpoint a, b;
  TransportStatus open(const OfiConfig& c) {
    TransportStatus st = fabric.open(c);
    if (st.ok()) st = a.open(fabric, 0);
    if (st.ok()) st = b.open(fabric, 1);
    if (st.ok()) st = a.insert_peer(1, b.address());
    return st;
  }
};

// Both endpoints polled once into their sinks.
#define POLL_BOTH(p, sa, sb) \
  [&] {                      \
    (p).a.poll(sa);          \
    (p).b.poll(sb);          \
  }

struct Received {
  PeerId from;
  std::vector<std::byte> header;
  std::vector<std::byte> payload;
  bool bare = false;
  std::uint64_t imm = 0;
};

// Collects messages; counts errors (printing them).
struct Sink {
  std::deque<Received> msgs;
  std::vector<OfiEvent> others;  // read_done / error events (status texts are interned)
  void operator()(const OfiEvent& ev) {
    if (ev.kind == EventKind::message) {
      msgs.push_back({ev.peer,
                      {ev.header.begin(), ev.header.end()},
                      {ev.payload.begin(), ev.payload.end()},
                      ev.bare,
                      ev.imm});
    } else {
      if (ev.kind == EventKind::error) {
        std::fprintf(stderr, "event: error op %d peer %u: %s\n", static_cast<int>(ev.op), ev.peer,
                     ev.status.what);
      }
      others.push_back(ev);
    }
  }
};

TransportStatus send_u64(Endpoint& ep, PeerId dst, std::uint64_t value, const void* payload = nullptr,
                         std::size_t len = 0) {
  iovec v{const_cast<void*>(payload), len};
  return ep.try_send(dst, as_bytes_of(&value, sizeof value), IovSpan(&v, len != 0 ? 1 : 0));
}

std::uint64_t u64_of(const std::vector<std::byte>& h) {
  std::uint64_t v = 0;
  std::memcpy(&v, h.data(), std::min(h.size(), sizeof v));
  return v;
}

}  // namespace

TEST_CASE("Eager messages flow both ways with header and payload intact") {
  int rc = isolated([] {
    Pair p;
    OFI_CHECK_OK(p.open(test_config()));
    const TransportDescriptor& d = p.a.descriptor();
    OFI_CHECK(std::strcmp(d.name, "ofi") == 0);
    OFI_CHECK(d.has(cap_inline_send));
    OFI_CHECK(d.max_header == Endpoint::kMaxHeader);
    OFI_CHECK(d.max_inline == p.a.max_payload(Endpoint::kMaxHeader));
    OFI_CHECK(!p.b.knows_peer(0));

    Sink sa, sb;
    const char hello[] = "hello from a";
    OFI_CHECK_OK(retry_send([&] { return send_u64(p.a, 1, 42, hello, sizeof hello); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return !sb.msgs.empty();
    }));
    OFI_CHECK(sb.msgs.size() == 1);
    OFI_CHECK(sb.msgs[0].from == 0);
    OFI_CHECK(u64_of(sb.msgs[0].header) == 42);
    OFI_CHECK(sb.msgs[0].payload.size() == sizeof hello);
    OFI_CHECK(std::memcmp(sb.msgs[0].payload.data(), hello, sizeof hello) == 0);
    // b can answer without insert_peer: a's first message carried its address.
    OFI_CHECK(p.b.knows_peer(0));
    const char reply[] = "and back from b";
    OFI_CHECK_OK(retry_send([&] { return send_u64(p.b, 0, 7, reply, sizeof reply); }, POLL_BOTH(p, sa, sb)));
    // A message with no payload at all, and one with an empty header.
    OFI_CHECK_OK(retry_send([&] { return send_u64(p.b, 0, 8); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK_OK(retry_send([&] { return p.b.try_send(0, {}, {}); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return sa.msgs.size() == 3;
    }));
    OFI_CHECK(sa.msgs[0].from == 1 && u64_of(sa.msgs[0].header) == 7);
    OFI_CHECK(std::memcmp(sa.msgs[0].payload.data(), reply, sizeof reply) == 0);
    OFI_CHECK(u64_of(sa.msgs[1].header) == 8 && sa.msgs[1].payload.empty());
    OFI_CHECK(sa.msgs[2].header.empty() && sa.msgs[2].payload.empty());
    OFI_CHECK(sa.others.empty() && sb.others.empty());

    // Size limits are reported, not truncated.
    std::vector<std::byte> big(p.a.max_payload(8) + 1);
    iovec v{big.data(), big.size()};
    OFI_CHECK(p.a.try_send(1, as_bytes_of(&v, 8), IovSpan(&v, 1)).code == Code::too_large);
    std::vector<std::byte> long_header(Endpoint::kMaxHeader + 1);
    OFI_CHECK(p.a.try_send(1, long_header, {}).code == Code::too_large);
    OFI_CHECK(p.a.try_send(5, {}, {}).code == Code::invalid);  // never inserted
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("Bare messages carry a whole receive buffer and their immediate, in order with headed ones") {
  int rc = isolated([] {
    Pair p;
    OFI_CHECK_OK(p.open(test_config()));
    const std::size_t max = p.a.max_bare_payload();
    if (max == 0) {
      std::fprintf(stderr, "provider %s has no remote CQ data: bare messages untested\n",
                   p.fabric.provider_name());
      OFI_CHECK(!p.a.can_send_bare(1));
      return 0;
    }
    OFI_CHECK(max > p.a.max_payload(0));  // the whole receive buffer, no header in it
    Sink sa, sb;
    // Not before our address went to the peer in a headed message.
    OFI_CHECK(!p.a.can_send_bare(1));
    OFI_CHECK(p.a.try_send_bare(1, 1, {}).code == Code::invalid);
    OFI_CHECK_OK(retry_send([&] { return send_u64(p.a, 1, 100); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(p.a.can_send_bare(1));
    OFI_CHECK(!p.a.can_send_bare(5));  // never inserted
    const std::uint64_t top = (std::uint64_t{1} << Endpoint::kImmBits) - 1;
    OFI_CHECK(p.a.try_send_bare(1, top + 1, {}).code == Code::invalid);
    std::vector<std::byte> big(max + 1);
    {
      iovec v{big.data(), max + 1};
      OFI_CHECK(p.a.try_send_bare(1, 0, IovSpan(&v, 1)).code == Code::too_large);
    }
    // Sizes at and around the buffer, the inject size and empty, with
    // headed messages between them; two iovec pieces each.
    const std::size_t sizes[] = {max, max - 1, 0, 1, 8, 600, max, max / 2, max};
    constexpr std::size_t kN = sizeof sizes / sizeof sizes[0];
    std::uint64_t seq = 0;
    for (std::size_t i = 0; i < kN; ++i) {
      const std::size_t len = sizes[i];
      fill_pattern(big.data(), len, 1000 + i);
      iovec v[2] = {{big.data(), len / 2}, {big.data() + len / 2, len - len / 2}};
      const std::uint64_t imm = i % 2 == 0 ? top - i : i * 0x9e3779b97ull % top;
      OFI_CHECK_OK(
          retry_send([&] { return p.a.try_send_bare(1, imm, IovSpan(v, 2)); }, POLL_BOTH(p, sa, sb)));
      ++seq;
      OFI_CHECK_OK(
          retry_send([&] { return send_u64(p.a, 1, 200 + i, big.data(), 3); }, POLL_BOTH(p, sa, sb)));
      ++seq;
    }
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return sb.msgs.size() == seq + 1;
    }));
    OFI_CHECK(!sb.msgs[0].bare && u64_of(sb.msgs[0].header) == 100);
    for (std::size_t i = 0; i < kN; ++i) {
      const Received& m = sb.msgs[1 + 2 * i];
      const std::uint64_t imm = i % 2 == 0 ? top - i : i * 0x9e3779b97ull % top;
      OFI_CHECK(m.bare && m.from == 0 && m.header.empty() && m.imm == imm);
      OFI_CHECK(m.payload.size() == sizes[i]);
      for (std::size_t k = 0; k < sizes[i]; ++k)
        OFI_CHECK(static_cast<std::uint8_t>(m.payload[k]) == pattern_byte(1000 + i, k));
      const Received& h = sb.msgs[2 + 2 * i];
      OFI_CHECK(!h.bare && u64_of(h.header) == 200 + i && h.payload.size() == 3);
    }
    // The other way too, once b has sent a headed message.
    OFI_CHECK(!p.b.can_send_bare(0));
    OFI_CHECK_OK(retry_send([&] { return send_u64(p.b, 0, 300); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(p.b.can_send_bare(0));
    fill_pattern(big.data(), max, 7);
    iovec v{big.data(), max};
    OFI_CHECK_OK(
        retry_send([&] { return p.b.try_send_bare(0, 12345, IovSpan(&v, 1)); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return sa.msgs.size() == 2;
    }));
    OFI_CHECK(sa.msgs[1].bare && sa.msgs[1].from == 1 && sa.msgs[1].imm == 12345 &&
              sa.msgs[1].payload.size() == max);
    OFI_CHECK(std::memcmp(sa.msgs[1].payload.data(), big.data(), max) == 0);
    OFI_CHECK(sa.others.empty() && sb.others.empty());
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("PARLEY_OFI_CQ_DATA=0 turns bare messages off") {
  int rc = isolated([] {
    setenv("PARLEY_OFI_CQ_DATA", "0", 1);
    Pair p;
    OFI_CHECK_OK(p.open(test_config()));
    OFI_CHECK(p.fabric.cq_data_size() == 0);
    OFI_CHECK(p.a.max_bare_payload() == 0);
    Sink sa, sb;
    OFI_CHECK_OK(retry_send([&] { return send_u64(p.a, 1, 1); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(!p.a.can_send_bare(1));
    OFI_CHECK(p.a.try_send_bare(1, 0, {}).code == Code::invalid);
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("Many messages of mixed sizes from one sender arrive in order and intact") {
  int rc = isolated([] {
    Pair p;
    OFI_CHECK_OK(p.open(test_config()));
    Sink sa, sb;
    constexpr std::uint64_t kCount = 5000;
    const std::size_t max = p.a.max_payload(sizeof(std::uint64_t));
    std::vector<std::byte> buf(max);
    std::uint64_t sent = 0, checked = 0;
    bool bad = false;
    auto size_of = [&](std::uint64_t seq) {
      // Empty, inject-sized, middling and full messages.
      switch (seq % 5) {
        case 0:
          return std::size_t{0};
        case 1:
          return std::size_t{8};
        case 2:
          return static_cast<std::size_t>(seq % 1000);
        case 3:
          return max;
        default:
          return static_cast<std::size_t>((seq * 7919) % max);
      }
    };
    OFI_CHECK(poll_until([&] {
      while (sent < kCount) {
        const std::size_t len = size_of(sent);
        fill_pattern(buf.data(), len, sent);
        // Three iovec pieces so gathering is exercised.
        iovec v[3] = {{buf.data(), len / 3},
                      {buf.data() + len / 3, len / 3},
                      {buf.data() + 2 * (len / 3), len - 2 * (len / 3)}};
        TransportStatus st = p.a.try_send(1, as_bytes_of(&sent, sizeof sent), IovSpan(v, 3));
        if (st.would_block()) break;
        if (!st.ok()) {
          std::fprintf(stderr, "try_send: %s\n", st.what);
          bad = true;
          return true;
        }
        ++sent;
      }
      p.a.poll(sa);
      p.b.poll(sb);
      while (!sb.msgs.empty()) {
        Received& m = sb.msgs.front();
        const std::uint64_t seq = u64_of(m.header);
        const std::size_t len = size_of(checked);
        if (seq != checked || m.payload.size() != len) {
          std::fprintf(stderr, "got seq %llu len %zu, expected %llu len %zu\n",
                       static_cast<unsigned long long>(seq), m.payload.size(),
                       static_cast<unsigned long long>(checked), len);
          bad = true;
          return true;
        }
        for (std::size_t i = 0; i < len; ++i) {
          if (static_cast<std::uint8_t>(m.payload[i]) != pattern_byte(seq, i)) {
            std::fprintf(stderr, "seq %llu: byte %zu differs\n", static_cast<unsigned long long>(seq), i);
            bad = true;
            return true;
          }
        }
        ++checked;
        sb.msgs.pop_front();
      }
      return checked == kCount;
    }));
    OFI_CHECK(!bad);
    OFI_CHECK(sa.others.empty() && sb.others.empty());
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("A flood to a receiver that does not poll stops at the credit limit, then resumes in order") {
  int rc = isolated([] {
    OfiConfig c = test_config();
    c.credits = 16;
    c.rx_buffers = 64;
    Pair p;
    OFI_CHECK_OK(p.open(c));
    Sink sa, sb;
    // Bring the connection up (it needs both sides to poll), and give the
    // credit of this first message back.
    OFI_CHECK_OK(retry_send([&] { return send_u64(p.a, 1, 0); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return sb.msgs.size() == 1;
    }));
    sb.msgs.clear();
    OFI_CHECK_OK(retry_send([&] { return p.b.try_send(0, {}, {}); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return sa.msgs.size() == 1 && p.a.send_credits(1) == c.credits;
    }));
    const std::size_t posted = p.b.posted_receive_bytes();
    // b never polls here: after exactly `credits` messages a must be told
    // would_block, however long it keeps trying (and polling itself).
    std::uint64_t sent = 0;
    for (int attempt = 0; attempt < 20000; ++attempt) {
      TransportStatus st = send_u64(p.a, 1, sent);
      if (st.ok()) {
        ++sent;
      } else {
        OFI_CHECK(st.would_block());
      }
      p.a.poll(sa);
    }
    OFI_CHECK(sent == c.credits);
    OFI_CHECK(p.a.send_credits(1) == 0);
    OFI_CHECK(p.a.sends_in_flight() <= c.tx_buffers);
    OFI_CHECK(p.b.posted_receive_bytes() == posted);

    // Once b polls, credits come back and the flood continues, in order.
    constexpr std::uint64_t kTotal = 3000;
    std::uint64_t next = 0;
    bool bad = false;
    OFI_CHECK(poll_until([&] {
      while (sent < kTotal && send_u64(p.a, 1, sent).ok()) ++sent;
      p.a.poll(sa);
      p.b.poll(sb);
      while (!sb.msgs.empty()) {
        if (u64_of(sb.msgs.front().header) != next) bad = true;
        ++next;
        sb.msgs.pop_front();
      }
      return bad || next == kTotal;
    }));
    OFI_CHECK(!bad);
    OFI_CHECK(p.b.posted_receive_bytes() == posted);
    OFI_CHECK(sa.others.empty() && sb.others.empty());
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("Two endpoints flooding each other never deadlock on credits") {
  int rc = isolated([] {
    OfiConfig c = test_config();
    c.credits = 4;
    Pair p;
    OFI_CHECK_OK(p.open(c));
    OFI_CHECK(p.b.insert_peer(0, p.a.address()).ok());
    Sink sa, sb;
    constexpr std::uint64_t kTotal = 2000;
    std::uint64_t sent_a = 0, sent_b = 0;
    OFI_CHECK(poll_until([&] {
      while (sent_a < kTotal && send_u64(p.a, 1, sent_a).ok()) ++sent_a;
      while (sent_b < kTotal && send_u64(p.b, 0, sent_b).ok()) ++sent_b;
      p.a.poll(sa);
      p.b.poll(sb);
      return sa.msgs.size() == kTotal && sb.msgs.size() == kTotal;
    }));
    for (std::uint64_t i = 0; i < kTotal; ++i) {
      OFI_CHECK(u64_of(sa.msgs[i].header) == i);
      OFI_CHECK(u64_of(sb.msgs[i].header) == i);
    }
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("A 64 MiB rendezvous read moves the registered buffer exactly") {
  int rc = isolated([] {
    Pair p;
    OFI_CHECK_OK(p.open(test_config()));
    if (!p.a.has_rma()) {
      std::fprintf(stderr, "provider %s has no FI_RMA: read test skipped\n", p.fabric.provider_name());
      return 0;
    }
    OFI_CHECK(p.a.descriptor().has(cap_rndv_pull));
    constexpr std::size_t kSize = std::size_t{64} << 20;
    std::vector<std::byte> src(kSize), dst(kSize);
    fill_pattern(src.data(), kSize, 77);
    // b is the rendezvous sender: registers, advertises the key in a message.
    MemoryRegion mr;
    OFI_CHECK_OK(p.b.register_memory(src.data(), kSize, &mr));
    Sink sa, sb;
    OFI_CHECK_OK(retry_send([&] { return p.a.try_send(1, {}, {}); }, POLL_BOTH(p, sa, sb)));  // b learns a
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return !sb.msgs.empty();
    }));
    RemoteKey key = mr.remote();
    OFI_CHECK_OK(
        retry_send([&] { return p.b.try_send(0, as_bytes_of(&key, sizeof key), {}); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return !sa.msgs.empty();
    }));
    RemoteKey got{};
    std::memcpy(&got, sa.msgs[0].header.data(), sizeof got);
    // Read into two uneven local pieces, the second part from an offset.
    const std::size_t first = kSize / 3 + 123;
    iovec local[2] = {{dst.data(), first}, {dst.data() + first, kSize - first}};
    OFI_CHECK_OK(p.a.read(1, IovSpan(local, 2), got, 0xC00C1E));
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return !sa.others.empty();
    }));
    OFI_CHECK(sa.others.size() == 1);
    OFI_CHECK(sa.others[0].kind == EventKind::read_done);
    OFI_CHECK(sa.others[0].cookie == 0xC00C1E);
    OFI_CHECK(sa.others[0].peer == 1);
    OFI_CHECK(std::memcmp(src.data(), dst.data(), kSize) == 0);
    OFI_CHECK(p.a.reads_in_flight() == 0);

    // A read of a sub-range at an offset into the region.
    std::vector<std::byte> part(1 << 20);
    RemoteKey at = got;
    at.addr += 5 << 20;
    iovec one{part.data(), part.size()};
    OFI_CHECK_OK(p.a.read(1, IovSpan(&one, 1), at, 2));
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return sa.others.size() == 2;
    }));
    OFI_CHECK(sa.others[1].kind == EventKind::read_done && sa.others[1].cookie == 2);
    OFI_CHECK(std::memcmp(part.data(), src.data() + (5 << 20), part.size()) == 0);
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("Without FI_RMA the endpoint says so and refuses reads") {
  int rc = isolated([] {
    OfiConfig c = test_config();
    c.want_rma = false;  // as PARLEY_OFI_RMA=0
    Pair p;
    OFI_CHECK_OK(p.open(c));
    OFI_CHECK(!p.a.has_rma());
    const TransportDescriptor& d = p.a.descriptor();
    OFI_CHECK(!d.has(cap_rndv_pull));
    OFI_CHECK(d.has(cap_copy_pipeline));
    OFI_CHECK(d.pipeline_chunk > 0);
    std::vector<std::byte> buf(4096);
    MemoryRegion mr;
    OFI_CHECK(p.b.register_memory(buf.data(), buf.size(), &mr).code == Code::invalid);
    iovec v{buf.data(), buf.size()};
    OFI_CHECK(p.a.read(1, IovSpan(&v, 1), RemoteKey{}, 1).code == Code::invalid);
    // Eager messages still work.
    Sink sa, sb;
    OFI_CHECK_OK(retry_send([&] { return send_u64(p.a, 1, 3, buf.data(), 100); }, POLL_BOTH(p, sa, sb)));
    OFI_CHECK(poll_until([&] {
      p.a.poll(sa);
      p.b.poll(sb);
      return sb.msgs.size() == 1;
    }));
    return 0;
  });
  REQUIRE(rc == 0);
}

namespace {

// Runs a peer in its own process that publishes its address on `to_test`,
// optionally waits for one message, then exits: the peer that dies.
pid_t start_doomed_peer(int to_test, bool wait_for_message) {
  return parley::test::fork_child(
      [=] {
        Fabric f;
        Endpoint ep;
        OFI_CHECK_OK(f.open(test_config()));
        OFI_CHECK_OK(ep.open(f, 1));
        OFI_CHECK(send_address(to_test, ep.address()));
        if (wait_for_message) {
          Sink s;
          OFI_CHECK(poll_until([&] {
            ep.poll(s);
            return !s.msgs.empty();
          }));
        }
        return 0;  // exits with its endpoint open: the process just goes away
      },
      120);
}

// Process of the test: sends to the doomed peer (peer 1) until an error
// event or status names it. `died` becomes readable once the peer is dead.
int send_until_error(int from_peer, int died, bool first_message_before_death) {
  Fabric f;
  Endpoint ep;
  OfiConfig cfg = test_config();
  // ofi_rxm retries a refused connection forever; the endpoint gives up
  // after this long (the test waits on polls, never on the clock).
  cfg.connect_timeout_ms = 500;
  // ... and a connection that broke may be re-established forever: a peer
  // silent this long while a send waits on it counts as gone.
  cfg.peer_timeout_ms = 500;
  OFI_CHECK_OK(f.open(cfg));
  OFI_CHECK_OK(ep.open(f, 0));
  std::vector<std::byte> addr;
  OFI_CHECK(recv_address(from_peer, &addr));
  OFI_CHECK_OK(ep.insert_peer(1, addr));
  Sink s;
  if (first_message_before_death) {
    OFI_CHECK_OK(retry_send([&] { return send_u64(ep, 1, 1); }, [&] { ep.poll(s); }));
    // Until the peer is gone (it exits after receiving the message).
    char c = 0;
    OFI_CHECK(poll_until([&] {
      ep.poll(s);
      return read(died, &c, 1) == 1;
    }));
  } else {
    char c = 0;
    OFI_CHECK(read_all(died, &c, 1));
  }
  TransportStatus last{};
  bool status_error = false;
  OFI_CHECK(poll_until([&] {
    TransportStatus st = send_u64(ep, 1, 2);
    if (!st.ok() && !st.would_block()) {
      last = st;
      status_error = true;
      return true;
    }
    ep.poll(s);
    for (const OfiEvent& ev : s.others) {
      if (ev.kind == EventKind::error) return true;
    }
    return false;
  }));
  if (status_error) {
    std::fprintf(stderr, "try_send after peer death: %s (%s)\n", to_string(last.code), last.what);
    OFI_CHECK(last.code == Code::peer_gone);
  } else {
    const OfiEvent* err = nullptr;
    for (const OfiEvent& ev : s.others) {
      if (ev.kind == EventKind::error && err == nullptr) err = &ev;
    }
    OFI_CHECK(err != nullptr);
    std::fprintf(stderr, "error event after peer death: %s (%s)\n", to_string(err->status.code),
                 err->status.what);
    OFI_CHECK(err->op == OpKind::send);
    OFI_CHECK(err->peer == 1);
    OFI_CHECK(std::strstr(err->status.what, "peer 1") != nullptr);
    // Later sends fail at once with the first error's text.
    TransportStatus st = send_u64(ep, 1, 3);
    OFI_CHECK(!st.ok() && !st.would_block());
    OFI_CHECK(std::strstr(st.what, "peer 1") != nullptr);
  }
  return 0;
}

int run_dead_peer_case(bool connected_first) {
  int addr_pipe[2], died_pipe[2];
  if (pipe(addr_pipe) != 0 || pipe(died_pipe) != 0) return 1;
  pid_t doomed = start_doomed_peer(addr_pipe[1], connected_first);
  pid_t tester = parley::test::fork_child(
      [&] {
        close(died_pipe[1]);
        return send_until_error(addr_pipe[0], died_pipe[0], connected_first);
      },
      240);
  close(died_pipe[0]);
  const int doomed_rc = parley::test::wait_child(doomed);
  // Tell the tester the peer is dead (a write, not a sleep).
  const char c = 'x';
  if (write(died_pipe[1], &c, 1) != 1) return 1;
  const int tester_rc = parley::test::wait_child(tester);
  if (doomed_rc != 0) std::fprintf(stderr, "doomed peer exited %d\n", doomed_rc);
  return tester_rc != 0 ? tester_rc : doomed_rc;
}

}  // namespace

TEST_CASE("Sending to a peer whose process died gives an error naming it, not a hang") {
  SECTION("peer died after the connection was up") { REQUIRE(run_dead_peer_case(true) == 0); }
  SECTION("peer died before we ever reached it") { REQUIRE(run_dead_peer_case(false) == 0); }
}

TEST_CASE("A rendezvous read from a peer that died ends in an error naming it, not a hang") {
  int addr_pipe[2], died_pipe[2];
  REQUIRE(pipe(addr_pipe) == 0);
  REQUIRE(pipe(died_pipe) == 0);
  // The doomed peer registers a buffer, sends its key, waits for one
  // message (so the connection is up both ways), then exits.
  pid_t doomed = parley::test::fork_child(
      [&] {
        Fabric f;
        Endpoint ep;
        OFI_CHECK_OK(f.open(test_config()));
        OFI_CHECK_OK(ep.open(f, 1));
        OFI_CHECK(send_address(addr_pipe[1], ep.address()));
        if (!ep.has_rma()) return 0;
        std::vector<std::byte> buf(8 << 20);
        MemoryRegion mr;
        OFI_CHECK_OK(ep.register_memory(buf.data(), buf.size(), &mr));
        Sink s;
        OFI_CHECK(poll_until([&] {
          ep.poll(s);
          return !s.msgs.empty();
        }));
        RemoteKey key = mr.remote();
        OFI_CHECK_OK(retry_send([&] { return ep.try_send(0, as_bytes_of(&key, sizeof key), {}); },
                                [&] { ep.poll(s); }));
        // Until the key is out of our send queue.
        OFI_CHECK(poll_until([&] {
          ep.poll(s);
          return ep.sends_in_flight() == 0;
        }));
        return 0;
      },
      120);
  pid_t tester = parley::test::fork_child(
      [&] {
        close(died_pipe[1]);
        Fabric f;
        Endpoint ep;
        OfiConfig cfg = test_config();
        // A read posted once the provider saw the connection close may be
        // queued behind reconnection attempts forever (ofi_rxm, under load):
        // then this bound ends it.
        cfg.peer_timeout_ms = 500;
        OFI_CHECK_OK(f.open(cfg));
        OFI_CHECK_OK(ep.open(f, 0));
        std::vector<std::byte> addr;
        OFI_CHECK(recv_address(addr_pipe[0], &addr));
        if (!ep.has_rma()) return 0;
        OFI_CHECK_OK(ep.insert_peer(1, addr));
        Sink s;
        OFI_CHECK_OK(retry_send([&] { return ep.try_send(1, {}, {}); }, [&] { ep.poll(s); }));
        OFI_CHECK(poll_until([&] {
          ep.poll(s);
          return !s.msgs.empty();
        }));
        RemoteKey key{};
        std::memcpy(&key, s.msgs[0].header.data(), sizeof key);
        char c = 0;
        OFI_CHECK(poll_until([&] {
          ep.poll(s);
          return read(died_pipe[0], &c, 1) == 1;
        }));
        std::vector<std::byte> dst(8 << 20);
        iovec v{dst.data(), dst.size()};
        TransportStatus st = ep.read(1, IovSpan(&v, 1), key, 99);
        if (!st.ok()) {
          std::fprintf(stderr, "read after peer death: %s\n", st.what);
          OFI_CHECK(!st.would_block());
          return 0;
        }
        OFI_CHECK(poll_until([&] {
          ep.poll(s);
          return !s.others.empty();
        }));
        const OfiEvent& ev = s.others[0];
        std::fprintf(stderr, "read event after peer death: %s\n", ev.status.what);
        OFI_CHECK(ev.kind == EventKind::error);
        OFI_CHECK(ev.op == OpKind::read);
        OFI_CHECK(ev.cookie == 99);
        OFI_CHECK(ev.peer == 1);
        OFI_CHECK(std::strstr(ev.status.what, "peer 1") != nullptr);
        OFI_CHECK(ep.reads_in_flight() == 0);
        return 0;
      },
      240);
  close(died_pipe[0]);
  const int doomed_rc = parley::test::wait_child(doomed);
  const char c = 'x';
  REQUIRE(write(died_pipe[1], &c, 1) == 1);
  const int tester_rc = parley::test::wait_child(tester);
  CHECK(doomed_rc == 0);
  REQUIRE(tester_rc == 0);
}

TEST_CASE("Operations waiting on a peer that gives no sign of life end after PARLEY_OFI_PEER_TIMEOUT_MS") {
  // The peer lives but stops polling after sending its key. A provider that
  // serves reads in the target's poll (tcp) cannot finish the read: the
  // endpoint must end it with an error naming the peer once the timeout
  // passed; one that reads without the target (hardware RMA) finishes it.
  int addr_pipe[2], go_pipe[2];
  REQUIRE(pipe(addr_pipe) == 0);
  REQUIRE(pipe(go_pipe) == 0);
  pid_t silent = parley::test::fork_child(
      [&] {
        close(go_pipe[1]);
        Fabric f;
        Endpoint ep;
        OFI_CHECK_OK(f.open(test_config()));
        OFI_CHECK_OK(ep.open(f, 1));
        OFI_CHECK(send_address(addr_pipe[1], ep.address()));
        if (!ep.has_rma()) return 0;
        std::vector<std::byte> buf(1 << 20);
        fill_pattern(buf.data(), buf.size(), 7);
        MemoryRegion mr;
        OFI_CHECK_OK(ep.register_memory(buf.data(), buf.size(), &mr));
        Sink s;
        OFI_CHECK(poll_until([&] {
          ep.poll(s);
          return !s.msgs.empty();
        }));
        RemoteKey key = mr.remote();
        OFI_CHECK_OK(retry_send([&] { return ep.try_send(0, as_bytes_of(&key, sizeof key), {}); },
                                [&] { ep.poll(s); }));
        OFI_CHECK(poll_until([&] {
          ep.poll(s);
          return ep.sends_in_flight() == 0;
        }));
        // Silent (no poll) until the tester is done.
        char c = 0;
        OFI_CHECK(read_all(go_pipe[0], &c, 1));
        return 0;
      },
      120);
  pid_t tester = parley::test::fork_child(
      [&] {
        Fabric f;
        Endpoint ep;
        OfiConfig cfg = test_config();
        cfg.peer_timeout_ms = 300;
        OFI_CHECK_OK(f.open(cfg));
        OFI_CHECK_OK(ep.open(f, 0));
        std::vector<std::byte> addr;
        OFI_CHECK(recv_address(addr_pipe[0], &addr));
        if (!ep.has_rma()) return 0;
        OFI_CHECK_OK(ep.insert_peer(1, addr));
        Sink s;
        OFI_CHECK_OK(retry_send([&] { return ep.try_send(1, {}, {}); }, [&] { ep.poll(s); }));
        OFI_CHECK(poll_until([&] {
          ep.poll(s);
          return !s.msgs.empty();
        }));
        RemoteKey key{};
        std::memcpy(&key, s.msgs[0].header.data(), sizeof key);
        std::vector<std::byte> dst(1 << 20);
        iovec v{dst.data(), dst.size()};
        OFI_CHECK_OK(ep.read(1, IovSpan(&v, 1), key, 42));
        OFI_CHECK(poll_until([&] {
          ep.poll(s);
          return !s.others.empty();
        }));
        const OfiEvent& ev = s.others[0];
        OFI_CHECK(ev.op == OpKind::read);
        OFI_CHECK(ev.cookie == 42);
        OFI_CHECK(ev.peer == 1);
        OFI_CHECK(ep.reads_in_flight() == 0);
        if (ev.kind == EventKind::read_done) {
          std::fprintf(stderr, "the provider read without the target's progress\n");
          OFI_CHECK(parley::test::check_pattern(dst.data(), dst.size(), 7));
          return 0;
        }
        std::fprintf(stderr, "read from a silent peer: %s\n", ev.status.what);
        OFI_CHECK(ev.kind == EventKind::error);
        OFI_CHECK(ev.status.code == Code::peer_gone);
        OFI_CHECK(std::strstr(ev.status.what, "peer 1") != nullptr);
        OFI_CHECK(std::strstr(ev.status.what, "PARLEY_OFI_PEER_TIMEOUT_MS") != nullptr);
        // The peer counts as gone: later operations fail at once, naming it.
        TransportStatus st = ep.try_send(1, {}, {});
        OFI_CHECK(st.code == Code::peer_gone);
        OFI_CHECK(std::strstr(st.what, "peer 1") != nullptr);
        st = ep.read(1, IovSpan(&v, 1), key, 43);
        OFI_CHECK(st.code == Code::peer_gone);
        return 0;
      },
      120);
  const int tester_rc = parley::test::wait_child(tester);
  const char c = 'x';
  REQUIRE(write(go_pipe[1], &c, 1) == 1);
  const int silent_rc = parley::test::wait_child(silent);
  CHECK(silent_rc == 0);
  REQUIRE(tester_rc == 0);
}
