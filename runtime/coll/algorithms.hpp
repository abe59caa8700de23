// The collective algorithms, as schedule builders over contiguous byte
// buffers (the C layer packs noncontiguous data first). Each appends its
// rounds to a Schedule and ends with a fence, so builders compose: a
// reduce followed by a scatterv is one schedule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "coll/schedule.hpp"

namespace parley::coll {

enum class Algorithm : std::uint8_t {
  automatic,
  binomial,
  scatter_allgather,
  recursive_doubling,
  rabenseifner,
  ring,
  pairwise,
  bruck,
  linear,
  dissemination,
  shm,  // the shared-memory team (coll/shm.hpp): blocking barrier, bcast, reduce, allreduce,
        // gather, scatter, allgather, alltoall
  counter,  // barrier on the team: one arrival counter, waiters watch one release flag
};

std::string_view algorithm_name(Algorithm a);
// The algorithm PARLEY_COLL_<COLLECTIVE> forces (automatic when unset or
// not one this collective has), read once per process.
enum class Collective : std::uint8_t { barrier, bcast, reduce, allreduce, allgather, alltoall, gather, scatter, count_ };
Algorithm forced(Collective c);
// Whether a blocking collective of `bytes` (the whole message of bcast and
// the reductions, one rank's block of gather, scatter, allgather and
// alltoall; 0 for barrier) on a communicator of `size` ranks, all on this node, takes the
// shared-memory team rather than a point-to-point schedule: the measured
// crossovers (docs/collectives.md), unless PARLEY_COLL_<NAME> forces one.
// `cma`: whether the team can read its peers' buffers directly
// (Team::cma()); with it the team also takes the large sizes that its
// two-copy path hands over to point-to-point.
bool prefer_shm(Collective c, std::size_t bytes, int size, bool cma = false);
// The smallest `bytes` (as for prefer_shm) at which the team moves the data
// by CMA straight between the ranks' buffers instead of through its
// segment: the measured crossover, or PARLEY_COLL_SHM_CMA (bytes; 0 = never).
// SIZE_MAX when never.
std::size_t shm_cma_min(Collective c, int size);

void barrier(Schedule& s);
void bcast(Schedule& s, void* buf, std::size_t bytes, int root);
// recv is significant at root only; send == recv is allowed (in place).
void reduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes, int root);
void allreduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes);
// send == nullptr at the root: its block is already in place.
void gatherv(Schedule& s, const void* send, std::size_t send_bytes, void* recv, const std::size_t* bytes,
             const std::size_t* displs, int root);
// recv == nullptr at the root: its block stays in place.
void scatterv(Schedule& s, const void* send, const std::size_t* bytes, const std::size_t* displs, void* recv,
              std::size_t recv_bytes, int root);
// send == nullptr: this rank's block is already in place in recv.
void allgatherv(Schedule& s, const void* send, void* recv, const std::size_t* bytes, const std::size_t* displs);
void alltoall(Schedule& s, const void* send, void* recv, std::size_t block_bytes);
void alltoallv(Schedule& s, const void* send, const std::size_t* send_bytes, const std::size_t* send_displs,
               void* recv, const std::size_t* recv_bytes, const std::size_t* recv_displs);
// counts[r] items land on rank r; send holds the whole vector.
void reduce_scatter(Schedule& s, const void* send, void* recv, const std::size_t* counts, std::size_t item_bytes);
// Inclusive (scan) or exclusive (exscan, recv of rank 0 untouched).
void scan(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes, bool exclusive);

// --- intercommunicators (inter.cpp) ----------------------------------------
// `root` of the rooted forms: a rank of the remote group on the receiving
// side, kInterRoot at the root itself (MPI_ROOT), kInterNone at the other
// processes of the root's group (MPI_PROC_NULL). Buffers, counts and
// displacements that describe other processes' data index the remote group.
inline constexpr int kInterRoot = -3;
inline constexpr int kInterNone = -1;
void inter_barrier(Schedule& s);
void inter_bcast(Schedule& s, void* buf, std::size_t bytes, int root);
void inter_gatherv(Schedule& s, const void* send, std::size_t send_bytes, void* recv, const std::size_t* bytes,
                   const std::size_t* displs, int root);
void inter_scatterv(Schedule& s, const void* send, const std::size_t* bytes, const std::size_t* displs, void* recv,
                    std::size_t recv_bytes, int root);
// Block q of recv comes from remote rank q; send goes to every remote rank.
void inter_allgatherv(Schedule& s, const void* send, std::size_t send_bytes, void* recv, const std::size_t* bytes,
                      const std::size_t* displs);
void inter_alltoallv(Schedule& s, const void* send, const std::size_t* send_bytes, const std::size_t* send_displs,
                     void* recv, const std::size_t* recv_bytes, const std::size_t* recv_displs);
// recv at the root only: the remote group's data reduced in its rank order.
void inter_reduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes, int root);
// recv: the remote group's data reduced.
void inter_allreduce(Schedule& s, const void* send, void* recv, std::size_t count, std::size_t item_bytes);
// The remote group's vectors (sum of counts items) reduced, scattered over
// the local group by counts (local ranks).
void inter_reduce_scatter(Schedule& s, const void* send, void* recv, const std::size_t* counts,
                          std::size_t item_bytes);

}  // namespace parley::coll

namespace parley::coll {

// The neighbourhood of this process in comm's virtual topology, in the
// order MPI-4.0 §8.6 fixes (Cartesian: for each dimension the negative,
// then the positive neighbour; MPI_PROC_NULL slots are kept and skipped).
struct Neighbors {
  std::vector<int> sources;
  std::vector<int> destinations;
  std::vector<int> recv_sub;  // per source: the tag sub its message travels on
  std::vector<int> send_sub;  // per destination
};
// MPI_ERR_TOPOLOGY when comm has no topology.
Status neighbors_of(Communicator& comm, Neighbors& out);
// Block k of send goes to destinations[k], block k of recv comes from
// sources[k]; all in one round.
void neighbor_exchange(Schedule& s, const Neighbors& nb, const void* send, const std::size_t* send_bytes,
                       const std::size_t* send_displs, void* recv, const std::size_t* recv_bytes,
                       const std::size_t* recv_displs);

}  // namespace parley::coll
