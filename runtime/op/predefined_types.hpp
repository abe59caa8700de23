// The predefined MPI_Datatype handles (MPICH ABI values) and their basic
// kinds, both ways, for the reductions until the datatype engine offers a
// handle lookup of its own.
#pragma once

#include <mpi.h>

#include <optional>

#include "datatype/basic_kind.hpp"
#include "op/op.hpp"

namespace parley::op {

// The kind of a predefined datatype handle; nullopt for anything else
// (derived types, MPI_DATATYPE_NULL, MPI_LB/MPI_UB, garbage).
std::optional<dt::BasicKind> predefined_kind(MPI_Datatype type);

// The handle of a predefined kind.
MPI_Datatype predefined_handle(dt::BasicKind kind);

// The ElementType a reduction over a predefined datatype handle uses;
// nullopt where predefined_kind() has none.
std::optional<ElementType> predefined_element_type(MPI_Datatype type);

}  // namespace parley::op
