// Pack/unpack/iovec generation on chosen types: round trips against a naive
// element-by-element reference, partial progress split at every byte offset,
// iovec limits, the contiguous and strided-vector fast paths.
#include <cstring>
#include <numeric>
#include <vector>

#include "dt_test_util.hpp"

using namespace dtt;
namespace dt = parley::dt;

namespace {

// The types every test below runs over, with a naive packer for each.
struct Case {
  const char* name;
  TypePtr type;
  int64_t count;
};

std::vector<Case> cases() {
  std::vector<Case> v;
  v.push_back({"int", ok(dt::make_dup(basic(BasicKind::Int))), 7});
  v.push_back({"vector 5x2 stride 3 double", ok(dt::make_vector(5, 2, 3, basic(BasicKind::Double))), 3});
  v.push_back({"vector of 8-byte blocks", ok(dt::make_vector(64, 1, 2, basic(BasicKind::Double))), 2});
  std::vector<int64_t> bl{3, 1, 2}, d{5, 0, 9};
  v.push_back({"indexed", ok(dt::make_indexed(bl, d, basic(BasicKind::Short))), 4});
  std::vector<int64_t> sbl{1, 2, 1};
  std::vector<int64_t> sd{0, 4, 16};
  std::vector<Type*> st{basic(BasicKind::Char), basic(BasicKind::Float), basic(BasicKind::DoubleInt)};
  TypePtr s = ok(dt::make_struct(sbl, sd, st));
  v.push_back({"vector of struct", ok(dt::make_vector(3, 2, 3, s.get())), 2});
  TypePtr r = ok(dt::make_resized(basic(BasicKind::Int), 0, 12));
  v.push_back({"contiguous of resized int", ok(dt::make_contiguous(5, r.get())), 2});
  std::vector<int64_t> sizes{6, 7, 5}, sub{3, 2, 4}, start{2, 4, 1};
  v.push_back(
      {"3-D subarray", ok(dt::make_subarray(sizes, sub, start, dt::kOrderC, basic(BasicKind::Int))), 1});
  return v;
}

// A buffer big enough for the case, patterned, with its origin.
struct Buf {
  std::vector<unsigned char> bytes;
  int64_t lo = 0;
  unsigned char* origin() { return bytes.data() - lo; }
};

Buf buffer_for(const Type& t, int64_t count) {
  Buf b;
  b.lo = std::min<int64_t>(0, t.true_lb() + std::min<int64_t>(0, (count - 1) * t.extent()));
  const int64_t hi = std::max<int64_t>(0, t.true_ub() + std::max<int64_t>(0, (count - 1) * t.extent()));
  b.bytes.resize(static_cast<size_t>(hi - b.lo));
  for (size_t i = 0; i < b.bytes.size(); ++i) b.bytes[i] = static_cast<unsigned char>(i * 7 + 1);
  return b;
}

// The naive reference: one byte at a time, following the iovec list of the
// whole message (itself checked against hand layouts in datatype_type_test).
std::vector<unsigned char> naive_pack(const Type& t, int64_t count, const unsigned char* origin) {
  std::vector<unsigned char> out;
  for (auto [off, len] : pieces(t, count))
    for (long i = 0; i < len; ++i) out.push_back(origin[off + i]);
  return out;
}

}  // namespace

TEST_CASE("pack and unpack round-trip every case") {
  for (auto& c : cases()) {
    INFO(c.name);
    Buf b = buffer_for(*c.type, c.count);
    const auto expect = naive_pack(*c.type, c.count, b.origin());
    REQUIRE(expect.size() == static_cast<size_t>(c.count * c.type->size()));
    std::vector<unsigned char> packed(expect.size());
    CHECK(dt::pack(b.origin(), c.count, *c.type, 0, packed.data(), packed.size()) == packed.size());
    CHECK(packed == expect);
    Buf out = buffer_for(*c.type, c.count);
    std::fill(out.bytes.begin(), out.bytes.end(), 0);
    CHECK(dt::unpack(packed.data(), packed.size(), out.origin(), c.count, *c.type, 0) == packed.size());
    // Every byte the type covers came back; the rest stayed zero.
    Buf again = buffer_for(*c.type, c.count);
    CHECK(naive_pack(*c.type, c.count, out.origin()) == expect);
    size_t covered = 0;
    for (unsigned char x : out.bytes) covered += x != 0;
    CHECK(covered <= expect.size());
  }
}

