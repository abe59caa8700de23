// Derived datatypes on the C ABI (MPI-3.1 chapter 4 and 6.7): constructors,
// commit/free, size and extent queries, envelope/contents, names, type
// attributes, address arithmetic; and the datatype handle table.
#include <mpi.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "datatype_table.hpp"

using parley::Status;
using parley::c::report;
namespace dt = parley::dt;

namespace parley::c {
namespace {

// ---- the handle table ---------------------------------------------------------

constexpr uint32_t kDerivedKind = 0x8c000000u;
constexpr uint32_t kFirstSlot = 0x20;
constexpr size_t kChunk = 1024;
constexpr size_t kMaxChunks = 4096;

struct Slot {
  std::atomic<dt::Type*> type{nullptr};
};

struct Keyval {
  MPI_Type_copy_attr_function* copy = nullptr;
  MPI_Type_delete_attr_function* del = nullptr;
  void* extra = nullptr;
  bool freed = false;
  int uses = 0;  // attributes set with it
};

class Table {
 public:
  dt::Type* lookup(MPI_Datatype h) const {
    const auto u = static_cast<uint32_t>(h);
    if ((u & 0xfc000000u) == 0x4c000000u) {
      const int k = builtin_[u & 0xffu];
      return k >= 0 && builtin_handle_[u & 0xffu] == h ? dt::Type::predefined(static_cast<dt::BasicKind>(k))
                                                       : nullptr;
    }
    if ((u & 0xfc000000u) != kDerivedKind) return nullptr;
    const uint32_t idx = u & 0x03ffffffu;
    if (idx < 5)
      return pairs_[idx] >= 0 ? dt::Type::predefined(static_cast<dt::BasicKind>(pairs_[idx])) : nullptr;
    if (idx < kFirstSlot) return nullptr;
    const size_t slot = idx - kFirstSlot;
    if (slot / kChunk >= kMaxChunks) return nullptr;
    Slot* chunk = chunks_[slot / kChunk].load(std::memory_order_acquire);
    return chunk == nullptr ? nullptr : chunk[slot % kChunk].type.load(std::memory_order_acquire);
  }

  MPI_Datatype handle_of(dt::BasicKind k) const { return kind_handle_[static_cast<size_t>(k)]; }

  void add_builtin(MPI_Datatype h, dt::BasicKind k) {
    const auto u = static_cast<uint32_t>(h);
    kind_handle_[static_cast<size_t>(k)] = h;
    if ((u & 0xfc000000u) == kDerivedKind) {
      pairs_[u & 0x3ffffffu] = static_cast<int>(k);
    } else {
      builtin_[u & 0xffu] = static_cast<int>(k);
      builtin_handle_[u & 0xffu] = h;
    }
  }

  // Takes the reference.
  MPI_Datatype add(dt::Type* t) {
    std::lock_guard lock(mu_);
    size_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = next_++;
      if (slot / kChunk >= kMaxChunks) return MPI_DATATYPE_NULL;
      if (chunks_[slot / kChunk].load(std::memory_order_relaxed) == nullptr)
        chunks_[slot / kChunk].store(new Slot[kChunk], std::memory_order_release);
    }
    chunks_[slot / kChunk].load(std::memory_order_relaxed)[slot % kChunk].type.store(
        t, std::memory_order_release);
    const auto h = static_cast<MPI_Datatype>(kDerivedKind | static_cast<uint32_t>(slot + kFirstSlot));
    users_[h] = 1;
    handle_by_type_[t] = h;
    return h;
  }

  // One user reference fewer; at zero the handle goes and the table's
  // reference is returned to the caller to release (after attribute deletion).
  dt::Type* drop(MPI_Datatype h) {
    std::lock_guard lock(mu_);
    auto it = users_.find(h);
    if (it == users_.end()) return nullptr;
    if (--it->second > 0) return nullptr;
    users_.erase(it);
    const size_t slot = (static_cast<uint32_t>(h) & 0x03ffffffu) - kFirstSlot;
    dt::Type* t = chunks_[slot / kChunk].load()[slot % kChunk].type.exchange(nullptr);
    handle_by_type_.erase(t);
    free_.push_back(slot);
    return t;
  }

  // A handle for an existing type (MPI_Type_get_contents): its own handle
  // with one more user reference, or a fresh one.
  MPI_Datatype share(dt::Type* t) {
    if (auto k = t->basic_kind()) return handle_of(*k);
    {
      std::lock_guard lock(mu_);
      auto it = handle_by_type_.find(t);
      if (it != handle_by_type_.end()) {
        ++users_[it->second];
        return it->second;
      }
    }
    t->retain();
    return add(t);
  }

  // Attributes, keyed by (handle, keyval).
  std::mutex mu_;
  std::map<MPI_Datatype, std::map<int, void*>> attrs_;
  std::vector<Keyval> keyvals_;

