// Randomized checker: builds random nested types (seeded, reproducible),
// computes each one's typemap with a slow reference written independently of
// the engine, and compares pack, unpack, iovecs, partial progress at random
// splits and element counts.
#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "dt_test_util.hpp"

using namespace dtt;
namespace dt = parley::dt;

namespace {

// The reference model: a typemap of (displacement, size) basic entries plus
// the bounds rules of MPI-3.1 section 4.1.
struct Ref {
  std::vector<std::pair<int64_t, int64_t>> map;
  int64_t lb = 0, ub = 0;
  bool sticky = false;
  int64_t align = 1;
  int64_t extent() const { return ub - lb; }
};

struct Built {
  TypePtr type;
  Ref ref;
};

Ref ref_basic(BasicKind k) {
  Ref r;
  const auto& info = dt::kind_info(k);
  if (dt::is_pair(k)) {
    r.map = {{0, dt::kind_size(info.first)}, {info.second_offset, dt::kind_size(info.second)}};
  } else {
    r.map = {{0, info.size}};
  }
  r.ub = info.extent;
  r.align = info.align;
  return r;
}

// `len` copies of `c` starting at disp, `e` apart, appended to out.
void append(Ref& out, bool& any, const Ref& c, int64_t disp, int64_t len) {
  for (int64_t k = 0; k < len; ++k) {
    const int64_t at = disp + k * c.extent();
    for (auto [d, s] : c.map) out.map.push_back({at + d, s});
    if (!any) {
      out.lb = at + c.lb, out.ub = at + c.ub, any = true;
    } else {
      out.lb = std::min(out.lb, at + c.lb), out.ub = std::max(out.ub, at + c.ub);
    }
  }
}

Ref ref_blocks(const std::vector<std::pair<int64_t, int64_t>>& blocks, const std::vector<const Ref*>& kids,
               bool pad) {
  Ref r;
  bool any = false;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Ref& c = *kids[i];
    append(r, any, c, blocks[i].first, blocks[i].second);
    if (blocks[i].second > 0) {
      r.sticky = r.sticky || c.sticky;
      r.align = std::max(r.align, c.align);
    }
  }
  if (pad && !r.sticky && any) {
    const int64_t rem = ((r.extent() % r.align) + r.align) % r.align;
    if (rem) r.ub += r.align - rem;
  }
  return r;
}

