// Datatype: RAII owner of derived datatypes, views of the predefined ones, the deduction of a datatype
// from a C++ type (STYLE §11), and one-line registration of user structs.
#pragma once

#include <mpi.h>

#include <array>
#include <complex>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "parley/env.hpp"
#include "parley/handle.hpp"

namespace parley {

namespace detail {
struct DatatypeTraits {
  using handle_type = MPI_Datatype;
  static handle_type null() noexcept { return MPI_DATATYPE_NULL; }
  static int free(handle_type* h) noexcept { return MPI_Type_free(h); }
};
}  // namespace detail

// An MPI datatype. Predefined ones (INT, DOUBLE, ...) are views; Create_* return owned, uncommitted types.
class Datatype : public detail::Handle<detail::DatatypeTraits> {
 public:
  using Handle::Handle;

  int Get_size() const {
    detail::ensure_init();
    int size = 0;
    check(MPI_Type_size(handle(), &size));
    return size;
  }
  // {lower bound, extent}
  std::pair<MPI_Aint, MPI_Aint> Get_extent() const {
    detail::ensure_init();
    MPI_Aint lb = 0, extent = 0;
    check(MPI_Type_get_extent(handle(), &lb, &extent));
    return {lb, extent};
  }
  std::pair<MPI_Aint, MPI_Aint> Get_true_extent() const {
    detail::ensure_init();
    MPI_Aint lb = 0, extent = 0;
    check(MPI_Type_get_true_extent(handle(), &lb, &extent));
    return {lb, extent};
  }

  Datatype Dup() const {
    return make([&](MPI_Datatype* t) { return MPI_Type_dup(handle(), t); });
  }
  Datatype Create_contiguous(int count) const {
    return make([&](MPI_Datatype* t) { return MPI_Type_contiguous(count, handle(), t); });
  }
  Datatype Create_vector(int count, int blocklength, int stride) const {
    return make([&](MPI_Datatype* t) { return MPI_Type_vector(count, blocklength, stride, handle(), t); });
  }
  Datatype Create_hvector(int count, int blocklength, MPI_Aint stride) const {
    return make(
        [&](MPI_Datatype* t) { return MPI_Type_create_hvector(count, blocklength, stride, handle(), t); });
  }
  Datatype Create_indexed(const std::vector<int>& blocklengths, const std::vector<int>& displacements) const {
    same_length(blocklengths.size(), displacements.size());
    return make([&](MPI_Datatype* t) {
      return MPI_Type_indexed(static_cast<int>(blocklengths.size()), blocklengths.data(),
                              displacements.data(), handle(), t);
    });
  }
  Datatype Create_hindexed(const std::vector<int>& blocklengths,
                           const std::vector<MPI_Aint>& displacements) const {
    same_length(blocklengths.size(), displacements.size());
    return make([&](MPI_Datatype* t) {
      return MPI_Type_create_hindexed(static_cast<int>(blocklengths.size()), blocklengths.data(),
                                      displacements.data(), handle(), t);
    });
  }
  Datatype Create_indexed_block(int blocklength, const std::vector<int>& displacements) const {
    return make([&](MPI_Datatype* t) {
      return MPI_Type_create_indexed_block(static_cast<int>(displacements.size()), blocklength,
                                           displacements.data(), handle(), t);
    });
  }
  Datatype Create_hindexed_block(int blocklength, const std::vector<MPI_Aint>& displacements) const {
    return make([&](MPI_Datatype* t) {
      return MPI_Type_create_hindexed_block(static_cast<int>(displacements.size()), blocklength,
                                            displacements.data(), handle(), t);
    });
  }
  Datatype Create_subarray(const std::vector<int>& sizes, const std::vector<int>& subsizes,
                           const std::vector<int>& starts, int order = MPI_ORDER_C) const {
    same_length(sizes.size(), subsizes.size());
    same_length(sizes.size(), starts.size());
    return make([&](MPI_Datatype* t) {
      return MPI_Type_create_subarray(static_cast<int>(sizes.size()), sizes.data(), subsizes.data(),
                                      starts.data(), order, handle(), t);
    });
  }
  Datatype Create_resized(MPI_Aint lb, MPI_Aint extent) const {
    return make([&](MPI_Datatype* t) { return MPI_Type_create_resized(handle(), lb, extent, t); });
  }
  static Datatype Create_struct(const std::vector<int>& blocklengths,
                                const std::vector<MPI_Aint>& displacements,
                                std::initializer_list<std::reference_wrapper<const Datatype>> types) {
    std::vector<MPI_Datatype> raw;
    for (const Datatype& t : types) raw.push_back(t.handle());
    return Create_struct(blocklengths, displacements, raw);
  }
  static Datatype Create_struct(const std::vector<int>& blocklengths,
                                const std::vector<MPI_Aint>& displacements,
                                std::span<const MPI_Datatype> types) {
    same_length(blocklengths.size(), displacements.size());
    same_length(blocklengths.size(), types.size());
    detail::ensure_init();
    MPI_Datatype t = MPI_DATATYPE_NULL;
    check(MPI_Type_create_struct(static_cast<int>(blocklengths.size()), blocklengths.data(),
                                 displacements.data(), types.data(), &t));
    return Datatype(t, adopt);
  }

