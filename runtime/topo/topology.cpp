// The arithmetic of virtual topologies.
#include "topo/topology.hpp"

#include <mpi.h>

#include <algorithm>
#include <string>

namespace parley::topo {

Status dims_create(int nnodes, std::span<int> dims) {
  if (nnodes < 0) return Status(MPI_ERR_ARG, "nnodes must be non-negative (got " + std::to_string(nnodes) + ")");
  long fixed = 1;
  int free_count = 0;
  for (int d : dims) {
    if (d < 0) return Status(MPI_ERR_DIMS, "dims entries must be non-negative (got " + std::to_string(d) + ")");
    if (d == 0)
      ++free_count;
    else
      fixed *= d;
  }
  if (nnodes == 0) {
    // Only an all-zero grid of zero processes would make sense; the standard
    // leaves it erroneous unless every entry is already fixed.
    if (free_count > 0 || !dims.empty()) {
      for (int& d : dims)
        if (d == 0) d = 0;
    }
    return Status::ok();
  }
  if (fixed == 0 || nnodes % fixed != 0)
    return Status(MPI_ERR_DIMS, "nnodes " + std::to_string(nnodes) + " is not a multiple of the product of the fixed dims (" +
                                    std::to_string(fixed) + ")");
  int rest = static_cast<int>(nnodes / fixed);
  if (free_count == 0) {
    if (rest != 1)
      return Status(MPI_ERR_DIMS, "the product of dims is " + std::to_string(fixed) + ", not nnodes " +
                                      std::to_string(nnodes));
    return Status::ok();
  }
  // Prime factors of rest, largest first; each goes to the currently
  // smallest free dimension. That gives the balanced decomposition the
  // standard asks for (12 in 2 -> 4x3, 16 in 3 -> 4x2x2, 7 in 2 -> 7x1).
  std::vector<int> factors;
  for (int f = 2; static_cast<long>(f) * f <= rest; ++f)
    while (rest % f == 0) {
      factors.push_back(f);
      rest /= f;
    }
  if (rest > 1) factors.push_back(rest);
  std::vector<int> free_dims(static_cast<std::size_t>(free_count), 1);
  std::sort(factors.rbegin(), factors.rend());
  for (int f : factors) *std::min_element(free_dims.begin(), free_dims.end()) *= f;
  std::sort(free_dims.rbegin(), free_dims.rend());
  std::size_t k = 0;
  for (int& d : dims)
    if (d == 0) d = free_dims[k++];
  return Status::ok();
}

Result<int> grid_size(std::span<const int> dims) {
  long n = 1;
  for (int d : dims) {
    if (d <= 0) return Status(MPI_ERR_DIMS, "dimension extents must be positive (got " + std::to_string(d) + ")");
    n *= d;
    if (n > 0x7fffffff) return Status(MPI_ERR_DIMS, "the grid has more than 2^31-1 processes");
  }
  return static_cast<int>(n);
}

void coords_of(const Topology& t, int rank, std::span<int> coords) {
  for (std::size_t i = t.dims.size(); i-- > 0;) {
    coords[i] = rank % t.dims[i];
    rank /= t.dims[i];
  }
}

int rank_of(const Topology& t, std::span<const int> coords) {
  int rank = 0;
  for (std::size_t i = 0; i < t.dims.size(); ++i) {
    int c = coords[i];
    int d = t.dims[i];
    if (c < 0 || c >= d) {
      if (!t.periods[i]) return -1;
      c = ((c % d) + d) % d;
    }
    rank = rank * d + c;
  }
  return rank;
}

void shift(const Topology& t, int rank, int direction, int displacement, int proc_null, int& source, int& dest) {
  std::vector<int> c(t.dims.size());
  coords_of(t, rank, c);
  const int here = c[static_cast<std::size_t>(direction)];
  c[static_cast<std::size_t>(direction)] = here + displacement;
  dest = rank_of(t, c);
  if (dest < 0) dest = proc_null;
  c[static_cast<std::size_t>(direction)] = here - displacement;
  source = rank_of(t, c);
  if (source < 0) source = proc_null;
}

std::span<const int> graph_neighbors(const Topology& t, int rank) {
  int begin = rank == 0 ? 0 : t.index[static_cast<std::size_t>(rank) - 1];
  int end = t.index[static_cast<std::size_t>(rank)];
  return std::span<const int>(t.edges).subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
}

}  // namespace parley::topo
