// Communicator queries on the C ABI (MPI-3.1 chapter 6). The foundation
// covers MPI_COMM_WORLD and MPI_COMM_SELF and the predefined attributes.
#include <mpi.h>

#include <algorithm>
#include <cstring>

#include "c_api.hpp"
#include "errors/error_codes.hpp"

using parley::Runtime;
using parley::Status;
using parley::c::report;

namespace {

// Predefined attribute values; MPI_Comm_get_attr hands out pointers to them.
struct PredefinedAttrs {
  int tag_ub = 0x7fffffff;  // the largest positive int: any non-negative tag is valid
  int host = MPI_PROC_NULL;  // no process is distinguished as "host"
  int io = MPI_ANY_SOURCE;   // every process can do I/O
  int wtime_is_global = 0;   // clocks are not synchronised across processes
  int universe_size = 1;
  int appnum = 0;
  int lastusedcode = MPI_ERR_LASTCODE;
};

PredefinedAttrs g_attrs;

template <class Fn>
int with_comm(const char* fn, MPI_Comm comm, Fn&& body) {
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  parley::Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  Status st = body(*c);
  return st ? MPI_SUCCESS : report(fn, comm, st);
}

}  // namespace

int PMPI_Comm_size(MPI_Comm comm, int* size) {
  return with_comm("MPI_Comm_size", comm, [&](parley::Communicator& c) {
    if (size == nullptr) return parley::c::null_arg("size");
    *size = c.size();
    return Status::ok();
  });
}

int PMPI_Comm_rank(MPI_Comm comm, int* rank) {
  return with_comm("MPI_Comm_rank", comm, [&](parley::Communicator& c) {
    if (rank == nullptr) return parley::c::null_arg("rank");
    *rank = c.rank();
    return Status::ok();
  });
}

int PMPI_Comm_get_name(MPI_Comm comm, char* comm_name, int* resultlen) {
  return with_comm("MPI_Comm_get_name", comm, [&](parley::Communicator& c) {
    if (comm_name == nullptr) return parley::c::null_arg("comm_name");
    if (resultlen == nullptr) return parley::c::null_arg("resultlen");
    std::size_t n = std::min<std::size_t>(c.name().size(), MPI_MAX_OBJECT_NAME - 1);
    std::memcpy(comm_name, c.name().data(), n);
    comm_name[n] = '\0';
    *resultlen = static_cast<int>(n);
    return Status::ok();
  });
}

int PMPI_Comm_set_name(MPI_Comm comm, const char* comm_name) {
  return with_comm("MPI_Comm_set_name", comm, [&](parley::Communicator& c) {
    if (comm_name == nullptr) return parley::c::null_arg("comm_name");
    // Longer names are truncated, as the standard allows.
    c.set_name(std::string(comm_name).substr(0, MPI_MAX_OBJECT_NAME - 1));
    return Status::ok();
  });
}

int PMPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void* attribute_val, int* flag) {
  return with_comm("MPI_Comm_get_attr", comm, [&](parley::Communicator&) {
    if (attribute_val == nullptr) return parley::c::null_arg("attribute_val");
    if (flag == nullptr) return parley::c::null_arg("flag");
    const auto& job = Runtime::get().job();
    g_attrs.universe_size = job.universe_size;
    g_attrs.appnum = job.appnum;
    g_attrs.lastusedcode = parley::errors::last_used_code();
    int* value = nullptr;
    switch (comm_keyval) {
      case MPI_TAG_UB: value = &g_attrs.tag_ub; break;
      case MPI_HOST: value = &g_attrs.host; break;
      case MPI_IO: value = &g_attrs.io; break;
      case MPI_WTIME_IS_GLOBAL: value = &g_attrs.wtime_is_global; break;
      case MPI_UNIVERSE_SIZE: value = &g_attrs.universe_size; break;
      case MPI_APPNUM: value = &g_attrs.appnum; break;
      case MPI_LASTUSEDCODE: value = &g_attrs.lastusedcode; break;
      case MPI_KEYVAL_INVALID:
        return Status(MPI_ERR_KEYVAL, "comm_keyval is MPI_KEYVAL_INVALID");
      default:
        return Status(MPI_ERR_KEYVAL, "invalid attribute key " + std::to_string(comm_keyval));
    }
    *static_cast<int**>(attribute_val) = value;
    *flag = 1;
    return Status::ok();
  });
}
