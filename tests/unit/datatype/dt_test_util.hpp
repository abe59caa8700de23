// Helpers shared by the datatype unit tests: owning handles for engine
// types and the typemap of a committed type read back through iovecs.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <utility>
#include <vector>

#include "datatype/pack.hpp"
#include "datatype/type.hpp"

namespace dtt {

using parley::dt::BasicKind;
using parley::dt::Type;

struct Release {
  void operator()(Type* t) const { t->release(); }
};
using TypePtr = std::unique_ptr<Type, Release>;

inline Type* basic(BasicKind k) { return Type::predefined(k); }

// Unwraps a constructor's result, failing the test on error, and commits.
inline TypePtr ok(parley::dt::Result<Type*> r) {
  if (!r.is_ok()) FAIL("constructor failed: " << r.status().message());
  TypePtr t(r.value());
  auto st = t->commit();
  REQUIRE(st.is_ok());
  return t;
}

// The (offset, length) pieces of (count, type), merged where adjacent.
inline std::vector<std::pair<long, long>> pieces(const Type& t, int64_t count = 1) {
  std::vector<iovec> iov(4096);
  size_t n = 0;
  parley::dt::Cursor c(t, count);
  c.iov(nullptr, iov.data(), iov.size(), c.total(), &n);
  std::vector<std::pair<long, long>> out;
  for (size_t i = 0; i < n; ++i)
    out.emplace_back(reinterpret_cast<long>(iov[i].iov_base), static_cast<long>(iov[i].iov_len));
  return out;
}

using Pieces = std::vector<std::pair<long, long>>;

}  // namespace dtt
