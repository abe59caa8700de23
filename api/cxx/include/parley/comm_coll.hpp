// The nonblocking collectives beyond Ibarrier/Ibcast/Igather/Iallgather/Iallreduce, and the persistent
// collectives (MPI-4 MPI_X_init), declared in comm.hpp. Counts per process are deduced as for the
// blocking forms (a buffer for all processes is split evenly among them: the remote group on an
// intercommunicator). Every buffer, count and displacement array must stay alive and unchanged until the
// request completes; a persistent request keeps them until it is freed.
#pragma once

#include <mpi.h>

#include <span>
#include <utility>

#include "parley/comm.hpp"

namespace parley {

// ---- Nonblocking --------------------------------------------------------------------------------------

template <coll_send_buffer S, coll_recv_buffer R>
Request Comm::Iscatter(const S& sendbuf, R&& recvbuf, int root) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Request>(MPI_Iscatter, s.ptr, s.count / peers(), s.type, r.ptr, r.count, r.type, root, h());
}

template <coll_send_buffer S, coll_recv_buffer R>
Request Comm::Igatherv(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                       std::span<const int> displs, int root) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Request>(MPI_Igatherv, s.ptr, s.count, s.type, r.ptr, recvcounts.data(), displs.data(), r.type,
                        root, h());
}

template <coll_send_buffer S, coll_recv_buffer R>
Request Comm::Iscatterv(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> displs,
                        R&& recvbuf, int root) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Request>(MPI_Iscatterv, s.ptr, sendcounts.data(), displs.data(), s.type, r.ptr, r.count,
                        r.type, root, h());
}

template <coll_send_buffer S, coll_recv_buffer R>
Request Comm::Iallgatherv(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                          std::span<const int> displs) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Request>(MPI_Iallgatherv, s.ptr, s.count, s.type, r.ptr, recvcounts.data(), displs.data(),
                        r.type, h());
}

template <coll_send_buffer S, coll_recv_buffer R>
Request Comm::Ialltoall(const S& sendbuf, R&& recvbuf) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  int n = peers();
  return issue<Request>(MPI_Ialltoall, s.ptr, s.count / n, s.type, r.ptr, r.count / n, r.type, h());
}

template <coll_send_buffer S, coll_recv_buffer R>
Request Comm::Ialltoallv(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls,
                         R&& recvbuf, std::span<const int> recvcounts, std::span<const int> rdispls) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Request>(MPI_Ialltoallv, s.ptr, sendcounts.data(), sdispls.data(), s.type, r.ptr,
                        recvcounts.data(), rdispls.data(), r.type, h());
}

inline Request Comm::Ialltoallw(const void* sendbuf, std::span<const int> sendcounts,
                                std::span<const int> sdispls, std::span<const MPI_Datatype> sendtypes,
                                void* recvbuf, std::span<const int> recvcounts, std::span<const int> rdispls,
                                std::span<const MPI_Datatype> recvtypes) const {
  return issue<Request>(MPI_Ialltoallw, sendbuf, sendcounts.data(), sdispls.data(), sendtypes.data(), recvbuf,
                        recvcounts.data(), rdispls.data(), recvtypes.data(), h());
}

template <coll_send_buffer S, coll_recv_buffer R>
Request Comm::Ireduce(const S& sendbuf, R&& recvbuf, const Op& op, int root) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  auto [count, type] = reduce_shape(s, r);
  return issue<Request>(MPI_Ireduce, reduce_send(s), r.ptr, count, type, op.handle(), root, h());
}

template <coll_send_buffer S, recv_buffer R>
Request Comm::Ireduce_scatter_block(const S& sendbuf, R&& recvbuf, const Op& op) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Request>(MPI_Ireduce_scatter_block, s.ptr, r.ptr, r.count, r.type, op.handle(), h());
}

template <coll_send_buffer S, recv_buffer R>
Request Comm::Ireduce_scatter(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                              const Op& op) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Request>(MPI_Ireduce_scatter, s.ptr, r.ptr, recvcounts.data(), r.type, op.handle(), h());
}

// ---- Persistent ---------------------------------------------------------------------------------------

inline Prequest Comm::Barrier_init(const Info& info) const {
  return issue<Prequest>(MPI_Barrier_init, h(), info.handle());
}

template <recv_buffer B>
Prequest Comm::Bcast_init(B&& buf, int root, const Info& info) const {
  Buffer b = detail::as_recv(std::forward<B>(buf));
  return issue<Prequest>(MPI_Bcast_init, b.ptr, b.count, b.type, root, h(), info.handle());
}

