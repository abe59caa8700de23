// Handle <-> kind for the predefined datatypes: one table in BasicKind order,
// searched linearly (about sixty entries, a few cache lines).
#include "op/predefined_types.hpp"

#include <array>

namespace parley::op {
namespace {

using K = dt::BasicKind;

constexpr std::array<MPI_Datatype, dt::kNumKinds> kHandles = {
    MPI_CHAR, MPI_SIGNED_CHAR, MPI_UNSIGNED_CHAR, MPI_BYTE, MPI_WCHAR, MPI_SHORT, MPI_UNSIGNED_SHORT,
    MPI_INT, MPI_UNSIGNED, MPI_LONG, MPI_UNSIGNED_LONG, MPI_LONG_LONG_INT, MPI_UNSIGNED_LONG_LONG,
    MPI_FLOAT, MPI_DOUBLE, MPI_LONG_DOUBLE, MPI_PACKED,
    MPI_INT8_T, MPI_INT16_T, MPI_INT32_T, MPI_INT64_T, MPI_UINT8_T, MPI_UINT16_T, MPI_UINT32_T, MPI_UINT64_T,
    MPI_C_BOOL, MPI_C_FLOAT_COMPLEX, MPI_C_DOUBLE_COMPLEX, MPI_C_LONG_DOUBLE_COMPLEX,
    MPI_CXX_BOOL, MPI_CXX_FLOAT_COMPLEX, MPI_CXX_DOUBLE_COMPLEX, MPI_CXX_LONG_DOUBLE_COMPLEX,
    MPI_AINT, MPI_OFFSET, MPI_COUNT,
    MPI_FLOAT_INT, MPI_DOUBLE_INT, MPI_LONG_INT, MPI_SHORT_INT, MPI_2INT, MPI_LONG_DOUBLE_INT,
    MPI_CHARACTER, MPI_INTEGER, MPI_REAL, MPI_DOUBLE_PRECISION, MPI_LOGICAL, MPI_COMPLEX, MPI_DOUBLE_COMPLEX,
    MPI_2INTEGER, MPI_2REAL, MPI_2DOUBLE_PRECISION,
    MPI_INTEGER1, MPI_INTEGER2, MPI_INTEGER4, MPI_INTEGER8, MPI_REAL4, MPI_REAL8, MPI_REAL16,
    MPI_COMPLEX8, MPI_COMPLEX16, MPI_COMPLEX32,
};
static_assert(kHandles[static_cast<size_t>(K::Packed)] == MPI_PACKED);
static_assert(kHandles[static_cast<size_t>(K::Aint)] == MPI_AINT);
static_assert(kHandles[static_cast<size_t>(K::FloatInt)] == MPI_FLOAT_INT);
static_assert(kHandles[static_cast<size_t>(K::Character)] == MPI_CHARACTER);
static_assert(kHandles[static_cast<size_t>(K::Integer1)] == MPI_INTEGER1);
static_assert(kHandles[dt::kNumKinds - 1] == MPI_COMPLEX32);

}  // namespace

std::optional<dt::BasicKind> predefined_kind(MPI_Datatype type) {
  if (type == MPI_DATATYPE_NULL) return std::nullopt;
  for (size_t i = 0; i < kHandles.size(); ++i)
    if (kHandles[i] == type) return static_cast<dt::BasicKind>(i);
  return std::nullopt;
}

MPI_Datatype predefined_handle(dt::BasicKind kind) { return kHandles[static_cast<size_t>(kind)]; }

std::optional<ElementType> predefined_element_type(MPI_Datatype type) {
  std::optional<dt::BasicKind> kind = predefined_kind(type);
  if (!kind) return std::nullopt;
  return element_type(*kind);
}

}  // namespace parley::op