const BasicKind kLeaves[] = {BasicKind::Char,     BasicKind::Short,   BasicKind::Int,
                             BasicKind::Double,   BasicKind::Float,   BasicKind::DoubleInt,
                             BasicKind::ShortInt, BasicKind::LongLong};

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  int64_t uni(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

  Built make(int depth) {
    if (depth == 0 || uni(0, 5) == 0) {
      BasicKind k = kLeaves[uni(0, 7)];
      Type* t = Type::predefined(k);
      return {TypePtr(dt::make_dup(t).value()), ref_basic(k)};  // a dup keeps ownership uniform
    }
    Built c = make(depth - 1);
    Built out = make_from(c, depth);
    // One-child constructors inherit explicit bounds and alignment even
    // when they hold no copies of the child.
    if (out.type->combiner() != dt::Combiner::Struct) {
      out.ref.sticky = out.ref.sticky || c.ref.sticky;
      out.ref.align = std::max(out.ref.align, c.ref.align);
    }
    return out;
  }

  Built make_from(Built& c, int depth) {
    Type* old = c.type.get();
    const Ref& cr = c.ref;
    const int64_t e = cr.extent();
    switch (uni(0, 9)) {
      case 0: {
        int64_t n = uni(0, 4);
        return {own(dt::make_contiguous(n, old)), ref_blocks({{0, n}}, {&cr}, false)};
      }
      case 1: {
        int64_t n = uni(0, 4), bl = uni(0, 3), st = uni(-4, 6);
        std::vector<std::pair<int64_t, int64_t>> b;
        for (int64_t i = 0; i < n; ++i) b.push_back({i * st * e, bl});
        return {own(dt::make_vector(n, bl, st, old)),
                ref_blocks(b, std::vector<const Ref*>(b.size(), &cr), false)};
      }
      case 2: {
        int64_t n = uni(1, 4), bl = uni(1, 3), st = uni(-3 * std::max<int64_t>(e, 1), 40);
        std::vector<std::pair<int64_t, int64_t>> b;
        for (int64_t i = 0; i < n; ++i) b.push_back({i * st, bl});
        return {own(dt::make_hvector(n, bl, st, old)),
                ref_blocks(b, std::vector<const Ref*>(b.size(), &cr), false)};
      }
      case 3:
      case 4: {
        int64_t n = uni(1, 5);
        std::vector<int64_t> bl, d;
        std::vector<std::pair<int64_t, int64_t>> b;
        const bool bytes = uni(0, 1) == 1;
        for (int64_t i = 0; i < n; ++i) {
          bl.push_back(uni(0, 3));
          d.push_back(bytes ? uni(-16, 64) : uni(-2, 8));
          b.push_back({bytes ? d.back() : d.back() * e, bl.back()});
        }
        auto r = bytes ? dt::make_hindexed(bl, d, old) : dt::make_indexed(bl, d, old);
        return {own(std::move(r)), ref_blocks(b, std::vector<const Ref*>(b.size(), &cr), false)};
      }
      case 5: {
        int64_t n = uni(1, 4), bl = uni(0, 3);
        std::vector<int64_t> d;
        std::vector<std::pair<int64_t, int64_t>> b;
        const bool bytes = uni(0, 1) == 1;
        for (int64_t i = 0; i < n; ++i) {
          d.push_back(bytes ? uni(0, 64) : uni(0, 8));
          b.push_back({bytes ? d.back() : d.back() * e, bl});
        }
        auto r = bytes ? dt::make_hindexed_block(bl, d, old) : dt::make_indexed_block(bl, d, old);
        return {own(std::move(r)), ref_blocks(b, std::vector<const Ref*>(b.size(), &cr), false)};
      }
      case 6: {
        int64_t lb = uni(-8, 8), ext = uni(1, 48);
        Ref r = cr;
        r.lb = lb, r.ub = lb + ext, r.sticky = true;
        return {own(dt::make_resized(old, lb, ext)), r};
      }
      case 7: {
        // A struct of this child and up to two fresh ones.
        std::vector<Built> others;
        const int64_t extra = uni(0, 2);
        for (int64_t i = 0; i < extra; ++i) others.push_back(make(depth - 1));
        std::vector<Type*> types{old};
        std::vector<const Ref*> refs{&cr};
        for (auto& o : others) types.push_back(o.type.get()), refs.push_back(&o.ref);
        std::vector<int64_t> bl, d;
        std::vector<std::pair<int64_t, int64_t>> b;
        int64_t at = uni(-8, 8);
        for (size_t i = 0; i < types.size(); ++i) {
          bl.push_back(uni(0, 2));
          d.push_back(at);
          b.push_back({at, bl.back()});
          at += bl.back() * std::max<int64_t>(refs[i]->extent(), 0) + uni(0, 8);
        }
        return {own(dt::make_struct(bl, d, types)), ref_blocks(b, refs, true)};
      }
      case 8: {
        // 2-D subarray of the child (C or Fortran order).
        std::vector<int64_t> sz{uni(1, 4), uni(1, 4)}, sub(2), st(2);
        for (int i = 0; i < 2; ++i) sub[i] = uni(1, sz[i]), st[i] = uni(0, sz[i] - sub[i]);
        const bool c_order = uni(0, 1) == 0;
        Ref r;
        bool any = false;
        const int64_t fast = c_order ? 1 : 0, slow = 1 - fast;
        for (int64_t i = 0; i < sub[slow]; ++i)
          for (int64_t j = 0; j < sub[fast]; ++j) {
            const int64_t is = st[slow] + i, js = st[fast] + j;
            const int64_t lin = c_order ? is * sz[1] + js : js + sz[0] * is;
            append(r, any, cr, lin * e, 1);
          }
        r.lb = 0, r.ub = sz[0] * sz[1] * e, r.sticky = true, r.align = cr.align;
        return {own(dt::make_subarray(sz, sub, st, c_order ? dt::kOrderC : dt::kOrderFortran, old)), r};
      }
      default: {
        Ref r = cr;
        return {own(dt::make_dup(old)), r};
      }
    }
  }

 private:
  static TypePtr own(parley::dt::Result<Type*> r) {
    if (!r.is_ok()) FAIL("constructor failed: " << r.status().message());
    return TypePtr(r.value());
  }
  std::mt19937 rng_;
};