 private:
  std::array<int, 256> builtin_ = [] {
    std::array<int, 256> a{};
    a.fill(-1);
    return a;
  }();
  std::array<MPI_Datatype, 256> builtin_handle_{};
  std::array<int, 5> pairs_{-1, -1, -1, -1, -1};
  std::array<MPI_Datatype, dt::kNumKinds> kind_handle_{};
  std::array<std::atomic<Slot*>, kMaxChunks> chunks_{};
  std::vector<size_t> free_;
  size_t next_ = 0;
  std::unordered_map<MPI_Datatype, int> users_;
  std::unordered_map<const dt::Type*, MPI_Datatype> handle_by_type_;
};

Table& table() {
  static Table* t = [] {
    auto* tb = new Table();
    using K = dt::BasicKind;
    const std::pair<MPI_Datatype, K> builtins[] = {
        {MPI_CHAR, K::Char},
        {MPI_SIGNED_CHAR, K::SignedChar},
        {MPI_UNSIGNED_CHAR, K::UnsignedChar},
        {MPI_BYTE, K::Byte},
        {MPI_WCHAR, K::WChar},
        {MPI_SHORT, K::Short},
        {MPI_UNSIGNED_SHORT, K::UnsignedShort},
        {MPI_INT, K::Int},
        {MPI_UNSIGNED, K::Unsigned},
        {MPI_LONG, K::Long},
        {MPI_UNSIGNED_LONG, K::UnsignedLong},
        {MPI_LONG_LONG_INT, K::LongLong},
        {MPI_UNSIGNED_LONG_LONG, K::UnsignedLongLong},
        {MPI_FLOAT, K::Float},
        {MPI_DOUBLE, K::Double},
        {MPI_LONG_DOUBLE, K::LongDouble},
        {MPI_PACKED, K::Packed},
        {MPI_INT8_T, K::Int8},
        {MPI_INT16_T, K::Int16},
        {MPI_INT32_T, K::Int32},
        {MPI_INT64_T, K::Int64},
        {MPI_UINT8_T, K::Uint8},
        {MPI_UINT16_T, K::Uint16},
        {MPI_UINT32_T, K::Uint32},
        {MPI_UINT64_T, K::Uint64},
        {MPI_C_BOOL, K::CBool},
        {MPI_C_FLOAT_COMPLEX, K::CFloatComplex},
        {MPI_C_DOUBLE_COMPLEX, K::CDoubleComplex},
        {MPI_C_LONG_DOUBLE_COMPLEX, K::CLongDoubleComplex},
        {MPI_CXX_BOOL, K::CxxBool},
        {MPI_CXX_FLOAT_COMPLEX, K::CxxFloatComplex},
        {MPI_CXX_DOUBLE_COMPLEX, K::CxxDoubleComplex},
        {MPI_CXX_LONG_DOUBLE_COMPLEX, K::CxxLongDoubleComplex},
        {MPI_AINT, K::Aint},
        {MPI_OFFSET, K::Offset},
        {MPI_COUNT, K::Count},
        {MPI_FLOAT_INT, K::FloatInt},
        {MPI_DOUBLE_INT, K::DoubleInt},
        {MPI_LONG_INT, K::LongInt},
        {MPI_SHORT_INT, K::ShortInt},
        {MPI_2INT, K::TwoInt},
        {MPI_LONG_DOUBLE_INT, K::LongDoubleInt},
        {MPI_CHARACTER, K::Character},
        {MPI_INTEGER, K::Integer},
        {MPI_REAL, K::Real},
        {MPI_DOUBLE_PRECISION, K::DoublePrecision},
        {MPI_LOGICAL, K::Logical},
        {MPI_COMPLEX, K::Complex},
        {MPI_DOUBLE_COMPLEX, K::DoubleComplex},
        {MPI_2INTEGER, K::TwoInteger},
        {MPI_2REAL, K::TwoReal},
        {MPI_2DOUBLE_PRECISION, K::TwoDoublePrecision},
        {MPI_INTEGER1, K::Integer1},
        {MPI_INTEGER2, K::Integer2},
        {MPI_INTEGER4, K::Integer4},
        {MPI_INTEGER8, K::Integer8},
        {MPI_REAL4, K::Real4},
        {MPI_REAL8, K::Real8},
        {MPI_REAL16, K::Real16},
        {MPI_COMPLEX8, K::Complex8},
        {MPI_COMPLEX16, K::Complex16},
        {MPI_COMPLEX32, K::Complex32},
    };
    for (auto [h, k] : builtins) tb->add_builtin(h, k);
    return tb;
  }();
  return *t;
}

// ---- argument helpers -----------------------------------------------------------

constexpr MPI_Comm kWorld = MPI_COMM_WORLD;

Status negative(const char* arg, long long v) {
  return Status(MPI_ERR_COUNT, std::string(arg) + " must be non-negative (got " + std::to_string(v) + ")");
}

// int, MPI_Aint or MPI_Count arrays as the engine's int64_t.
template <class T>
std::vector<int64_t> widen(const T* a, int64_t n) {
  return std::vector<int64_t>(a, a + n);
}

// Shared tail of every constructor: report or hand out a new handle. `large`:
// made by an MPI-4 large-count (_c) constructor, which records its contents
// as large counts.
int finish(const char* fn, dt::Result<dt::Type*> r, MPI_Datatype* newtype, bool large = false) {
  if (!r.is_ok()) return report(fn, kWorld, r.status());
  if (large) dt::use_large_count_contents(*r.value());
  MPI_Datatype h = table().add(r.value());
  if (h == MPI_DATATYPE_NULL) {
    r.value()->release();
    return report(fn, kWorld, Status(MPI_ERR_INTERN, "too many datatypes in use"));
  }
  *newtype = h;
  return MPI_SUCCESS;
}

// Checks common to constructors with one old type.
Status check_ctor(int64_t count, MPI_Datatype oldtype, MPI_Datatype* newtype, dt::Type** old) {
  if (Status st = require_initialized(); !st) return st;
  if (count < 0) return negative("count", count);
  if (newtype == nullptr) return null_arg("newtype");
  return check_datatype(oldtype, "oldtype", false, old);
}

Status check_array(const void* a, int64_t count, const char* name) {
  if (count > 0 && a == nullptr) return null_arg(name);
  return Status::ok();
}

// Attribute deletion for a handle that goes away (or an attribute replaced).
int call_delete(MPI_Datatype h, int keyval, void* value) {
  Keyval kv;
  {
    std::lock_guard lock(table().mu_);
    kv = table().keyvals_[static_cast<size_t>(keyval & 0xffff)];
  }
  if (kv.del == nullptr) return MPI_SUCCESS;
  return kv.del(h, keyval, value, kv.extra);
}

void keyval_unuse(int keyval) {
  std::lock_guard lock(table().mu_);
  table().keyvals_[static_cast<size_t>(keyval & 0xffff)].uses--;
}

// Type keyvals: 0x24400000 | index, distinct from MPI_KEYVAL_INVALID and
// from other objects' keyvals.
constexpr int kKeyvalBase = 0x24400000;

Status check_keyval(int keyval) {
  if (keyval == MPI_KEYVAL_INVALID) return Status(MPI_ERR_KEYVAL, "type_keyval is MPI_KEYVAL_INVALID");
  std::lock_guard lock(table().mu_);
  const auto idx = static_cast<size_t>(keyval - kKeyvalBase);
  if ((keyval & 0xffff0000) != kKeyvalBase || idx >= table().keyvals_.size() || table().keyvals_[idx].freed)
    return Status(MPI_ERR_KEYVAL, "invalid datatype keyval " + std::to_string(keyval));
  return Status::ok();
}

}  // namespace

