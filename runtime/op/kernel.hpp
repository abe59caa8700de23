// The predefined ops' element kernels: one function per (op, basic kind) pair
// that MPI-3.1 5.9.2 allows, each `inout[i] = in[i] op inout[i]` over count
// naturally aligned elements; in and inout must not overlap (the pointers are
// restrict inside; reduce() takes care of the in == inout case).
#pragma once

#include <cstddef>

#include "datatype/basic_kind.hpp"
#include "op/op.hpp"

namespace parley::op {

using Kernel = void (*)(const void* in, void* inout, size_t count);

// The kernel of a predefined op for a kind, or nullptr where the standard
// does not define the op for that kind's type class. REPLACE and NO_OP have a
// kernel for every kind (their Usage restriction is checked by check()).
Kernel find_kernel(OpKind op, BasicKind kind);

// Whether the standard defines op for the type class of kind.
bool op_allowed(OpKind op, BasicKind kind);

}  // namespace parley::op
