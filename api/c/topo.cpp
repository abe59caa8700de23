// Virtual topologies on the C ABI (MPI-3.1 chapter 7): Cartesian, graph and
// distributed-graph communicators and their queries. The arithmetic is in
// runtime/topo; the communicators come from the runtime's split. `reorder`
// in MPI_Cart_create groups each node's processes on consecutive ranks
// (neighbouring coordinates); graph and distributed-graph creation accept it
// and keep the ranks.
#include <mpi.h>

#include <algorithm>
#include <numeric>

#include "comm/comm_create.hpp"
#include "comm/internal_coll.hpp"
#include "comm_handles.hpp"
#include "topo/topology.hpp"

using parley::Communicator;
using parley::Status;
using parley::Topology;
using parley::c::report;
using TopoPtr = std::shared_ptr<const Topology>;

namespace {

template <class Fn>
int with_comm(const char* fn, MPI_Comm comm, Fn&& body) {
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  Status st = body(*c);
  return st ? MPI_SUCCESS : report(fn, comm, st);
}

// The topology of the wanted kind, or an MPI_ERR_TOPOLOGY status.
Status need(const Communicator& c, Topology::Kind kind, const Topology*& t) {
  t = c.topology().get();
  if (t != nullptr && t->kind == kind) return Status::ok();
  const char* what = kind == Topology::Kind::cart ? "a Cartesian" : kind == Topology::Kind::graph ? "a graph"
                                                                                               : "a distributed graph";
  return Status(MPI_ERR_TOPOLOGY, std::string("communicator does not have ") + what + " topology");
}

Status check_intra(const Communicator& c) {
  if (c.is_inter()) return Status(MPI_ERR_COMM, "topologies cannot be attached to an intercommunicator");
  return Status::ok();
}

// The processes of comm_old with rank below n get a new communicator
// carrying topo; the rest get MPI_COMM_NULL. They keep their ranks, unless
// `by_node`: then the ranks of one node come out consecutive (nodes in the
// order of their lowest world rank, each node's processes in their old
// order), so that in a row-major grid a node holds neighbouring
// coordinates. On one node that is the identity.
int make_topo_comm(const char* fn, MPI_Comm comm_old, Communicator& c, int n, TopoPtr topo, MPI_Comm* out,
                   bool by_node = false) {
  int color = c.rank() < n ? 0 : MPI_UNDEFINED;
  // split orders by (key, old rank): the node's name as the key is enough.
  const auto& job = parley::Runtime::get().job();
  int key = by_node ? (job.local_peers.empty() ? job.rank : job.local_peers.front()) : c.rank();
  auto made = parley::comm::split(c, color, key, MPI_UNDEFINED);
  if (made.is_ok() && made.value()) made.value()->set_topology(std::move(topo));
  return parley::c::finish_new_comm(fn, comm_old, &c, std::move(made), false, out);
}

}  // namespace

int PMPI_Dims_create(int nnodes, int ndims, int dims[]) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Dims_create";
  if (ndims < 0) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_DIMS, "ndims must be non-negative"));
  if (ndims > 0 && dims == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("dims"));
  Status st = parley::topo::dims_create(nnodes, std::span<int>(dims, static_cast<std::size_t>(ndims)));
  return st ? MPI_SUCCESS : report(fn, MPI_COMM_WORLD, st);
}

int PMPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[], const int periods[], int reorder,
                     MPI_Comm* comm_cart) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Cart_create";
  Communicator* cp = nullptr;
  int rc = with_comm(fn, comm_old, [&](Communicator& c) {
    cp = &c;
    if (Status st = check_intra(c); !st) return st;
    if (comm_cart == nullptr) return parley::c::null_arg("comm_cart");
    if (ndims < 0) return Status(MPI_ERR_DIMS, "ndims must be non-negative (got " + std::to_string(ndims) + ")");
    if (ndims > 0 && (dims == nullptr || periods == nullptr)) return parley::c::null_arg(dims ? "periods" : "dims");
    return Status::ok();
  });
  if (rc != MPI_SUCCESS) return rc;
  auto n = parley::topo::grid_size(std::span<const int>(dims, static_cast<std::size_t>(ndims)));
  if (!n.is_ok()) return report(fn, comm_old, n.status());
  if (n.value() > cp->local_size())
    return report(fn, comm_old, Status(MPI_ERR_TOPOLOGY, "the grid has " + std::to_string(n.value()) +
                                                             " processes but the communicator only " +
                                                             std::to_string(cp->local_size())));
  auto t = std::make_shared<Topology>();
  t->kind = Topology::Kind::cart;
  t->dims.assign(dims, dims + ndims);
  for (int i = 0; i < ndims; ++i) t->periods.push_back(periods[i] ? 1 : 0);
  return make_topo_comm(fn, comm_old, *cp, n.value(), std::move(t), comm_cart, reorder != 0);
}