dt::Type* lookup_datatype(MPI_Datatype handle) { return table().lookup(handle); }
MPI_Datatype datatype_handle(dt::BasicKind kind) { return table().handle_of(kind); }
MPI_Datatype register_datatype(dt::Type* type) { return table().add(type); }

}  // namespace parley::c

using namespace parley::c;

// ---- constructors -----------------------------------------------------------------
//
// Each body serves the int form and the MPI-4 large-count (_c) form: C is the
// count type (int or MPI_Count), D the displacement type (MPI_Aint or
// MPI_Count); `large` says which form, for the contents it records.

namespace {

template <class C>
int contiguous_body(const char* fn, C count, MPI_Datatype oldtype, MPI_Datatype* newtype, bool large) {
  dt::Type* old = nullptr;
  if (Status st = check_ctor(count, oldtype, newtype, &old); !st) return report(fn, kWorld, st);
  return finish(fn, dt::make_contiguous(count, old), newtype, large);
}

// vector (stride in elements) and hvector (stride in bytes)
template <class C, class D>
int vector_body(const char* fn, bool bytes, C count, C blocklength, D stride, MPI_Datatype oldtype,
                MPI_Datatype* newtype, bool large) {
  dt::Type* old = nullptr;
  if (Status st = check_ctor(count, oldtype, newtype, &old); !st) return report(fn, kWorld, st);
  if (blocklength < 0) return report(fn, kWorld, negative("blocklength", blocklength));
  return finish(fn,
                bytes ? dt::make_hvector(count, blocklength, stride, old)
                      : dt::make_vector(count, blocklength, stride, old),
                newtype, large);
}

// indexed (displacements in elements) and hindexed (in bytes)
template <class C, class D>
int indexed_body(const char* fn, bool bytes, C count, const C blocklengths[], const D displacements[],
                 MPI_Datatype oldtype, MPI_Datatype* newtype, bool large) {
  dt::Type* old = nullptr;
  if (Status st = check_ctor(count, oldtype, newtype, &old); !st) return report(fn, kWorld, st);
  if (Status st = check_array(blocklengths, count, "array_of_blocklengths"); !st) return report(fn, kWorld, st);
  if (Status st = check_array(displacements, count, "array_of_displacements"); !st)
    return report(fn, kWorld, st);
  const auto bl = widen(blocklengths, count), disp = widen(displacements, count);
  return finish(fn, bytes ? dt::make_hindexed(bl, disp, old) : dt::make_indexed(bl, disp, old), newtype, large);
}

template <class C, class D>
int indexed_block_body(const char* fn, bool bytes, C count, C blocklength, const D displacements[],
                       MPI_Datatype oldtype, MPI_Datatype* newtype, bool large) {
  dt::Type* old = nullptr;
  if (Status st = check_ctor(count, oldtype, newtype, &old); !st) return report(fn, kWorld, st);
  if (blocklength < 0) return report(fn, kWorld, negative("blocklength", blocklength));
  if (Status st = check_array(displacements, count, "array_of_displacements"); !st)
    return report(fn, kWorld, st);
  const auto disp = widen(displacements, count);
  return finish(fn,
                bytes ? dt::make_hindexed_block(blocklength, disp, old)
                      : dt::make_indexed_block(blocklength, disp, old),
                newtype, large);
}

template <class C, class D>
int struct_body(const char* fn, C count, const C blocklengths[], const D displacements[],
                const MPI_Datatype array_of_types[], MPI_Datatype* newtype, bool large) {
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (count < 0) return report(fn, kWorld, negative("count", count));
  if (newtype == nullptr) return report(fn, kWorld, null_arg("newtype"));
  if (Status st = check_array(blocklengths, count, "array_of_blocklengths"); !st) return report(fn, kWorld, st);
  if (Status st = check_array(displacements, count, "array_of_displacements"); !st)
    return report(fn, kWorld, st);
  if (Status st = check_array(array_of_types, count, "array_of_types"); !st) return report(fn, kWorld, st);
  std::vector<dt::Type*> types(static_cast<size_t>(count));
  for (C i = 0; i < count; ++i) {
    const std::string arg = "array_of_types[" + std::to_string(i) + "]";
    if (Status st = check_datatype(array_of_types[i], arg.c_str(), false, &types[static_cast<size_t>(i)]); !st)
      return report(fn, kWorld, st);
  }
  return finish(fn, dt::make_struct(widen(blocklengths, count), widen(displacements, count), types), newtype,
                large);
}

template <class C>
int subarray_body(const char* fn, int ndims, const C sizes[], const C subsizes[], const C starts[], int order,
                  MPI_Datatype oldtype, MPI_Datatype* newtype, bool large) {
  dt::Type* old = nullptr;
  if (Status st = check_ctor(0, oldtype, newtype, &old); !st) return report(fn, kWorld, st);
  if (ndims <= 0)
    return report(fn, kWorld, Status(MPI_ERR_ARG, "ndims must be positive (got " + std::to_string(ndims) + ")"));
  for (auto [a, name] : {std::pair{sizes, "array_of_sizes"},
                         {subsizes, "array_of_subsizes"},
                         {starts, "array_of_starts"}})
    if (Status st = check_array(a, ndims, name); !st) return report(fn, kWorld, st);
  return finish(fn,
                dt::make_subarray(widen(sizes, ndims), widen(subsizes, ndims), widen(starts, ndims), order, old),
                newtype, large);
}

template <class C>
int darray_body(const char* fn, int size, int rank, int ndims, const C gsizes[], const int distribs[],
                const int dargs[], const int psizes[], int order, MPI_Datatype oldtype, MPI_Datatype* newtype,
                bool large) {
  dt::Type* old = nullptr;
  if (Status st = check_ctor(0, oldtype, newtype, &old); !st) return report(fn, kWorld, st);
  if (ndims <= 0)
    return report(fn, kWorld, Status(MPI_ERR_ARG, "ndims must be positive (got " + std::to_string(ndims) + ")"));
  if (Status st = check_array(gsizes, ndims, "array_of_gsizes"); !st) return report(fn, kWorld, st);
  for (auto [a, name] : {std::pair{distribs, "array_of_distribs"},
                         {dargs, "array_of_dargs"},
                         {psizes, "array_of_psizes"}})
    if (Status st = check_array(a, ndims, name); !st) return report(fn, kWorld, st);
  const auto n = static_cast<size_t>(ndims);
  return finish(fn,
                dt::make_darray(size, rank, widen(gsizes, ndims), std::span(distribs, n), std::span(dargs, n),
                                std::span(psizes, n), order, old),
                newtype, large);
}

template <class D>
int resized_body(const char* fn, MPI_Datatype oldtype, D lb, D extent, MPI_Datatype* newtype, bool large) {
  dt::Type* old = nullptr;
  if (Status st = check_ctor(0, oldtype, newtype, &old); !st) return report(fn, kWorld, st);
  return finish(fn, dt::make_resized(old, lb, extent), newtype, large);
}

}  // namespace

int PMPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return contiguous_body("MPI_Type_contiguous", count, oldtype, newtype, false);
}
int PMPI_Type_contiguous_c(MPI_Count count, MPI_Datatype oldtype, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return contiguous_body("MPI_Type_contiguous_c", count, oldtype, newtype, true);
}

int PMPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return vector_body("MPI_Type_vector", false, count, blocklength, stride, oldtype, newtype, false);
}
int PMPI_Type_vector_c(MPI_Count count, MPI_Count blocklength, MPI_Count stride, MPI_Datatype oldtype,
                       MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return vector_body("MPI_Type_vector_c", false, count, blocklength, stride, oldtype, newtype, true);
}

int PMPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype,
                             MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return vector_body("MPI_Type_create_hvector", true, count, blocklength, stride, oldtype, newtype, false);
}
int PMPI_Type_create_hvector_c(MPI_Count count, MPI_Count blocklength, MPI_Count stride, MPI_Datatype oldtype,
                               MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return vector_body("MPI_Type_create_hvector_c", true, count, blocklength, stride, oldtype, newtype, true);
}

int PMPI_Type_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype,
                      MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return PMPI_Type_create_hvector(count, blocklength, stride, oldtype, newtype);
}

int PMPI_Type_indexed(int count, const int array_of_blocklengths[], const int array_of_displacements[],
                      MPI_Datatype oldtype, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return indexed_body("MPI_Type_indexed", false, count, array_of_blocklengths, array_of_displacements, oldtype,
                      newtype, false);
}
int PMPI_Type_indexed_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                        const MPI_Count array_of_displacements[], MPI_Datatype oldtype, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return indexed_body("MPI_Type_indexed_c", false, count, array_of_blocklengths, array_of_displacements,
                      oldtype, newtype, true);
}

int PMPI_Type_create_hindexed(int count, const int array_of_blocklengths[],
                              const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                              MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return indexed_body("MPI_Type_create_hindexed", true, count, array_of_blocklengths, array_of_displacements,
                      oldtype, newtype, false);
}
int PMPI_Type_create_hindexed_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                                const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                                MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return indexed_body("MPI_Type_create_hindexed_c", true, count, array_of_blocklengths, array_of_displacements,
                      oldtype, newtype, true);
}

int PMPI_Type_hindexed(int count, int array_of_blocklengths[], MPI_Aint array_of_displacements[],
                       MPI_Datatype oldtype, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return PMPI_Type_create_hindexed(count, array_of_blocklengths, array_of_displacements, oldtype, newtype);
}

int PMPI_Type_create_indexed_block(int count, int blocklength, const int array_of_displacements[],
                                   MPI_Datatype oldtype, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return indexed_block_body("MPI_Type_create_indexed_block", false, count, blocklength, array_of_displacements,
                            oldtype, newtype, false);
}
int PMPI_Type_create_indexed_block_c(MPI_Count count, MPI_Count blocklength,
                                     const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                                     MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return indexed_block_body("MPI_Type_create_indexed_block_c", false, count, blocklength,
                            array_of_displacements, oldtype, newtype, true);
}

int PMPI_Type_create_hindexed_block(int count, int blocklength, const MPI_Aint array_of_displacements[],
                                    MPI_Datatype oldtype, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return indexed_block_body("MPI_Type_create_hindexed_block", true, count, blocklength, array_of_displacements,
                            oldtype, newtype, false);
}
int PMPI_Type_create_hindexed_block_c(MPI_Count count, MPI_Count blocklength,
                                      const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                                      MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return indexed_block_body("MPI_Type_create_hindexed_block_c", true, count, blocklength,
                            array_of_displacements, oldtype, newtype, true);
}

int PMPI_Type_create_struct(int count, const int array_of_blocklengths[],
                            const MPI_Aint array_of_displacements[], const MPI_Datatype array_of_types[],
                            MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return struct_body("MPI_Type_create_struct", count, array_of_blocklengths, array_of_displacements,
                     array_of_types, newtype, false);
}
int PMPI_Type_create_struct_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                              const MPI_Count array_of_displacements[], const MPI_Datatype array_of_types[],
                              MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return struct_body("MPI_Type_create_struct_c", count, array_of_blocklengths, array_of_displacements,
                     array_of_types, newtype, true);
}

int PMPI_Type_struct(int count, int array_of_blocklengths[], MPI_Aint array_of_displacements[],
                     MPI_Datatype array_of_types[], MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return PMPI_Type_create_struct(count, array_of_blocklengths, array_of_displacements, array_of_types,
                                 newtype);
}