  // The block of a distributed array that process `rank` of `size` owns (HPF-style distributions).
  Datatype Create_darray(int size, int rank, const std::vector<int>& gsizes, const std::vector<int>& distribs,
                         const std::vector<int>& dargs, const std::vector<int>& psizes,
                         int order = MPI_ORDER_C) const {
    same_length(gsizes.size(), distribs.size());
    same_length(gsizes.size(), dargs.size());
    same_length(gsizes.size(), psizes.size());
    return make([&](MPI_Datatype* t) {
      return MPI_Type_create_darray(size, rank, static_cast<int>(gsizes.size()), gsizes.data(),
                                    distribs.data(), dargs.data(), psizes.data(), order, handle(), t);
    });
  }
  // The predefined type of `typeclass` (TYPECLASS_INTEGER, _REAL, _COMPLEX) with `size` bytes.
  static Datatype Match_size(int typeclass, int size) {
    detail::ensure_init();
    MPI_Datatype t = MPI_DATATYPE_NULL;
    check(MPI_Type_match_size(typeclass, size, &t));
    return Datatype(t);
  }
  // {num_integers, num_addresses, num_datatypes, combiner} (MPI_Type_get_envelope).
  std::array<int, 4> Get_envelope() const {
    detail::ensure_init();
    std::array<int, 4> e{};
    check(MPI_Type_get_envelope(handle(), &e[0], &e[1], &e[2], &e[3]));
    return e;
  }

  // Packing (MPI_Pack/MPI_Unpack) of `count` elements of this type for communicator `comm` (any parley
  // communicator). `position` is the byte offset in the packed buffer; the new offset is returned.
  template <class C>
  int Pack(const void* inbuf, int count, void* outbuf, int outsize, int position, const C& comm) const {
    detail::ensure_init();
    check(MPI_Pack(inbuf, count, handle(), outbuf, outsize, &position, comm.handle()));
    return position;
  }
  template <class C>
  int Unpack(const void* inbuf, int insize, int position, void* outbuf, int count, const C& comm) const {
    detail::ensure_init();
    check(MPI_Unpack(inbuf, insize, &position, outbuf, count, handle(), comm.handle()));
    return position;
  }
  // An upper bound of the bytes Pack needs for `count` elements.
  template <class C>
  int Pack_size(int count, const C& comm) const {
    detail::ensure_init();
    int size = 0;
    check(MPI_Pack_size(count, handle(), comm.handle(), &size));
    return size;
  }
  // The portable (external32) representation: no communicator, byte offsets as MPI_Aint.
  MPI_Aint Pack_external(const char* datarep, const void* inbuf, int count, void* outbuf, MPI_Aint outsize,
                         MPI_Aint position) const {
    detail::ensure_init();
    check(MPI_Pack_external(datarep, inbuf, count, handle(), outbuf, outsize, &position));
    return position;
  }
  MPI_Aint Unpack_external(const char* datarep, const void* inbuf, MPI_Aint insize, MPI_Aint position,
                           void* outbuf, int count) const {
    detail::ensure_init();
    check(MPI_Unpack_external(datarep, inbuf, insize, &position, outbuf, count, handle()));
    return position;
  }
  MPI_Aint Pack_external_size(const char* datarep, int count) const {
    detail::ensure_init();
    MPI_Aint size = 0;
    check(MPI_Pack_external_size(datarep, count, handle(), &size));
    return size;
  }

