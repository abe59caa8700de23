// Whether a datatype is made of one predefined type only, and how many of it
// an instance holds: what a reduction on a derived type needs (MPI-3.1
// section 5.9: the op applies to the basic elements, which must all be one
// predefined type).
#pragma once

#include <cstdint>
#include <optional>

#include "datatype/basic_kind.hpp"
#include "datatype/type.hpp"

namespace parley::dt {

struct UniformKind {
  BasicKind kind;  // the one predefined type of every basic element
  int64_t count;   // elements of `kind` in one instance (a pair type counts once)
};

// The single predefined kind of every basic element of `type`, with the count
// of them per instance; nullopt when the type mixes kinds or has no elements
// at all (size 0: a reduction on it is a no-op, so callers check size first).
// Pair types are kinds of their own (contiguous(3, MPI_DOUBLE_INT) is
// {DoubleInt, 3}); a struct that mimics a pair ({double, int}) is mixed.
// Empty members (blocklength 0, or a child of size 0) do not count. Works on
// uncommitted types; O(distinct types in the constructor tree).
std::optional<UniformKind> uniform_basic_kind(const Type& type);

}  // namespace parley::dt
