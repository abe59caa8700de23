// Every predefined op on every basic kind the standard allows, against a
// scalar reference written here independently of runtime/op; and every pair
// it forbids rejected with MPI_ERR_OP.
#include <catch2/catch.hpp>
#include <mpi.h>

#include <algorithm>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "datatype/basic_kind.hpp"
#include "op/kernel.hpp"
#include "op/op.hpp"

using parley::dt::BasicKind;
using parley::dt::kind_info;
using parley::op::OpKind;
namespace op = parley::op;

namespace {

constexpr size_t kN = 203;  // several vector blocks plus a scalar tail

std::vector<BasicKind> all_kinds() {
  std::vector<BasicKind> v;
  for (size_t i = 0; i < parley::dt::kNumKinds; ++i) v.push_back(static_cast<BasicKind>(i));
  return v;
}

std::vector<OpKind> all_ops() {
  std::vector<OpKind> v;
  for (size_t i = 0; i < op::kNumPredefinedOps; ++i) v.push_back(static_cast<OpKind>(i));
  return v;
}

// MPI-3.1 5.9.2, written out by name: which ops each predefined type allows
// (besides MPI_REPLACE and MPI_NO_OP, which every type allows).
std::set<std::string> allowed_names(OpKind o) {
  const std::set<std::string> c_int = {
      "MPI_INT", "MPI_LONG", "MPI_SHORT", "MPI_UNSIGNED_SHORT", "MPI_UNSIGNED", "MPI_UNSIGNED_LONG",
      "MPI_LONG_LONG_INT", "MPI_UNSIGNED_LONG_LONG", "MPI_SIGNED_CHAR", "MPI_UNSIGNED_CHAR", "MPI_INT8_T",
      "MPI_INT16_T", "MPI_INT32_T", "MPI_INT64_T", "MPI_UINT8_T", "MPI_UINT16_T", "MPI_UINT32_T", "MPI_UINT64_T"};
  const std::set<std::string> f_int = {"MPI_INTEGER", "MPI_INTEGER1", "MPI_INTEGER2", "MPI_INTEGER4",
                                       "MPI_INTEGER8", "MPI_AINT", "MPI_OFFSET", "MPI_COUNT"};
  const std::set<std::string> flt = {"MPI_FLOAT", "MPI_DOUBLE", "MPI_REAL", "MPI_DOUBLE_PRECISION",
                                     "MPI_LONG_DOUBLE", "MPI_REAL4", "MPI_REAL8", "MPI_REAL16"};
  const std::set<std::string> logical = {"MPI_LOGICAL", "MPI_C_BOOL", "MPI_CXX_BOOL"};
  const std::set<std::string> cplx = {"MPI_COMPLEX", "MPI_C_FLOAT_COMPLEX", "MPI_C_DOUBLE_COMPLEX",
                                      "MPI_C_LONG_DOUBLE_COMPLEX", "MPI_CXX_FLOAT_COMPLEX",
                                      "MPI_CXX_DOUBLE_COMPLEX", "MPI_CXX_LONG_DOUBLE_COMPLEX",
                                      "MPI_DOUBLE_COMPLEX", "MPI_COMPLEX8", "MPI_COMPLEX16", "MPI_COMPLEX32"};
  const std::set<std::string> byte = {"MPI_BYTE"};
  const std::set<std::string> pairs = {"MPI_FLOAT_INT", "MPI_DOUBLE_INT", "MPI_LONG_INT", "MPI_2INT",
                                       "MPI_SHORT_INT", "MPI_LONG_DOUBLE_INT", "MPI_2REAL",
                                       "MPI_2DOUBLE_PRECISION", "MPI_2INTEGER"};
  std::set<std::string> out;
  auto add = [&](const std::set<std::string>& s) { out.insert(s.begin(), s.end()); };
  switch (o) {
    case OpKind::Max: case OpKind::Min: add(c_int); add(f_int); add(flt); break;
    case OpKind::Sum: case OpKind::Prod: add(c_int); add(f_int); add(flt); add(cplx); break;
    case OpKind::Land: case OpKind::Lor: case OpKind::Lxor: add(c_int); add(logical); break;
    case OpKind::Band: case OpKind::Bor: case OpKind::Bxor: add(c_int); add(f_int); add(byte); break;
    case OpKind::Minloc: case OpKind::Maxloc: add(pairs); break;
    default: for (BasicKind k : all_kinds()) out.insert(std::string(kind_info(k).name));
  }
  return out;
}

template <class T>
bool is_nan(T x) {
  return x != x;
}

// ---- scalar references -------------------------------------------------

template <class T>
T ref_int(OpKind o, T a, T b) {
  using U = uint64_t;  // modular arithmetic, truncated back to T's width
  switch (o) {
    case OpKind::Max: return a > b ? a : b;
    case OpKind::Min: return a < b ? a : b;
    case OpKind::Sum: return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
    case OpKind::Prod: return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
    case OpKind::Land: return (a && b) ? 1 : 0;
    case OpKind::Lor: return (a || b) ? 1 : 0;
    case OpKind::Lxor: return (!a != !b) ? 1 : 0;
    case OpKind::Band: return static_cast<T>(a & b);
    case OpKind::Bor: return static_cast<T>(a | b);
    case OpKind::Bxor: return static_cast<T>(a ^ b);
    default: FAIL("not an integer op"); return 0;
  }
}

template <class T>
T ref_float(OpKind o, T a, T b) {
  if ((o == OpKind::Max || o == OpKind::Min) && (is_nan(a) || is_nan(b))) return is_nan(a) ? a : b;
  switch (o) {
    case OpKind::Max: return b < a ? a : b;
    case OpKind::Min: return a < b ? a : b;
    case OpKind::Sum: return a + b;
    case OpKind::Prod: return a * b;
    default: FAIL("not a floating op"); return 0;
  }
}

// ---- value generators ----------------------------------------------------

template <class T>
std::vector<T> int_values(std::mt19937_64& rng) {
  std::vector<T> v(kN);
  for (size_t i = 0; i < kN; ++i) {
    switch (rng() % 5) {
      case 0: v[i] = 0; break;
      case 1: v[i] = std::numeric_limits<T>::max(); break;  // overflow wraps
      case 2: v[i] = std::numeric_limits<T>::min(); break;
      default: v[i] = static_cast<T>(rng());
    }
  }
  return v;
}

template <class T>
std::vector<T> float_values(std::mt19937_64& rng) {
  std::vector<T> v(kN);
  for (size_t i = 0; i < kN; ++i) {
    switch (rng() % 12) {
      case 0: v[i] = std::numeric_limits<double>::quiet_NaN(); break;
      case 1: v[i] = std::numeric_limits<double>::infinity(); break;
      case 2: v[i] = -std::numeric_limits<double>::infinity(); break;
      default: v[i] = static_cast<T>(static_cast<int>(rng() % 201) - 100) / static_cast<T>(4);
    }
  }
  return v;
}

template <class T>
bool same(T x, T y) {
  if (is_nan(x) || is_nan(y)) return is_nan(x) && is_nan(y);
  return x == y;
}

// Runs the kernel for (o, k) over in/inout and returns the new inout.
template <class T>
std::vector<T> run_kernel(OpKind o, BasicKind k, const std::vector<T>& in, std::vector<T> inout, size_t count) {
  op::Kernel kernel = op::find_kernel(o, k);
  REQUIRE(kernel != nullptr);
  kernel(in.data(), inout.data(), count);
  return inout;
}

template <class T>
void check_int_kind(OpKind o, BasicKind k, std::mt19937_64& rng) {
  REQUIRE(sizeof(T) == kind_info(k).size);
  auto in = int_values<T>(rng), io = int_values<T>(rng);
  auto out = run_kernel(o, k, in, io, kN);
  for (size_t i = 0; i < kN; ++i) {
    INFO("element " << i << " in " << +in[i] << " inout " << +io[i]);
    REQUIRE(out[i] == ref_int(o, in[i], io[i]));
  }
}

template <class T>
void check_float_kind(OpKind o, BasicKind k, std::mt19937_64& rng) {
  REQUIRE(sizeof(T) == kind_info(k).size);
  auto in = float_values<T>(rng), io = float_values<T>(rng);
  auto out = run_kernel(o, k, in, io, kN);
  for (size_t i = 0; i < kN; ++i) {
    INFO("element " << i << " in " << static_cast<double>(in[i]) << " inout " << static_cast<double>(io[i]));
    REQUIRE(same(out[i], ref_float(o, in[i], io[i])));
  }
}

// Complex values as (re, im) arrays; the reference multiplies with
// std::complex<double> (exact: the parts are small multiples of 1/4).
template <class T>
void check_complex_kind(OpKind o, BasicKind k, std::mt19937_64& rng) {
  REQUIRE(2 * sizeof(T) == kind_info(k).size);
  std::vector<T> in(2 * kN), io(2 * kN);
  for (auto* v : {&in, &io})
    for (T& x : *v) x = static_cast<T>(static_cast<int>(rng() % 41) - 20) / static_cast<T>(4);
  auto out = run_kernel(o, k, in, io, kN);
  for (size_t i = 0; i < kN; ++i) {
    std::complex<double> a(static_cast<double>(in[2 * i]), static_cast<double>(in[2 * i + 1]));
    std::complex<double> b(static_cast<double>(io[2 * i]), static_cast<double>(io[2 * i + 1]));
    std::complex<double> want = o == OpKind::Sum ? a + b : a * b;
    INFO("element " << i);
    REQUIRE(static_cast<double>(out[2 * i]) == want.real());
    REQUIRE(static_cast<double>(out[2 * i + 1]) == want.imag());
  }
}

// Logical types: any non-zero value is true; results are 0 or 1.
template <class T>
void check_logical_kind(OpKind o, BasicKind k, std::mt19937_64& rng) {
  REQUIRE(sizeof(T) == kind_info(k).size);
  std::vector<T> in(kN), io(kN);
  for (size_t i = 0; i < kN; ++i) {
    in[i] = static_cast<T>(rng() % 3);  // 0, 1, and 2 (also true)
    io[i] = static_cast<T>(rng() % 2);
  }
  auto out = run_kernel(o, k, in, io, kN);
  for (size_t i = 0; i < kN; ++i) {
    bool a = in[i] != 0, b = io[i] != 0;
    bool want = o == OpKind::Land ? (a && b) : o == OpKind::Lor ? (a || b) : (a != b);
    REQUIRE(out[i] == static_cast<T>(want ? 1 : 0));
  }
}

template <class V, class I>
struct PairT {
  V value;
  I index;
};

template <class V, class I>
void check_pair_kind(OpKind o, BasicKind k, std::mt19937_64& rng) {
  using P = PairT<V, I>;
  REQUIRE(sizeof(P) == kind_info(k).extent);
  std::vector<P> in(kN), io(kN);
  for (auto* v : {&in, &io})
    for (P& p : *v) {
      std::memset(&p, 0, sizeof p);
      p.value = static_cast<V>(static_cast<int>(rng() % 5) - 2);  // many ties
      p.index = static_cast<I>(rng() % 8);
    }
  auto out = run_kernel(o, k, in, io, kN);
  for (size_t i = 0; i < kN; ++i) {
    const P& a = in[i];
    const P& b = io[i];
    P want = b;
    bool a_better = o == OpKind::Maxloc ? b.value < a.value : a.value < b.value;
    if (a_better) want = a;
    else if (a.value == b.value) want.index = std::min(a.index, b.index);
    INFO("element " << i << " in (" << +a.value << "," << +a.index << ") inout (" << +b.value << "," << +b.index
                    << ")");
    REQUIRE(out[i].value == want.value);
    REQUIRE(out[i].index == want.index);
  }
}

template <size_t kSize, bool kSigned>
struct IntOfT;
template <> struct IntOfT<1, true> { using type = int8_t; };
template <> struct IntOfT<2, true> { using type = int16_t; };
template <> struct IntOfT<4, true> { using type = int32_t; };
template <> struct IntOfT<8, true> { using type = int64_t; };
template <> struct IntOfT<1, false> { using type = uint8_t; };
template <> struct IntOfT<2, false> { using type = uint16_t; };
template <> struct IntOfT<4, false> { using type = uint32_t; };
template <> struct IntOfT<8, false> { using type = uint64_t; };

template <bool kSigned>
void check_int_by_size(OpKind o, BasicKind k, std::mt19937_64& rng) {
  switch (kind_info(k).size) {
    case 1: return check_int_kind<typename IntOfT<1, kSigned>::type>(o, k, rng);
    case 2: return check_int_kind<typename IntOfT<2, kSigned>::type>(o, k, rng);
    case 4: return check_int_kind<typename IntOfT<4, kSigned>::type>(o, k, rng);
    case 8: return check_int_kind<typename IntOfT<8, kSigned>::type>(o, k, rng);
    default: FAIL("unexpected integer size");
  }
}

// Checks one allowed arithmetic (op, kind) pair against the reference.
void check_pair_against_reference(OpKind o, BasicKind k, std::mt19937_64& rng) {
  using K = BasicKind;
  switch (k) {
    case K::Float: case K::Real: case K::Real4: return check_float_kind<float>(o, k, rng);
    case K::Double: case K::DoublePrecision: case K::Real8: return check_float_kind<double>(o, k, rng);
    case K::LongDouble: return check_float_kind<long double>(o, k, rng);
    case K::Real16: return check_float_kind<__float128>(o, k, rng);
    case K::CFloatComplex: case K::CxxFloatComplex: case K::Complex: case K::Complex8:
      return check_complex_kind<float>(o, k, rng);
    case K::CDoubleComplex: case K::CxxDoubleComplex: case K::DoubleComplex: case K::Complex16:
      return check_complex_kind<double>(o, k, rng);
    case K::CLongDoubleComplex: case K::CxxLongDoubleComplex: return check_complex_kind<long double>(o, k, rng);
    case K::Complex32: return check_complex_kind<__float128>(o, k, rng);
    case K::CBool: case K::CxxBool: return check_logical_kind<uint8_t>(o, k, rng);
    case K::Logical: return check_logical_kind<int32_t>(o, k, rng);
    case K::Byte: return check_int_kind<uint8_t>(o, k, rng);
    case K::FloatInt: return check_pair_kind<float, int>(o, k, rng);
    case K::DoubleInt: return check_pair_kind<double, int>(o, k, rng);
    case K::LongInt: return check_pair_kind<long, int>(o, k, rng);
    case K::ShortInt: return check_pair_kind<short, int>(o, k, rng);
    case K::TwoInt: return check_pair_kind<int, int>(o, k, rng);
    case K::LongDoubleInt: return check_pair_kind<long double, int>(o, k, rng);
    case K::TwoInteger: return check_pair_kind<int32_t, int32_t>(o, k, rng);
    case K::TwoReal: return check_pair_kind<float, float>(o, k, rng);
    case K::TwoDoublePrecision: return check_pair_kind<double, double>(o, k, rng);
    default: break;
  }
  switch (kind_info(k).repr) {
    case parley::dt::Repr::SignedInt: return check_int_by_size<true>(o, k, rng);
    case parley::dt::Repr::UnsignedInt: return check_int_by_size<false>(o, k, rng);
    default: FAIL("no reference for " << kind_info(k).name);
  }
}

}  // namespace