int PMPI_Type_create_subarray(int ndims, const int array_of_sizes[], const int array_of_subsizes[],
                              const int array_of_starts[], int order, MPI_Datatype oldtype,
                              MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return subarray_body("MPI_Type_create_subarray", ndims, array_of_sizes, array_of_subsizes, array_of_starts,
                       order, oldtype, newtype, false);
}
int PMPI_Type_create_subarray_c(int ndims, const MPI_Count array_of_sizes[], const MPI_Count array_of_subsizes[],
                                const MPI_Count array_of_starts[], int order, MPI_Datatype oldtype,
                                MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return subarray_body("MPI_Type_create_subarray_c", ndims, array_of_sizes, array_of_subsizes, array_of_starts,
                       order, oldtype, newtype, true);
}

int PMPI_Type_create_darray(int size, int rank, int ndims, const int array_of_gsizes[],
                            const int array_of_distribs[], const int array_of_dargs[],
                            const int array_of_psizes[], int order, MPI_Datatype oldtype,
                            MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return darray_body("MPI_Type_create_darray", size, rank, ndims, array_of_gsizes, array_of_distribs,
                     array_of_dargs, array_of_psizes, order, oldtype, newtype, false);
}
int PMPI_Type_create_darray_c(int size, int rank, int ndims, const MPI_Count array_of_gsizes[],
                              const int array_of_distribs[], const int array_of_dargs[],
                              const int array_of_psizes[], int order, MPI_Datatype oldtype,
                              MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return darray_body("MPI_Type_create_darray_c", size, rank, ndims, array_of_gsizes, array_of_distribs,
                     array_of_dargs, array_of_psizes, order, oldtype, newtype, true);
}

int PMPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return resized_body("MPI_Type_create_resized", oldtype, lb, extent, newtype, false);
}
int PMPI_Type_create_resized_c(MPI_Datatype oldtype, MPI_Count lb, MPI_Count extent, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return resized_body("MPI_Type_create_resized_c", oldtype, lb, extent, newtype, true);
}

int PMPI_Type_dup(MPI_Datatype oldtype, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_dup";
  dt::Type* old = nullptr;
  if (Status st = check_ctor(0, oldtype, newtype, &old); !st) return report(fn, kWorld, st);
  auto r = dt::make_dup(old);
  if (r.is_ok() && old->committed()) {
    if (Status st = r.value()->commit(); !st) {
      r.value()->release();
      return report(fn, kWorld, st);
    }
  }
  MPI_Datatype h = MPI_DATATYPE_NULL;
  if (int rc = finish(fn, std::move(r), &h); rc != MPI_SUCCESS) return rc;
  // Copy callbacks decide which attributes the duplicate gets.
  std::vector<std::pair<int, void*>> attrs;
  {
    std::lock_guard lock(table().mu_);
    auto it = table().attrs_.find(oldtype);
    if (it != table().attrs_.end()) attrs.assign(it->second.begin(), it->second.end());
  }
  for (auto [keyval, value] : attrs) {
    Keyval kv;
    {
      std::lock_guard lock(table().mu_);
      kv = table().keyvals_[static_cast<size_t>(keyval - kKeyvalBase)];
    }
    if (kv.copy == nullptr) continue;
    void* out = nullptr;
    int flag = 0;
    int rc = kv.copy(oldtype, keyval, kv.extra, value, &out, &flag);
    if (rc != MPI_SUCCESS) {
      MPI_Datatype tmp = h;
      (void)PMPI_Type_free(&tmp);
      return report(fn, kWorld,
                    Status(rc, "the copy callback of keyval " + std::to_string(keyval) + " failed"));
    }
    if (flag) {
      std::lock_guard lock(table().mu_);
      table().attrs_[h][keyval] = out;
      table().keyvals_[static_cast<size_t>(keyval - kKeyvalBase)].uses++;
    }
  }
  *newtype = h;
  return MPI_SUCCESS;
}

// ---- commit / free ------------------------------------------------------------------

int PMPI_Type_commit(MPI_Datatype* datatype) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_commit";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (datatype == nullptr) return report(fn, kWorld, null_arg("datatype"));
  dt::Type* t = nullptr;
  if (Status st = check_datatype(*datatype, "datatype", false, &t); !st) return report(fn, kWorld, st);
  if (Status st = t->commit(); !st) return report(fn, kWorld, st);
  return MPI_SUCCESS;
}

int PMPI_Type_free(MPI_Datatype* datatype) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_free";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (datatype == nullptr) return report(fn, kWorld, null_arg("datatype"));
  dt::Type* t = nullptr;
  if (Status st = check_datatype(*datatype, "datatype", false, &t); !st) return report(fn, kWorld, st);
  if (t->is_predefined())
    return report(fn, kWorld, Status(MPI_ERR_TYPE, "cannot free predefined datatype " + t->name()));
  const MPI_Datatype h = *datatype;
  dt::Type* gone = table().drop(h);
  *datatype = MPI_DATATYPE_NULL;
  if (gone == nullptr) return MPI_SUCCESS;  // other handles from MPI_Type_get_contents remain
  std::map<int, void*> attrs;
  {
    std::lock_guard lock(table().mu_);
    auto it = table().attrs_.find(h);
    if (it != table().attrs_.end()) {
      attrs = std::move(it->second);
      table().attrs_.erase(it);
    }
  }
  int rc = MPI_SUCCESS;
  for (auto [keyval, value] : attrs) {
    int r = call_delete(h, keyval, value);
    keyval_unuse(keyval);
    if (r != MPI_SUCCESS && rc == MPI_SUCCESS) rc = r;
  }
  gone->release();  // pending operations may still hold the type
  if (rc != MPI_SUCCESS) return report(fn, kWorld, Status(rc, "an attribute delete callback failed"));
  return MPI_SUCCESS;
}

// ---- size and extent -------------------------------------------------------------------

namespace {

template <class F>
int query(const char* fn, MPI_Datatype datatype,
          std::initializer_list<std::pair<const void*, const char*>> outs, F&& body) {
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", false, &t); !st) return report(fn, kWorld, st);
  for (auto [p, name] : outs)
    if (p == nullptr) return report(fn, kWorld, null_arg(name));
  body(*t);
  return MPI_SUCCESS;
}

}  // namespace