int PMPI_Cartdim_get(MPI_Comm comm, int* ndims) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Cartdim_get", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::cart, t); !st) return st;
    if (ndims == nullptr) return parley::c::null_arg("ndims");
    *ndims = static_cast<int>(t->dims.size());
    return Status::ok();
  });
}

int PMPI_Cart_get(MPI_Comm comm, int maxdims, int dims[], int periods[], int coords[]) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Cart_get", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::cart, t); !st) return st;
    auto nd = t->dims.size();
    if (maxdims < static_cast<int>(nd))
      return Status(MPI_ERR_ARG, "maxdims " + std::to_string(maxdims) + " is below the topology's " +
                                     std::to_string(nd) + " dimensions");
    if (nd > 0 && (dims == nullptr || periods == nullptr || coords == nullptr))
      return parley::c::null_arg(dims == nullptr ? "dims" : periods == nullptr ? "periods" : "coords");
    std::copy(t->dims.begin(), t->dims.end(), dims);
    std::copy(t->periods.begin(), t->periods.end(), periods);
    parley::topo::coords_of(*t, c.rank(), std::span<int>(coords, nd));
    return Status::ok();
  });
}

int PMPI_Cart_rank(MPI_Comm comm, const int coords[], int* rank) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Cart_rank", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::cart, t); !st) return st;
    if (rank == nullptr) return parley::c::null_arg("rank");
    auto nd = t->dims.size();
    if (nd > 0 && coords == nullptr) return parley::c::null_arg("coords");
    int r = parley::topo::rank_of(*t, std::span<const int>(coords, nd));
    if (r < 0) return Status(MPI_ERR_ARG, "coordinates are outside a non-periodic dimension of the grid");
    *rank = r;
    return Status::ok();
  });
}

int PMPI_Cart_coords(MPI_Comm comm, int rank, int maxdims, int coords[]) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Cart_coords", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::cart, t); !st) return st;
    auto nd = t->dims.size();
    if (rank < 0 || rank >= c.local_size())
      return Status(MPI_ERR_RANK, "invalid rank " + std::to_string(rank) + " (communicator size " +
                                      std::to_string(c.local_size()) + ")");
    if (maxdims < static_cast<int>(nd))
      return Status(MPI_ERR_ARG, "maxdims " + std::to_string(maxdims) + " is below the topology's " +
                                     std::to_string(nd) + " dimensions");
    if (nd > 0 && coords == nullptr) return parley::c::null_arg("coords");
    parley::topo::coords_of(*t, rank, std::span<int>(coords, nd));
    return Status::ok();
  });
}

int PMPI_Cart_shift(MPI_Comm comm, int direction, int disp, int* rank_source, int* rank_dest) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Cart_shift", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::cart, t); !st) return st;
    if (rank_source == nullptr || rank_dest == nullptr)
      return parley::c::null_arg(rank_source == nullptr ? "rank_source" : "rank_dest");
    if (direction < 0 || direction >= static_cast<int>(t->dims.size()))
      return Status(MPI_ERR_DIMS, "invalid direction " + std::to_string(direction) + " (the grid has " +
                                      std::to_string(t->dims.size()) + " dimensions)");
    parley::topo::shift(*t, c.rank(), direction, disp, MPI_PROC_NULL, *rank_source, *rank_dest);
    return Status::ok();
  });
}

