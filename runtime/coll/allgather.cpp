// MPI_Allgather(v): a ring (n-1 neighbour steps, bandwidth-optimal) for long
// messages, recursive doubling (log2 n steps) for short ones. Recursive
// doubling works on a buffer with the blocks in rank order; non-powers of
// two first pair ranks (2i, 2i+1), i < rem, as allreduce does.
#include <vector>

#include "coll/algorithms.hpp"
#include "coll/shm.hpp"

namespace parley::coll {
namespace {

constexpr std::size_t kRingMin = 64 * 1024;

void ring(Schedule& s, std::byte* recv, const std::size_t* bytes, const std::size_t* displs) {
  const int n = s.size();
  const int me = s.rank();
  const int right = (me + 1) % n, left = (me - 1 + n) % n;
  for (int i = 0; i < n - 1; ++i) {
    const int sb = (me - i + n) % n;
    const int rb = (me - i - 1 + n) % n;
    s.send(recv + displs[sb], bytes[sb], right);
    s.recv(recv + displs[rb], bytes[rb], left);
    s.fence();
  }
}

void recursive_doubling(Schedule& s, std::byte* recv, const std::size_t* bytes, const std::size_t* displs) {
  const int n = s.size();
  const int me = s.rank();
  std::vector<std::size_t> pre(static_cast<std::size_t>(n) + 1, 0);
  bool in_order = true;
  for (int i = 0; i < n; ++i) {
    pre[static_cast<std::size_t>(i) + 1] = pre[static_cast<std::size_t>(i)] + bytes[i];
    in_order &= displs[i] == pre[static_cast<std::size_t>(i)];
  }
  const std::size_t total = pre.back();
  std::byte* t = recv;
  if (!in_order) {
    t = s.scratch(total);
    s.copy(recv + displs[me], t + pre[static_cast<std::size_t>(me)], bytes[me]);
    s.fence();
  }
  int p2 = 1;
  while (p2 * 2 <= n) p2 *= 2;
  const int rem = n - p2;
  auto first_real = [&](int nr) { return nr < rem ? 2 * nr : nr + rem; };
  auto real = [&](int nr) { return nr < rem ? 2 * nr + 1 : nr + rem; };
  auto at = [&](int r) { return pre[static_cast<std::size_t>(r)]; };
  int newrank = me - rem;
  if (me < 2 * rem) {
    if (me % 2 == 0) {
      s.send(t + at(me), bytes[me], me + 1);
      newrank = -1;
    } else {
      s.recv(t + at(me - 1), bytes[me - 1], me - 1);
      newrank = me / 2;
    }
  }
  s.fence();
  if (newrank >= 0) {
    for (int mask = 1; mask < p2; mask <<= 1) {
      const int mine_lo = newrank & ~(mask - 1);
      const int peer_lo = (newrank ^ mask) & ~(mask - 1);
      const int a = first_real(mine_lo), b = first_real(mine_lo + mask);
      const int c = first_real(peer_lo), d = first_real(peer_lo + mask);
      s.send(t + at(a), at(b) - at(a), real(newrank ^ mask));
      s.recv(t + at(c), at(d) - at(c), real(newrank ^ mask));
      s.fence();
    }
  }
  if (me < 2 * rem) {
    if (me % 2 == 0) s.recv(t, total, me + 1);
    else s.send(t, total, me - 1);
    s.fence();
  }
  if (!in_order) {
    for (int i = 0; i < n; ++i) s.copy(t + at(i), recv + displs[i], bytes[i]);
    s.fence();
  }
}

}  // namespace

void allgatherv(Schedule& s, const void* send, void* recv, const std::size_t* bytes, const std::size_t* displs) {
  auto* r = static_cast<std::byte*>(recv);
  const int me = s.rank();
  if (send != nullptr) s.copy(send, r + displs[me], bytes[me]);
  s.fence();
  if (s.size() == 1) return;
  if (shm::Team* team = s.team()) {
    const auto n = static_cast<std::size_t>(s.size());
    s.call([team, r, b = std::vector<std::size_t>(bytes, bytes + n), d = std::vector<std::size_t>(displs, displs + n)] {
      return team->allgatherv(nullptr, r, b.data(), d.data());
    });
    s.fence();
    return;
  }
  std::size_t total = 0;
  for (int i = 0; i < s.size(); ++i) total += bytes[i];
  Algorithm a = forced(Collective::allgather);
  if (a != Algorithm::ring && a != Algorithm::recursive_doubling)
    a = total >= kRingMin ? Algorithm::ring : Algorithm::recursive_doubling;
  if (a == Algorithm::ring) ring(s, r, bytes, displs);
  else recursive_doubling(s, r, bytes, displs);
}

}  // namespace parley::coll
