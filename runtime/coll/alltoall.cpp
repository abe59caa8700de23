// MPI_Alltoall(v,w): Bruck's algorithm (log2 n steps, each moving the
// blocks whose index has that bit set) for short blocks, pairwise exchange
// (n-1 steps, step i sending to rank + i and receiving from rank - i) for
// long ones and for the v/w forms; the shared-memory team (coll/shm.hpp)
// when the C layer offers it.
#include <vector>

#include "coll/algorithms.hpp"
#include "coll/shm.hpp"

namespace parley::coll {
namespace {

constexpr std::size_t kBruckMax = 256;

void bruck(Schedule& s, const std::byte* send, std::byte* recv, std::size_t block) {
  const int n = s.size();
  const int me = s.rank();
  const auto un = static_cast<std::size_t>(n);
  std::byte* t = s.scratch(un * block);
  std::byte* out = s.scratch(un * block);
  std::byte* in = s.scratch(un * block);
  for (int i = 0; i < n; ++i)
    s.copy(send + static_cast<std::size_t>((me + i) % n) * block, t + static_cast<std::size_t>(i) * block, block);
  auto moving = [&](int k) {
    std::vector<int> js;
    for (int j = 0; j < n; ++j)
      if (j & k) js.push_back(j);
    return js;
  };
  auto pack = [&](int k) {
    std::size_t idx = 0;
    for (int j : moving(k)) s.copy(t + static_cast<std::size_t>(j) * block, out + block * idx++, block);
  };
  pack(1);
  s.fence();
  for (int k = 1; k < n; k <<= 1) {
    const std::size_t len = moving(k).size() * block;
    s.send(out, len, (me + k) % n);
    s.recv(in, len, (me - k + n) % n);
    std::size_t idx = 0;
    for (int j : moving(k)) s.copy(in + block * idx++, t + static_cast<std::size_t>(j) * block, block);
    if (2 * k < n) pack(2 * k);
    s.fence();
  }
  for (int i = 0; i < n; ++i)
    s.copy(t + static_cast<std::size_t>((me - i + n) % n) * block, recv + static_cast<std::size_t>(i) * block, block);
  s.fence();
}

}  // namespace

void alltoallv(Schedule& s, const void* send, const std::size_t* send_bytes, const std::size_t* send_displs,
               void* recv, const std::size_t* recv_bytes, const std::size_t* recv_displs) {
  const int n = s.size();
  const int me = s.rank();
  const auto* sb = static_cast<const std::byte*>(send);
  auto* rb = static_cast<std::byte*>(recv);
  if (shm::Team* team = s.team(); team != nullptr && n > 1) {
    // Offered for MPI_Alltoall only: every block has send_bytes[0] bytes.
    const auto un = static_cast<std::size_t>(n);
    s.fence();
    s.call([team, sb, rb, block = send_bytes[0], sd = std::vector<std::size_t>(send_displs, send_displs + un),
            rd = std::vector<std::size_t>(recv_displs, recv_displs + un)] {
      return team->alltoall(sb, sd.data(), rb, rd.data(), block);
    });
    s.fence();
    return;
  }
  s.copy(sb + send_displs[me], rb + recv_displs[me], recv_bytes[me]);
  s.fence();
  for (int i = 1; i < n; ++i) {
    const int dst = (me + i) % n, src = (me - i + n) % n;
    s.recv(rb + recv_displs[src], recv_bytes[src], src);
    s.send(sb + send_displs[dst], send_bytes[dst], dst);
    s.fence();
  }
}

void alltoall(Schedule& s, const void* send, void* recv, std::size_t block_bytes) {
  const int n = s.size();
  Algorithm a = forced(Collective::alltoall);
  if (a != Algorithm::bruck && a != Algorithm::pairwise)
    a = block_bytes <= kBruckMax && n > 2 ? Algorithm::bruck : Algorithm::pairwise;
  if (a == Algorithm::bruck && n > 1 && s.team() == nullptr) {
    bruck(s, static_cast<const std::byte*>(send), static_cast<std::byte*>(recv), block_bytes);
    return;
  }
  std::vector<std::size_t> bytes(static_cast<std::size_t>(n), block_bytes), displs(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) displs[static_cast<std::size_t>(i)] = static_cast<std::size_t>(i) * block_bytes;
  alltoallv(s, send, bytes.data(), displs.data(), recv, bytes.data(), displs.data());
}

}  // namespace parley::coll
