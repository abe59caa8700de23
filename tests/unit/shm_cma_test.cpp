// CMA helpers: scattered iovecs on both sides, > IOV_MAX entries, large
// transfers, resumption after short transfers, the probe, PARLEY_SHM_CMA=0.
#include <catch2/catch.hpp>

#include <sys/uio.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "shm_test_util.hpp"
#include "transport/shm/shm_cma.hpp"

using namespace parley::transport;
using namespace parley::transport::shm;
using parley::test::check_pattern;
using parley::test::fill_pattern;

namespace {

// A child that fills `buf` with pattern `seq` (its own copy after fork),
// reports through a pipe, and waits for the parent to say it is done.
struct Peer {
  pid_t pid = -1;
  int to_child = -1;
  int from_child = -1;

  template <class Fn>
  static Peer start(Fn&& prepare_then_check) {
    int down[2], up[2];
    REQUIRE(pipe(down) == 0);
    REQUIRE(pipe(up) == 0);
    Peer p;
    p.pid = parley::test::fork_child([&] {
      close(down[1]);
      close(up[0]);
      return prepare_then_check(up[1], down[0]);
    });
    close(down[0]);
    close(up[1]);
    p.to_child = down[1];
    p.from_child = up[0];
    return p;
  }
  void wait_ready() const {
    char c = 0;
    REQUIRE(read(from_child, &c, 1) == 1);
  }
  int finish() {
    char c = 1;
    REQUIRE(write(to_child, &c, 1) == 1);
    close(to_child);
    close(from_child);
    return parley::test::wait_child(pid);
  }
};

int signal_ready_and_wait(int up, int down) {
  char c = 0;
  if (write(up, &c, 1) != 1) return 10;
  if (read(down, &c, 1) != 1) return 11;
  return 0;
}

// Pieces of piece..piece+2 bytes starting every piece+2+gap bytes from base.
std::vector<iovec> scatter_list(std::uint8_t* base, std::size_t pieces, std::size_t piece,
                                std::size_t gap) {
  std::vector<iovec> v;
  for (std::size_t i = 0; i < pieces; ++i) {
    v.push_back({base + i * (piece + 2 + gap), piece + (i % 3)});
  }
  return v;
}

std::size_t vm_calls = 0;
// Moves at most 1000 bytes and 3 entries per call, like a kernel that stops early.
ssize_t short_readv(pid_t pid, const iovec* l, unsigned long ln, const iovec* r, unsigned long rn,
                    unsigned long flags) {
  ++vm_calls;
  std::vector<iovec> lc(l, l + std::min<unsigned long>(ln, 3));
  std::vector<iovec> rc(r, r + std::min<unsigned long>(rn, 3));
  std::size_t budget = 1000;
  for (auto* v : {&lc, &rc}) {
    std::size_t left = budget;
    for (iovec& e : *v) {
      e.iov_len = std::min(e.iov_len, left);
      left -= e.iov_len;
    }
  }
  return process_vm_readv(pid, lc.data(), lc.size(), rc.data(), rc.size(), flags);
}

}  // namespace

TEST_CASE("cma_read and cma_write move scattered iovecs on both sides") {
  constexpr std::size_t kPieces = 3000;  // more than IOV_MAX (1024) on the remote side
  constexpr std::size_t kPiece = 37, kGap = 11;
  std::vector<std::uint8_t> remote_buf(kPieces * (kPiece + 2 + kGap) + 64, 0);
  std::vector<iovec> remote = scatter_list(remote_buf.data(), kPieces, kPiece, kGap);
  const std::size_t total = iov_total(remote);
  Peer peer = Peer::start([&](int up, int down) {
    // In the child: the pieces hold pattern 5 (the parent's copy stays zero).
    for (std::size_t i = 0; i < remote.size(); ++i) fill_pattern(remote[i].iov_base, remote[i].iov_len, 5 + i);
    if (int rc = signal_ready_and_wait(up, down); rc != 0) return rc;
    // After the parent's write: the pieces hold pattern 6.
    for (std::size_t i = 0; i < remote.size(); ++i) {
      if (!check_pattern(remote[i].iov_base, remote[i].iov_len, 6 + i)) return 20;
    }
    return 0;
  });
  peer.wait_ready();
  // Local side: a different scatter (5 big uneven pieces).
  std::vector<std::uint8_t> local_buf(total + 500);
  std::vector<iovec> local;
  std::size_t off = 0;
  for (std::size_t cut : {total / 7, total / 3, std::size_t{1}, total / 5}) {
    local.push_back({local_buf.data() + off + local.size() * 100, cut});
    off += cut;
  }
  local.push_back({local_buf.data() + off + local.size() * 100, total - off});
  REQUIRE(cma_read(peer.pid, local, remote).ok());
  // Reassemble and compare piece by piece.
  std::vector<std::uint8_t> flat(total);
  IovCursor(local).gather(flat.data(), total);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < remote.size(); ++i) {
    REQUIRE(check_pattern(flat.data() + pos, remote[i].iov_len, 5 + i));
    pos += remote[i].iov_len;
  }
  // Now write pattern 6 back through the same lists.
  pos = 0;
  for (std::size_t i = 0; i < remote.size(); ++i) {
    fill_pattern(flat.data() + pos, remote[i].iov_len, 6 + i);
    pos += remote[i].iov_len;
  }
  IovCursor(local).scatter(flat.data(), total);
  REQUIRE(cma_write(peer.pid, local, remote).ok());
  CHECK(peer.finish() == 0);
}