  // Commits the type for use in communication; returns *this so a constructor chain can end in it.
  Datatype& Commit() & {
    MPI_Datatype h = handle();
    check(MPI_Type_commit(&h));
    return *this;
  }
  Datatype&& Commit() && { return std::move(Commit()); }

  void Set_name(std::string_view name) const {
    detail::ensure_init();
    std::string n(name);
    check(MPI_Type_set_name(handle(), n.c_str()));
  }
  std::string Get_name() const {
    detail::ensure_init();
    char name[MPI_MAX_OBJECT_NAME] = {};
    int len = 0;
    check(MPI_Type_get_name(handle(), name, &len));
    return std::string(name, static_cast<std::size_t>(len));
  }

 private:
  // Runs one MPI type constructor and owns what it made.
  template <class F>
  static Datatype make(F&& construct) {
    detail::ensure_init();
    MPI_Datatype t = MPI_DATATYPE_NULL;
    check(construct(&t));
    return Datatype(t, adopt);
  }
  static void same_length(std::size_t a, std::size_t b) {
    if (a != b) throw Exception(MPI_ERR_ARG, "Datatype: argument arrays differ in length");
  }
};

// Predefined datatypes (non-owning views).
inline const Datatype DATATYPE_NULL{};
inline const Datatype CHAR{MPI_CHAR};
inline const Datatype SIGNED_CHAR{MPI_SIGNED_CHAR};
inline const Datatype UNSIGNED_CHAR{MPI_UNSIGNED_CHAR};
inline const Datatype BYTE{MPI_BYTE};
inline const Datatype WCHAR{MPI_WCHAR};
inline const Datatype SHORT{MPI_SHORT};
inline const Datatype UNSIGNED_SHORT{MPI_UNSIGNED_SHORT};
inline const Datatype INT{MPI_INT};
inline const Datatype UNSIGNED{MPI_UNSIGNED};
inline const Datatype LONG{MPI_LONG};
inline const Datatype UNSIGNED_LONG{MPI_UNSIGNED_LONG};
inline const Datatype LONG_LONG{MPI_LONG_LONG};
inline const Datatype UNSIGNED_LONG_LONG{MPI_UNSIGNED_LONG_LONG};
inline const Datatype FLOAT{MPI_FLOAT};
inline const Datatype DOUBLE{MPI_DOUBLE};
inline const Datatype LONG_DOUBLE{MPI_LONG_DOUBLE};
inline const Datatype INT8_T{MPI_INT8_T};
inline const Datatype INT16_T{MPI_INT16_T};
inline const Datatype INT32_T{MPI_INT32_T};
inline const Datatype INT64_T{MPI_INT64_T};
inline const Datatype UINT8_T{MPI_UINT8_T};
inline const Datatype UINT16_T{MPI_UINT16_T};
inline const Datatype UINT32_T{MPI_UINT32_T};
inline const Datatype UINT64_T{MPI_UINT64_T};
inline const Datatype AINT{MPI_AINT};
inline const Datatype OFFSET{MPI_OFFSET};
inline const Datatype COUNT{MPI_COUNT};
inline const Datatype CXX_BOOL{MPI_CXX_BOOL};
inline const Datatype CXX_FLOAT_COMPLEX{MPI_CXX_FLOAT_COMPLEX};
inline const Datatype CXX_DOUBLE_COMPLEX{MPI_CXX_DOUBLE_COMPLEX};
inline const Datatype CXX_LONG_DOUBLE_COMPLEX{MPI_CXX_LONG_DOUBLE_COMPLEX};
inline const Datatype FLOAT_INT{MPI_FLOAT_INT};
inline const Datatype DOUBLE_INT{MPI_DOUBLE_INT};
inline const Datatype LONG_INT{MPI_LONG_INT};
inline const Datatype TWOINT{MPI_2INT};
inline const Datatype SHORT_INT{MPI_SHORT_INT};
inline const Datatype LONG_DOUBLE_INT{MPI_LONG_DOUBLE_INT};
inline const Datatype PACKED{MPI_PACKED};

// ---- Deduction: which MPI datatype describes a C++ type ---------------------------------------------
//
// Specialise datatype_traits<T> with `static MPI_Datatype get()` to make T usable in typed buffers; for
// a plain struct, derive the specialisation from struct_type<&T::a, &T::b, ...> (see below).
template <class T>
struct datatype_traits {};

#define PARLEY_PREDEFINED_TYPE(T, H)                 \
  template <>                                        \
  struct datatype_traits<T> {                        \
    static MPI_Datatype get() noexcept { return H; } \
  }
PARLEY_PREDEFINED_TYPE(char, MPI_CHAR);
PARLEY_PREDEFINED_TYPE(signed char, MPI_SIGNED_CHAR);
PARLEY_PREDEFINED_TYPE(unsigned char, MPI_UNSIGNED_CHAR);
PARLEY_PREDEFINED_TYPE(wchar_t, MPI_WCHAR);
PARLEY_PREDEFINED_TYPE(short, MPI_SHORT);
PARLEY_PREDEFINED_TYPE(unsigned short, MPI_UNSIGNED_SHORT);
PARLEY_PREDEFINED_TYPE(int, MPI_INT);
PARLEY_PREDEFINED_TYPE(unsigned, MPI_UNSIGNED);
PARLEY_PREDEFINED_TYPE(long, MPI_LONG);
PARLEY_PREDEFINED_TYPE(unsigned long, MPI_UNSIGNED_LONG);
PARLEY_PREDEFINED_TYPE(long long, MPI_LONG_LONG);
PARLEY_PREDEFINED_TYPE(unsigned long long, MPI_UNSIGNED_LONG_LONG);
PARLEY_PREDEFINED_TYPE(float, MPI_FLOAT);
PARLEY_PREDEFINED_TYPE(double, MPI_DOUBLE);
PARLEY_PREDEFINED_TYPE(long double, MPI_LONG_DOUBLE);
PARLEY_PREDEFINED_TYPE(bool, MPI_CXX_BOOL);
PARLEY_PREDEFINED_TYPE(std::byte, MPI_BYTE);
PARLEY_PREDEFINED_TYPE(std::complex<float>, MPI_CXX_FLOAT_COMPLEX);
PARLEY_PREDEFINED_TYPE(std::complex<double>, MPI_CXX_DOUBLE_COMPLEX);
PARLEY_PREDEFINED_TYPE(std::complex<long double>, MPI_CXX_LONG_DOUBLE_COMPLEX);
#undef PARLEY_PREDEFINED_TYPE

// T has an MPI datatype (predefined or registered).
template <class T>
concept has_datatype = requires {
  { datatype_traits<std::remove_cv_t<T>>::get() } -> std::convertible_to<MPI_Datatype>;
};

// The MPI datatype for T (raw handle; predefined or registered once, never freed by the caller).
template <has_datatype T>
MPI_Datatype datatype_of() {
  return datatype_traits<std::remove_cv_t<T>>::get();
}

namespace detail {

// Frees `type` when MPI finalises, whoever calls MPI_Finalize: MPI deletes COMM_SELF's attributes first.
inline void free_at_finalize(MPI_Datatype type) {
  auto on_delete = [](MPI_Comm, int keyval, void* value, void*) -> int {
    MPI_Datatype* t = static_cast<MPI_Datatype*>(value);
    MPI_Type_free(t);
    delete t;
    MPI_Comm_free_keyval(&keyval);
    return MPI_SUCCESS;
  };
  int keyval = MPI_KEYVAL_INVALID;
  check(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, on_delete, &keyval, nullptr));
  check(MPI_Comm_set_attr(MPI_COMM_SELF, keyval, new MPI_Datatype(type)));
}

template <class M>
struct member_pointer;
template <class C, class M>
struct member_pointer<M C::*> {
  using owner = C;
  using member = M;
};

// A struct member becomes a block: arrays of a typed element (C arrays, std::array) are one block.
template <class M>
struct member_block {
  static_assert(has_datatype<M>, "struct_type: every member needs a datatype (register it first)");
  static constexpr int length = 1;
  static MPI_Datatype type() { return datatype_of<M>(); }
};
template <class M, std::size_t N>
struct member_block<M[N]> {
  static constexpr int length = static_cast<int>(N) * member_block<M>::length;
  static MPI_Datatype type() { return member_block<M>::type(); }
};
template <class M, std::size_t N>
struct member_block<std::array<M, N>> {
  static constexpr int length = static_cast<int>(N) * member_block<M>::length;
  static MPI_Datatype type() { return member_block<M>::type(); }
};

}  // namespace detail