TEST_CASE("pack split at every byte offset gives the same stream") {
  for (auto& c : cases()) {
    INFO(c.name);
    Buf b = buffer_for(*c.type, c.count);
    const auto expect = naive_pack(*c.type, c.count, b.origin());
    const size_t total = expect.size();
    for (size_t split = 0; split <= total; ++split) {
      INFO("split " << split);
      std::vector<unsigned char> got(total, 0);
      REQUIRE(dt::pack(b.origin(), c.count, *c.type, 0, got.data(), split) == split);
      REQUIRE(dt::pack(b.origin(), c.count, *c.type, split, got.data() + split, total) == total - split);
      REQUIRE(got == expect);
      // Unpack split the same way.
      Buf out = buffer_for(*c.type, c.count);
      std::fill(out.bytes.begin(), out.bytes.end(), 0);
      REQUIRE(dt::unpack(expect.data(), split, out.origin(), c.count, *c.type, 0) == split);
      REQUIRE(dt::unpack(expect.data() + split, total - split, out.origin(), c.count, *c.type, split) ==
              total - split);
      REQUIRE(naive_pack(*c.type, c.count, out.origin()) == expect);
    }
  }
}

TEST_CASE("a cursor streams a message through fixed-size cells") {
  for (auto& c : cases()) {
    for (size_t cell : {1u, 3u, 8u, 64u, 1000u}) {
      INFO(c.name << " cell " << cell);
      Buf b = buffer_for(*c.type, c.count);
      const auto expect = naive_pack(*c.type, c.count, b.origin());
      dt::Cursor send(*c.type, c.count), recv(*c.type, c.count);
      Buf out = buffer_for(*c.type, c.count);
      std::fill(out.bytes.begin(), out.bytes.end(), 0);
      std::vector<unsigned char> wire, staging(cell);
      while (!send.done()) {
        const size_t n = send.pack(b.origin(), staging.data(), cell);
        REQUIRE(n == std::min(cell, expect.size() - wire.size()));
        wire.insert(wire.end(), staging.begin(), staging.begin() + static_cast<long>(n));
        REQUIRE(recv.unpack(staging.data(), out.origin(), n) == n);
      }
      CHECK(recv.done());
      CHECK(wire == expect);
      CHECK(naive_pack(*c.type, c.count, out.origin()) == expect);
    }
  }
}

TEST_CASE("iovecs for a byte range cover exactly that range of the stream") {
  for (auto& c : cases()) {
    INFO(c.name);
    Buf b = buffer_for(*c.type, c.count);
    const auto expect = naive_pack(*c.type, c.count, b.origin());
    const size_t total = expect.size();
    for (size_t off = 0; off < total; off += 5) {
      const size_t len = std::min<size_t>(37, total - off);
      std::vector<iovec> v(256);
      size_t n = 0;
      REQUIRE(dt::make_iov(b.origin(), c.count, *c.type, off, len, v.data(), v.size(), &n) == len);
      std::vector<unsigned char> got;
      for (size_t i = 0; i < n; ++i) {
        const auto* p = static_cast<const unsigned char*>(v[i].iov_base);
        got.insert(got.end(), p, p + v[i].iov_len);
      }
      REQUIRE(got == std::vector<unsigned char>(expect.begin() + static_cast<long>(off),
                                                expect.begin() + static_cast<long>(off + len)));
    }
  }
}

TEST_CASE("iovec generation stops when the iovec array is full and resumes") {
  auto t = ok(dt::make_vector(10, 1, 2, basic(BasicKind::Int)));
  dt::Cursor c(*t, 1);
  iovec v[4];
  size_t n = 0;
  CHECK(c.iov(nullptr, v, 4, 1000, &n) == 16);
  CHECK(n == 4);
  CHECK(reinterpret_cast<long>(v[3].iov_base) == 24);
  CHECK(c.position() == 16);
  CHECK(c.iov(nullptr, v, 4, 1000, &n) == 16);
  CHECK(reinterpret_cast<long>(v[0].iov_base) == 32);
  CHECK(c.iov(nullptr, v, 4, 1000, &n) == 8);
  CHECK(n == 2);
  CHECK(c.done());
}

TEST_CASE("contiguous types are one iovec and one copy at any offset") {
  auto t = ok(dt::make_contiguous(100, basic(BasicKind::Int)));
  REQUIRE(t->is_contiguous());
  std::vector<int> src(300);
  std::iota(src.begin(), src.end(), 0);
  iovec v[2];
  size_t n = 0;
  CHECK(dt::make_iov(src.data(), 3, *t, 40, 800, v, 2, &n) == 800);
  CHECK(n == 1);
  CHECK(v[0].iov_base == reinterpret_cast<char*>(src.data()) + 40);
  std::vector<int> dst(10);
  CHECK(dt::pack(src.data(), 3, *t, 400, dst.data(), 40) == 40);
  CHECK(dst[0] == 100);
  CHECK(dst[9] == 109);
  // A cursor moved by the fast path still walks correctly afterwards.
  dt::Cursor c(*t, 3);
  CHECK(c.pack(src.data(), dst.data(), 8) == 8);
  CHECK(count_elements(*t, 8) == 2);
}