TEST_CASE("The allowed (op, type) pairs are exactly MPI-3.1 5.9.2's") {
  for (OpKind o : all_ops()) {
    std::set<std::string> allowed = allowed_names(o);
    for (BasicKind k : all_kinds()) {
      std::string name(kind_info(k).name);
      INFO(op::op_name(o) << " on " << name);
      CHECK(op::op_allowed(o, k) == (allowed.count(name) == 1));
      CHECK((op::find_kernel(o, k) != nullptr) == (allowed.count(name) == 1));
    }
  }
}

TEST_CASE("Every predefined op matches the scalar reference on every allowed type") {
  std::mt19937_64 rng(20240531);
  int checked = 0;
  for (OpKind o : all_ops()) {
    if (o == OpKind::Replace || o == OpKind::NoOp) continue;
    for (BasicKind k : all_kinds()) {
      if (!op::op_allowed(o, k)) continue;
      INFO(op::op_name(o) << " on " << kind_info(k).name);
      check_pair_against_reference(o, k, rng);
      ++checked;
    }
  }
  CHECK(checked > 150);
}

TEST_CASE("Kernels handle every count from 0 to three blocks, including the scalar tail") {
  std::mt19937_64 rng(7);
  for (size_t n = 0; n <= 3 * 64 + 1; ++n) {
    std::vector<int8_t> in(n + 1), io(n + 1);
    for (size_t i = 0; i <= n; ++i) {
      in[i] = static_cast<int8_t>(rng());
      io[i] = static_cast<int8_t>(rng());
    }
    auto out = io;
    op::find_kernel(OpKind::Sum, BasicKind::Int8)(in.data(), out.data(), n);
    for (size_t i = 0; i < n; ++i) REQUIRE(out[i] == static_cast<int8_t>(in[i] + io[i]));
    REQUIRE(out[n] == io[n]);  // nothing past count is written
  }
}

