// The predefined ops' kernels and the (op, kind) -> kernel table. Every hot
// loop is a plain indexed loop over one element type with a branch-free body
// so that GCC vectorises it at -O2/-O3 (docs/ops.md lists which do).
#include <array>
#include <complex>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "op/kernel.hpp"

namespace parley::op {
namespace {

using dt::TypeClass;
using K = BasicKind;

// Signed overflow wraps (two's complement), as users of MPI_SUM on ints
// expect: the arithmetic is done in the unsigned type of at least int width,
// which is defined behaviour, then converted back (modular since C++20).
template <class T>
using Wide = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

// __float128 (MPI_REAL16) is not std::is_floating_point under -std=c++20.
template <class T>
inline constexpr bool kIsFloat = std::is_floating_point_v<T> || std::is_same_v<T, __float128>;

template <class T>
struct Max {
  static T f(T a, T b) {
    // NaN propagates: MAX(NaN, x) = MAX(x, NaN) = NaN, so the result does not
    // depend on the order in which ranks are combined.
    if constexpr (kIsFloat<T>) return (a > b || a != a) ? a : b;
    else return a > b ? a : b;
  }
};
template <class T>
struct Min {
  static T f(T a, T b) {
    if constexpr (kIsFloat<T>) return (a < b || a != a) ? a : b;
    else return a < b ? a : b;
  }
};
template <class T>
struct Sum {
  static T f(T a, T b) {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<Wide<T>>(a) + static_cast<Wide<T>>(b));
    else return a + b;
  }
};
template <class T>
struct Prod {
  static T f(T a, T b) {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<Wide<T>>(a) * static_cast<Wide<T>>(b));
    else return a * b;
  }
};
// Logical ops read any non-zero value as true and write 1 or 0.
template <class T>
struct Land {
  static T f(T a, T b) { return static_cast<T>((a != 0) & (b != 0)); }
};
template <class T>
struct Lor {
  static T f(T a, T b) { return static_cast<T>((a != 0) | (b != 0)); }
};
template <class T>
struct Lxor {
  static T f(T a, T b) { return static_cast<T>((a != 0) ^ (b != 0)); }
};
template <class T>
struct Band {
  static T f(T a, T b) { return static_cast<T>(a & b); }
};
template <class T>
struct Bor {
  static T f(T a, T b) { return static_cast<T>(a | b); }
};
template <class T>
struct Bxor {
  static T f(T a, T b) { return static_cast<T>(a ^ b); }
};

// Loops run over blocks of one cache line with a constant trip count, then
// a scalar tail: GCC's -O2 cost model ("very cheap") only vectorises loops
// whose trip count is a known multiple of the vector length, -O3 vectorises
// both. The buffers never overlap (reduce() guarantees it), hence restrict:
// no runtime alias check is needed.
template <class T>
inline constexpr size_t kBlock = sizeof(T) >= 64 ? 1 : 64 / sizeof(T);

// The elementwise loop every scalar op shares. The restrict pointers are
// parameters (GCC keeps restrict reliably only for parameters).
template <class T, template <class> class F>
inline void elementwise_loop(const T* __restrict in, T* __restrict inout, size_t count) {
  size_t i = 0;
  for (; i + kBlock<T> <= count; i += kBlock<T>)
    for (size_t j = 0; j < kBlock<T>; ++j) inout[i + j] = F<T>::f(in[i + j], inout[i + j]);
  for (; i < count; ++i) inout[i] = F<T>::f(in[i], inout[i]);
}
template <class T, template <class> class F>
void elementwise(const void* in, void* inout, size_t count) {
  elementwise_loop<T, F>(static_cast<const T*>(in), static_cast<T*>(inout), count);
}

// Complex numbers as (re, im) pairs of T. SUM is SUM over 2*count reals;
// PROD is the textbook product (a+bi)(c+di) = (ac-bd) + (ad+bc)i, without
// C99 Annex G's infinity recovery, which keeps the loop vectorisable.
template <class T>
void complex_sum(const void* in, void* inout, size_t count) {
  elementwise<T, Sum>(in, inout, 2 * count);
}
// One complex product at index k, spelled out in both loops below (a macro,
// not a function, so the restrict parameters stay in the loop's function
// and GCC needs no runtime alias check).
#define PARLEY_COMPLEX_MUL(k)                                          \
  do {                                                                 \
    T a = in[2 * (k)], b = in[2 * (k) + 1];                            \
    T c = inout[2 * (k)], d = inout[2 * (k) + 1];                      \
    inout[2 * (k)] = a * c - b * d;                                    \
    inout[2 * (k) + 1] = a * d + b * c;                                \
  } while (0)
