// Virtual topologies (MPI-3.1 chapter 7): Cartesian grids, general graphs
// and distributed graphs, and the pure arithmetic on them (balanced
// dimensions, coordinates, shifts) that the C layer exposes.
#pragma once

#include <span>
#include <vector>

#include "base/status.hpp"

namespace parley {

struct Topology {
  enum class Kind { cart, graph, dist_graph };
  Kind kind = Kind::cart;

  // Cartesian
  std::vector<int> dims;
  std::vector<int> periods;  // 0 or 1 per dimension

  // Graph: MPI_Graph_create's index and edges arrays.
  std::vector<int> index;
  std::vector<int> edges;

  // Distributed graph: this process's neighbours (and weights).
  std::vector<int> sources, source_weights;
  std::vector<int> destinations, dest_weights;
  bool weighted = false;
};

namespace topo {

// MPI_Dims_create: fills the zero entries of dims so that their product with
// the fixed ones is nnodes and they are as close to each other as possible,
// in non-increasing order.
Status dims_create(int nnodes, std::span<int> dims);

// The number of processes a grid holds (fails on overflow or a bad extent).
Result<int> grid_size(std::span<const int> dims);

// Row-major coordinates of rank in the grid, and back. rank_of accepts
// out-of-range coordinates in periodic dimensions (wrapped); returns -1 for
// out-of-range coordinates in a non-periodic one.
void coords_of(const Topology& t, int rank, std::span<int> coords);
int rank_of(const Topology& t, std::span<const int> coords);

// MPI_Cart_shift: the ranks displacement steps away along `direction`,
// proc_null past a non-periodic edge.
void shift(const Topology& t, int rank, int direction, int displacement, int proc_null, int& source, int& dest);

// The neighbours of `rank` in a graph topology.
std::span<const int> graph_neighbors(const Topology& t, int rank);

}  // namespace topo
}  // namespace parley
