// Communicators over new groups on the C ABI (MPI-3.1 §6.4.2): split,
// split_type, create and create_group.
#include <mpi.h>

#include <string>

#include "comm/comm_create.hpp"
#include "comm_handles.hpp"

using parley::Communicator;
using parley::Status;
using parley::c::report;


namespace {

// The first checks of every constructor: initialised, a live parent, an
// output pointer.
Status check_parent(MPI_Comm comm, Communicator*& c, const void* newcomm) {
  if (Status st = parley::c::require_initialized(); !st) return st;
  c = parley::c::lookup_comm(comm);
  if (c == nullptr) return parley::c::invalid_comm(comm);
  if (newcomm == nullptr) return parley::c::null_arg("newcomm");
  return Status::ok();
}

int fail(const char* fn, MPI_Comm comm, Communicator* c, const Status& st) {
  return report(fn, c == nullptr ? MPI_COMM_WORLD : comm, st);
}

}  // namespace

int PMPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm* newcomm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_split";
  Communicator* c = nullptr;
  if (Status st = check_parent(comm, c, newcomm); !st) return fail(fn, comm, c, st);
  if (color < 0 && color != MPI_UNDEFINED)
    return report(fn, comm, Status(MPI_ERR_ARG, "color must be non-negative or MPI_UNDEFINED (got " +
                                                    std::to_string(color) + ")"));
  return parley::c::finish_new_comm(fn, comm, c, parley::comm::split(*c, color, key, MPI_UNDEFINED), false, newcomm);
}

int PMPI_Comm_split_type(MPI_Comm comm, int split_type, int key, MPI_Info info, MPI_Comm* newcomm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_split_type";
  Communicator* c = nullptr;
  if (Status st = check_parent(comm, c, newcomm); !st) return fail(fn, comm, c, st);
  if (info != MPI_INFO_NULL && parley::c::lookup_info(info) == nullptr)
    return report(fn, comm, parley::c::invalid_info(info));
  parley::comm::SplitType type;
  switch (split_type) {
    case MPI_UNDEFINED: type = parley::comm::SplitType::undefined; break;
    case MPI_COMM_TYPE_SHARED: type = parley::comm::SplitType::shared; break;
    case MPI_COMM_TYPE_HW_GUIDED: type = parley::comm::SplitType::hw_guided; break;
    case MPI_COMM_TYPE_HW_UNGUIDED: type = parley::comm::SplitType::hw_unguided; break;
    default:
      return report(fn, comm, Status(MPI_ERR_ARG, "invalid split_type " + std::to_string(split_type)));
  }
  // HW_GUIDED names its resource in the info key "mpi_hw_resource_type";
  // without one, or with a value not known here, the result is MPI_COMM_NULL.
  std::string resource;
  if (type == parley::comm::SplitType::hw_guided && info != MPI_INFO_NULL)
    for (const auto& [k, v] : *parley::c::lookup_info(info))
      if (k == "mpi_hw_resource_type") resource = v;
  return parley::c::finish_new_comm(fn, comm, c, parley::comm::split_type(*c, type, key, resource), false, newcomm);
}

int PMPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm* newcomm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_create";
  Communicator* c = nullptr;
  if (Status st = check_parent(comm, c, newcomm); !st) return fail(fn, comm, c, st);
  auto g = parley::c::lookup_group(group);
  if (!g) return report(fn, comm, parley::c::invalid_group(group));
  bool subgroup = true;
  g->for_each([&](int w) { subgroup = subgroup && c->group()->contains(w); });
  if (!subgroup) return report(fn, comm, Status(MPI_ERR_GROUP, "group is not a subgroup of the communicator's group"));
  return parley::c::finish_new_comm(fn, comm, c, parley::comm::create(*c, g), false, newcomm);
}

int PMPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm* newcomm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_create_group";
  Communicator* c = nullptr;
  if (Status st = check_parent(comm, c, newcomm); !st) return fail(fn, comm, c, st);
  auto g = parley::c::lookup_group(group);
  if (!g) return report(fn, comm, parley::c::invalid_group(group));
  if (c->is_inter())
    return report(fn, comm, Status(MPI_ERR_COMM, "comm is an intercommunicator (MPI_Comm_create_group takes an "
                                                 "intracommunicator)"));
  if (tag < 0) return report(fn, comm, Status(MPI_ERR_TAG, "invalid tag " + std::to_string(tag) + " (must be in 0..MPI_TAG_UB)"));
  return parley::c::finish_new_comm(fn, comm, c, parley::comm::create_group(*c, g, tag), false, newcomm);
}
