// Virtual topologies: Topocomm (neighbourhood collectives), Cartcomm, Graphcomm, Distgraphcomm, their
// constructors on Intracomm, and Compute_dims.
#pragma once

#include <mpi.h>

#include <optional>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "parley/intracomm.hpp"

namespace parley {

namespace detail {
inline std::vector<int> as_ints(const std::vector<bool>& flags, std::size_t n) {
  std::vector<int> out(n, 0);
  for (std::size_t i = 0; i < n && i < flags.size(); ++i) out[i] = flags[i] ? 1 : 0;
  return out;
}
}  // namespace detail

// A balanced factorisation of nnodes into dims.size() dimensions; nonzero entries of dims are kept.
inline std::vector<int> Compute_dims(int nnodes, std::vector<int> dims) {
  detail::ensure_init();
  check(MPI_Dims_create(nnodes, static_cast<int>(dims.size()), dims.data()));
  return dims;
}
inline std::vector<int> Compute_dims(int nnodes, int ndims) {
  return Compute_dims(nnodes, std::vector<int>(static_cast<std::size_t>(ndims), 0));
}

class Topocomm : public Intracomm {
 public:
  using Intracomm::Intracomm;
  explicit Topocomm(const Comm& c)
      : Intracomm(require(c, c.Is_null() || c.Get_topology() != MPI_UNDEFINED, "a topology communicator")) {}

