// The one serialisation file (STYLE §9): objects to bytes and back with cereal's binary archives, for
// the lower-case methods. Bytes go straight into/out of a std::vector<char>, without a stringstream copy.
// The one exception is a contiguous container of plain numbers (raw_object below): point-to-point sends
// its elements' bytes as they are and the receiver sizes the container from the matched message, so that
// path copies nothing and costs what the typed path costs plus one allocation.
#pragma once

#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/bitset.hpp>
#include <cereal/types/chrono.hpp>
#include <cereal/types/complex.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/forward_list.hpp>
#include <cereal/types/list.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/memory.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <complex>
#include <cstddef>
#include <istream>
#include <ostream>
#include <streambuf>
#include <string>
#include <type_traits>
#include <vector>

#include "parley/exception.hpp"

namespace parley::detail {

// Elements whose bytes are their value on a homogeneous system (cereal's binary archive writes them as
// bytes too); bool is left out (std::vector<bool> packs bits).
template <class T>
inline constexpr bool raw_element = std::is_arithmetic_v<T> && !std::is_same_v<T, bool>;
template <class T>
inline constexpr bool raw_element<std::complex<T>> = std::is_floating_point_v<T>;

template <class T>
struct is_raw_container : std::false_type {};
template <class T, class A>
struct is_raw_container<std::vector<T, A>> : std::bool_constant<raw_element<T>> {};
template <class C, class Tr, class A>
struct is_raw_container<std::basic_string<C, Tr, A>> : std::bool_constant<raw_element<C>> {};

// A std::vector or std::basic_string of plain numbers: the lower-case point-to-point methods send its
// elements (no size header: the message's size is the container's) and receive into a container sized
// from the matched message. Sender and receiver name the same type, as they must for cereal anyway.
template <class T>
concept raw_object = is_raw_container<T>::value;

// An output streambuf appending to a vector<char>.
class VectorSink : public std::streambuf {
 public:
  explicit VectorSink(std::vector<char>& out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) out_.push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.insert(out_.end(), s, s + n);
    return n;
  }

 private:
  std::vector<char>& out_;
};

// An input streambuf reading memory in place.
class MemorySource : public std::streambuf {
 public:
  MemorySource(const char* data, std::size_t size) {
    char* p = const_cast<char*>(data);  // never written through: no putback area is offered
    setg(p, p, p + size);
  }
};

template <class T>
std::vector<char> pack(const T& obj) {
  std::vector<char> bytes;
  VectorSink sink(bytes);
  std::ostream os(&sink);
  {
    cereal::BinaryOutputArchive archive(os);
    archive(obj);
  }
  return bytes;
}

// The bytes a raw_object sends.
template <raw_object T>
std::size_t raw_size(const T& obj) noexcept {
  return obj.size() * sizeof(typename T::value_type);
}

// What a point-to-point object send transmits, as an owned buffer (for the nonblocking sends, whose
// object the caller may change at once): a raw_object's bytes, else the cereal archive.
template <class T>
std::vector<char> pack_message(const T& obj) {
  if constexpr (raw_object<T>) {
    const char* p = reinterpret_cast<const char*>(obj.data());
    return std::vector<char>(p, p + raw_size(obj));
  } else {
    return pack(obj);
  }
}

// A raw_object sized for a message of `bytes` bytes (throws if that is not a whole number of elements).
template <raw_object T>
T raw_container_for(std::size_t bytes) {
  using E = typename T::value_type;
  if (bytes % sizeof(E) != 0)
    throw Exception(MPI_ERR_TRUNCATE, "parley: received " + std::to_string(bytes) +
                                          " bytes, not a whole number of " + std::to_string(sizeof(E)) +
                                          "-byte elements of the container received into");
  T obj;
  obj.resize(bytes / sizeof(E));
  return obj;
}

template <class T>
T unpack(const char* data, std::size_t size) {
  // Nothing to read: a receive from PROC_NULL, or a type that serialises to no bytes.
  if (size == 0) return T{};
  MemorySource source(data, size);
  std::istream is(&source);
  T obj{};
  try {
    cereal::BinaryInputArchive archive(is);
    archive(obj);
  } catch (const cereal::Exception& e) {
    throw Exception(MPI_ERR_TRUNCATE,
                    std::string("parley: received object does not deserialise (") + e.what() + ")");
  }
  return obj;
}

}  // namespace parley::detail
