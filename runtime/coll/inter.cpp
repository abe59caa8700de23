// Intercommunicator collectives (MPI-4.0 §6.2.2): each side's own phase runs
// the intra builders over the local group (Schedule::set_local), and the
// two sides meet through their leaders (local rank 0) or, for the
// all-to-all patterns, directly. `root` is a rank of the remote group on the
// receiving side, kInterRoot at the root and kInterNone at the root's peers.
#include <numeric>

#include "coll/algorithms.hpp"

namespace parley::coll {
namespace {

// Runs `phase` over the local group.
template <class F>
void local_phase(Schedule& s, F phase) {
  s.set_local(true);
  phase();
  s.set_local(false);
}

}  // namespace

void inter_barrier(Schedule& s) {
  // Everyone here has arrived, the leaders swap a token (so the other side
  // has arrived too), and a second barrier here releases this side once its
// leader is through.
  local_phase(s, [&] { barrier(s); });
  if (s.rank() == 0) {
    std::byte* token = s.scratch(1);
    s.recv(token, 0, 0);
    s.send(token, 0, 0);
    s.fence();
  }
  local_phase(s, [&] { barrier(s); });
}

void inter_bcast(Schedule& s, void* buf, std::size_t bytes, int root) {
  if (root == kInterNone) return;
  if (root == kInterRoot) {
    s.send(buf, bytes, 0);
    s.fence();
    return;
  }
  if (s.rank() == 0) {
    s.recv(buf, bytes, root);
    s.fence();
  }
  local_phase(s, [&] { bcast(s, buf, bytes, 0); });
}

void inter_gatherv(Schedule& s, const void* send, std::size_t send_bytes, void* recv, const std::size_t* bytes,
                   const std::size_t* displs, int root) {
  if (root == kInterNone) return;
  if (root == kInterRoot) {
    auto* r = static_cast<std::byte*>(recv);
    for (int q = 0; q < s.remote_size(); ++q) s.recv(r + displs[q], bytes[q], q);
  } else {
    s.send(send, send_bytes, root);
  }
  s.fence();
}

void inter_scatterv(Schedule& s, const void* send, const std::size_t* bytes, const std::size_t* displs, void* recv,
                    std::size_t recv_bytes, int root) {
  if (root == kInterNone) return;
  if (root == kInterRoot) {
    const auto* b = static_cast<const std::byte*>(send);
    for (int q = 0; q < s.remote_size(); ++q) s.send(b + displs[q], bytes[q], q);
  } else {
    s.recv(recv, recv_bytes, root);
  }
  s.fence();
}

void inter_allgatherv(Schedule& s, const void* send, std::size_t send_bytes, void* recv, const std::size_t* bytes,
                      const std::size_t* displs) {
  auto* r = static_cast<std::byte*>(recv);
  for (int q = 0; q < s.remote_size(); ++q) {
    s.recv(r + displs[q], bytes[q], q);
    s.send(send, send_bytes, q);
  }
  s.fence();
}

void inter_alltoallv(Schedule& s, const void* send, const std::size_t* send_bytes, const std::size_t* send_displs,
                     void* recv, const std::size_t* recv_bytes, const std::size_t* recv_displs) {
  const auto* sb = static_cast<const std::byte*>(send);
  auto* rb = static_cast<std::byte*>(recv);
  for (int q = 0; q < s.remote_size(); ++q) {
    s.recv(rb + recv_displs[q], recv_bytes[q], q);
    s.send(sb + send_displs[q], send_bytes[q], q);
  }
  s.fence();
}

void inter_reduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes, int root) {
  if (root == kInterNone) return;
  const std::size_t bytes = count * item_bytes;
  if (root == kInterRoot) {
    s.recv(recv, bytes, 0);
    s.fence();
    return;
  }
  std::byte* partial = s.rank() == 0 ? s.scratch(bytes) : nullptr;
  local_phase(s, [&] { reduce(s, send, partial, count, item_bytes, 0); });
  if (s.rank() == 0) {
    s.send(partial, bytes, root);
    s.fence();
  }
}

void inter_allreduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes) {
  const std::size_t bytes = count * item_bytes;
  std::byte* partial = s.rank() == 0 ? s.scratch(bytes) : nullptr;
  local_phase(s, [&] { reduce(s, send, partial, count, item_bytes, 0); });
  if (s.rank() == 0) {
    s.recv(recv, bytes, 0);
    s.send(partial, bytes, 0);
    s.fence();
  }
  local_phase(s, [&] { bcast(s, recv, bytes, 0); });
}

void inter_reduce_scatter(Schedule& s, const void* send, void* recv, const std::size_t* counts,
                          std::size_t item_bytes) {
  const int n = s.size();
  const std::size_t total = std::accumulate(counts, counts + n, std::size_t{0});
  const std::size_t bytes = total * item_bytes;
  const bool leader = s.rank() == 0;
  std::byte* partial = leader ? s.scratch(bytes) : nullptr;
  std::byte* theirs = leader ? s.scratch(bytes) : nullptr;
  local_phase(s, [&] { reduce(s, send, partial, total, item_bytes, 0); });
  if (leader) {
    s.recv(theirs, bytes, 0);
    s.send(partial, bytes, 0);
    s.fence();
  }
  std::vector<std::size_t> b(static_cast<std::size_t>(n)), d(static_cast<std::size_t>(n));
  std::size_t at = 0;
  for (int i = 0; i < n; ++i) {
    b[static_cast<std::size_t>(i)] = counts[i] * item_bytes;
    d[static_cast<std::size_t>(i)] = at;
    at += b[static_cast<std::size_t>(i)];
  }
  const std::size_t mine = counts[s.rank()] * item_bytes;
  local_phase(s, [&] { scatterv(s, theirs, b.data(), d.data(), recv, mine, 0); });
}

}  // namespace parley::coll