template <coll_send_buffer S, coll_recv_buffer R>
Prequest Comm::Gather_init(const S& sendbuf, R&& recvbuf, int root, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Gather_init, s.ptr, s.count, s.type, r.ptr, r.count / peers(), r.type, root, h(),
                         info.handle());
}

template <coll_send_buffer S, coll_recv_buffer R>
Prequest Comm::Gatherv_init(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                            std::span<const int> displs, int root, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Gatherv_init, s.ptr, s.count, s.type, r.ptr, recvcounts.data(), displs.data(),
                         r.type, root, h(), info.handle());
}

template <coll_send_buffer S, coll_recv_buffer R>
Prequest Comm::Scatter_init(const S& sendbuf, R&& recvbuf, int root, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Scatter_init, s.ptr, s.count / peers(), s.type, r.ptr, r.count, r.type, root,
                         h(), info.handle());
}

template <coll_send_buffer S, coll_recv_buffer R>
Prequest Comm::Scatterv_init(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> displs,
                             R&& recvbuf, int root, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Scatterv_init, s.ptr, sendcounts.data(), displs.data(), s.type, r.ptr, r.count,
                         r.type, root, h(), info.handle());
}

template <coll_send_buffer S, coll_recv_buffer R>
Prequest Comm::Allgather_init(const S& sendbuf, R&& recvbuf, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Allgather_init, s.ptr, s.count, s.type, r.ptr, r.count / peers(), r.type, h(),
                         info.handle());
}

template <coll_send_buffer S, coll_recv_buffer R>
Prequest Comm::Allgatherv_init(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                               std::span<const int> displs, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Allgatherv_init, s.ptr, s.count, s.type, r.ptr, recvcounts.data(), displs.data(),
                         r.type, h(), info.handle());
}

template <coll_send_buffer S, coll_recv_buffer R>
Prequest Comm::Alltoall_init(const S& sendbuf, R&& recvbuf, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  int n = peers();
  return issue<Prequest>(MPI_Alltoall_init, s.ptr, s.count / n, s.type, r.ptr, r.count / n, r.type, h(),
                         info.handle());
}

template <coll_send_buffer S, coll_recv_buffer R>
Prequest Comm::Alltoallv_init(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls,
                              R&& recvbuf, std::span<const int> recvcounts, std::span<const int> rdispls,
                              const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Alltoallv_init, s.ptr, sendcounts.data(), sdispls.data(), s.type, r.ptr,
                         recvcounts.data(), rdispls.data(), r.type, h(), info.handle());
}

inline Prequest Comm::Alltoallw_init(const void* sendbuf, std::span<const int> sendcounts,
                                     std::span<const int> sdispls, std::span<const MPI_Datatype> sendtypes,
                                     void* recvbuf, std::span<const int> recvcounts,
                                     std::span<const int> rdispls, std::span<const MPI_Datatype> recvtypes,
                                     const Info& info) const {
  return issue<Prequest>(MPI_Alltoallw_init, sendbuf, sendcounts.data(), sdispls.data(), sendtypes.data(),
                         recvbuf, recvcounts.data(), rdispls.data(), recvtypes.data(), h(), info.handle());
}

template <coll_send_buffer S, coll_recv_buffer R>
Prequest Comm::Reduce_init(const S& sendbuf, R&& recvbuf, const Op& op, int root, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  auto [count, type] = reduce_shape(s, r);
  return issue<Prequest>(MPI_Reduce_init, reduce_send(s), r.ptr, count, type, op.handle(), root, h(),
                         info.handle());
}

template <coll_send_buffer S, recv_buffer R>
Prequest Comm::Allreduce_init(const S& sendbuf, R&& recvbuf, const Op& op, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Allreduce_init, s.ptr, r.ptr, r.count, r.type, op.handle(), h(), info.handle());
}

template <coll_send_buffer S, recv_buffer R>
Prequest Comm::Reduce_scatter_block_init(const S& sendbuf, R&& recvbuf, const Op& op,
                                         const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Reduce_scatter_block_init, s.ptr, r.ptr, r.count, r.type, op.handle(), h(),
                         info.handle());
}

template <coll_send_buffer S, recv_buffer R>
Prequest Comm::Reduce_scatter_init(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                                   const Op& op, const Info& info) const {
  ConstBuffer s = detail::as_send(sendbuf);
  Buffer r = detail::as_recv(std::forward<R>(recvbuf));
  return issue<Prequest>(MPI_Reduce_scatter_init, s.ptr, r.ptr, recvcounts.data(), r.type, op.handle(), h(),
                         info.handle());
}

}  // namespace parley