TEST_CASE("Integer SUM and PROD wrap on overflow") {
  int32_t in[2] = {std::numeric_limits<int32_t>::max(), 65536};
  int32_t io[2] = {1, 65536};
  REQUIRE(op::reduce(*op::Op::predefined(OpKind::Sum), in, io, 1, BasicKind::Int).is_ok());
  CHECK(io[0] == std::numeric_limits<int32_t>::min());
  uint16_t a = 65535, b = 65535;  // promoted to int this would overflow
  REQUIRE(op::reduce(*op::Op::predefined(OpKind::Prod), &a, &b, 1, BasicKind::UnsignedShort).is_ok());
  CHECK(b == 1);
}

TEST_CASE("MAX and MIN propagate NaN whichever side it is on") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (OpKind o : {OpKind::Max, OpKind::Min}) {
    double in[2] = {nan, 1.0};
    double io[2] = {1.0, nan};
    REQUIRE(op::reduce(*op::Op::predefined(o), in, io, 2, BasicKind::Double).is_ok());
    CHECK(is_nan(io[0]));
    CHECK(is_nan(io[1]));
  }
}

TEST_CASE("MINLOC and MAXLOC keep the lowest index on ties") {
  struct DI {
    double v;
    int i;
  };
  DI in[3] = {{2.0, 5}, {2.0, 1}, {3.0, 9}};
  DI io[3] = {{2.0, 3}, {2.0, 4}, {3.0, 2}};
  REQUIRE(op::reduce(*op::Op::predefined(OpKind::Minloc), in, io, 3, BasicKind::DoubleInt).is_ok());
  CHECK(io[0].i == 3);
  CHECK(io[1].i == 1);
  CHECK(io[2].i == 2);
  int in2[4] = {7, 1, 9, 0};  // MPI_2INT: (7, idx 1), (9, idx 0)
  int io2[4] = {8, 4, 9, 3};
  REQUIRE(op::reduce(*op::Op::predefined(OpKind::Maxloc), in2, io2, 2, BasicKind::TwoInt).is_ok());
  CHECK((io2[0] == 8 && io2[1] == 4));
  CHECK((io2[2] == 9 && io2[3] == 0));
}