int PMPI_Type_size(MPI_Datatype datatype, int* size) {
  PARLEY_API_LOCK();
  return query("MPI_Type_size", datatype, {{size, "size"}}, [&](const dt::Type& t) {
    *size = t.size() > INT_MAX ? MPI_UNDEFINED : static_cast<int>(t.size());
  });
}

int PMPI_Type_size_x(MPI_Datatype datatype, MPI_Count* size) {
  PARLEY_API_LOCK();
  return query("MPI_Type_size_x", datatype, {{size, "size"}}, [&](const dt::Type& t) { *size = t.size(); });
}

int PMPI_Type_size_c(MPI_Datatype datatype, MPI_Count* size) {
  PARLEY_API_LOCK();
  return query("MPI_Type_size_c", datatype, {{size, "size"}}, [&](const dt::Type& t) { *size = t.size(); });
}

int PMPI_Type_get_extent(MPI_Datatype datatype, MPI_Aint* lb, MPI_Aint* extent) {
  PARLEY_API_LOCK();
  return query("MPI_Type_get_extent", datatype, {{lb, "lb"}, {extent, "extent"}}, [&](const dt::Type& t) {
    *lb = t.lb();
    *extent = t.extent();
  });
}

int PMPI_Type_get_extent_x(MPI_Datatype datatype, MPI_Count* lb, MPI_Count* extent) {
  PARLEY_API_LOCK();
  return query("MPI_Type_get_extent_x", datatype, {{lb, "lb"}, {extent, "extent"}}, [&](const dt::Type& t) {
    *lb = t.lb();
    *extent = t.extent();
  });
}

int PMPI_Type_get_extent_c(MPI_Datatype datatype, MPI_Count* lb, MPI_Count* extent) {
  PARLEY_API_LOCK();
  return query("MPI_Type_get_extent_c", datatype, {{lb, "lb"}, {extent, "extent"}}, [&](const dt::Type& t) {
    *lb = t.lb();
    *extent = t.extent();
  });
}

int PMPI_Type_get_true_extent(MPI_Datatype datatype, MPI_Aint* true_lb, MPI_Aint* true_extent) {
  PARLEY_API_LOCK();
  return query("MPI_Type_get_true_extent", datatype, {{true_lb, "true_lb"}, {true_extent, "true_extent"}},
               [&](const dt::Type& t) {
                 *true_lb = t.true_lb();
                 *true_extent = t.true_extent();
               });
}

int PMPI_Type_get_true_extent_x(MPI_Datatype datatype, MPI_Count* true_lb, MPI_Count* true_extent) {
  PARLEY_API_LOCK();
  return query("MPI_Type_get_true_extent_x", datatype, {{true_lb, "true_lb"}, {true_extent, "true_extent"}},
               [&](const dt::Type& t) {
                 *true_lb = t.true_lb();
                 *true_extent = t.true_extent();
               });
}

int PMPI_Type_get_true_extent_c(MPI_Datatype datatype, MPI_Count* true_lb, MPI_Count* true_extent) {
  PARLEY_API_LOCK();
  return query("MPI_Type_get_true_extent_c", datatype, {{true_lb, "true_lb"}, {true_extent, "true_extent"}},
               [&](const dt::Type& t) {
                 *true_lb = t.true_lb();
                 *true_extent = t.true_extent();
               });
}

int PMPI_Type_extent(MPI_Datatype datatype, MPI_Aint* extent) {
  PARLEY_API_LOCK();
  return query("MPI_Type_extent", datatype, {{extent, "extent"}},
               [&](const dt::Type& t) { *extent = t.extent(); });
}

int PMPI_Type_lb(MPI_Datatype datatype, MPI_Aint* displacement) {
  PARLEY_API_LOCK();
  return query("MPI_Type_lb", datatype, {{displacement, "displacement"}},
               [&](const dt::Type& t) { *displacement = t.lb(); });
}

int PMPI_Type_ub(MPI_Datatype datatype, MPI_Aint* displacement) {
  PARLEY_API_LOCK();
  return query("MPI_Type_ub", datatype, {{displacement, "displacement"}},
               [&](const dt::Type& t) { *displacement = t.ub(); });
}

// ---- envelope and contents ---------------------------------------------------------------