  // Each process sends all of sendbuf to every out-neighbour and receives an equal share from each
  // in-neighbour.
  template <coll_send_buffer S, recv_buffer R>
  void Neighbor_allgather(const S& sendbuf, R&& recvbuf) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    int in = in_degree();
    check(MPI_Neighbor_allgather(s.ptr, s.count, s.type, r.ptr, in ? r.count / in : 0, r.type, h()));
  }
  template <coll_send_buffer S, recv_buffer R>
  void Neighbor_alltoall(const S& sendbuf, R&& recvbuf) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    auto [in, out] = degrees();
    check(MPI_Neighbor_alltoall(s.ptr, out ? s.count / out : 0, s.type, r.ptr, in ? r.count / in : 0, r.type,
                                h()));
  }
  // Per-neighbour counts and displacements (in elements of the buffer's type), in neighbour order.
  template <coll_send_buffer S, recv_buffer R>
  void Neighbor_allgatherv(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                           std::span<const int> displs) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Neighbor_allgatherv(s.ptr, s.count, s.type, r.ptr, recvcounts.data(), displs.data(), r.type,
                                  h()));
  }
  template <coll_send_buffer S, recv_buffer R>
  void Neighbor_alltoallv(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls,
                          R&& recvbuf, std::span<const int> recvcounts, std::span<const int> rdispls) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Neighbor_alltoallv(s.ptr, sendcounts.data(), sdispls.data(), s.type, r.ptr, recvcounts.data(),
                                 rdispls.data(), r.type, h()));
  }
  // Displacements in bytes, one datatype per neighbour.
  void Neighbor_alltoallw(const void* sendbuf, std::span<const int> sendcounts,
                          std::span<const MPI_Aint> sdispls, std::span<const MPI_Datatype> sendtypes,
                          void* recvbuf, std::span<const int> recvcounts, std::span<const MPI_Aint> rdispls,
                          std::span<const MPI_Datatype> recvtypes) const {
    check(MPI_Neighbor_alltoallw(sendbuf, sendcounts.data(), sdispls.data(), sendtypes.data(), recvbuf,
                                 recvcounts.data(), rdispls.data(), recvtypes.data(), h()));
  }

  // Nonblocking and persistent forms: buffers and arrays stay alive and unchanged until completion (for
  // a persistent request, until it is freed).
  template <coll_send_buffer S, recv_buffer R>
  Request Ineighbor_allgather(const S& sendbuf, R&& recvbuf) const {
    return allgather_form<Request>(MPI_Ineighbor_allgather, sendbuf, std::forward<R>(recvbuf));
  }
  template <coll_send_buffer S, recv_buffer R>
  Prequest Neighbor_allgather_init(const S& sendbuf, R&& recvbuf, const Info& info = INFO_NULL) const {
    return allgather_form<Prequest>(MPI_Neighbor_allgather_init, sendbuf, std::forward<R>(recvbuf),
                                    info.handle());
  }
  template <coll_send_buffer S, recv_buffer R>
  Request Ineighbor_alltoall(const S& sendbuf, R&& recvbuf) const {
    return alltoall_form<Request>(MPI_Ineighbor_alltoall, sendbuf, std::forward<R>(recvbuf));
  }
  template <coll_send_buffer S, recv_buffer R>
  Prequest Neighbor_alltoall_init(const S& sendbuf, R&& recvbuf, const Info& info = INFO_NULL) const {
    return alltoall_form<Prequest>(MPI_Neighbor_alltoall_init, sendbuf, std::forward<R>(recvbuf),
                                   info.handle());
  }
  template <coll_send_buffer S, recv_buffer R>
  Request Ineighbor_allgatherv(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                               std::span<const int> displs) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    return issue<Request>(MPI_Ineighbor_allgatherv, s.ptr, s.count, s.type, r.ptr, recvcounts.data(),
                          displs.data(), r.type, h());
  }
  template <coll_send_buffer S, recv_buffer R>
  Prequest Neighbor_allgatherv_init(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                                    std::span<const int> displs, const Info& info = INFO_NULL) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    return issue<Prequest>(MPI_Neighbor_allgatherv_init, s.ptr, s.count, s.type, r.ptr, recvcounts.data(),
                           displs.data(), r.type, h(), info.handle());
  }
  template <coll_send_buffer S, recv_buffer R>
  Request Ineighbor_alltoallv(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls,
                              R&& recvbuf, std::span<const int> recvcounts,
                              std::span<const int> rdispls) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    return issue<Request>(MPI_Ineighbor_alltoallv, s.ptr, sendcounts.data(), sdispls.data(), s.type, r.ptr,
                          recvcounts.data(), rdispls.data(), r.type, h());
  }
  template <coll_send_buffer S, recv_buffer R>
  Prequest Neighbor_alltoallv_init(const S& sendbuf, std::span<const int> sendcounts,
                                   std::span<const int> sdispls, R&& recvbuf, std::span<const int> recvcounts,
                                   std::span<const int> rdispls, const Info& info = INFO_NULL) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    return issue<Prequest>(MPI_Neighbor_alltoallv_init, s.ptr, sendcounts.data(), sdispls.data(), s.type,
                           r.ptr, recvcounts.data(), rdispls.data(), r.type, h(), info.handle());
  }
  Request Ineighbor_alltoallw(const void* sendbuf, std::span<const int> sendcounts,
                              std::span<const MPI_Aint> sdispls, std::span<const MPI_Datatype> sendtypes,
                              void* recvbuf, std::span<const int> recvcounts,
                              std::span<const MPI_Aint> rdispls,
                              std::span<const MPI_Datatype> recvtypes) const {
    return issue<Request>(MPI_Ineighbor_alltoallw, sendbuf, sendcounts.data(), sdispls.data(),
                          sendtypes.data(), recvbuf, recvcounts.data(), rdispls.data(), recvtypes.data(),
                          h());
  }
  Prequest Neighbor_alltoallw_init(const void* sendbuf, std::span<const int> sendcounts,
                                   std::span<const MPI_Aint> sdispls, std::span<const MPI_Datatype> sendtypes,
                                   void* recvbuf, std::span<const int> recvcounts,
                                   std::span<const MPI_Aint> rdispls, std::span<const MPI_Datatype> recvtypes,
                                   const Info& info = INFO_NULL) const {
    return issue<Prequest>(MPI_Neighbor_alltoallw_init, sendbuf, sendcounts.data(), sdispls.data(),
                           sendtypes.data(), recvbuf, recvcounts.data(), rdispls.data(), recvtypes.data(),
                           h(), info.handle());
  }

  // {indegree, outdegree} in the sense of the neighbourhood collectives.
  std::pair<int, int> degrees() const {
    switch (Get_topology()) {
      case MPI_CART: {
        int nd = 0;
        check(MPI_Cartdim_get(h(), &nd));
        return {2 * nd, 2 * nd};
      }
      case MPI_GRAPH: {
        int n = 0;
        check(MPI_Graph_neighbors_count(h(), Get_rank(), &n));
        return {n, n};
      }
      default: {
        int in = 0, out = 0, weighted = 0;
        check(MPI_Dist_graph_neighbors_count(h(), &in, &out, &weighted));
        return {in, out};
      }
    }
  }

 private:
  int in_degree() const { return degrees().first; }
  // The allgather/alltoall shapes (equal shares per neighbour) for the nonblocking and persistent forms;
  // `extra` is the persistent forms' info.
  template <class Req, class Fn, class S, class R, class... Extra>
  Req allgather_form(Fn fn, const S& sendbuf, R&& recvbuf, Extra... extra) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    int in = in_degree();
    return issue<Req>(fn, s.ptr, s.count, s.type, r.ptr, in ? r.count / in : 0, r.type, h(), extra...);
  }
  template <class Req, class Fn, class S, class R, class... Extra>
  Req alltoall_form(Fn fn, const S& sendbuf, R&& recvbuf, Extra... extra) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    auto [in, out] = degrees();
    return issue<Req>(fn, s.ptr, out ? s.count / out : 0, s.type, r.ptr, in ? r.count / in : 0, r.type, h(),
                      extra...);
  }
};