TEST_CASE("Logical ops on C integers read non-zero as true and yield 0 or 1") {
  int in[4] = {0, 5, 0, -3};
  int io[4] = {0, 0, 7, 2};
  auto run = [&](OpKind o) {
    int r[4];
    std::memcpy(r, io, sizeof r);
    REQUIRE(op::reduce(*op::Op::predefined(o), in, r, 4, BasicKind::Int).is_ok());
    return std::vector<int>(r, r + 4);
  };
  CHECK(run(OpKind::Land) == std::vector<int>{0, 0, 0, 1});
  CHECK(run(OpKind::Lor) == std::vector<int>{0, 1, 1, 1});
  CHECK(run(OpKind::Lxor) == std::vector<int>{0, 1, 1, 0});
}

TEST_CASE("Bitwise ops on MPI_BYTE") {
  unsigned char in[3] = {0xf0, 0x3c, 0xff};
  unsigned char io[3] = {0x0f, 0x0f, 0x81};
  REQUIRE(op::reduce(*op::Op::predefined(OpKind::Bxor), in, io, 3, BasicKind::Byte).is_ok());
  CHECK((io[0] == 0xff && io[1] == 0x33 && io[2] == 0x7e));
  REQUIRE(op::reduce(*op::Op::predefined(OpKind::Band), in, io, 3, BasicKind::Byte).is_ok());
  CHECK((io[0] == 0xf0 && io[1] == 0x30 && io[2] == 0x7e));
}

