// MPI_Reduce: a binomial tree. Every subtree covers a contiguous range of
// ranks and children are combined in rank order (lower data as `in`), so
// non-commutative ops get the canonical order; their tree is rooted at rank
// 0 and the result hops to the root, commutative ones root the tree there.
#include "coll/algorithms.hpp"

namespace parley::coll {

void reduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes, int root) {
  const int n = s.size();
  const int me = s.rank();
  const std::size_t bytes = count * item_bytes;
  if (n == 1) {
    s.copy(send, recv, bytes);
    s.fence();
    return;
  }
  const int tree_root = s.reducer().commutative() ? root : 0;
  const int rel = (me - tree_root + n) % n;
  auto real = [&](int r) { return (r + tree_root) % n; };
  const void* acc = send;
  int parent = -1;
  for (int mask = 1; mask < n; mask <<= 1) {
    if (rel & mask) {
      parent = real(rel - mask);
      break;
    }
    if (rel + mask < n) {
      std::byte* child = s.scratch(bytes);
      s.recv(child, bytes, real(rel + mask));
      s.reduce(acc, child, count);
      acc = child;
    }
  }
  if (parent < 0 && me == root) s.copy(acc, recv, bytes);
  s.fence();
  if (parent >= 0) s.send(acc, bytes, parent);
  else if (me != root) s.send(acc, bytes, root);  // non-commutative: rank 0 holds the result
  s.fence();
  if (me == root && tree_root != root) {
    s.recv(recv, bytes, tree_root);
    s.fence();
  }
}

}  // namespace parley::coll
