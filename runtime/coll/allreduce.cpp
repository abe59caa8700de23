// MPI_Allreduce: recursive doubling for short vectors, Rabenseifner's
// reduce-scatter (recursive halving) + allgather (recursive doubling) for
// long ones, and the ring (reduce-scatter + allgather around a ring) for
// long vectors of commutative ops. Non-powers of two fold the first 2*rem
// ranks pairwise first (Rabenseifner 2004, Thakur et al. 2005). Halving
// starts at the lowest bit, so every combine joins two adjacent rank ranges
// in order: non-commutative ops are reduced canonically (the ring is not,
// so it is only used for commutative ones).
#include <algorithm>
#include <utility>
#include <vector>

#include "coll/algorithms.hpp"

namespace parley::coll {
namespace {

constexpr std::size_t kLongVector = 16 * 1024;
constexpr std::size_t kRingMin = 4 * 1024 * 1024;

struct Fold {
  int p2 = 1;
  int rem = 0;
  int newrank = -1;  // -1: folded away (even rank among the first 2*rem)
  int real(int nr) const { return nr < rem ? 2 * nr + 1 : nr + rem; }
};

// Pairs (2i, 2i+1), i < rem, into 2i+1, which then stands for both; recv
// holds this rank's data (and afterwards the pair's) on entry.
Fold fold_in(Schedule& s, std::byte* recv, std::size_t count, std::size_t bytes) {
  Fold f;
  const int n = s.size();
  const int me = s.rank();
  while (f.p2 * 2 <= n) f.p2 *= 2;
  f.rem = n - f.p2;
  if (me < 2 * f.rem) {
    if (me % 2 == 0) {
      s.send(recv, bytes, me + 1);
    } else {
      std::byte* tmp = s.scratch(bytes);
      s.recv(tmp, bytes, me - 1);
      s.reduce(tmp, recv, count);
      f.newrank = me / 2;
    }
  } else {
    f.newrank = me - f.rem;
  }
  s.fence();
  return f;
}

void fold_out(Schedule& s, const Fold& f, std::byte* recv, std::size_t bytes) {
  const int me = s.rank();
  if (me < 2 * f.rem) {
    if (me % 2 == 0) s.recv(recv, bytes, me + 1);
    else s.send(recv, bytes, me - 1);
  }
  s.fence();
}

void recursive_doubling(Schedule& s, std::byte* recv, std::size_t count, std::size_t item) {
  const std::size_t bytes = count * item;
  Fold f = fold_in(s, recv, count, bytes);
  if (f.newrank >= 0) {
    std::byte* cur = recv;
    std::byte* other = s.scratch(bytes);
    for (int mask = 1; mask < f.p2; mask <<= 1) {
      const int pn = f.newrank ^ mask;
      s.send(cur, bytes, f.real(pn));
      s.recv(other, bytes, f.real(pn));
      if (pn < f.newrank) {
        s.reduce(other, cur, count);
      } else {
        s.reduce(cur, other, count);
        std::swap(cur, other);
      }
      s.fence();
    }
    s.copy(cur, recv, bytes);
    s.fence();
  }
  fold_out(s, f, recv, bytes);
}

void rabenseifner(Schedule& s, std::byte* recv, std::size_t count, std::size_t item) {
  const std::size_t bytes = count * item;
  Fold f = fold_in(s, recv, count, bytes);
  if (f.newrank >= 0) {
    const bool commutes = s.reducer().commutative();
    std::byte* tmp = s.scratch((count - count / 2) * item);
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    std::size_t lo = 0, hi = count;
    for (int mask = 1; mask < f.p2; mask <<= 1) {
      ranges.emplace_back(lo, hi);
      const std::size_t mid = lo + (hi - lo) / 2;
      const int peer = f.real(f.newrank ^ mask);
      const bool lower = (f.newrank & mask) == 0;
      const std::size_t keep_lo = lower ? lo : mid, keep_hi = lower ? mid : hi;
      const std::size_t give_lo = lower ? mid : lo, give_hi = lower ? hi : mid;
      const std::size_t keep_n = keep_hi - keep_lo;
      s.send(recv + give_lo * item, (give_hi - give_lo) * item, peer);
      s.recv(tmp, keep_n * item, peer);
      if (!lower || commutes) {
        s.reduce(tmp, recv + keep_lo * item, keep_n);
      } else {
        s.reduce(recv + keep_lo * item, tmp, keep_n);
        s.copy(tmp, recv + keep_lo * item, keep_n * item);
      }
      s.fence();
      lo = keep_lo;
      hi = keep_hi;
    }
    int k = static_cast<int>(ranges.size());
    for (int mask = f.p2 / 2; mask >= 1; mask >>= 1) {
      --k;
      const auto [plo, phi] = ranges[static_cast<std::size_t>(k)];
      const std::size_t mid = plo + (phi - plo) / 2;
      const int peer = f.real(f.newrank ^ mask);
      const bool lower = (f.newrank & mask) == 0;
      if (lower) {
        s.send(recv + plo * item, (mid - plo) * item, peer);
        s.recv(recv + mid * item, (phi - mid) * item, peer);
      } else {
        s.send(recv + mid * item, (phi - mid) * item, peer);
        s.recv(recv + plo * item, (mid - plo) * item, peer);
      }
      s.fence();
    }
  }
  fold_out(s, f, recv, bytes);
}

void ring(Schedule& s, std::byte* recv, std::size_t count, std::size_t item) {
  const int n = s.size();
  const int me = s.rank();
  const auto un = static_cast<std::size_t>(n);
  auto off = [&](int b) {
    const auto ub = static_cast<std::size_t>(b);
    return ub * (count / un) + std::min(ub, count % un);
  };
  auto len = [&](int b) { return off(b + 1) - off(b); };
  const int right = (me + 1) % n, left = (me - 1 + n) % n;
  std::byte* tmp = s.scratch((count / un + 1) * item);
  for (int i = 0; i < n - 1; ++i) {
    const int sb = (me - i + n) % n;
    const int rb = (me - i - 1 + n) % n;
    s.send(recv + off(sb) * item, len(sb) * item, right);
    s.recv(tmp, len(rb) * item, left);
    s.reduce(tmp, recv + off(rb) * item, len(rb));
    s.fence();
  }
  for (int i = 0; i < n - 1; ++i) {
    const int sb = (me + 1 - i + n) % n;
    const int rb = (me - i + n) % n;
    s.send(recv + off(sb) * item, len(sb) * item, right);
    s.recv(recv + off(rb) * item, len(rb) * item, left);
    s.fence();
  }
}

}  // namespace

void allreduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes) {
  auto* r = static_cast<std::byte*>(recv);
  s.copy(send, r, count * item_bytes);
  s.fence();
  if (s.size() == 1) return;
  const std::size_t bytes = count * item_bytes;
  Algorithm a = forced(Collective::allreduce);
  if (a != Algorithm::recursive_doubling && a != Algorithm::rabenseifner && a != Algorithm::ring) {
    if (bytes < kLongVector || count < static_cast<std::size_t>(s.size())) a = Algorithm::recursive_doubling;
    else if (bytes >= kRingMin && s.reducer().commutative()) a = Algorithm::ring;
    else a = Algorithm::rabenseifner;
  }
  if (a == Algorithm::ring && !s.reducer().commutative()) a = Algorithm::rabenseifner;
  switch (a) {
    case Algorithm::ring: ring(s, r, count, item_bytes); break;
    case Algorithm::rabenseifner: rabenseifner(s, r, count, item_bytes); break;
    default: recursive_doubling(s, r, count, item_bytes); break;
  }
}

}  // namespace parley::coll
