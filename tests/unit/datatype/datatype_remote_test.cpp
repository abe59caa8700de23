// What point-to-point needs beyond pack.hpp's basics: a cursor over a copy
// of a type's compiled program (what a CMA receiver reads from the sender)
// describes the same iovecs as the type itself, in batches, with seek-back
// when the other side's batch filled first; Program::runs counts pieces.
#include <cstring>
#include <vector>

#include "dt_test_util.hpp"

using namespace dtt;
namespace dt = parley::dt;

namespace {

// The whole message as (offset, length) pieces through a cursor, max_iov at a time.
std::vector<std::pair<long, long>> iov_pieces(dt::Cursor& c, size_t max_iov, size_t batch_bytes) {
  std::vector<std::pair<long, long>> out;
  std::vector<iovec> v(max_iov);
  while (!c.done()) {
    size_t n = 0;
    const size_t got = c.iov(nullptr, v.data(), v.size(), batch_bytes, &n);
    REQUIRE(got > 0);
    for (size_t i = 0; i < n; ++i) {
      const long off = reinterpret_cast<long>(v[i].iov_base), len = static_cast<long>(v[i].iov_len);
      if (!out.empty() && out.back().first + out.back().second == off)
        out.back().second += len;
      else
        out.emplace_back(off, len);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a cursor over a copied program walks the same pieces as the type") {
  std::vector<int64_t> bl{3, 1, 2}, d{5, 0, 9};
  auto ix = ok(dt::make_indexed(bl, d, basic(BasicKind::Double)));
  std::vector<int64_t> sizes{6, 7, 5}, sub{3, 2, 4}, start{2, 4, 1};
  std::vector<TypePtr> types;
  types.push_back(ok(dt::make_vector(50, 3, 7, basic(BasicKind::Int))));
  types.push_back(ok(dt::make_vector(4, 2, 3, ix.get())));
  types.push_back(ok(dt::make_subarray(sizes, sub, start, dt::kOrderC, basic(BasicKind::Float))));
  for (auto& t : types) {
    for (int64_t count : {1, 3}) {
      INFO(t->name() << " count " << count);
      // The copy a receiver makes of the sender's arrays.
      dt::Program copy;
      copy.nodes = t->program().nodes;
      copy.blocks = t->program().blocks;
      copy.root = t->program().root;
      copy.depth = t->program().depth;
      dt::Cursor own(*t, count), remote;
      remote.reset(copy, t->extent(), t->size(), count);
      CHECK(remote.total() == own.total());
      for (size_t max_iov : {1u, 2u, 7u, 512u}) {
        own.seek(0);
        remote.seek(0);
        CHECK(iov_pieces(remote, max_iov, 1000) == iov_pieces(own, max_iov, 1000));
      }
    }
  }
}

TEST_CASE("a remote cursor sought back after a short batch resumes exactly there") {
  auto t = ok(dt::make_vector(100, 2, 5, basic(BasicKind::Double)));
  dt::Program copy = t->program();
  dt::Cursor r;
  r.reset(copy, t->extent(), t->size(), 2);
  iovec v[8];
  size_t n = 0;
  // Ask for 100 bytes (7 pieces of 16 bytes = 112 would overshoot), keep 40.
  REQUIRE(r.iov(nullptr, v, 8, 100, &n) == 100);
  r.seek(r.position() - 60);
  CHECK(r.position() == 40);
  REQUIRE(r.iov(nullptr, v, 8, 16, &n) == 16);
  // Byte 40 of the stream is element 5 = block 2, second double: offset 2*40 + 8.
  CHECK(reinterpret_cast<long>(v[0].iov_base) == 88);
  CHECK(v[0].iov_len == 8);
}

TEST_CASE("Program::runs counts the contiguous pieces of one instance") {
  CHECK(ok(dt::make_contiguous(10, basic(BasicKind::Int)))->program().runs == 1);
  CHECK(ok(dt::make_vector(10, 1, 2, basic(BasicKind::Double)))->program().runs == 10);
  CHECK(ok(dt::make_vector(10, 4, 6, basic(BasicKind::Int)))->program().runs == 10);
  std::vector<int64_t> bl{3, 1, 2}, d{5, 0, 9};
  auto ix = ok(dt::make_indexed(bl, d, basic(BasicKind::Short)));
  CHECK(ix->program().runs == 3);
  CHECK(ok(dt::make_vector(4, 2, 3, ix.get()))->program().runs == 4 * 2 * 3);
  std::vector<int64_t> sizes{6, 7, 5}, sub{3, 2, 4}, start{2, 4, 1};
  // 3 x 2 rows of 4 floats.
  CHECK(ok(dt::make_subarray(sizes, sub, start, dt::kOrderC, basic(BasicKind::Float)))->program().runs == 6);
}