TEST_CASE("strided vector packs gather every other double") {
  auto t = ok(dt::make_vector(1000, 1, 2, basic(BasicKind::Double)));
  std::vector<double> src(2000);
  std::iota(src.begin(), src.end(), 0.0);
  std::vector<double> dst(1000);
  CHECK(dt::pack(src.data(), 1, *t, 0, dst.data(), 8000) == 8000);
  for (int i = 0; i < 1000; ++i) REQUIRE(dst[i] == 2.0 * i);
  std::vector<double> back(2000, -1.0);
  CHECK(dt::unpack(dst.data(), 8000, back.data(), 1, *t, 0) == 8000);
  for (int i = 0; i < 2000; ++i) REQUIRE(back[i] == (i % 2 == 0 ? i : -1.0));
}

TEST_CASE("count_elements counts basic elements and flags partial ones") {
  std::vector<int64_t> bl{1, 1};
  std::vector<int64_t> d{0, 8};
  std::vector<Type*> ty{basic(BasicKind::Int), basic(BasicKind::Double)};
  auto s = ok(dt::make_struct(bl, d, ty));
  CHECK(dt::count_elements(*s, 0) == 0);
  CHECK(dt::count_elements(*s, 4) == 1);
  CHECK(dt::count_elements(*s, 12) == 2);
  CHECK(dt::count_elements(*s, 16) == 3);
  CHECK(dt::count_elements(*s, 36) == 6);
  CHECK(dt::count_elements(*s, 6) == -1);
  CHECK(dt::count_elements(*basic(BasicKind::DoubleInt), 24) == 4);
}

TEST_CASE("packing past the end returns 0") {
  auto t = ok(dt::make_vector(2, 1, 2, basic(BasicKind::Int)));
  int src[4] = {1, 2, 3, 4};
  int dst[2] = {0, 0};
  CHECK(dt::pack(src, 1, *t, 8, dst, 8) == 0);
  CHECK(dt::pack(src, 1, *t, 100, dst, 8) == 0);
  CHECK(dt::pack(src, 0, *t, 0, dst, 8) == 0);
}

TEST_CASE("subarray faces and vectors of resized elements compile to one strided loop") {
  Type* d = basic(BasicKind::Double);
  auto one_loop = [](const Type& t, int64_t count, int64_t stride) {
    const dt::Program& p = t.program();
    const dt::Node& root = p.nodes[p.root];
    CHECK(p.depth == 2);  // the loop and the cursor's frame
    CHECK(root.kind == dt::NodeKind::Vector);
    CHECK(root.contig);
    CHECK(root.count == count);
    CHECK(root.stride == stride);
  };
  // Column face of a 2-D array with a halo: [66][66] -> [64][1] at (1, 1).
  std::vector<int64_t> s2{66, 66}, c2{64, 1}, o2{1, 1};
  TypePtr col = ok(dt::make_subarray(s2, c2, o2, dt::kOrderC, d));
  one_loop(*col, 64, 66 * 8);
  CHECK(col->program().nodes[col->program().root].disp == (66 + 1) * 8);
  // z face of a 3-D array: [a][b][4] -> [a][b][1] is one loop of a*b elements.
  std::vector<int64_t> s3{64, 32, 4}, c3{64, 32, 1}, o3{0, 0, 0};
  one_loop(*ok(dt::make_subarray(s3, c3, o3, dt::kOrderC, d)), 64 * 32, 32);
  // A vector of one resized element per block.
  TypePtr r = ok(dt::make_resized(d, 0, 24));
  one_loop(*ok(dt::make_vector(10, 1, 3, r.get())), 10, 72);
  // count instances of a vector that continue its spacing: the cursor walks one loop.
  TypePtr v = ok(dt::make_vector(8, 1, 2, d));
  TypePtr vr = ok(dt::make_resized(v.get(), 0, 8 * 16));
  std::vector<unsigned char> src(16 * 8 * 3), out(8 * 8 * 3);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<unsigned char>(i);
  CHECK(dt::pack(src.data(), 3, *vr, 0, out.data(), out.size()) == out.size());
  for (size_t e = 0; e < 24; ++e) CHECK(std::memcmp(&out[e * 8], &src[e * 16], 8) == 0);
}
