// MPI_Datatype handles <-> engine types. Predefined handles carry MPICH's
// values; derived types get 0x8c000000 | (slot + 0x20) (MPICH's "indirect"
// kind; slots 0..4 are the MINLOC/MAXLOC pair types). Defined in datatype.cpp.
#pragma once

#include <mpi.h>

#include "c_api.hpp"
#include "datatype/type.hpp"

namespace parley::c {

// The type behind a handle: predefined or a live derived type; nullptr for
// MPI_DATATYPE_NULL, a freed handle or anything else. Lock-free; safe from
// any thread. The pointer stays valid until the handle is freed: a request
// that outlives the call must take a reference (Type::retain/release).
dt::Type* lookup_datatype(MPI_Datatype handle);

// The handle of a predefined kind.
MPI_Datatype datatype_handle(dt::BasicKind kind);

// A new handle for a derived type; the table adopts one reference.
MPI_Datatype register_datatype(dt::Type* type);

// The checks every entry point taking a datatype makes, with the argument's
// name in the message. `committed` also requires MPI_Type_commit to have run.
inline Status check_datatype(MPI_Datatype handle, const char* arg, bool committed, dt::Type** out) {
  if (handle == MPI_DATATYPE_NULL) return Status(MPI_ERR_TYPE, std::string(arg) + " is MPI_DATATYPE_NULL");
  dt::Type* t = lookup_datatype(handle);
  if (t == nullptr)
    return Status(MPI_ERR_TYPE, std::string(arg) + " is not a valid datatype (handle " +
                                    std::to_string(handle) + ", freed or never created)");
  if (committed && !t->committed())
    return Status(MPI_ERR_TYPE, std::string(arg) + " has not been committed (call MPI_Type_commit first)");
  *out = t;
  return Status::ok();
}

}  // namespace parley::c