int PMPI_Cart_sub(MPI_Comm comm, const int remain_dims[], MPI_Comm* newcomm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Cart_sub";
  Communicator* cp = nullptr;
  const Topology* t = nullptr;
  int rc = with_comm(fn, comm, [&](Communicator& c) {
    cp = &c;
    if (Status st = need(c, Topology::Kind::cart, t); !st) return st;
    if (newcomm == nullptr) return parley::c::null_arg("newcomm");
    if (!t->dims.empty() && remain_dims == nullptr) return parley::c::null_arg("remain_dims");
    return Status::ok();
  });
  if (rc != MPI_SUCCESS) return rc;
  // Processes that agree in every dropped coordinate share a subgrid.
  std::vector<int> coords(t->dims.size());
  parley::topo::coords_of(*t, cp->rank(), coords);
  int color = 0;
  auto sub = std::make_shared<Topology>();
  sub->kind = Topology::Kind::cart;
  for (std::size_t i = 0; i < t->dims.size(); ++i) {
    if (remain_dims[i]) {
      sub->dims.push_back(t->dims[i]);
      sub->periods.push_back(t->periods[i]);
    } else {
      color = color * t->dims[i] + coords[i];
    }
  }
  auto made = parley::comm::split(*cp, color, cp->rank(), MPI_UNDEFINED);
  if (made.is_ok() && made.value()) made.value()->set_topology(std::move(sub));
  return parley::c::finish_new_comm(fn, comm, cp, std::move(made), false, newcomm);
}

int PMPI_Cart_map(MPI_Comm comm, int ndims, const int dims[], const int periods[], int* newrank) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Cart_map", comm, [&](Communicator& c) {
    (void)periods;
    if (newrank == nullptr) return parley::c::null_arg("newrank");
    if (ndims < 0) return Status(MPI_ERR_DIMS, "ndims must be non-negative");
    if (ndims > 0 && dims == nullptr) return parley::c::null_arg("dims");
    auto n = parley::topo::grid_size(std::span<const int>(dims, static_cast<std::size_t>(ndims)));
    if (!n.is_ok()) return n.status();
    if (n.value() > c.local_size()) return Status(MPI_ERR_TOPOLOGY, "the grid is larger than the communicator");
    *newrank = c.rank() < n.value() ? c.rank() : MPI_UNDEFINED;
    return Status::ok();
  });
}

namespace {

Status check_graph(int nnodes, const int index[], const int edges[], int size) {
  if (nnodes < 0) return Status(MPI_ERR_ARG, "nnodes must be non-negative");
  if (nnodes > size)
    return Status(MPI_ERR_TOPOLOGY, "nnodes " + std::to_string(nnodes) + " is larger than the communicator (" +
                                        std::to_string(size) + ")");
  if (nnodes > 0 && index == nullptr) return parley::c::null_arg("index");
  int prev = 0;
  for (int i = 0; i < nnodes; ++i) {
    if (index[i] < prev) return Status(MPI_ERR_ARG, "index must be non-decreasing");
    prev = index[i];
  }
  if (prev > 0 && edges == nullptr) return parley::c::null_arg("edges");
  for (int e = 0; e < prev; ++e)
    if (edges[e] < 0 || edges[e] >= nnodes)
      return Status(MPI_ERR_TOPOLOGY, "edge to " + std::to_string(edges[e]) + " is not a node of the graph");
  return Status::ok();
}

}  // namespace

int PMPI_Graph_create(MPI_Comm comm_old, int nnodes, const int index[], const int edges[], int reorder,
                      MPI_Comm* comm_graph) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Graph_create";
  (void)reorder;
  Communicator* cp = nullptr;
  int rc = with_comm(fn, comm_old, [&](Communicator& c) {
    cp = &c;
    if (Status st = check_intra(c); !st) return st;
    if (comm_graph == nullptr) return parley::c::null_arg("comm_graph");
    return check_graph(nnodes, index, edges, c.local_size());
  });
  if (rc != MPI_SUCCESS) return rc;
  auto t = std::make_shared<Topology>();
  t->kind = Topology::Kind::graph;
  t->index.assign(index, index + nnodes);
  int ne = nnodes > 0 ? index[nnodes - 1] : 0;
  t->edges.assign(edges, edges + ne);
  return make_topo_comm(fn, comm_old, *cp, nnodes, std::move(t), comm_graph);
}

