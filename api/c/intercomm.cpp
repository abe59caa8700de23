// Intercommunicators on the C ABI (MPI-3.1 §6.6): create, merge, and the
// remote-group queries.
#include <mpi.h>

#include "comm/comm_create.hpp"
#include "comm_handles.hpp"

using parley::Communicator;
using parley::Status;
using parley::c::report;


namespace {

template <class Fn>
int with_inter(const char* fn, MPI_Comm comm, Fn&& body) {
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  if (!c->is_inter()) return report(fn, comm, Status(MPI_ERR_COMM, "communicator is not an intercommunicator"));
  Status st = body(*c);
  return st ? MPI_SUCCESS : report(fn, comm, st);
}

}  // namespace

int PMPI_Comm_remote_size(MPI_Comm comm, int* size) {
  PARLEY_API_LOCK();
  return with_inter("MPI_Comm_remote_size", comm, [&](Communicator& c) {
    if (size == nullptr) return parley::c::null_arg("size");
    *size = c.remote_size();
    return Status::ok();
  });
}

int PMPI_Comm_remote_group(MPI_Comm comm, MPI_Group* group) {
  PARLEY_API_LOCK();
  return with_inter("MPI_Comm_remote_group", comm, [&](Communicator& c) {
    if (group == nullptr) return parley::c::null_arg("group");
    *group = parley::c::register_group(c.remote_group());
    return Status::ok();
  });
}

int PMPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm, int remote_leader, int tag,
                          MPI_Comm* newintercomm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Intercomm_create";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* lc = parley::c::lookup_comm(local_comm);
  if (lc == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(local_comm));
  if (newintercomm == nullptr) return report(fn, local_comm, parley::c::null_arg("newintercomm"));
  if (lc->is_inter()) return report(fn, local_comm, Status(MPI_ERR_COMM, "local_comm is an intercommunicator"));
  if (local_leader < 0 || local_leader >= lc->local_size())
    return report(fn, local_comm, Status(MPI_ERR_RANK, "invalid local_leader " + std::to_string(local_leader) +
                                                           " (local_comm size " + std::to_string(lc->local_size()) + ")"));
  if (tag < 0) return report(fn, local_comm, Status(MPI_ERR_TAG, "invalid tag " + std::to_string(tag)));
  Communicator* pc = nullptr;
  // peer_comm and remote_leader matter only at the local leader.
  if (lc->rank() == local_leader) {
    pc = parley::c::lookup_comm(peer_comm);
    if (pc == nullptr) return report(fn, local_comm, parley::c::invalid_comm(peer_comm));
    if (remote_leader < 0 || remote_leader >= pc->size() || remote_leader == pc->rank())
      return report(fn, local_comm,
                    Status(MPI_ERR_RANK, "invalid remote_leader " + std::to_string(remote_leader) + " in peer_comm (size " +
                                             std::to_string(pc->size()) + ")"));
  }
  return parley::c::finish_new_comm(fn, local_comm, lc,
                                    parley::comm::intercomm_create(*lc, local_leader, pc, remote_leader, tag), false,
                                    newintercomm);
}

int PMPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm* newintracomm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Intercomm_merge";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = parley::c::lookup_comm(intercomm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(intercomm));
  if (newintracomm == nullptr) return report(fn, intercomm, parley::c::null_arg("newintracomm"));
  if (!c->is_inter()) return report(fn, intercomm, Status(MPI_ERR_COMM, "communicator is not an intercommunicator"));
  return parley::c::finish_new_comm(fn, intercomm, c, parley::comm::intercomm_merge(*c, high != 0), false,
                                    newintracomm);
}
