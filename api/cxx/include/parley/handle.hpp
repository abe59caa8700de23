// The RAII owner every parley object is built on (STYLE §10): move-only, frees only what it owns, never
// frees predefined objects, Free() twice is harmless, destructors never throw (and do nothing after
// MPI_Finalize).
#pragma once

#include <mpi.h>

#include <utility>

#include "parley/exception.hpp"

namespace parley {

// Tag: construct from a raw handle and take ownership of it (the default is a non-owning view).
struct adopt_t {
  explicit adopt_t() = default;
};
inline constexpr adopt_t adopt{};

namespace detail {

inline bool mpi_finalized() noexcept {
  int flag = 0;
  MPI_Finalized(&flag);
  return flag != 0;
}

// Traits: handle_type, null(), free(handle_type*) -> int.
template <class Traits>
class Handle {
 public:
  using handle_type = typename Traits::handle_type;

  Handle() noexcept : h_(Traits::null()) {}
  // A non-owning view of `h` (predefined objects, or handles the caller keeps ownership of).
  explicit Handle(handle_type h) noexcept : h_(h) {}
  // Takes ownership of `h`; it is freed when this object is destroyed or Free()d.
  Handle(handle_type h, adopt_t) noexcept : h_(h), owned_(h != Traits::null()) {}
  Handle(Handle&& o) noexcept
      : h_(std::exchange(o.h_, Traits::null())), owned_(std::exchange(o.owned_, false)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, Traits::null());
      owned_ = std::exchange(o.owned_, false);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  // The raw MPI handle, for mixing in plain MPI calls.
  handle_type handle() const noexcept { return h_; }
  // Gives up ownership and returns the raw handle; this object becomes null.
  handle_type release() noexcept {
    owned_ = false;
    return std::exchange(h_, Traits::null());
  }
  // Whether this object frees its handle.
  bool is_owner() const noexcept { return owned_; }
  bool Is_null() const noexcept { return h_ == Traits::null(); }
  explicit operator bool() const noexcept { return h_ != Traits::null(); }
  friend bool operator==(const Handle& a, const Handle& b) noexcept { return a.h_ == b.h_; }

  // Frees the object if this owns it, then becomes null; on a view it only drops the view. Harmless twice.
  void Free() {
    if (owned_ && h_ != Traits::null()) {
      handle_type h = h_;
      check(Traits::free(&h));
    }
    h_ = Traits::null();
    owned_ = false;
  }

 protected:
  void reset() noexcept {
    if (owned_ && h_ != Traits::null() && !mpi_finalized()) Traits::free(&h_);
    h_ = Traits::null();
    owned_ = false;
  }

 private:
  handle_type h_;
  bool owned_ = false;
};

}  // namespace detail
}  // namespace parley
