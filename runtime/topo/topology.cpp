// The arithmetic of virtual topologies.
#include "topo/topology.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace parley::topo {

namespace {

// The divisors of n, ascending.
std::vector<int> divisors(int n) {
  std::vector<int> lo, hi;
  for (int f = 1; static_cast<long>(f) * f <= n; ++f)
    if (n % f == 0) {
      lo.push_back(f);
      if (f != n / f) hi.push_back(n / f);
    }
  lo.insert(lo.end(), hi.rbegin(), hi.rend());
  return lo;
}

double root(double x, int k) { return std::pow(x, 1.0 / k); }

// Depth-first search for n = f1 * ... * fk, f1 >= ... >= fk, fi <= maxf,
// with the smallest spread f1 - fk. `cur` holds the factors chosen so far.
void search(int n, int k, int maxf, const std::vector<int>& divs, std::vector<int>& cur, std::vector<int>& best,
            int& best_spread) {
  if (k == 1) {
    if (n > maxf) return;
    int spread = (cur.empty() ? n : cur.front()) - n;
    if (spread < best_spread) {
      best_spread = spread;
      best = cur;
      best.push_back(n);
    }
    return;
  }
  const int top = cur.empty() ? 0 : cur.front();
  for (int f : divs) {
    if (f > maxf) break;
    if (n % f != 0) continue;
    // f is the largest of the remaining k factors: f^k >= n.
    if (root(n, k) > f + 1e-9) continue;
    // The smallest factor left is at most (n/f)^(1/(k-1)).
    int first = top == 0 ? f : top;
    if (first - root(static_cast<double>(n) / f, k - 1) >= best_spread + 1e-9) {
      if (top == 0) break;  // larger first factors only do worse
      continue;
    }
    cur.push_back(f);
    search(n / f, k - 1, f, divs, cur, best, best_spread);
    cur.pop_back();
  }
}

// n split into k factors as close to each other as possible, largest first
// (MPI-3.1 §7.5.2).
std::vector<int> balanced_factors(int n, int k) {
  std::vector<int> divs = divisors(n), cur, best;
  int best_spread = n;  // n x 1 x ... x 1 always works
  best.assign(static_cast<std::size_t>(k), 1);
  best[0] = n;
  search(n, k, n, divs, cur, best, best_spread);
  return best;
}

}  // namespace

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
    // A grid of no processes: only meaningful with nothing left to choose.
    if (free_count > 0) return Status(MPI_ERR_DIMS, "nnodes is 0 but some dims are 0 (to be chosen)");
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
  std::vector<int> free_dims = balanced_factors(rest, free_count);
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
