// external32: byte-exact big-endian images of known values, the sizes of
// MPI-3.1 Table 13.2, and round trips through derived types.
#include <cstring>
#include <vector>

#include "datatype/external32.hpp"
#include "dt_test_util.hpp"

using namespace dtt;
namespace dt = parley::dt;

namespace {

template <class T>
std::vector<unsigned char> ext(BasicKind k, T value) {
  const Type& t = *basic(k);
  std::vector<unsigned char> out(static_cast<size_t>(t.external32_size()));
  auto r = dt::pack_external32(&value, 1, t, out.data(), out.size());
  REQUIRE(r.is_ok());
  REQUIRE(r.value() == out.size());
  return out;
}

using Bytes = std::vector<unsigned char>;

}  // namespace

TEST_CASE("external32 integers are big-endian with standard sizes") {
  CHECK(ext(BasicKind::Int, 0x01020304) == Bytes{1, 2, 3, 4});
  CHECK(ext(BasicKind::Short, static_cast<short>(-2)) == Bytes{0xff, 0xfe});
  CHECK(ext(BasicKind::LongLong, 0x0102030405060708LL) == Bytes{1, 2, 3, 4, 5, 6, 7, 8});
  // MPI_LONG is 4 bytes in external32.
  CHECK(ext(BasicKind::Long, 0x11223344L) == Bytes{0x11, 0x22, 0x33, 0x44});
  CHECK(ext(BasicKind::Char, 'A') == Bytes{'A'});
}

TEST_CASE("external32 floating point is IEEE big-endian") {
  CHECK(ext(BasicKind::Double, 1.0) == Bytes{0x3f, 0xf0, 0, 0, 0, 0, 0, 0});
  CHECK(ext(BasicKind::Float, -2.0f) == Bytes{0xc0, 0, 0, 0});
  // long double becomes binary128: 1.0 = 0x3fff followed by zeros.
  Bytes q(16, 0);
  q[0] = 0x3f, q[1] = 0xff;
  CHECK(ext(BasicKind::LongDouble, 1.0L) == q);
}

TEST_CASE("external32 unpack sign-extends MPI_LONG and restores long double") {
  const Bytes minus_two{0xff, 0xff, 0xff, 0xfe};
  long v = 0;
  REQUIRE(dt::unpack_external32(minus_two.data(), 4, &v, 1, *basic(BasicKind::Long)).is_ok());
  CHECK(v == -2);
  long double x = 0.0L;
  Bytes q = ext(BasicKind::LongDouble, 3.25L);
  REQUIRE(dt::unpack_external32(q.data(), q.size(), &x, 1, *basic(BasicKind::LongDouble)).is_ok());
  CHECK(x == 3.25L);
}

TEST_CASE("external32 of a struct with a pair type converts each member") {
  struct S {
    long a;
    double b;
    struct {
      double v;
      int i;
    } p;
  };
  std::vector<int64_t> bl{1, 1, 1};
  std::vector<int64_t> d{offsetof(S, a), offsetof(S, b), offsetof(S, p)};
  std::vector<Type*> ty{basic(BasicKind::Long), basic(BasicKind::Double), basic(BasicKind::DoubleInt)};
  auto t = ok(dt::make_struct(bl, d, ty));
  CHECK(t->external32_size() == 4 + 8 + 12);
  S s[2] = {{-5, 0.5, {2.0, 7}}, {6, -1.0, {4.0, -1}}};
  std::vector<unsigned char> out(48);
  auto r = dt::pack_external32(s, 2, *t, out.data(), out.size());
  REQUIRE(r.is_ok());
  CHECK(r.value() == 48);
  CHECK(Bytes(out.begin(), out.begin() + 4) == Bytes{0xff, 0xff, 0xff, 0xfb});
  CHECK(Bytes(out.begin() + 20, out.begin() + 24) == Bytes{0, 0, 0, 7});
  S back[2] = {};
  REQUIRE(dt::unpack_external32(out.data(), out.size(), back, 2, *t).is_ok());
  CHECK(back[0].a == -5);
  CHECK(back[1].b == -1.0);
  CHECK(back[1].p.i == -1);
  CHECK(back[0].p.v == 2.0);
}

TEST_CASE("external32 reports a too-small buffer as truncation") {
  int v[3] = {1, 2, 3};
  unsigned char out[8];
  auto r = dt::pack_external32(v, 3, *basic(BasicKind::Int), out, sizeof out);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().error_class() == dt::kErrTruncate);
}
