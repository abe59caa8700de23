// MPI_Scan/MPI_Exscan and MPI_Reduce_scatter(_block).
// Scan: recursive doubling over the prefix: at distance 2^k each rank swaps
// its partial (the reduction of its aligned group of 2^k ranks) with
// rank ^ 2^k and folds a lower partner's partial into its result; every
// combine joins adjacent ranges in order, so non-commutative ops are exact.
// Reduce_scatter: a binomial reduce to rank 0 then a scatterv (canonical
// order for every op).
#include <utility>
#include <vector>

#include "coll/algorithms.hpp"

namespace parley::coll {

void scan(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes, bool exclusive) {
  const int n = s.size();
  const int me = s.rank();
  const std::size_t bytes = count * item_bytes;
  auto* result = static_cast<std::byte*>(recv);
  std::byte* partial = s.scratch(bytes);
  std::byte* other = s.scratch(bytes);
  s.copy(send, partial, bytes);
  if (!exclusive) s.copy(send, result, bytes);
  s.fence();
  bool have_result = !exclusive;
  for (int mask = 1; mask < n; mask <<= 1) {
    const int peer = me ^ mask;
    if (peer >= n) continue;
    s.send(partial, bytes, peer);
    s.recv(other, bytes, peer);
    if (peer < me) {
      if (have_result) s.reduce(other, result, count);
      else s.copy(other, result, bytes);
      have_result = true;
      s.reduce(other, partial, count);
    } else {
      s.reduce(partial, other, count);
      std::swap(partial, other);
    }
    s.fence();
  }
}

void reduce_scatter(Schedule& s, const void* send, void* recv, const std::size_t* counts, std::size_t item_bytes) {
  const int n = s.size();
  const auto un = static_cast<std::size_t>(n);
  std::vector<std::size_t> bytes(un), displs(un);
  std::size_t total = 0;
  for (std::size_t i = 0; i < un; ++i) {
    displs[i] = total * item_bytes;
    bytes[i] = counts[i] * item_bytes;
    total += counts[i];
  }
  std::byte* full = s.rank() == 0 ? s.scratch(total * item_bytes) : nullptr;
  reduce(s, send, full, total, item_bytes, 0);
  scatterv(s, full, bytes.data(), displs.data(), recv, bytes[static_cast<std::size_t>(s.rank())], 0);
}

}  // namespace parley::coll
