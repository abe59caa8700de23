// A datatype object: what its constructor was given (for envelope/contents),
// the layout facts MPI asks about (size, bounds, true bounds), and, once
// committed, the compiled Program that pack, unpack and iovec generation walk.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "datatype/basic_kind.hpp"
#include "datatype/program.hpp"
#include "datatype/status.hpp"

namespace parley::dt {

// How a type was made. The values equal the MPI_COMBINER_* constants of the
// MPICH ABI so the C layer passes them through unchanged.
enum class Combiner : int {
  Named = 1,
  Dup = 2,
  Contiguous = 3,
  Vector = 4,
  Hvector = 6,
  Indexed = 7,
  Hindexed = 9,
  IndexedBlock = 10,
  Struct = 12,
  Subarray = 13,
  Darray = 14,
  Resized = 18,
  HindexedBlock = 19,
};

// Array orders and distributions, with the MPI constant values (MPI_ORDER_C,
// MPI_DISTRIBUTE_BLOCK, ...), so contents round-trip exactly.
inline constexpr int kOrderC = 56;
inline constexpr int kOrderFortran = 57;
inline constexpr int kDistributeBlock = 121;
inline constexpr int kDistributeCyclic = 122;
inline constexpr int kDistributeNone = 123;
inline constexpr int kDistributeDefaultArg = -49767;

class Type {
 public:
  Type(const Type&) = delete;
  Type& operator=(const Type&) = delete;
  Type(Type&&) = delete;
  Type& operator=(Type&&) = delete;

  // The predefined type of a kind: never freed, always committed.
  static Type* predefined(BasicKind kind);

  // Reference counting. A new type starts with one reference, owned by its
  // creator. Anything that uses a type beyond the call that named it (a
  // request, a derived type built on it) holds a reference; the object is
  // destroyed by the release that drops the last one. No-ops on predefined
  // types. Thread-safe.
  void retain();
  void release();
  int64_t ref_count() const { return refs_.load(std::memory_order_relaxed); }

  bool is_predefined() const { return predefined_; }
  // The kind of a predefined type; nullopt for derived types.
  std::optional<BasicKind> basic_kind() const;

  // Layout (bytes). extent = ub - lb; true bounds ignore resizing.
  int64_t size() const { return size_; }
  int64_t lb() const { return lb_; }
  int64_t ub() const { return ub_; }
  int64_t extent() const { return ub_ - lb_; }
  int64_t true_lb() const { return true_lb_; }
  int64_t true_ub() const { return true_ub_; }
  int64_t true_extent() const { return true_ub_ - true_lb_; }
  // Basic elements in one instance (pair types count as two).
  int64_t num_elements() const { return num_elements_; }
  // Bytes of one instance in the external32 representation.
  int64_t external32_size() const { return ext32_size_; }
  // Largest alignment of any basic element (used for struct padding).
  int64_t alignment() const { return align_; }

  // Commit compiles the program. Idempotent.
  Status commit();
  bool committed() const { return program_ != nullptr; }
  // The compiled form; only valid when committed().
  const Program& program() const { return *program_; }
  // Committed types only: whether `count` consecutive instances occupy one
  // contiguous run of count*size() bytes starting at buffer + true_lb(), in
  // packed order (so they never need packing).
  bool is_contiguous() const { return contiguous_; }

  // Envelope and contents (MPI_Type_get_envelope/get_contents): the
  // integers, addresses and types given to the constructor, in the order the
  // standard lists them for the combiner.
  Combiner combiner() const { return combiner_; }
  const std::vector<int64_t>& contents_ints() const { return ints_; }
  const std::vector<int64_t>& contents_addrs() const { return addrs_; }
  const std::vector<Type*>& contents_types() const { return types_; }
  // Types made by an MPI-4 large-count constructor (MPI_Type_vector_c, ...)
  // give their counts, displacements and bounds as large counts instead
  // (MPI-4.0 5.1.13): then contents_ints() keeps only ndims/order/size/rank/
  // distribs/dargs/psizes, contents_addrs() is empty.
  bool large_count() const { return large_count_; }
  const std::vector<int64_t>& contents_large_counts() const { return large_; }

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  ~Type();

