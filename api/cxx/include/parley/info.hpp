// Info: owned (key, value) hints; INFO_NULL and INFO_ENV are views.
#pragma once

#include <mpi.h>

#include <optional>
#include <string>
#include <string_view>

#include "parley/env.hpp"
#include "parley/handle.hpp"

namespace parley {

namespace detail {
struct InfoTraits {
  using handle_type = MPI_Info;
  static handle_type null() noexcept { return MPI_INFO_NULL; }
  static int free(handle_type* h) noexcept { return MPI_Info_free(h); }
};
}  // namespace detail

class Info : public detail::Handle<detail::InfoTraits> {
 public:
  using Handle::Handle;

  static Info Create() {
    detail::ensure_init();
    MPI_Info info = MPI_INFO_NULL;
    check(MPI_Info_create(&info));
    return Info(info, adopt);
  }
  Info Dup() const {
    detail::ensure_init();
    MPI_Info info = MPI_INFO_NULL;
    check(MPI_Info_dup(handle(), &info));
    return Info(info, adopt);
  }
  void Set(std::string_view key, std::string_view value) const {
    std::string k(key), v(value);
    check(MPI_Info_set(handle(), k.c_str(), v.c_str()));
  }
  // The value for `key`, or nullopt when the key is not set.
  std::optional<std::string> Get(std::string_view key) const {
    std::string k(key);
    int len = 0, flag = 0;
    check(MPI_Info_get_valuelen(handle(), k.c_str(), &len, &flag));
    if (!flag) return std::nullopt;
    std::string value(static_cast<std::size_t>(len) + 1, '\0');
    check(MPI_Info_get(handle(), k.c_str(), len + 1, value.data(), &flag));
    value.resize(static_cast<std::size_t>(len));
    return value;
  }
  void Delete(std::string_view key) const {
    std::string k(key);
    check(MPI_Info_delete(handle(), k.c_str()));
  }
  int Get_nkeys() const {
    int n = 0;
    check(MPI_Info_get_nkeys(handle(), &n));
    return n;
  }
  std::string Get_nthkey(int n) const {
    char key[MPI_MAX_INFO_KEY + 1] = {};
    check(MPI_Info_get_nthkey(handle(), n, key));
    return key;
  }
};

inline const Info INFO_NULL{};
inline const Info INFO_ENV{MPI_INFO_ENV};

}  // namespace parley