namespace {

Status large_count_only(const char* fn, const dt::Type& t) {
  return Status(MPI_ERR_TYPE, "datatype " + (t.name().empty() ? std::string("(unnamed)") : t.name()) +
                                  " was made by a large-count constructor; use " + fn + "_c");
}

// One body for MPI_Type_get_envelope and _c: C is int or MPI_Count.
template <class C>
int envelope_body(const char* fn, bool c_form, MPI_Datatype datatype, C* num_integers, C* num_addresses,
                  C* num_large_counts, C* num_datatypes, int* combiner) {
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", false, &t); !st) return report(fn, kWorld, st);
  for (auto [p, name] : {std::pair<const void*, const char*>{num_integers, "num_integers"},
                         {num_addresses, "num_addresses"},
                         {c_form ? num_large_counts : num_integers, "num_large_counts"},
                         {num_datatypes, "num_datatypes"},
                         {combiner, "combiner"}})
    if (p == nullptr) return report(fn, kWorld, null_arg(name));
  if (!c_form && t->large_count()) return report(fn, kWorld, large_count_only("MPI_Type_get_envelope", *t));
  *combiner = static_cast<int>(t->combiner());
  *num_integers = static_cast<C>(t->contents_ints().size());
  *num_addresses = static_cast<C>(t->contents_addrs().size());
  if (c_form) *num_large_counts = static_cast<C>(t->contents_large_counts().size());
  *num_datatypes = static_cast<C>(t->contents_types().size());
  return MPI_SUCCESS;
}

template <class C>
int contents_body(const char* fn, bool c_form, MPI_Datatype datatype, C max_integers, C max_addresses,
                  C max_large_counts, C max_datatypes, int array_of_integers[], MPI_Aint array_of_addresses[],
                  MPI_Count array_of_large_counts[], MPI_Datatype array_of_datatypes[]) {
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", false, &t); !st) return report(fn, kWorld, st);
  if (t->combiner() == dt::Combiner::Named)
    return report(fn, kWorld,
                  Status(MPI_ERR_TYPE, "datatype " + t->name() + " is predefined and has no contents"));
  if (!c_form && t->large_count()) return report(fn, kWorld, large_count_only("MPI_Type_get_contents", *t));
  const auto& ints = t->contents_ints();
  const auto& addrs = t->contents_addrs();
  const auto& large = t->contents_large_counts();
  const auto& types = t->contents_types();
  auto too_small = [&](const char* what, C have, size_t need) {
    return Status(MPI_ERR_ARG, std::string(what) + " is " + std::to_string(have) + " but the datatype has " +
                                   std::to_string(need) + " (see MPI_Type_get_envelope)");
  };
  if (max_integers < 0 || static_cast<size_t>(max_integers) < ints.size())
    return report(fn, kWorld, too_small("max_integers", max_integers, ints.size()));
  if (max_addresses < 0 || static_cast<size_t>(max_addresses) < addrs.size())
    return report(fn, kWorld, too_small("max_addresses", max_addresses, addrs.size()));
  if (max_large_counts < 0 || static_cast<size_t>(max_large_counts) < large.size())
    return report(fn, kWorld, too_small("max_large_counts", max_large_counts, large.size()));
  if (max_datatypes < 0 || static_cast<size_t>(max_datatypes) < types.size())
    return report(fn, kWorld, too_small("max_datatypes", max_datatypes, types.size()));
  if (!ints.empty() && array_of_integers == nullptr) return report(fn, kWorld, null_arg("array_of_integers"));
  if (!addrs.empty() && array_of_addresses == nullptr)
    return report(fn, kWorld, null_arg("array_of_addresses"));
  if (!large.empty() && array_of_large_counts == nullptr)
    return report(fn, kWorld, null_arg("array_of_large_counts"));
  if (!types.empty() && array_of_datatypes == nullptr)
    return report(fn, kWorld, null_arg("array_of_datatypes"));
  for (size_t i = 0; i < ints.size(); ++i) array_of_integers[i] = static_cast<int>(ints[i]);
  for (size_t i = 0; i < addrs.size(); ++i) array_of_addresses[i] = addrs[i];
  for (size_t i = 0; i < large.size(); ++i) array_of_large_counts[i] = large[i];
  for (size_t i = 0; i < types.size(); ++i) array_of_datatypes[i] = table().share(types[i]);
  return MPI_SUCCESS;
}

}  // namespace

int PMPI_Type_get_envelope(MPI_Datatype datatype, int* num_integers, int* num_addresses, int* num_datatypes,
                           int* combiner) {
  PARLEY_API_LOCK();
  return envelope_body<int>("MPI_Type_get_envelope", false, datatype, num_integers, num_addresses, nullptr,
                            num_datatypes, combiner);
}

int PMPI_Type_get_envelope_c(MPI_Datatype datatype, MPI_Count* num_integers, MPI_Count* num_addresses,
                             MPI_Count* num_large_counts, MPI_Count* num_datatypes, int* combiner) {
  PARLEY_API_LOCK();
  return envelope_body<MPI_Count>("MPI_Type_get_envelope_c", true, datatype, num_integers, num_addresses,
                                  num_large_counts, num_datatypes, combiner);
}

int PMPI_Type_get_contents(MPI_Datatype datatype, int max_integers, int max_addresses, int max_datatypes,
                           int array_of_integers[], MPI_Aint array_of_addresses[],
                           MPI_Datatype array_of_datatypes[]) {
  PARLEY_API_LOCK();
  return contents_body<int>("MPI_Type_get_contents", false, datatype, max_integers, max_addresses, 0,
                            max_datatypes, array_of_integers, array_of_addresses, nullptr, array_of_datatypes);
}

int PMPI_Type_get_contents_c(MPI_Datatype datatype, MPI_Count max_integers, MPI_Count max_addresses,
                             MPI_Count max_large_counts, MPI_Count max_datatypes, int array_of_integers[],
                             MPI_Aint array_of_addresses[], MPI_Count array_of_large_counts[],
                             MPI_Datatype array_of_datatypes[]) {
  PARLEY_API_LOCK();
  return contents_body<MPI_Count>("MPI_Type_get_contents_c", true, datatype, max_integers, max_addresses,
                                  max_large_counts, max_datatypes, array_of_integers, array_of_addresses,
                                  array_of_large_counts, array_of_datatypes);
}

// ---- names -------------------------------------------------------------------------------

int PMPI_Type_set_name(MPI_Datatype datatype, const char* type_name) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_set_name";
  if (type_name == nullptr) return report(fn, kWorld, null_arg("type_name"));
  return query(fn, datatype, {}, [&](dt::Type& t) {
    t.set_name(std::string(type_name, strnlen(type_name, MPI_MAX_OBJECT_NAME - 1)));
  });
}

int PMPI_Type_get_name(MPI_Datatype datatype, char* type_name, int* resultlen) {
  PARLEY_API_LOCK();
  return query("MPI_Type_get_name", datatype, {{type_name, "type_name"}, {resultlen, "resultlen"}},
               [&](const dt::Type& t) {
                 const std::string& n = t.name();
                 const size_t len = std::min<size_t>(n.size(), MPI_MAX_OBJECT_NAME - 1);
                 std::memcpy(type_name, n.data(), len);
                 type_name[len] = '\0';
                 *resultlen = static_cast<int>(len);
               });
}

