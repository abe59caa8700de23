// MPI_Gather(v)/MPI_Scatter(v): the root posts every receive (or send) at
// once and the transports overlap them; the other ranks make one transfer.
// On the shared-memory team (uniform blocks only, set by the C layer) the
// blocks go through the node segment instead.
#include <vector>

#include "coll/algorithms.hpp"
#include "coll/shm.hpp"

namespace parley::coll {

void gatherv(Schedule& s, const void* send, std::size_t send_bytes, void* recv, const std::size_t* bytes,
             const std::size_t* displs, int root) {
  const int n = s.size();
  const int me = s.rank();
  if (shm::Team* team = s.team()) {
    const auto un = static_cast<std::size_t>(n);
    std::vector<std::size_t> d = me == root ? std::vector<std::size_t>(displs, displs + un) : std::vector<std::size_t>{};
    const std::size_t block = me == root ? bytes[root] : send_bytes;
    s.fence();
    s.call([team, send, block, recv, d = std::move(d), root] {
      return team->gather(send, block, recv, d.data(), root);
    });
    s.fence();
    return;
  }
  if (me == root) {
    auto* r = static_cast<std::byte*>(recv);
    for (int i = 0; i < n; ++i)
      if (i != root) s.recv(r + displs[i], bytes[i], i);
    if (send != nullptr) s.copy(send, r + displs[root], bytes[root]);
  } else {
    s.send(send, send_bytes, root);
  }
  s.fence();
}

void scatterv(Schedule& s, const void* send, const std::size_t* bytes, const std::size_t* displs, void* recv,
              std::size_t recv_bytes, int root) {
  const int n = s.size();
  const int me = s.rank();
  if (shm::Team* team = s.team()) {
    const auto un = static_cast<std::size_t>(n);
    std::vector<std::size_t> d = me == root ? std::vector<std::size_t>(displs, displs + un) : std::vector<std::size_t>{};
    const std::size_t block = me == root ? bytes[root] : recv_bytes;
    s.fence();
    s.call([team, send, d = std::move(d), recv, block, root] {
      return team->scatter(send, d.data(), recv, block, root);
    });
    s.fence();
    return;
  }
  if (me == root) {
    const auto* b = static_cast<const std::byte*>(send);
    for (int i = 0; i < n; ++i)
      if (i != root) s.send(b + displs[i], bytes[i], i);
    if (recv != nullptr) s.copy(b + displs[root], recv, bytes[root]);
  } else {
    s.recv(recv, recv_bytes, root);
  }
  s.fence();
}

}  // namespace parley::coll
