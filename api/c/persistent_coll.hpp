// Persistent collective requests (coll_persistent.cpp): what MPI_Start runs,
// and the nonblocking collective of the current start. request.cpp drives them.
#pragma once

#include <mpi.h>

#include <functional>

#include "p2p/request.hpp"

namespace parley::c {

struct PersistentColl {
  std::function<int(MPI_Request*)> start;  // calls MPI_IX with the init's arguments
  MPI_Request inner = MPI_REQUEST_NULL;    // the running MPI_IX, if started
};

inline PersistentColl* persistent_coll(const p2p::Request* r) {
  return static_cast<PersistentColl*>(r->coll_persistent);
}

int make_persistent_coll(const char* fn, MPI_Comm comm, MPI_Request* request,
                         std::function<int(MPI_Request*)> start);

}  // namespace parley::c