int PMPI_Type_match_size(int typeclass, int size, MPI_Datatype* datatype) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_match_size";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (datatype == nullptr) return report(fn, kWorld, null_arg("datatype"));
  dt::MatchClass cls;
  switch (typeclass) {
    case MPI_TYPECLASS_INTEGER:
      cls = dt::MatchClass::Integer;
      break;
    case MPI_TYPECLASS_REAL:
      cls = dt::MatchClass::Real;
      break;
    case MPI_TYPECLASS_COMPLEX:
      cls = dt::MatchClass::Complex;
      break;
    default:
      return report(fn, kWorld,
                    Status(MPI_ERR_ARG, "typeclass must be MPI_TYPECLASS_INTEGER, _REAL or _COMPLEX (got " +
                                            std::to_string(typeclass) + ")"));
  }
  auto k = dt::match_size(cls, size < 0 ? 0u : static_cast<uint32_t>(size));
  if (!k)
    return report(fn, kWorld,
                  Status(MPI_ERR_ARG, "no predefined type of this class has size " + std::to_string(size)));
  *datatype = datatype_handle(*k);
  return MPI_SUCCESS;
}

// ---- addresses --------------------------------------------------------------------------

int PMPI_Get_address(const void* location, MPI_Aint* address) {
  PARLEY_API_LOCK();
  if (address == nullptr) return report("MPI_Get_address", kWorld, null_arg("address"));
  *address = static_cast<MPI_Aint>(reinterpret_cast<uintptr_t>(location));
  return MPI_SUCCESS;
}

int PMPI_Address(void* location, MPI_Aint* address) { return PMPI_Get_address(location, address); }

MPI_Aint PMPI_Aint_add(MPI_Aint base, MPI_Aint disp) {
  return static_cast<MPI_Aint>(static_cast<uintptr_t>(base) + static_cast<uintptr_t>(disp));
}

MPI_Aint PMPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2) {
  return static_cast<MPI_Aint>(static_cast<uintptr_t>(addr1) - static_cast<uintptr_t>(addr2));
}

// ---- attributes -------------------------------------------------------------------------

int PMPI_Type_create_keyval(MPI_Type_copy_attr_function* type_copy_attr_fn,
                            MPI_Type_delete_attr_function* type_delete_attr_fn, int* type_keyval,
                            void* extra_state) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_create_keyval";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (type_keyval == nullptr) return report(fn, kWorld, null_arg("type_keyval"));
  std::lock_guard lock(table().mu_);
  auto& kvs = table().keyvals_;
  if (kvs.size() >= 0xffff) return report(fn, kWorld, Status(MPI_ERR_INTERN, "too many datatype keyvals"));
  kvs.push_back(Keyval{type_copy_attr_fn, type_delete_attr_fn, extra_state, false, 0});
  *type_keyval = kKeyvalBase + static_cast<int>(kvs.size() - 1);
  return MPI_SUCCESS;
}

int PMPI_Type_free_keyval(int* type_keyval) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_free_keyval";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (type_keyval == nullptr) return report(fn, kWorld, null_arg("type_keyval"));
  if (Status st = check_keyval(*type_keyval); !st) return report(fn, kWorld, st);
  {
    // Attributes already set with it stay until deleted (MPI-3.1 6.7.2).
    std::lock_guard lock(table().mu_);
    table().keyvals_[static_cast<size_t>(*type_keyval - kKeyvalBase)].freed = true;
  }
  *type_keyval = MPI_KEYVAL_INVALID;
  return MPI_SUCCESS;
}

int PMPI_Type_set_attr(MPI_Datatype datatype, int type_keyval, void* attribute_val) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_set_attr";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", false, &t); !st) return report(fn, kWorld, st);
  if (Status st = check_keyval(type_keyval); !st) return report(fn, kWorld, st);
  void* old = nullptr;
  bool had = false;
  {
    std::lock_guard lock(table().mu_);
    auto& m = table().attrs_[datatype];
    auto it = m.find(type_keyval);
    if (it != m.end()) {
      had = true;
      old = it->second;
    }
  }
  if (had) {
    if (int rc = call_delete(datatype, type_keyval, old); rc != MPI_SUCCESS)
      return report(fn, kWorld, Status(rc, "the delete callback for the previous value failed"));
  }
  std::lock_guard lock(table().mu_);
  table().attrs_[datatype][type_keyval] = attribute_val;
  if (!had) table().keyvals_[static_cast<size_t>(type_keyval - kKeyvalBase)].uses++;
  return MPI_SUCCESS;
}

int PMPI_Type_get_attr(MPI_Datatype datatype, int type_keyval, void* attribute_val, int* flag) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_get_attr";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", false, &t); !st) return report(fn, kWorld, st);
  if (Status st = check_keyval(type_keyval); !st) return report(fn, kWorld, st);
  if (attribute_val == nullptr) return report(fn, kWorld, null_arg("attribute_val"));
  if (flag == nullptr) return report(fn, kWorld, null_arg("flag"));
  std::lock_guard lock(table().mu_);
  *flag = 0;
  auto it = table().attrs_.find(datatype);
  if (it == table().attrs_.end()) return MPI_SUCCESS;
  auto a = it->second.find(type_keyval);
  if (a == it->second.end()) return MPI_SUCCESS;
  *static_cast<void**>(attribute_val) = a->second;
  *flag = 1;
  return MPI_SUCCESS;
}

int PMPI_Type_delete_attr(MPI_Datatype datatype, int type_keyval) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_delete_attr";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", false, &t); !st) return report(fn, kWorld, st);
  if (Status st = check_keyval(type_keyval); !st) return report(fn, kWorld, st);
  void* value = nullptr;
  {
    std::lock_guard lock(table().mu_);
    auto it = table().attrs_.find(datatype);
    if (it == table().attrs_.end() || it->second.count(type_keyval) == 0)
      return report(
          fn, kWorld,
          Status(MPI_ERR_KEYVAL, "datatype has no attribute for keyval " + std::to_string(type_keyval)));
    value = it->second[type_keyval];
  }
  if (int rc = call_delete(datatype, type_keyval, value); rc != MPI_SUCCESS)
    return report(fn, kWorld, Status(rc, "the delete callback failed; the attribute was kept"));
  std::lock_guard lock(table().mu_);
  table().attrs_[datatype].erase(type_keyval);
  table().keyvals_[static_cast<size_t>(type_keyval - kKeyvalBase)].uses--;
  return MPI_SUCCESS;
}
