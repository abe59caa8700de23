// Neighbourhood collectives on the C ABI (MPI-4.0 §8.6): allgather(v) and
// alltoall(v,w) over the neighbours of a Cartesian, graph or distributed
// graph communicator, blocking and nonblocking.
#include <mpi.h>

#include <vector>

#include "coll/algorithms.hpp"
#include "coll_stage.hpp"
#include "pt2pt_args.hpp"

using parley::Communicator;
using parley::Status;
using parley::c::report;
namespace coll = parley::coll;
namespace dt = parley::dt;

namespace {

using namespace parley::c::coll_stage;
using parley::c::null_arg;

#define COLL_TRY(expr)                                                          \
  do {                                                                          \
    if (Status coll_st_ = (expr); !coll_st_) return report(call_name(fn), comm, coll_st_); \
  } while (0)

enum class Form : std::uint8_t { allgather, allgatherv, alltoall, alltoallv, alltoallw };

// One body for the five forms: counts/displs/types arrays are used where
// the form has them (displs are in extents, or bytes for the w form).
int neighbor(const char* fn, Form form, const void* sbuf, int scount, const int* scounts, const MPI_Aint* sdispls_w,
             const int* sdispls, MPI_Datatype stype, const MPI_Datatype* stypes, void* rbuf, int rcount,
             const int* rcounts, const int* rdispls, const MPI_Aint* rdispls_w, MPI_Datatype rtype,
             const MPI_Datatype* rtypes, MPI_Comm comm, MPI_Request* request) {
  Communicator* c = nullptr;
  COLL_TRY(intracomm(comm, c));
  coll::Neighbors nb;
  COLL_TRY(coll::neighbors_of(*c, nb));
  if (sbuf == MPI_IN_PLACE) COLL_TRY(Status(MPI_ERR_BUFFER, "sendbuf may not be MPI_IN_PLACE"));
  const int indeg = static_cast<int>(nb.sources.size());
  const int outdeg = static_cast<int>(nb.destinations.size());
  std::vector<Block> sblocks, rblocks;
  dt::Type* st = nullptr;
  dt::Type* rt = nullptr;
  if (form != Form::alltoallw) {
    COLL_TRY(datatype(stype, "sendtype", st));
    COLL_TRY(datatype(rtype, "recvtype", rt));
  }
  switch (form) {
    case Form::allgather:
    case Form::allgatherv:
      COLL_TRY(count_ok(scount, "sendcount"));
      sblocks = uniform(sbuf, 1, scount, st);
      break;
    case Form::alltoall:
      COLL_TRY(count_ok(scount, "sendcount"));
      sblocks = uniform(sbuf, outdeg, scount, st);
      break;
    case Form::alltoallv:
      if (outdeg > 0) COLL_TRY(array_ok(scounts, "sendcounts"));
      if (outdeg > 0) COLL_TRY(array_ok(sdispls, "sdispls"));
      for (int i = 0; i < outdeg; ++i) COLL_TRY(count_ok(scounts[i], "sendcounts[i]"));
      sblocks = varying(sbuf, outdeg, scounts, sdispls, st);
      break;
    case Form::alltoallw:
      for (int i = 0; i < outdeg; ++i) {
        dt::Type* t = nullptr;
        COLL_TRY(count_ok(scounts[i], "sendcounts[i]"));
        COLL_TRY(datatype(stypes[i], "sendtypes[i]", t));
        sblocks.push_back(Block{sbuf, scounts[i], t, sdispls_w[i]});
      }
      break;
  }
  switch (form) {
    case Form::allgather:
    case Form::alltoall:
      COLL_TRY(count_ok(rcount, "recvcount"));
      rblocks = uniform(rbuf, indeg, rcount, rt);
      break;
    case Form::allgatherv:
    case Form::alltoallv:
      if (indeg > 0) COLL_TRY(array_ok(rcounts, "recvcounts"));
      if (indeg > 0) COLL_TRY(array_ok(rdispls, "displs"));
      for (int i = 0; i < indeg; ++i) COLL_TRY(count_ok(rcounts[i], "recvcounts[i]"));
      rblocks = varying(rbuf, indeg, rcounts, rdispls, rt);
      break;
    case Form::alltoallw:
      for (int i = 0; i < indeg; ++i) {
        dt::Type* t = nullptr;
        COLL_TRY(count_ok(rcounts[i], "recvcounts[i]"));
        COLL_TRY(datatype(rtypes[i], "recvtypes[i]", t));
        rblocks.push_back(Block{rbuf, rcounts[i], t, rdispls_w[i]});
      }
      break;
  }
  auto s = schedule(*c, comm);
  Staged ss = stage_in(*s, sblocks);
  if (form == Form::allgather || form == Form::allgatherv) {
    // One block, sent to every destination.
    ss.bytes.assign(static_cast<std::size_t>(outdeg), ss.bytes.empty() ? 0 : ss.bytes[0]);
    ss.displs.assign(static_cast<std::size_t>(outdeg), ss.displs.empty() ? 0 : ss.displs[0]);
  }
  Staged rs = stage_out(*s, rblocks);
  coll::neighbor_exchange(*s, nb, ss.origin, ss.bytes.data(), ss.displs.data(), rs.origin, rs.bytes.data(),
                          rs.displs.data());
  finish_out(*s, rblocks, rs);
  return start(fn, comm, c, std::move(s), request);
}

#undef COLL_TRY

int need_request(const char* fn, MPI_Comm comm, MPI_Request* request) {
  return request == nullptr ? report(fn, comm, null_arg("request")) : MPI_SUCCESS;
}

}  // namespace