TEST_CASE("Complex PROD multiplies") {
  std::complex<double> in[2] = {{1, 2}, {0, 1}};
  std::complex<double> io[2] = {{3, -1}, {0, 1}};
  REQUIRE(op::reduce(*op::Op::predefined(OpKind::Prod), in, io, 2, BasicKind::CDoubleComplex).is_ok());
  CHECK(io[0] == std::complex<double>(5, 5));
  CHECK(io[1] == std::complex<double>(-1, 0));
  std::complex<long double> a(2, 3), b(4, -5);
  REQUIRE(op::reduce(*op::Op::predefined(OpKind::Prod), &a, &b, 1, BasicKind::CLongDoubleComplex).is_ok());
  CHECK(b == std::complex<long double>(23, 2));
}

TEST_CASE("Forbidden pairs are rejected with MPI_ERR_OP and a message naming both") {
  double d[2] = {1, 2};
  parley::Status st = op::reduce(*op::Op::predefined(OpKind::Sum), d, d + 1, 1, BasicKind::DoubleInt);
  CHECK(st.error_class() == MPI_ERR_OP);
  CHECK(st.message() == "MPI_SUM is not defined for MPI_DOUBLE_INT");
  CHECK(op::check(*op::Op::predefined(OpKind::Band), BasicKind::Double).message() ==
        "MPI_BAND is not defined for MPI_DOUBLE");
  CHECK(op::check(*op::Op::predefined(OpKind::Land), BasicKind::Integer).error_class() == MPI_ERR_OP);
  CHECK(op::check(*op::Op::predefined(OpKind::Max), BasicKind::CDoubleComplex).error_class() == MPI_ERR_OP);
  CHECK(op::check(*op::Op::predefined(OpKind::Sum), BasicKind::Char).error_class() == MPI_ERR_OP);
  CHECK(op::check(*op::Op::predefined(OpKind::Minloc), BasicKind::Int).error_class() == MPI_ERR_OP);
  CHECK(op::check(*op::Op::predefined(OpKind::Bor), BasicKind::CBool).error_class() == MPI_ERR_OP);
  for (BasicKind k : all_kinds())
    for (OpKind o : all_ops())
      if (o != OpKind::Replace && o != OpKind::NoOp)
        CHECK(op::check(*op::Op::predefined(o), k).is_ok() == op::op_allowed(o, k));
}