// The result of Cartcomm.Get_topo().
struct CartTopo {
  std::vector<int> dims;
  std::vector<bool> periods;
  std::vector<int> coords;
};

class Cartcomm : public Topocomm {
 public:
  using Topocomm::Topocomm;
  explicit Cartcomm(const Comm& c)
      : Topocomm(require(c, c.Is_null() || c.Get_topology() == MPI_CART, "Cartesian")) {}
  explicit Cartcomm(Comm&& c) : Topocomm(Comm(std::move(checked(c)))) {}

  Cartcomm Dup() const { return Cartcomm(dup_handle(), adopt); }
  Cartcomm Clone() const { return Dup(); }
  int Get_dim() const {
    int n = 0;
    check(MPI_Cartdim_get(h(), &n));
    return n;
  }
  CartTopo Get_topo() const {
    int n = Get_dim();
    std::vector<int> dims(static_cast<std::size_t>(n)), periods(static_cast<std::size_t>(n)),
        coords(static_cast<std::size_t>(n));
    check(MPI_Cart_get(h(), n, dims.data(), periods.data(), coords.data()));
    return {dims, std::vector<bool>(periods.begin(), periods.end()), coords};
  }
  std::vector<int> Get_dims() const { return Get_topo().dims; }
  std::vector<bool> Get_periods() const { return Get_topo().periods; }
  std::vector<int> Get_coords() const { return Get_topo().coords; }
  int Get_cart_rank(const std::vector<int>& coords) const {
    int r = 0;
    check(MPI_Cart_rank(h(), coords.data(), &r));
    return r;
  }
  std::vector<int> Get_coords(int rank) const {
    std::vector<int> coords(static_cast<std::size_t>(Get_dim()));
    check(MPI_Cart_coords(h(), rank, static_cast<int>(coords.size()), coords.data()));
    return coords;
  }
  // {source, dest} for a shift by disp along direction (PROC_NULL off a non-periodic edge).
  std::pair<int, int> Shift(int direction, int disp) const {
    int source = MPI_PROC_NULL, dest = MPI_PROC_NULL;
    check(MPI_Cart_shift(h(), direction, disp, &source, &dest));
    return {source, dest};
  }
  // Collective: the sub-grid keeping the dimensions whose remain_dims entry is true.
  Cartcomm Sub(const std::vector<bool>& remain_dims) const {
    std::vector<int> keep = detail::as_ints(remain_dims, static_cast<std::size_t>(Get_dim()));
    MPI_Comm c = MPI_COMM_NULL;
    check(MPI_Cart_sub(h(), keep.data(), &c));
    return Cartcomm(detail::returning_errors(c), adopt);
  }