int PMPI_Neighbor_allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                            MPI_Datatype recvtype, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return neighbor("MPI_Neighbor_allgather", Form::allgather, sendbuf, sendcount, nullptr, nullptr, nullptr, sendtype,
                  nullptr, recvbuf, recvcount, nullptr, nullptr, nullptr, recvtype, nullptr, comm, nullptr);
}

int PMPI_Neighbor_allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                             const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return neighbor("MPI_Neighbor_allgatherv", Form::allgatherv, sendbuf, sendcount, nullptr, nullptr, nullptr,
                  sendtype, nullptr, recvbuf, 0, recvcounts, displs, nullptr, recvtype, nullptr, comm, nullptr);
}

int PMPI_Neighbor_alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                           MPI_Datatype recvtype, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return neighbor("MPI_Neighbor_alltoall", Form::alltoall, sendbuf, sendcount, nullptr, nullptr, nullptr, sendtype,
                  nullptr, recvbuf, recvcount, nullptr, nullptr, nullptr, recvtype, nullptr, comm, nullptr);
}

int PMPI_Neighbor_alltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype,
                            void* recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype,
                            MPI_Comm comm) {
  PARLEY_API_LOCK();
  return neighbor("MPI_Neighbor_alltoallv", Form::alltoallv, sendbuf, 0, sendcounts, nullptr, sdispls, sendtype,
                  nullptr, recvbuf, 0, recvcounts, rdispls, nullptr, recvtype, nullptr, comm, nullptr);
}

int PMPI_Neighbor_alltoallw(const void* sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                            const MPI_Datatype sendtypes[], void* recvbuf, const int recvcounts[],
                            const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm) {
  PARLEY_API_LOCK();
  return neighbor("MPI_Neighbor_alltoallw", Form::alltoallw, sendbuf, 0, sendcounts, sdispls, nullptr, MPI_DATATYPE_NULL,
                  sendtypes, recvbuf, 0, recvcounts, nullptr, rdispls, MPI_DATATYPE_NULL, recvtypes, comm, nullptr);
}

int PMPI_Ineighbor_allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                             MPI_Datatype recvtype, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ineighbor_allgather", comm, request)) return rc;
  return neighbor("MPI_Ineighbor_allgather", Form::allgather, sendbuf, sendcount, nullptr, nullptr, nullptr, sendtype,
                  nullptr, recvbuf, recvcount, nullptr, nullptr, nullptr, recvtype, nullptr, comm, request);
}

int PMPI_Ineighbor_allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                              const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm,
                              MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ineighbor_allgatherv", comm, request)) return rc;
  return neighbor("MPI_Ineighbor_allgatherv", Form::allgatherv, sendbuf, sendcount, nullptr, nullptr, nullptr,
                  sendtype, nullptr, recvbuf, 0, recvcounts, displs, nullptr, recvtype, nullptr, comm, request);
}

int PMPI_Ineighbor_alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                            MPI_Datatype recvtype, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ineighbor_alltoall", comm, request)) return rc;
  return neighbor("MPI_Ineighbor_alltoall", Form::alltoall, sendbuf, sendcount, nullptr, nullptr, nullptr, sendtype,
                  nullptr, recvbuf, recvcount, nullptr, nullptr, nullptr, recvtype, nullptr, comm, request);
}

int PMPI_Ineighbor_alltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype,
                             void* recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype,
                             MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ineighbor_alltoallv", comm, request)) return rc;
  return neighbor("MPI_Ineighbor_alltoallv", Form::alltoallv, sendbuf, 0, sendcounts, nullptr, sdispls, sendtype,
                  nullptr, recvbuf, 0, recvcounts, rdispls, nullptr, recvtype, nullptr, comm, request);
}

int PMPI_Ineighbor_alltoallw(const void* sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                             const MPI_Datatype sendtypes[], void* recvbuf, const int recvcounts[],
                             const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                             MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ineighbor_alltoallw", comm, request)) return rc;
  return neighbor("MPI_Ineighbor_alltoallw", Form::alltoallw, sendbuf, 0, sendcounts, sdispls, nullptr,
                  MPI_DATATYPE_NULL, sendtypes, recvbuf, 0, recvcounts, nullptr, rdispls, MPI_DATATYPE_NULL, recvtypes,
                  comm, request);
}
