// The table of predefined datatypes: sizes and alignments come from the C
// compiler where a C type exists, external32 sizes from MPI-3.1 Table 13.2.
#include "datatype/basic_kind.hpp"

#include <array>
#include <complex>
#include <cstddef>
#include <cwchar>

namespace parley::dt {
namespace {

using K = BasicKind;
using C = TypeClass;
using R = Repr;

template <class T>
constexpr KindInfo c_type(K k, std::string_view name, C cls, R repr, uint32_t ext32) {
  return {k, name, sizeof(T), sizeof(T), alignof(T), cls, repr, ext32, k, k, 0};
}
constexpr KindInfo raw(K k, std::string_view name, uint32_t size, C cls, R repr, uint32_t ext32) {
  return {k, name, size, size, size > 8 ? 8u : size, cls, repr, ext32, k, k, 0};
}

// The pair types are the C structs { T value; int index; }.
template <class T>
struct PairOf {
  T value;
  int index;
};
template <class T>
constexpr KindInfo pair(K k, std::string_view name, K first, uint32_t ext32) {
  return {k,     name, sizeof(T) + sizeof(int), sizeof(PairOf<T>), alignof(PairOf<T>), C::Pair, R::Pair,
          ext32, first, K::Int, offsetof(PairOf<T>, index)};
}
constexpr KindInfo fortran_pair(K k, std::string_view name, K member, uint32_t size) {
  return {k, name, 2 * size, 2 * size, size > 8 ? 8u : size, C::Pair, R::Pair, 2 * size, member, member, size};
}

constexpr std::array<KindInfo, kNumKinds> kTable = {{
    c_type<char>(K::Char, "MPI_CHAR", C::Other, R::SignedInt, 1),
    c_type<signed char>(K::SignedChar, "MPI_SIGNED_CHAR", C::CInteger, R::SignedInt, 1),
    c_type<unsigned char>(K::UnsignedChar, "MPI_UNSIGNED_CHAR", C::CInteger, R::UnsignedInt, 1),
    c_type<unsigned char>(K::Byte, "MPI_BYTE", C::Byte, R::Raw, 1),
    c_type<wchar_t>(K::WChar, "MPI_WCHAR", C::Other, R::SignedInt, 4),
    c_type<short>(K::Short, "MPI_SHORT", C::CInteger, R::SignedInt, 2),
    c_type<unsigned short>(K::UnsignedShort, "MPI_UNSIGNED_SHORT", C::CInteger, R::UnsignedInt, 2),
    c_type<int>(K::Int, "MPI_INT", C::CInteger, R::SignedInt, 4),
    c_type<unsigned>(K::Unsigned, "MPI_UNSIGNED", C::CInteger, R::UnsignedInt, 4),
    // External32 gives MPI_LONG 4 bytes (Table 13.2); wider values are truncated.
    c_type<long>(K::Long, "MPI_LONG", C::CInteger, R::SignedInt, 4),
    c_type<unsigned long>(K::UnsignedLong, "MPI_UNSIGNED_LONG", C::CInteger, R::UnsignedInt, 4),
    c_type<long long>(K::LongLong, "MPI_LONG_LONG_INT", C::CInteger, R::SignedInt, 8),
    c_type<unsigned long long>(K::UnsignedLongLong, "MPI_UNSIGNED_LONG_LONG", C::CInteger, R::UnsignedInt, 8),
    c_type<float>(K::Float, "MPI_FLOAT", C::Floating, R::Float, 4),
    c_type<double>(K::Double, "MPI_DOUBLE", C::Floating, R::Float, 8),
    c_type<long double>(K::LongDouble, "MPI_LONG_DOUBLE", C::Floating, R::Float, 16),
    raw(K::Packed, "MPI_PACKED", 1, C::Other, R::Raw, 1),
    c_type<int8_t>(K::Int8, "MPI_INT8_T", C::CInteger, R::SignedInt, 1),
    c_type<int16_t>(K::Int16, "MPI_INT16_T", C::CInteger, R::SignedInt, 2),
    c_type<int32_t>(K::Int32, "MPI_INT32_T", C::CInteger, R::SignedInt, 4),
    c_type<int64_t>(K::Int64, "MPI_INT64_T", C::CInteger, R::SignedInt, 8),
    c_type<uint8_t>(K::Uint8, "MPI_UINT8_T", C::CInteger, R::UnsignedInt, 1),
    c_type<uint16_t>(K::Uint16, "MPI_UINT16_T", C::CInteger, R::UnsignedInt, 2),
    c_type<uint32_t>(K::Uint32, "MPI_UINT32_T", C::CInteger, R::UnsignedInt, 4),
    c_type<uint64_t>(K::Uint64, "MPI_UINT64_T", C::CInteger, R::UnsignedInt, 8),
    c_type<bool>(K::CBool, "MPI_C_BOOL", C::Logical, R::Bool, 1),
    c_type<std::complex<float>>(K::CFloatComplex, "MPI_C_FLOAT_COMPLEX", C::Complex, R::Complex, 8),
    c_type<std::complex<double>>(K::CDoubleComplex, "MPI_C_DOUBLE_COMPLEX", C::Complex, R::Complex, 16),
    c_type<std::complex<long double>>(K::CLongDoubleComplex, "MPI_C_LONG_DOUBLE_COMPLEX", C::Complex,
                                      R::Complex, 32),
    c_type<bool>(K::CxxBool, "MPI_CXX_BOOL", C::Logical, R::Bool, 1),
    c_type<std::complex<float>>(K::CxxFloatComplex, "MPI_CXX_FLOAT_COMPLEX", C::Complex, R::Complex, 8),
    c_type<std::complex<double>>(K::CxxDoubleComplex, "MPI_CXX_DOUBLE_COMPLEX", C::Complex, R::Complex, 16),
    c_type<std::complex<long double>>(K::CxxLongDoubleComplex, "MPI_CXX_LONG_DOUBLE_COMPLEX", C::Complex,
                                      R::Complex, 32),
    c_type<int64_t>(K::Aint, "MPI_AINT", C::FortranInteger, R::SignedInt, 8),
    c_type<int64_t>(K::Offset, "MPI_OFFSET", C::FortranInteger, R::SignedInt, 8),
    c_type<int64_t>(K::Count, "MPI_COUNT", C::FortranInteger, R::SignedInt, 8),
    pair<float>(K::FloatInt, "MPI_FLOAT_INT", K::Float, 8),
    pair<double>(K::DoubleInt, "MPI_DOUBLE_INT", K::Double, 12),
    pair<long>(K::LongInt, "MPI_LONG_INT", K::Long, 8),
    pair<short>(K::ShortInt, "MPI_SHORT_INT", K::Short, 6),
    pair<int>(K::TwoInt, "MPI_2INT", K::Int, 8),
    pair<long double>(K::LongDoubleInt, "MPI_LONG_DOUBLE_INT", K::LongDouble, 20),
    raw(K::Character, "MPI_CHARACTER", 1, C::Other, R::SignedInt, 1),
    raw(K::Integer, "MPI_INTEGER", 4, C::FortranInteger, R::SignedInt, 4),
    raw(K::Real, "MPI_REAL", 4, C::Floating, R::Float, 4),
    raw(K::DoublePrecision, "MPI_DOUBLE_PRECISION", 8, C::Floating, R::Float, 8),
    raw(K::Logical, "MPI_LOGICAL", 4, C::Logical, R::Bool, 4),
    raw(K::Complex, "MPI_COMPLEX", 8, C::Complex, R::Complex, 8),
    raw(K::DoubleComplex, "MPI_DOUBLE_COMPLEX", 16, C::Complex, R::Complex, 16),
    fortran_pair(K::TwoInteger, "MPI_2INTEGER", K::Integer, 4),
    fortran_pair(K::TwoReal, "MPI_2REAL", K::Real, 4),
    fortran_pair(K::TwoDoublePrecision, "MPI_2DOUBLE_PRECISION", K::DoublePrecision, 8),
    raw(K::Integer1, "MPI_INTEGER1", 1, C::FortranInteger, R::SignedInt, 1),
    raw(K::Integer2, "MPI_INTEGER2", 2, C::FortranInteger, R::SignedInt, 2),
    raw(K::Integer4, "MPI_INTEGER4", 4, C::FortranInteger, R::SignedInt, 4),
    raw(K::Integer8, "MPI_INTEGER8", 8, C::FortranInteger, R::SignedInt, 8),
    raw(K::Real4, "MPI_REAL4", 4, C::Floating, R::Float, 4),
    raw(K::Real8, "MPI_REAL8", 8, C::Floating, R::Float, 8),
    // REAL16 is IEEE binary128 (__float128 in C), as gfortran lays it out.
    {K::Real16, "MPI_REAL16", 16, 16, 16, C::Floating, R::Float, 16, K::Real16, K::Real16, 0},
    raw(K::Complex8, "MPI_COMPLEX8", 8, C::Complex, R::Complex, 8),
    raw(K::Complex16, "MPI_COMPLEX16", 16, C::Complex, R::Complex, 16),
    {K::Complex32, "MPI_COMPLEX32", 32, 32, 16, C::Complex, R::Complex, 32, K::Complex32, K::Complex32, 0},
}};

constexpr bool table_in_order() {
  for (size_t i = 0; i < kNumKinds; ++i)
    if (static_cast<size_t>(kTable[i].kind) != i) return false;
  return true;
}
static_assert(table_in_order(), "kTable must list the kinds in enum order");

}  // namespace

const KindInfo& kind_info(BasicKind k) { return kTable[static_cast<size_t>(k)]; }

std::optional<BasicKind> match_size(MatchClass cls, uint32_t size) {
  switch (cls) {
    case MatchClass::Integer:
      if (size == 1) return K::Integer1;
      if (size == 2) return K::Integer2;
      if (size == 4) return K::Integer4;
      if (size == 8) return K::Integer8;
      break;
    case MatchClass::Real:
      if (size == 4) return K::Real4;
      if (size == 8) return K::Real8;
      if (size == 16) return K::Real16;
      break;
    case MatchClass::Complex:
      if (size == 8) return K::Complex8;
      if (size == 16) return K::Complex16;
      if (size == 32) return K::Complex32;
      break;
  }
  return std::nullopt;
}

}  // namespace parley::dt
