// Neighbourhood collectives (MPI-4.0 §8.6): one round that sends block k to
// destination k and receives block k from source k. On a Cartesian grid a
// neighbour can be both the negative and the positive one (a periodic
// dimension of extent 1 or 2), so each message is tagged with its direction
// of travel: the block a process sends to its negative neighbour arrives as
// that neighbour's positive-side block.
#include <mpi.h>

#include "coll/algorithms.hpp"
#include "topo/topology.hpp"

namespace parley::coll {

Status neighbors_of(Communicator& comm, Neighbors& out) {
  const Topology* t = comm.topology().get();
  if (t == nullptr) return Status(MPI_ERR_TOPOLOGY, "the communicator has no virtual topology");
  out = Neighbors{};
  const int me = comm.rank();
  switch (t->kind) {
    case Topology::Kind::cart:
      for (std::size_t d = 0; d < t->dims.size(); ++d) {
        int src = MPI_PROC_NULL, dst = MPI_PROC_NULL;
        topo::shift(*t, me, static_cast<int>(d), 1, MPI_PROC_NULL, src, dst);
        out.sources.push_back(src);
        out.sources.push_back(dst);
      }
      out.destinations = out.sources;
      for (std::size_t k = 0; k < out.sources.size(); ++k) {
        out.send_sub.push_back(static_cast<int>(k % kTagsPerCollective));
        out.recv_sub.push_back(static_cast<int>((k ^ 1) % kTagsPerCollective));
      }
      break;
    case Topology::Kind::graph: {
      std::span<const int> nb = topo::graph_neighbors(*t, me);
      out.sources.assign(nb.begin(), nb.end());
      out.destinations = out.sources;
      break;
    }
    case Topology::Kind::dist_graph:
      out.sources = t->sources;
      out.destinations = t->destinations;
      break;
  }
  out.recv_sub.resize(out.sources.size(), 0);
  out.send_sub.resize(out.destinations.size(), 0);
  return Status::ok();
}

void neighbor_exchange(Schedule& s, const Neighbors& nb, const void* send, const std::size_t* send_bytes,
                       const std::size_t* send_displs, void* recv, const std::size_t* recv_bytes,
                       const std::size_t* recv_displs) {
  const auto* sb = static_cast<const std::byte*>(send);
  auto* rb = static_cast<std::byte*>(recv);
  for (std::size_t k = 0; k < nb.sources.size(); ++k)
    if (nb.sources[k] != MPI_PROC_NULL) s.recv(rb + recv_displs[k], recv_bytes[k], nb.sources[k], nb.recv_sub[k]);
  for (std::size_t k = 0; k < nb.destinations.size(); ++k)
    if (nb.destinations[k] != MPI_PROC_NULL)
      s.send(sb + send_displs[k], send_bytes[k], nb.destinations[k], nb.send_sub[k]);
  s.fence();
}

}  // namespace parley::coll
