// MPI_Op handles (MPICH ABI): the predefined ops are 0x58000001..0x5800000e;
// user ops are indirect handles 0x98000000 | slot, as MPICH encodes them.
// Thread safe (MPI_THREAD_MULTIPLE).
#pragma once

#include <mpi.h>

#include "op/op.hpp"

namespace parley::op {

// The op behind a handle, or nullptr for MPI_OP_NULL, freed or unknown
// handles. The pointer stays valid while the handle is live; a caller that
// keeps it past a possible MPI_Op_free (a nonblocking collective) retains it.
Op* lookup_op(MPI_Op handle);

// lookup_op plus a reference taken under the table's lock, for callers that
// keep the op past the call (nonblocking and persistent collectives); they
// call release() when done. nullptr as for lookup_op.
Op* acquire_op(MPI_Op handle);

// Registers a new user op (taking over its reference) and returns its handle.
MPI_Op register_user_op(Op* op);

// Removes a user op's handle and releases the table's reference. Returns
// false for predefined or unknown handles (the caller reports the error).
bool unregister_user_op(MPI_Op handle);

// Whether a handle names a predefined op (valid or not as a live object).
bool is_predefined_handle(MPI_Op handle);

}  // namespace parley::op