 private:
  static Comm& checked(Comm& c) {
    require(c, c.Is_null() || c.Get_topology() == MPI_CART, "Cartesian");
    return c;
  }
};

class Graphcomm : public Topocomm {
 public:
  using Topocomm::Topocomm;
  explicit Graphcomm(const Comm& c)
      : Topocomm(require(c, c.Is_null() || c.Get_topology() == MPI_GRAPH, "a graph communicator")) {}
  explicit Graphcomm(Comm&& c) : Topocomm(Comm(std::move(checked(c)))) {}

  Graphcomm Dup() const { return Graphcomm(dup_handle(), adopt); }
  Graphcomm Clone() const { return Dup(); }
  // {nnodes, nedges}
  std::pair<int, int> Get_dims() const {
    int nnodes = 0, nedges = 0;
    check(MPI_Graphdims_get(h(), &nnodes, &nedges));
    return {nnodes, nedges};
  }
  // {index, edges}
  std::pair<std::vector<int>, std::vector<int>> Get_topo() const {
    auto [nnodes, nedges] = Get_dims();
    std::vector<int> index(static_cast<std::size_t>(nnodes)), edges(static_cast<std::size_t>(nedges));
    check(MPI_Graph_get(h(), nnodes, nedges, index.data(), edges.data()));
    return {index, edges};
  }
  int Get_neighbors_count(int rank) const {
    int n = 0;
    check(MPI_Graph_neighbors_count(h(), rank, &n));
    return n;
  }
  std::vector<int> Get_neighbors(int rank) const {
    std::vector<int> nb(static_cast<std::size_t>(Get_neighbors_count(rank)));
    check(MPI_Graph_neighbors(h(), rank, static_cast<int>(nb.size()), nb.data()));
    return nb;
  }

 private:
  static Comm& checked(Comm& c) {
    require(c, c.Is_null() || c.Get_topology() == MPI_GRAPH, "a graph communicator");
    return c;
  }
};

// The result of Distgraphcomm.Get_dist_neighbors().
struct DistNeighbors {
  std::vector<int> sources;
  std::vector<int> destinations;
  std::optional<std::pair<std::vector<int>, std::vector<int>>> weights;  // {source, destination} weights
};

class Distgraphcomm : public Topocomm {
 public:
  using Topocomm::Topocomm;
  explicit Distgraphcomm(const Comm& c)
      : Topocomm(require(c, c.Is_null() || c.Get_topology() == MPI_DIST_GRAPH,
                         "a distributed graph communicator")) {}
  explicit Distgraphcomm(Comm&& c) : Topocomm(Comm(std::move(checked(c)))) {}

  Distgraphcomm Dup() const { return Distgraphcomm(dup_handle(), adopt); }
  Distgraphcomm Clone() const { return Dup(); }
  // {indegree, outdegree, weighted}
  std::tuple<int, int, bool> Get_dist_neighbors_count() const {
    int in = 0, out = 0, weighted = 0;
    check(MPI_Dist_graph_neighbors_count(h(), &in, &out, &weighted));
    return {in, out, weighted != 0};
  }
  DistNeighbors Get_dist_neighbors() const {
    auto [in, out, weighted] = Get_dist_neighbors_count();
    DistNeighbors nb{std::vector<int>(static_cast<std::size_t>(in)),
                     std::vector<int>(static_cast<std::size_t>(out)), std::nullopt};
    std::vector<int> sw(weighted ? static_cast<std::size_t>(in) : 0),
        dw(weighted ? static_cast<std::size_t>(out) : 0);
    check(MPI_Dist_graph_neighbors(h(), in, nb.sources.data(), weighted ? sw.data() : MPI_UNWEIGHTED, out,
                                   nb.destinations.data(), weighted ? dw.data() : MPI_UNWEIGHTED));
    if (weighted) nb.weights = std::make_pair(std::move(sw), std::move(dw));
    return nb;
  }

 private:
  static Comm& checked(Comm& c) {
    require(c, c.Is_null() || c.Get_topology() == MPI_DIST_GRAPH, "a distributed graph communicator");
    return c;
  }
};