int PMPI_Graphdims_get(MPI_Comm comm, int* nnodes, int* nedges) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Graphdims_get", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::graph, t); !st) return st;
    if (nnodes == nullptr || nedges == nullptr) return parley::c::null_arg(nnodes == nullptr ? "nnodes" : "nedges");
    *nnodes = static_cast<int>(t->index.size());
    *nedges = static_cast<int>(t->edges.size());
    return Status::ok();
  });
}

int PMPI_Graph_get(MPI_Comm comm, int maxindex, int maxedges, int index[], int edges[]) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Graph_get", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::graph, t); !st) return st;
    if ((maxindex > 0 && index == nullptr) || (maxedges > 0 && edges == nullptr))
      return parley::c::null_arg(index == nullptr ? "index" : "edges");
    std::copy_n(t->index.begin(), std::min<std::size_t>(t->index.size(), static_cast<std::size_t>(std::max(maxindex, 0))), index);
    std::copy_n(t->edges.begin(), std::min<std::size_t>(t->edges.size(), static_cast<std::size_t>(std::max(maxedges, 0))), edges);
    return Status::ok();
  });
}

int PMPI_Graph_neighbors_count(MPI_Comm comm, int rank, int* nneighbors) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Graph_neighbors_count", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::graph, t); !st) return st;
    if (nneighbors == nullptr) return parley::c::null_arg("nneighbors");
    if (rank < 0 || rank >= static_cast<int>(t->index.size()))
      return Status(MPI_ERR_RANK, "invalid rank " + std::to_string(rank) + " (graph of " +
                                      std::to_string(t->index.size()) + " nodes)");
    *nneighbors = static_cast<int>(parley::topo::graph_neighbors(*t, rank).size());
    return Status::ok();
  });
}

int PMPI_Graph_neighbors(MPI_Comm comm, int rank, int maxneighbors, int neighbors[]) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Graph_neighbors", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::graph, t); !st) return st;
    if (rank < 0 || rank >= static_cast<int>(t->index.size()))
      return Status(MPI_ERR_RANK, "invalid rank " + std::to_string(rank) + " (graph of " +
                                      std::to_string(t->index.size()) + " nodes)");
    auto nb = parley::topo::graph_neighbors(*t, rank);
    if (maxneighbors > 0 && neighbors == nullptr) return parley::c::null_arg("neighbors");
    std::copy_n(nb.begin(), std::min<std::size_t>(nb.size(), static_cast<std::size_t>(std::max(maxneighbors, 0))), neighbors);
    return Status::ok();
  });
}

int PMPI_Graph_map(MPI_Comm comm, int nnodes, const int index[], const int edges[], int* newrank) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Graph_map", comm, [&](Communicator& c) {
    if (newrank == nullptr) return parley::c::null_arg("newrank");
    if (Status st = check_graph(nnodes, index, edges, c.local_size()); !st) return st;
    *newrank = c.rank() < nnodes ? c.rank() : MPI_UNDEFINED;
    return Status::ok();
  });
}