template <class T>
inline void complex_prod_loop(const T* __restrict in, T* __restrict inout, size_t count) {
  constexpr size_t kB = kBlock<T> / 2 > 0 ? kBlock<T> / 2 : 1;
  size_t i = 0;
  for (; i + kB <= count; i += kB)
    for (size_t j = 0; j < kB; ++j) PARLEY_COMPLEX_MUL(i + j);
  for (; i < count; ++i) PARLEY_COMPLEX_MUL(i);
}
#undef PARLEY_COMPLEX_MUL
template <class T>
void complex_prod(const void* in, void* inout, size_t count) {
  complex_prod_loop<T>(static_cast<const T*>(in), static_cast<T*>(inout), count);
}

// The MINLOC/MAXLOC pair types: the C structs { V value; int index; } and
// the Fortran pairs whose index has the value's type.
template <class V, class I>
struct Pair {
  V value;
  I index;
};

// MAXLOC: the larger value wins; on equal values the lower index wins
// (MPI-3.1 5.9.4), which makes the op commutative.
#define PARLEY_PAIR_STEP(k)                                            \
  do {                                                                 \
    V a = in[k].value, b = inout[k].value;                             \
    I ia = in[k].index, ib = inout[k].index;                           \
    bool a_wins = kMax ? (a > b) : (a < b);                            \
    I lower = ia < ib ? ia : ib;                                       \
    inout[k].value = a_wins ? a : b;                                   \
    inout[k].index = a_wins ? ia : (a == b ? lower : ib);              \
  } while (0)
template <class V, class I, bool kMax>
inline void pair_loop(const Pair<V, I>* __restrict in, Pair<V, I>* __restrict inout, size_t count) {
  using P = Pair<V, I>;
  size_t i = 0;
  for (; i + kBlock<P> <= count; i += kBlock<P>)
    for (size_t j = 0; j < kBlock<P>; ++j) PARLEY_PAIR_STEP(i + j);
  for (; i < count; ++i) PARLEY_PAIR_STEP(i);
}
#undef PARLEY_PAIR_STEP
template <class V, class I, bool kMax>
void pair_loc(const void* in, void* inout, size_t count) {
  pair_loop<V, I, kMax>(static_cast<const Pair<V, I>*>(in), static_cast<Pair<V, I>*>(inout), count);
}

template <size_t kSize>
void replace(const void* in, void* inout, size_t count) {
  if (in != inout) std::memcpy(inout, in, kSize * count);
}
void no_op(const void*, void*, size_t) {}

template <class T>
Kernel scalar_kernel(OpKind op) {
  switch (op) {
    case OpKind::Max: return &elementwise<T, Max>;
    case OpKind::Min: return &elementwise<T, Min>;
    case OpKind::Sum: return &elementwise<T, Sum>;
    case OpKind::Prod: return &elementwise<T, Prod>;
    default: break;
  }
  if constexpr (std::is_integral_v<T>) {
    switch (op) {
      case OpKind::Land: return &elementwise<T, Land>;
      case OpKind::Lor: return &elementwise<T, Lor>;
      case OpKind::Lxor: return &elementwise<T, Lxor>;
      case OpKind::Band: return &elementwise<T, Band>;
      case OpKind::Bor: return &elementwise<T, Bor>;
      case OpKind::Bxor: return &elementwise<T, Bxor>;
      default: break;
    }
  }
  return nullptr;
}

template <class T>
Kernel complex_kernel(OpKind op) {
  if (op == OpKind::Sum) return &complex_sum<T>;
  if (op == OpKind::Prod) return &complex_prod<T>;
  return nullptr;
}

template <class V, class I>
Kernel pair_kernel(OpKind op) {
  if (op == OpKind::Maxloc) return &pair_loc<V, I, true>;
  if (op == OpKind::Minloc) return &pair_loc<V, I, false>;
  return nullptr;
}

// Integers of the given size and signedness (the kernels only care about
// width and sign, so MPI_LONG and MPI_INT64_T share one).
template <size_t kSize, bool kSigned>
using IntOf = std::conditional_t<
    kSize == 1, std::conditional_t<kSigned, int8_t, uint8_t>,
    std::conditional_t<kSize == 2, std::conditional_t<kSigned, int16_t, uint16_t>,
                       std::conditional_t<kSize == 4, std::conditional_t<kSigned, int32_t, uint32_t>,
                                          std::conditional_t<kSigned, int64_t, uint64_t>>>>;

template <bool kSigned>
Kernel int_kernel(OpKind op, uint32_t size) {
  switch (size) {
    case 1: return scalar_kernel<IntOf<1, kSigned>>(op);
    case 2: return scalar_kernel<IntOf<2, kSigned>>(op);
    case 4: return scalar_kernel<IntOf<4, kSigned>>(op);
    case 8: return scalar_kernel<IntOf<8, kSigned>>(op);
    default: return nullptr;
  }
}

