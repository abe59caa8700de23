// Persistent collectives on the C ABI (MPI-4.0 §6.13): MPI_X_init creates
// an inactive persistent request and builds its schedule there, by running
// the nonblocking form MPI_IX with the init's arguments in a build-only mode
// (nothing is sent and no team step is taken): the schedule then holds its
// own references on the datatypes and op, which the user may free before
// the first MPI_Start (legal MPI), and argument errors are reported by the
// init. Every MPI_Start runs the kept schedule (again).
// request.cpp starts, completes and frees these (persistent_coll.hpp).
#include <mpi.h>

#include <memory>
#include <utility>

#include "coll_stage.hpp"
#include "persistent_coll.hpp"
#include "pt2pt_args.hpp"
#include "request_table.hpp"

using parley::Status;
using parley::c::report;

namespace parley::c {

int make_persistent_coll(const char* fn, MPI_Comm comm, MPI_Request* request,
                         std::function<int(MPI_Request*)> start) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, invalid_comm(comm));
  if (request == nullptr) return report(fn, comm, null_arg("request"));
  p2p::Request* r = Runtime::get().engine().alloc_request();
  r->kind = p2p::RequestKind::generalized;
  r->persistent = true;
  r->comm = c;
  // The schedule is built here and kept (coll_stage.hpp, PersistentSchedule);
  // every start runs it again. A schedule that could not be kept would be
  // built again at every start, by calling MPI_IX.
  auto slot = std::make_shared<coll_stage::PersistentSchedule>();
  {
    coll_stage::BuildPersistent build(*slot, fn);
    MPI_Request none = MPI_REQUEST_NULL;
    if (int rc = start(&none); rc != MPI_SUCCESS) {  // reported already, under fn
      Runtime::get().engine().free_request(r);
      return rc;
    }
  }
  auto run = [slot, start = std::move(start)](MPI_Request* inner) {
    if (slot->schedule) return coll_stage::restart(*slot, inner);
    coll_stage::BuildPersistent build(*slot);
    return start(inner);
  };
  r->coll_persistent = new PersistentColl{std::move(run), MPI_REQUEST_NULL};
  *request = requests().insert(r);
  return MPI_SUCCESS;
}

}  // namespace parley::c


int PMPI_Allgather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Allgather_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Iallgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, inner);
  });
}

int PMPI_Allgatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Allgatherv_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Iallgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm, inner);
  });
}

int PMPI_Allreduce_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Allreduce_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Iallreduce(sendbuf, recvbuf, count, datatype, op, comm, inner);
  });
}

int PMPI_Alltoall_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Alltoall_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ialltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, inner);
  });
}

int PMPI_Alltoallv_init(const void *sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Alltoallv_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ialltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype, comm, inner);
  });
}

int PMPI_Alltoallw_init(const void *sendbuf, const int sendcounts[], const int sdispls[], const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[], const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Alltoallw_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ialltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls, recvtypes, comm, inner);
  });
}

int PMPI_Barrier_init(MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Barrier_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ibarrier(comm, inner);
  });
}

int PMPI_Bcast_init(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Bcast_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ibcast(buffer, count, datatype, root, comm, inner);
  });
}

int PMPI_Exscan_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Exscan_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Iexscan(sendbuf, recvbuf, count, datatype, op, comm, inner);
  });
}

int PMPI_Gather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Gather_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Igather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm, inner);
  });
}

int PMPI_Gatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Gatherv_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Igatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root, comm, inner);
  });
}

int PMPI_Reduce_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Reduce_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ireduce(sendbuf, recvbuf, count, datatype, op, root, comm, inner);
  });
}

int PMPI_Reduce_scatter_block_init(const void *sendbuf, void *recvbuf, int recvcount, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Reduce_scatter_block_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ireduce_scatter_block(sendbuf, recvbuf, recvcount, datatype, op, comm, inner);
  });
}

int PMPI_Reduce_scatter_init(const void *sendbuf, void *recvbuf, const int recvcounts[], MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Reduce_scatter_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ireduce_scatter(sendbuf, recvbuf, recvcounts, datatype, op, comm, inner);
  });
}

int PMPI_Scan_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Scan_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Iscan(sendbuf, recvbuf, count, datatype, op, comm, inner);
  });
}

int PMPI_Scatter_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Scatter_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Iscatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm, inner);
  });
}

int PMPI_Scatterv_init(const void *sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Scatterv_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Iscatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm, inner);
  });
}

int PMPI_Neighbor_allgather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Neighbor_allgather_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ineighbor_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, inner);
  });
}

int PMPI_Neighbor_allgatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Neighbor_allgatherv_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ineighbor_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm, inner);
  });
}

int PMPI_Neighbor_alltoall_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Neighbor_alltoall_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ineighbor_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, inner);
  });
}

int PMPI_Neighbor_alltoallv_init(const void *sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Neighbor_alltoallv_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ineighbor_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype, comm, inner);
  });
}

int PMPI_Neighbor_alltoallw_init(const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[], const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[], const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info, MPI_Request *request) {
  PARLEY_API_LOCK();
  (void)info;
  return parley::c::make_persistent_coll("MPI_Neighbor_alltoallw_init", comm, request, [=](MPI_Request* inner) {
    return PMPI_Ineighbor_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls, recvtypes, comm, inner);
  });
}