// Reference pack of (count, ref) from a buffer whose origin is `origin`.
std::vector<unsigned char> ref_pack(const Ref& r, int64_t count, const unsigned char* origin) {
  std::vector<unsigned char> out;
  for (int64_t i = 0; i < count; ++i)
    for (auto [d, s] : r.map) {
      const unsigned char* p = origin + i * r.extent() + d;
      out.insert(out.end(), p, p + s);
    }
  return out;
}

}  // namespace

TEST_CASE("Random nested types pack, unpack and describe iovecs like the reference walker") {
  const uint32_t seeds = 10000;
  for (uint32_t seed = 1; seed <= seeds; ++seed) {
    Gen g(seed);
    Built b = g.make(static_cast<int>(g.uni(1, 4)));
    INFO("seed " << seed);
    REQUIRE(b.type->commit().is_ok());
    const Type& t = *b.type;
    const Ref& r = b.ref;
    int64_t size = 0;
    for (auto e : r.map) size += e.second;
    REQUIRE(t.size() == size);
    REQUIRE(t.lb() == r.lb);
    REQUIRE(t.extent() == r.extent());
    if (size == 0) continue;

    const int64_t count = g.uni(1, 3);
    // Buffer covering every byte any instance touches.
    int64_t lo = 0, hi = 0;
    for (int64_t i = 0; i < count; ++i)
      for (auto [d, s] : r.map)
        lo = std::min(lo, i * r.extent() + d), hi = std::max(hi, i * r.extent() + d + s);
    std::vector<unsigned char> buf(static_cast<size_t>(hi - lo));
    for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<unsigned char>(i * 31 + seed);
    const unsigned char* origin = buf.data() - lo;

    const auto expect = ref_pack(r, count, origin);
    const size_t total = expect.size();

    // Whole pack.
    std::vector<unsigned char> got(total);
    REQUIRE(dt::pack(origin, count, t, 0, got.data(), total) == total);
    REQUIRE(got == expect);

    // Partial: a random split with the stateless call, then random chunks with a cursor.
    const size_t split = static_cast<size_t>(g.uni(0, static_cast<int64_t>(total)));
    std::vector<unsigned char> two(total);
    REQUIRE(dt::pack(origin, count, t, 0, two.data(), split) == split);
    REQUIRE(dt::pack(origin, count, t, split, two.data() + split, total) == total - split);
    REQUIRE(two == expect);
    dt::Cursor c(t, count);
    std::vector<unsigned char> chunks(total);
    size_t pos = 0;
    while (!c.done()) {
      const size_t k = static_cast<size_t>(g.uni(1, 13));
      const size_t n = c.pack(origin, chunks.data() + pos, k);
      REQUIRE(n == std::min(k, total - pos));
      pos += n;
    }
    REQUIRE(chunks == expect);

    // Unpack into a zeroed copy; compare against the reference scatter.
    std::vector<unsigned char> ref_out(buf.size(), 0), eng_out(buf.size(), 0);
    {
      size_t at = 0;
      for (int64_t i = 0; i < count; ++i)
        for (auto [d, s] : r.map) {
          std::memcpy(ref_out.data() - lo + i * r.extent() + d, expect.data() + at, static_cast<size_t>(s));
          at += static_cast<size_t>(s);
        }
    }
    dt::Cursor u(t, count);
    pos = 0;
    while (!u.done())
      pos += u.unpack(expect.data() + pos, eng_out.data() - lo, static_cast<size_t>(g.uni(1, 17)));
    REQUIRE(eng_out == ref_out);

    // Iovecs, a few entries at a time, concatenate to the packed stream.
    dt::Cursor iv(t, count);
    std::vector<unsigned char> via_iov;
    while (!iv.done()) {
      iovec v[3];
      size_t n = 0;
      const size_t bytes = iv.iov(origin, v, 3, static_cast<size_t>(g.uni(1, 40)), &n);
      REQUIRE(bytes > 0);
      size_t sum = 0;
      for (size_t i = 0; i < n; ++i) {
        const auto* p = static_cast<const unsigned char*>(v[i].iov_base);
        via_iov.insert(via_iov.end(), p, p + v[i].iov_len);
        sum += v[i].iov_len;
      }
      REQUIRE(sum == bytes);
    }
    REQUIRE(via_iov == expect);

    // Element counts at every entry boundary.
    int64_t bytes = 0, elems = 0;
    for (auto [d, s] : r.map) {
      (void)d;
      bytes += s, ++elems;
      REQUIRE(dt::count_elements(t, static_cast<size_t>(bytes)) == elems);
    }
  }
}