namespace detail {
// What the C API takes for a weight list: the weights, or MPI_WEIGHTS_EMPTY for a weighted process with
// no edges on that side.
inline const int* weights_of(const std::vector<int>& w) { return w.empty() ? MPI_WEIGHTS_EMPTY : w.data(); }

inline Distgraphcomm dist_graph_adjacent(MPI_Comm comm, const std::vector<int>& sources, const int* sw,
                                         const std::vector<int>& destinations, const int* dw,
                                         const Info& info, bool reorder) {
  MPI_Comm c = MPI_COMM_NULL;
  check(MPI_Dist_graph_create_adjacent(comm, static_cast<int>(sources.size()), sources.data(), sw,
                                       static_cast<int>(destinations.size()), destinations.data(), dw,
                                       info.handle(), reorder ? 1 : 0, &c));
  return Distgraphcomm(returning_errors(c), adopt);
}

inline Distgraphcomm dist_graph(MPI_Comm comm, const std::vector<int>& sources,
                                const std::vector<int>& degrees, const std::vector<int>& destinations,
                                const int* weights, const Info& info, bool reorder) {
  if (sources.size() != degrees.size())
    throw Exception(MPI_ERR_ARG, "Intracomm.Create_dist_graph: sources and degrees differ in length");
  MPI_Comm c = MPI_COMM_NULL;
  check(MPI_Dist_graph_create(comm, static_cast<int>(sources.size()), sources.data(), degrees.data(),
                              destinations.data(), weights, info.handle(), reorder ? 1 : 0, &c));
  return Distgraphcomm(returning_errors(c), adopt);
}
}  // namespace detail

inline Cartcomm Intracomm::Create_cart(const std::vector<int>& dims, const std::vector<bool>& periods,
                                       bool reorder) const {
  std::vector<int> p = detail::as_ints(periods, dims.size());
  MPI_Comm c = MPI_COMM_NULL;
  check(MPI_Cart_create(h(), static_cast<int>(dims.size()), dims.data(), p.data(), reorder ? 1 : 0, &c));
  return Cartcomm(detail::returning_errors(c), adopt);
}

inline Graphcomm Intracomm::Create_graph(const std::vector<int>& index, const std::vector<int>& edges,
                                         bool reorder) const {
  MPI_Comm c = MPI_COMM_NULL;
  check(
      MPI_Graph_create(h(), static_cast<int>(index.size()), index.data(), edges.data(), reorder ? 1 : 0, &c));
  return Graphcomm(detail::returning_errors(c), adopt);
}

inline Distgraphcomm Intracomm::Create_dist_graph_adjacent(const std::vector<int>& sources,
                                                           const std::vector<int>& destinations,
                                                           const Info& info, bool reorder) const {
  return detail::dist_graph_adjacent(h(), sources, MPI_UNWEIGHTED, destinations, MPI_UNWEIGHTED, info,
                                     reorder);
}

inline Distgraphcomm Intracomm::Create_dist_graph_adjacent(const std::vector<int>& sources,
                                                           const std::vector<int>& destinations,
                                                           const std::vector<int>& sourceweights,
                                                           const std::vector<int>& destweights,
                                                           const Info& info, bool reorder) const {
  return detail::dist_graph_adjacent(h(), sources, detail::weights_of(sourceweights), destinations,
                                     detail::weights_of(destweights), info, reorder);
}

inline Distgraphcomm Intracomm::Create_dist_graph(const std::vector<int>& sources,
                                                  const std::vector<int>& degrees,
                                                  const std::vector<int>& destinations, const Info& info,
                                                  bool reorder) const {
  return detail::dist_graph(h(), sources, degrees, destinations, MPI_UNWEIGHTED, info, reorder);
}

inline Distgraphcomm Intracomm::Create_dist_graph(const std::vector<int>& sources,
                                                  const std::vector<int>& degrees,
                                                  const std::vector<int>& destinations,
                                                  const std::vector<int>& weights, const Info& info,
                                                  bool reorder) const {
  return detail::dist_graph(h(), sources, degrees, destinations, detail::weights_of(weights), info, reorder);
}

}  // namespace parley