TEST_CASE("REPLACE and NO_OP are accumulate-only") {
  int in[2] = {1, 2}, io[2] = {5, 6};
  auto* replace = op::Op::predefined(OpKind::Replace);
  auto* no_op = op::Op::predefined(OpKind::NoOp);
  CHECK(op::reduce(*replace, in, io, 2, BasicKind::Int).error_class() == MPI_ERR_OP);
  REQUIRE(op::reduce(*no_op, in, io, 2, BasicKind::Int, op::Usage::Accumulate).is_ok());
  CHECK((io[0] == 5 && io[1] == 6));
  REQUIRE(op::reduce(*replace, in, io, 2, BasicKind::Int, op::Usage::Accumulate).is_ok());
  CHECK((io[0] == 1 && io[1] == 2));
  struct LDI {
    long double v;
    int i;
  } a{1.5L, 3}, b{0, 0};
  REQUIRE(op::reduce(*replace, &a, &b, 1, BasicKind::LongDoubleInt, op::Usage::Accumulate).is_ok());
  CHECK((b.v == 1.5L && b.i == 3));
}

TEST_CASE("Misaligned and identical buffers give the same result as aligned ones") {
  std::mt19937_64 rng(3);
  const size_t n = 3000;  // more than one bounce chunk
  std::vector<double> in(n), io(n);
  for (size_t i = 0; i < n; ++i) {
    in[i] = static_cast<double>(rng() % 1000);
    io[i] = static_cast<double>(rng() % 1000);
  }
  std::vector<unsigned char> a(n * 8 + 1), b(n * 8 + 3);
  std::memcpy(a.data() + 1, in.data(), n * 8);
  std::memcpy(b.data() + 3, io.data(), n * 8);
  auto* sum = op::Op::predefined(OpKind::Sum);
  REQUIRE(op::reduce(*sum, a.data() + 1, b.data() + 3, n, BasicKind::Double).is_ok());
  std::vector<double> got(n);
  std::memcpy(got.data(), b.data() + 3, n * 8);
  for (size_t i = 0; i < n; ++i) REQUIRE(got[i] == in[i] + io[i]);
  std::vector<double> same_buf = in;
  REQUIRE(op::reduce(*sum, same_buf.data(), same_buf.data(), n, BasicKind::Double).is_ok());
  for (size_t i = 0; i < n; ++i) REQUIRE(same_buf[i] == 2 * in[i]);
}

TEST_CASE("A uniform derived type reduces as count * basic_per_item elements") {
  // e.g. MPI_Type_contiguous(3, MPI_INT): the datatype engine fills this in.
  op::ElementType triple{0x4c000405, 12, BasicKind::Int, 3};
  int in[6] = {1, 2, 3, 4, 5, 6}, io[6] = {10, 20, 30, 40, 50, 60};
  REQUIRE(op::reduce(*op::Op::predefined(OpKind::Sum), in, io, 2, triple).is_ok());
  CHECK(io[5] == 66);
  op::ElementType mixed{0x4c000405, 12, BasicKind::Int, 0};
  CHECK(op::reduce(*op::Op::predefined(OpKind::Sum), in, io, 2, mixed).error_class() == MPI_ERR_OP);
}
