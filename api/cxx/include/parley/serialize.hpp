// The one serialisation file (STYLE §9): objects to bytes and back with cereal's binary archives, for
// the lower-case methods. Bytes go straight into/out of a std::vector<char>, without a stringstream copy.
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
#include <cstddef>
#include <istream>
#include <ostream>
#include <streambuf>
#include <vector>

#include "parley/exception.hpp"

namespace parley::detail {

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
