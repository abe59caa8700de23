// The predefined (named) datatypes of the C ABI: one BasicKind per MPI name,
// with the facts the engine needs (size, alignment, op class, external32 size).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace parley::dt {

enum class BasicKind : uint8_t {
  // C
  Char, SignedChar, UnsignedChar, Byte, WChar, Short, UnsignedShort, Int, Unsigned, Long,
  UnsignedLong, LongLong, UnsignedLongLong, Float, Double, LongDouble, Packed,
  Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64,
  CBool, CFloatComplex, CDoubleComplex, CLongDoubleComplex,
  CxxBool, CxxFloatComplex, CxxDoubleComplex, CxxLongDoubleComplex,
  Aint, Offset, Count,
  // Pair types for MINLOC/MAXLOC (C structs, laid out as the C compiler does).
  FloatInt, DoubleInt, LongInt, ShortInt, TwoInt, LongDoubleInt,
  // Fortran names (raw sizes; C has no type for them).
  Character, Integer, Real, DoublePrecision, Logical, Complex, DoubleComplex,
  TwoInteger, TwoReal, TwoDoublePrecision,
  Integer1, Integer2, Integer4, Integer8, Real4, Real8, Real16, Complex8, Complex16, Complex32,
  kCount  // number of kinds; not a type
};

inline constexpr size_t kNumKinds = static_cast<size_t>(BasicKind::kCount);

// The groups of MPI-3.1 section 5.9.2 that decide which ops a type allows.
enum class TypeClass : uint8_t {
  CInteger,        // MAX MIN SUM PROD LAND LOR LXOR BAND BOR BXOR
  FortranInteger,  // MAX MIN SUM PROD BAND BOR BXOR
  Floating,        // MAX MIN SUM PROD
  Complex,         // SUM PROD
  Logical,         // LAND LOR LXOR
  Byte,            // BAND BOR BXOR
  Pair,            // MINLOC MAXLOC
  Other,           // char, wchar, character, packed: REPLACE/NO_OP only
};

// How one element's bytes are interpreted (for external32 and the kernels).
enum class Repr : uint8_t { SignedInt, UnsignedInt, Float, Complex, Bool, Raw, Pair };

struct KindInfo {
  BasicKind kind;
  std::string_view name;  // the MPI name, e.g. "MPI_DOUBLE_INT"
  uint32_t size;          // bytes of data (pairs: both members, without padding)
  uint32_t extent;        // bytes one element spans (pairs: sizeof the C struct)
  uint32_t align;
  TypeClass type_class;
  Repr repr;
  uint32_t ext32_size;    // external32 bytes (0: no external32 representation)
  // Pairs only: the two members and the second member's offset.
  BasicKind first;
  BasicKind second;
  uint32_t second_offset;
};

const KindInfo& kind_info(BasicKind k);
inline uint32_t kind_size(BasicKind k) { return kind_info(k).size; }
inline bool is_pair(BasicKind k) { return kind_info(k).type_class == TypeClass::Pair; }

// MPI_Type_match_size: the size-specific type (MPI_INTEGERn, MPI_REALn,
// MPI_COMPLEXn) of the given class and size, as the Fortran chapter defines it.
enum class MatchClass : uint8_t { Integer, Real, Complex };
std::optional<BasicKind> match_size(MatchClass cls, uint32_t size);

}  // namespace parley::dt
