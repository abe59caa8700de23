// Typed buffers for the upper-case methods: a contiguous range (std::vector, std::array, std::span, C
// arrays, std::string) or a single object of a type with a datatype, or an explicit (pointer, count,
// Datatype). Deduction happens at compile time: no copies, no allocations. Receiving into const memory,
// or sending a type without a datatype, does not compile.
#pragma once

#include <mpi.h>

#include <climits>
#include <cstddef>
#include <memory>
#include <ranges>
#include <type_traits>

#include "parley/datatype.hpp"

namespace parley {

// An explicit read-only buffer: `count` elements of `type` starting at `ptr`.
struct ConstBuffer {
  const void* ptr;
  int count;
  MPI_Datatype type;
};

// An explicit writable buffer.
struct Buffer {
  void* ptr;
  int count;
  MPI_Datatype type;
  operator ConstBuffer() const noexcept { return {ptr, count, type}; }
};

// The send buffer of a collective that takes its data from the receive buffer (MPI_IN_PLACE).
struct InPlace {
  explicit constexpr InPlace(int) {}
};
inline constexpr InPlace IN_PLACE{0};

namespace detail {
inline int checked_count(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw Exception(MPI_ERR_COUNT, "parley: buffer holds more than INT_MAX elements");
  return static_cast<int>(n);
}
}  // namespace detail

inline Buffer buffer(void* ptr, int count, const Datatype& type) { return {ptr, count, type.handle()}; }
inline ConstBuffer buffer(const void* ptr, int count, const Datatype& type) {
  return {ptr, count, type.handle()};
}
template <has_datatype T>
Buffer buffer(T* ptr, std::size_t count) {
  return {ptr, detail::checked_count(count), datatype_of<T>()};
}
template <has_datatype T>
ConstBuffer buffer(const T* ptr, std::size_t count) {
  return {ptr, detail::checked_count(count), datatype_of<T>()};
}

// A contiguous, sized range of elements that have a datatype.
template <class R>
concept typed_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    has_datatype<std::ranges::range_value_t<R>>;

// What an upper-case method can send from.
template <class B>
concept send_buffer =
    std::same_as<std::remove_cvref_t<B>, ConstBuffer> || std::same_as<std::remove_cvref_t<B>, Buffer> ||
    typed_range < const std::remove_cvref_t<B>
& > || has_datatype<std::remove_cvref_t<B>>;

// What an upper-case method can receive into: writable memory only.
template <class B>
concept recv_buffer = std::same_as<std::remove_cvref_t<B>, Buffer> ||
                      (typed_range<B> &&
                       !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<B>>>) ||
                      (std::is_lvalue_reference_v<B> && !std::is_const_v<std::remove_reference_t<B>> &&
                       has_datatype<std::remove_cvref_t<B>> && !std::ranges::range<std::remove_cvref_t<B>>);

// Collectives: a send buffer, IN_PLACE, or nullptr where the argument is not significant (non-roots).
template <class B>
concept coll_send_buffer = send_buffer<B> || std::same_as<std::remove_cvref_t<B>, InPlace> ||
    std::same_as<std::remove_cvref_t<B>, std::nullptr_t>;
template <class B>
concept coll_recv_buffer = recv_buffer<B> || std::same_as<std::remove_cvref_t<B>, std::nullptr_t>;

namespace detail {

template <class B>
ConstBuffer as_send(const B& b) {
  using T = std::remove_cvref_t<B>;
  if constexpr (std::same_as<T, ConstBuffer>) {
    return b;
  } else if constexpr (std::same_as<T, Buffer>) {
    return b;
  } else if constexpr (std::same_as<T, InPlace>) {
    return {MPI_IN_PLACE, 0, MPI_DATATYPE_NULL};
  } else if constexpr (std::same_as<T, std::nullptr_t>) {
    return {nullptr, 0, MPI_BYTE};
  } else if constexpr (typed_range<const T&>) {
    return {std::ranges::data(b), checked_count(std::ranges::size(b)),
            datatype_of<std::ranges::range_value_t<T>>()};
  } else {
    return {std::addressof(b), 1, datatype_of<T>()};
  }
}

template <class B>
Buffer as_recv(B&& b) {
  using T = std::remove_cvref_t<B>;
  if constexpr (std::same_as<T, Buffer>) {
    return b;
  } else if constexpr (std::same_as<T, std::nullptr_t>) {
    return {nullptr, 0, MPI_BYTE};
  } else if constexpr (typed_range<B>) {
    return {std::ranges::data(b), checked_count(std::ranges::size(b)),
            datatype_of<std::ranges::range_value_t<T>>()};
  } else {
    return {std::addressof(b), 1, datatype_of<T>()};
  }
}

// The MPI_IN_PLACE send buffer, as the C API spells it.
inline bool is_in_place(const ConstBuffer& b) noexcept { return b.ptr == MPI_IN_PLACE; }

}  // namespace detail
}  // namespace parley
