// MPI_Barrier: the dissemination barrier (Hensgen, Finkel and Manber 1988):
// in round k every rank signals rank + 2^k and waits for rank - 2^k, so
// after ceil(log2 n) rounds each has heard, indirectly, from all.
#include "coll/algorithms.hpp"

namespace parley::coll {

void barrier(Schedule& s) {
  const int n = s.size();
  const int me = s.rank();
  std::byte* token = s.scratch(1);
  for (int k = 1; k < n; k <<= 1) {
    s.recv(token, 0, (me - k + n) % n);
    s.send(token, 0, (me + k) % n);
    s.fence();
  }
}

}  // namespace parley::coll