int PMPI_Dist_graph_create_adjacent(MPI_Comm comm_old, int indegree, const int sources[], const int sourceweights[],
                                    int outdegree, const int destinations[], const int destweights[], MPI_Info info,
                                    int reorder, MPI_Comm* comm_dist_graph) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Dist_graph_create_adjacent";
  (void)reorder;
  (void)info;
  Communicator* cp = nullptr;
  int rc = with_comm(fn, comm_old, [&](Communicator& c) {
    cp = &c;
    if (Status st = check_intra(c); !st) return st;
    if (comm_dist_graph == nullptr) return parley::c::null_arg("comm_dist_graph");
    if (indegree < 0 || outdegree < 0) return Status(MPI_ERR_ARG, "degrees must be non-negative");
    if ((indegree > 0 && sources == nullptr) || (outdegree > 0 && destinations == nullptr))
      return parley::c::null_arg(sources == nullptr ? "sources" : "destinations");
    for (int i = 0; i < indegree; ++i)
      if (sources[i] < 0 || sources[i] >= c.local_size())
        return Status(MPI_ERR_RANK, "invalid source rank " + std::to_string(sources[i]));
    for (int i = 0; i < outdegree; ++i)
      if (destinations[i] < 0 || destinations[i] >= c.local_size())
        return Status(MPI_ERR_RANK, "invalid destination rank " + std::to_string(destinations[i]));
    return Status::ok();
  });
  if (rc != MPI_SUCCESS) return rc;
  auto t = std::make_shared<Topology>();
  t->kind = Topology::Kind::dist_graph;
  t->sources.assign(sources, sources + indegree);
  t->destinations.assign(destinations, destinations + outdegree);
  t->weighted = sourceweights != MPI_UNWEIGHTED && destweights != MPI_UNWEIGHTED;
  if (t->weighted) {
    if (indegree > 0 && sourceweights != MPI_WEIGHTS_EMPTY) t->source_weights.assign(sourceweights, sourceweights + indegree);
    if (outdegree > 0 && destweights != MPI_WEIGHTS_EMPTY) t->dest_weights.assign(destweights, destweights + outdegree);
  }
  return make_topo_comm(fn, comm_old, *cp, cp->local_size(), std::move(t), comm_dist_graph);
}

int PMPI_Dist_graph_create(MPI_Comm comm_old, int n, const int sources[], const int degrees[],
                           const int destinations[], const int weights[], MPI_Info info, int reorder,
                           MPI_Comm* comm_dist_graph) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Dist_graph_create";
  (void)reorder;
  (void)info;
  Communicator* cp = nullptr;
  int nedges = 0;
  int rc = with_comm(fn, comm_old, [&](Communicator& c) {
    cp = &c;
    if (Status st = check_intra(c); !st) return st;
    if (comm_dist_graph == nullptr) return parley::c::null_arg("comm_dist_graph");
    if (n < 0) return Status(MPI_ERR_ARG, "n must be non-negative");
    if (n > 0 && (sources == nullptr || degrees == nullptr)) return parley::c::null_arg(sources ? "degrees" : "sources");
    for (int i = 0; i < n; ++i) {
      if (sources[i] < 0 || sources[i] >= c.local_size())
        return Status(MPI_ERR_RANK, "invalid source rank " + std::to_string(sources[i]));
      if (degrees[i] < 0) return Status(MPI_ERR_ARG, "degrees must be non-negative");
      nedges += degrees[i];
    }
    if (nedges > 0 && destinations == nullptr) return parley::c::null_arg("destinations");
    for (int e = 0; e < nedges; ++e)
      if (destinations[e] < 0 || destinations[e] >= c.local_size())
        return Status(MPI_ERR_RANK, "invalid destination rank " + std::to_string(destinations[e]));
    return Status::ok();
  });
  if (rc != MPI_SUCCESS) return rc;
  const bool weighted = weights != MPI_UNWEIGHTED;
  // Every process learns every edge: the counts first, then the edges as
  // (source, destination, weight) in blocks padded to the largest count.
  // Simple, and enough until neighbourhood collectives need better.
  const int size = cp->local_size();
  std::vector<int> counts(static_cast<std::size_t>(size));
  auto p = parley::Participants::all_of(*cp, parley::kTagGather);
  if (Status st = parley::allgather(p, &nedges, sizeof(int), counts.data()); !st) return report(fn, comm_old, st);
  int wflag = weighted ? 1 : 0;
  std::vector<int> wflags(static_cast<std::size_t>(size));
  if (Status st = parley::allgather(p, &wflag, sizeof(int), wflags.data()); !st) return report(fn, comm_old, st);
  const int maxe = *std::max_element(counts.begin(), counts.end());
  std::vector<int> mine(static_cast<std::size_t>(maxe) * 3, 0), all(static_cast<std::size_t>(maxe) * 3 * size);
  for (int i = 0, e = 0; i < n; ++i)
    for (int d = 0; d < degrees[i]; ++d, ++e) {
      mine[static_cast<std::size_t>(e) * 3] = sources[i];
      mine[static_cast<std::size_t>(e) * 3 + 1] = destinations[e];
      mine[static_cast<std::size_t>(e) * 3 + 2] = weighted && weights != MPI_WEIGHTS_EMPTY ? weights[e] : 1;
    }
  if (maxe > 0)
    if (Status st = parley::allgather(p, mine.data(), mine.size() * sizeof(int), all.data()); !st)
      return report(fn, comm_old, st);
  auto t = std::make_shared<Topology>();
  t->kind = Topology::Kind::dist_graph;
  t->weighted = std::all_of(wflags.begin(), wflags.end(), [](int w) { return w != 0; });
  const int me = cp->rank();
  for (int q = 0; q < size; ++q)
    for (int e = 0; e < counts[static_cast<std::size_t>(q)]; ++e) {
      const int* edge = &all[(static_cast<std::size_t>(q) * maxe + static_cast<std::size_t>(e)) * 3];
      if (edge[0] == me) {
        t->destinations.push_back(edge[1]);
        t->dest_weights.push_back(edge[2]);
      }
      if (edge[1] == me) {
        t->sources.push_back(edge[0]);
        t->source_weights.push_back(edge[2]);
      }
    }
  if (!t->weighted) {
    t->dest_weights.clear();
    t->source_weights.clear();
  }
  return make_topo_comm(fn, comm_old, *cp, size, std::move(t), comm_dist_graph);
}