// The arithmetic kernel for a kind, before the type-class rule is applied.
Kernel arithmetic_kernel(OpKind op, BasicKind kind) {
  switch (kind) {
    case K::Float: case K::Real: case K::Real4: return scalar_kernel<float>(op);
    case K::Double: case K::DoublePrecision: case K::Real8: return scalar_kernel<double>(op);
    case K::LongDouble: return scalar_kernel<long double>(op);
    case K::Real16: return scalar_kernel<__float128>(op);
    case K::CFloatComplex: case K::CxxFloatComplex: case K::Complex: case K::Complex8:
      return complex_kernel<float>(op);
    case K::CDoubleComplex: case K::CxxDoubleComplex: case K::DoubleComplex: case K::Complex16:
      return complex_kernel<double>(op);
    case K::CLongDoubleComplex: case K::CxxLongDoubleComplex: return complex_kernel<long double>(op);
    case K::Complex32: return complex_kernel<__float128>(op);
    case K::FloatInt: return pair_kernel<float, int>(op);
    case K::DoubleInt: return pair_kernel<double, int>(op);
    case K::LongInt: return pair_kernel<long, int>(op);
    case K::ShortInt: return pair_kernel<short, int>(op);
    case K::TwoInt: return pair_kernel<int, int>(op);
    case K::LongDoubleInt: return pair_kernel<long double, int>(op);
    case K::TwoInteger: return pair_kernel<int32_t, int32_t>(op);
    case K::TwoReal: return pair_kernel<float, float>(op);
    case K::TwoDoublePrecision: return pair_kernel<double, double>(op);
    default: break;
  }
  const dt::KindInfo& info = dt::kind_info(kind);
  switch (info.repr) {
    case dt::Repr::SignedInt: return int_kernel<true>(op, info.size);
    // Bytes and logicals are unsigned integers to the bitwise/logical kernels.
    case dt::Repr::UnsignedInt: case dt::Repr::Raw: case dt::Repr::Bool: return int_kernel<false>(op, info.size);
    default: return nullptr;
  }
}

Kernel replace_kernel(uint32_t extent) {
  switch (extent) {
    case 1: return &replace<1>;
    case 2: return &replace<2>;
    case 4: return &replace<4>;
    case 6: return &replace<6>;
    case 8: return &replace<8>;
    case 12: return &replace<12>;
    case 16: return &replace<16>;
    case 20: return &replace<20>;
    case 24: return &replace<24>;
    case 32: return &replace<32>;
    default: return nullptr;
  }
}

using Table = std::array<std::array<Kernel, dt::kNumKinds>, kNumPredefinedOps>;

Table build_table() {
  Table t{};
  for (size_t o = 0; o < kNumPredefinedOps; ++o) {
    for (size_t k = 0; k < dt::kNumKinds; ++k) {
      auto op = static_cast<OpKind>(o);
      auto kind = static_cast<BasicKind>(k);
      if (!op_allowed(op, kind)) continue;
      if (op == OpKind::Replace) t[o][k] = replace_kernel(dt::kind_info(kind).extent);
      else if (op == OpKind::NoOp) t[o][k] = &no_op;
      else t[o][k] = arithmetic_kernel(op, kind);
    }
  }
  return t;
}

}  // namespace

bool op_allowed(OpKind op, BasicKind kind) {
  TypeClass c = dt::kind_info(kind).type_class;
  switch (op) {
    case OpKind::Max: case OpKind::Min:
      return c == TypeClass::CInteger || c == TypeClass::FortranInteger || c == TypeClass::Floating;
    case OpKind::Sum: case OpKind::Prod:
      return c == TypeClass::CInteger || c == TypeClass::FortranInteger || c == TypeClass::Floating ||
             c == TypeClass::Complex;
    case OpKind::Land: case OpKind::Lor: case OpKind::Lxor:
      return c == TypeClass::CInteger || c == TypeClass::Logical;
    case OpKind::Band: case OpKind::Bor: case OpKind::Bxor:
      return c == TypeClass::CInteger || c == TypeClass::FortranInteger || c == TypeClass::Byte;
    case OpKind::Minloc: case OpKind::Maxloc: return c == TypeClass::Pair;
    case OpKind::Replace: case OpKind::NoOp: return true;
    case OpKind::User: return false;
  }
  return false;
}

Kernel find_kernel(OpKind op, BasicKind kind) {
  static const Table table = build_table();
  if (op == OpKind::User || kind == BasicKind::kCount) return nullptr;
  return table[static_cast<size_t>(op)][static_cast<size_t>(kind)];
}

}  // namespace parley::op
