// MPI_Bcast: a binomial tree for short messages; for long ones a binomial
// scatter of n pieces followed by a ring allgather (van de Geijn), which
// moves about 2x the message per rank instead of log2(n)x.
#include <algorithm>

#include "coll/algorithms.hpp"

namespace parley::coll {
namespace {

constexpr std::size_t kScatterAllgatherMin = 128 * 1024;

void binomial_bcast(Schedule& s, std::byte* buf, std::size_t bytes, int root) {
  const int n = s.size();
  const int rel = (s.rank() - root + n) % n;
  auto real = [&](int r) { return (r + root) % n; };
  int mask = 1;
  while (mask < n) {
    if (rel & mask) {
      s.recv(buf, bytes, real(rel - mask));
      break;
    }
    mask <<= 1;
  }
  s.fence();
  for (mask >>= 1; mask > 0; mask >>= 1)
    if (rel + mask < n) s.send(buf, bytes, real(rel + mask));
  s.fence();
}

void scatter_allgather_bcast(Schedule& s, std::byte* buf, std::size_t bytes, int root) {
  const int n = s.size();
  const int rel = (s.rank() - root + n) % n;
  auto real = [&](int r) { return ((r % n) + n + root) % n; };
  const std::size_t chunk = (bytes + static_cast<std::size_t>(n) - 1) / static_cast<std::size_t>(n);
  // Bytes of the pieces [lo, hi) (relative ranks).
  auto off = [&](int r) { return std::min(static_cast<std::size_t>(r) * chunk, bytes); };
  auto len = [&](int lo, int hi) { return off(std::min(hi, n)) - off(lo); };
  int mask = 1;
  while (mask < n) {
    if (rel & mask) {
      s.recv(buf + off(rel), len(rel, rel + mask), real(rel - mask));
      break;
    }
    mask <<= 1;
  }
  s.fence();
  for (mask >>= 1; mask > 0; mask >>= 1)
    if (rel + mask < n) s.send(buf + off(rel + mask), len(rel + mask, rel + 2 * mask), real(rel + mask));
  s.fence();
  for (int i = 0; i < n - 1; ++i) {
    const int sb = (rel - i + n) % n;
    const int rb = (rel - i - 1 + n) % n;
    s.send(buf + off(sb), len(sb, sb + 1), real(rel + 1));
    s.recv(buf + off(rb), len(rb, rb + 1), real(rel - 1));
    s.fence();
  }
}

}  // namespace

void bcast(Schedule& s, void* buf, std::size_t bytes, int root) {
  if (s.size() == 1) return;
  auto* b = static_cast<std::byte*>(buf);
  Algorithm a = forced(Collective::bcast);
  if (a != Algorithm::binomial && a != Algorithm::scatter_allgather)
    a = bytes >= kScatterAllgatherMin && s.size() > 2 ? Algorithm::scatter_allgather : Algorithm::binomial;
  if (a == Algorithm::scatter_allgather) scatter_allgather_bcast(s, b, bytes, root);
  else binomial_bcast(s, b, bytes, root);
}

}  // namespace parley::coll