int PMPI_Dist_graph_neighbors_count(MPI_Comm comm, int* indegree, int* outdegree, int* weighted) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Dist_graph_neighbors_count", comm, [&](Communicator& c) {
    const Topology* t = c.topology().get();
    if (indegree == nullptr || outdegree == nullptr || weighted == nullptr)
      return parley::c::null_arg(indegree == nullptr ? "indegree" : outdegree == nullptr ? "outdegree" : "weighted");
    if (t != nullptr && t->kind == Topology::Kind::graph) {
      // A graph topology answers too: its neighbours both ways.
      int k = static_cast<int>(parley::topo::graph_neighbors(*t, c.rank()).size());
      *indegree = *outdegree = k;
      *weighted = 0;
      return Status::ok();
    }
    if (Status st = need(c, Topology::Kind::dist_graph, t); !st) return st;
    *indegree = static_cast<int>(t->sources.size());
    *outdegree = static_cast<int>(t->destinations.size());
    *weighted = t->weighted ? 1 : 0;
    return Status::ok();
  });
}

int PMPI_Dist_graph_neighbors(MPI_Comm comm, int maxindegree, int sources[], int sourceweights[], int maxoutdegree,
                              int destinations[], int destweights[]) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Dist_graph_neighbors", comm, [&](Communicator& c) {
    const Topology* t;
    if (Status st = need(c, Topology::Kind::dist_graph, t); !st) return st;
    if (maxindegree < static_cast<int>(t->sources.size()) || maxoutdegree < static_cast<int>(t->destinations.size()))
      return Status(MPI_ERR_ARG, "maxindegree/maxoutdegree are below the process's degrees");
    if ((!t->sources.empty() && sources == nullptr) || (!t->destinations.empty() && destinations == nullptr))
      return parley::c::null_arg(sources == nullptr ? "sources" : "destinations");
    std::copy(t->sources.begin(), t->sources.end(), sources);
    std::copy(t->destinations.begin(), t->destinations.end(), destinations);
    if (t->weighted) {
      if (sourceweights != MPI_UNWEIGHTED && sourceweights != nullptr)
        std::copy(t->source_weights.begin(), t->source_weights.end(), sourceweights);
      if (destweights != MPI_UNWEIGHTED && destweights != nullptr)
        std::copy(t->dest_weights.begin(), t->dest_weights.end(), destweights);
    }
    return Status::ok();
  });
}

int PMPI_Topo_test(MPI_Comm comm, int* status) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Topo_test", comm, [&](Communicator& c) {
    if (status == nullptr) return parley::c::null_arg("status");
    const Topology* t = c.topology().get();
    if (t == nullptr)
      *status = MPI_UNDEFINED;
    else
      *status = t->kind == Topology::Kind::cart ? MPI_CART : t->kind == Topology::Kind::graph ? MPI_GRAPH : MPI_DIST_GRAPH;
    return Status::ok();
  });
}