TEST_CASE("a 256 MiB transfer is byte-exact") {
  constexpr std::size_t kSize = std::size_t{256} << 20;
  auto* remote_mem = static_cast<std::uint8_t*>(std::malloc(kSize));
  REQUIRE(remote_mem != nullptr);
  Peer peer = Peer::start([&](int up, int down) {
    auto* w = reinterpret_cast<std::uint64_t*>(remote_mem);
    for (std::size_t i = 0; i < kSize / 8; ++i) w[i] = i * 0x9E3779B97F4A7C15ull;
    return signal_ready_and_wait(up, down);
  });
  peer.wait_ready();
  auto* local_mem = static_cast<std::uint8_t*>(std::malloc(kSize));
  REQUIRE(local_mem != nullptr);
  iovec l{local_mem, kSize};
  iovec r{remote_mem, kSize};
  REQUIRE(cma_read(peer.pid, {&l, 1}, {&r, 1}).ok());
  const auto* w = reinterpret_cast<const std::uint64_t*>(local_mem);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < kSize / 8; ++i) bad += w[i] != i * 0x9E3779B97F4A7C15ull;
  CHECK(bad == 0);
  CHECK(peer.finish() == 0);
  std::free(local_mem);
  std::free(remote_mem);
}

TEST_CASE("short transfers are resumed where the kernel stopped") {
  std::vector<std::uint8_t> remote_buf(100'000);
  Peer peer = Peer::start([&](int up, int down) {
    fill_pattern(remote_buf.data(), remote_buf.size(), 77);
    return signal_ready_and_wait(up, down);
  });
  peer.wait_ready();
  std::vector<std::uint8_t> local_buf(100'000, 0);
  std::vector<iovec> local = scatter_list(local_buf.data(), 10, 9000, 0);
  std::vector<iovec> remote{{remote_buf.data(), iov_total(local)}};
  vm_calls = 0;
  REQUIRE(cma_transfer(peer.pid, local, remote, &short_readv).ok());
  CHECK(vm_calls >= iov_total(local) / 1000);
  std::vector<std::uint8_t> flat(iov_total(local));
  IovCursor(local).gather(flat.data(), flat.size());
  CHECK(check_pattern(flat.data(), flat.size(), 77));
  CHECK(peer.finish() == 0);
}

TEST_CASE("the probe accepts a live peer and reports a vanished one") {
  static std::uint64_t probe_word = 0;
  Peer peer = Peer::start([&](int up, int down) {
    probe_word = 0xFEEDFACE12345678ull;
    return signal_ready_and_wait(up, down);
  });
  peer.wait_ready();
  const auto addr = reinterpret_cast<std::uint64_t>(&probe_word);
  CHECK(cma_probe(peer.pid, addr, 0xFEEDFACE12345678ull).ok());
  CHECK(cma_probe(peer.pid, addr, 1).code == Code::invalid);
  pid_t gone = peer.pid;
  CHECK(peer.finish() == 0);
  CHECK(cma_probe(gone, addr, 0xFEEDFACE12345678ull).code == Code::peer_gone);
}

TEST_CASE("mismatched lengths and bad addresses are errors, not crashes") {
  std::uint8_t a[16], b[8];
  iovec l{a, sizeof(a)};
  iovec r{b, sizeof(b)};
  CHECK(cma_read(getpid(), {&l, 1}, {&r, 1}).code == Code::invalid);
  iovec bad{reinterpret_cast<void*>(16), sizeof(a)};
  CHECK(cma_read(getpid(), {&l, 1}, {&bad, 1}).code == Code::invalid);
  CHECK(cma_read(getpid(), {}, {}).ok());
}

TEST_CASE("PARLEY_SHM_CMA=0 disables CMA") {
  ShmConfig c;
  REQUIRE(setenv("PARLEY_SHM_CMA", "0", 1) == 0);
  REQUIRE(ShmConfig::from_env(c).ok());
  CHECK(c.cma == CmaMode::off);
  CHECK_FALSE(cma_allowed(c));
  REQUIRE(setenv("PARLEY_SHM_CMA", "auto", 1) == 0);
  REQUIRE(ShmConfig::from_env(c).ok());
  CHECK(cma_allowed(c));
  REQUIRE(setenv("PARLEY_SHM_CMA", "maybe", 1) == 0);
  CHECK(ShmConfig::from_env(c).code == Code::invalid);
  REQUIRE(unsetenv("PARLEY_SHM_CMA") == 0);
}