 private:
  friend class TypeBuilder;
  Type() = default;
  std::atomic<int64_t> refs_{1};

 public:
  // ---- Representation: written by the constructors (type.cpp) and read by
  // the compiler (compile.cpp); other code uses the accessors above. ----
  bool predefined_ = false;
  BasicKind kind_ = BasicKind::Byte;  // predefined only

  int64_t size_ = 0, lb_ = 0, ub_ = 0, true_lb_ = 0, true_ub_ = 0;
  int64_t num_elements_ = 0, ext32_size_ = 0, align_ = 1;
  bool sticky_bounds_ = false;  // lb/ub set explicitly (resized) somewhere inside
  bool contiguous_ = false;

  Combiner combiner_ = Combiner::Named;
  std::vector<int64_t> ints_, addrs_;
  std::vector<Type*> types_;  // each holds a reference
  std::vector<int64_t> large_;
  bool large_count_ = false;

  // What compile() walks: the normalised constructor (byte displacements).
  enum class Shape : uint8_t { Basic, Blocks, Struct, Resized, Alias };
  Shape shape_ = Shape::Basic;
  struct Block {
    int64_t disp;  // bytes
    int64_t len;   // copies of the child
  };
  std::vector<Block>
      blocks_;             // Blocks/Struct: one per block; Struct: types_[i] (or impl_) is block i's child
  Type* child_ = nullptr;  // Blocks/Resized/Alias: the one child (held through types_ or impl_)
  Type* impl_ = nullptr;   // subarray/darray: the equivalent type built from simpler ones (owned)
  // Vector shape (Blocks with count blocks at a constant stride, all of len).
  bool regular_ = false;
  int64_t reg_count_ = 0, reg_len_ = 0, reg_stride_ = 0;

  std::string name_;
  std::unique_ptr<Program> program_;
};

// Constructors (MPI-3.1 section 4.1). Each returns a new, uncommitted type
// holding one reference, or an error status (class kErrCount, kErrArg or
// kErrType) with a message naming the offending argument. `old` types are
// retained by the new type. Displacements named *_bytes are in bytes, the
// others in multiples of old's extent.
Result<Type*> make_contiguous(int64_t count, Type* old);
Result<Type*> make_vector(int64_t count, int64_t blocklength, int64_t stride, Type* old);
Result<Type*> make_hvector(int64_t count, int64_t blocklength, int64_t stride_bytes, Type* old);
Result<Type*> make_indexed(std::span<const int64_t> blocklengths, std::span<const int64_t> displacements,
                           Type* old);
Result<Type*> make_hindexed(std::span<const int64_t> blocklengths,
                            std::span<const int64_t> displacements_bytes, Type* old);
Result<Type*> make_indexed_block(int64_t blocklength, std::span<const int64_t> displacements, Type* old);
Result<Type*> make_hindexed_block(int64_t blocklength, std::span<const int64_t> displacements_bytes,
                                  Type* old);
Result<Type*> make_struct(std::span<const int64_t> blocklengths, std::span<const int64_t> displacements_bytes,
                          std::span<Type* const> types);
// order: kOrderC or kOrderFortran.
Result<Type*> make_subarray(std::span<const int64_t> sizes, std::span<const int64_t> subsizes,
                            std::span<const int64_t> starts, int order, Type* old);
// distribs: kDistributeBlock/Cyclic/None; dargs: a positive count or
// kDistributeDefaultArg. The process grid is row-major, as the standard says.
Result<Type*> make_darray(int size, int rank, std::span<const int64_t> gsizes, std::span<const int> distribs,
                          std::span<const int> dargs, std::span<const int> psizes, int order, Type* old);
Result<Type*> make_resized(Type* old, int64_t lb, int64_t extent);
Result<Type*> make_dup(Type* old);

// Re-expresses a new type's contents the way the large-count (_c) form of its
// constructor records them: every count, blocklength, stride, displacement,
// array size and bound becomes a large count, in the standard's order. Call
// once, right after the constructor, before the type is shared.
void use_large_count_contents(Type& t);

}  // namespace parley::dt