// Registration of a user struct, once, as a datatype built from its members:
//   template <> struct parley::datatype_traits<Particle>
//       : parley::struct_type<&Particle::pos, &Particle::mass, &Particle::id> {};
// The type is built and committed on first use, with the struct's own size as its extent, so arrays of
// the struct travel as they lie in memory (padding is skipped).
template <auto First, auto... Rest>
struct struct_type {
  using owner = typename detail::member_pointer<decltype(First)>::owner;
  static_assert(std::is_default_constructible_v<owner>,
                "struct_type: the struct must be default-constructible");

  static MPI_Datatype get() {
    static const MPI_Datatype type = build();
    return type;
  }

 private:
  template <auto M>
  static MPI_Aint offset_of(const owner& probe) {
    return reinterpret_cast<const char*>(std::addressof(probe.*M)) - reinterpret_cast<const char*>(&probe);
  }
  static MPI_Datatype build() {
    detail::ensure_init();
    const owner probe{};
    int lengths[] = {
        detail::member_block<typename detail::member_pointer<decltype(First)>::member>::length,
        detail::member_block<typename detail::member_pointer<decltype(Rest)>::member>::length...};
    MPI_Aint displs[] = {offset_of<First>(probe), offset_of<Rest>(probe)...};
    MPI_Datatype types[] = {
        detail::member_block<typename detail::member_pointer<decltype(First)>::member>::type(),
        detail::member_block<typename detail::member_pointer<decltype(Rest)>::member>::type()...};
    MPI_Datatype packed = MPI_DATATYPE_NULL, resized = MPI_DATATYPE_NULL;
    check(MPI_Type_create_struct(static_cast<int>(sizeof(lengths) / sizeof(int)), lengths, displs, types,
                                 &packed));
    int rc = MPI_Type_create_resized(packed, 0, static_cast<MPI_Aint>(sizeof(owner)), &resized);
    MPI_Type_free(&packed);
    check(rc);
    check(MPI_Type_commit(&resized));
    detail::free_at_finalize(resized);
    return resized;
  }
};

}  // namespace parley
