// MPI_Gather(v)/MPI_Scatter(v): the root posts every receive (or send) at
// once and the transports overlap them; the other ranks make one transfer.
#include "coll/algorithms.hpp"

namespace parley::coll {

void gatherv(Schedule& s, const void* send, std::size_t send_bytes, void* recv, const std::size_t* bytes,
             const std::size_t* displs, int root) {
  const int n = s.size();
  const int me = s.rank();
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
