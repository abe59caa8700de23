// Sizes of the predefined datatypes the point-to-point layer accepts until
// the datatype engine lands. MPICH ABI fact: a builtin datatype handle
// (0x4c...) carries its size in bits 8-15; the MINLOC/MAXLOC pair types are
// listed by hand with their C layouts.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <optional>

namespace parley::c {

namespace detail {
template <class T>
struct ValueInt {
  T value;
  int index;
};
}  // namespace detail

inline std::optional<std::size_t> basic_type_size(MPI_Datatype t) {
  auto u = static_cast<unsigned>(t);
  if ((u & 0xfc000000u) == 0x4c000000u) return (u >> 8) & 0xffu;
  if (t == MPI_FLOAT_INT) return sizeof(detail::ValueInt<float>);
  if (t == MPI_DOUBLE_INT) return sizeof(detail::ValueInt<double>);
  if (t == MPI_LONG_INT) return sizeof(detail::ValueInt<long>);
  if (t == MPI_SHORT_INT) return sizeof(detail::ValueInt<short>);
  if (t == MPI_LONG_DOUBLE_INT) return sizeof(detail::ValueInt<long double>);
  return std::nullopt;
}

}  // namespace parley::c
