// Datatype constructors: argument checks, layout (size, bounds, true
// bounds), contents recording, reference counting. Subarray and darray are
// built from hvector/hindexed/resized, which is how the standard defines them.
#include "datatype/type.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <mutex>

#include "datatype/pack.hpp"

namespace parley::dt {

// Allowed construction site for Type (its constructor is private).
class TypeBuilder {
 public:
  static Type* make() { return new Type(); }
  static Type& raw(Type* t) { return *t; }
};

namespace {

Status count_error(const char* what, int64_t v) {
  return error(kErrCount, std::string(what) + " must be non-negative (got " + std::to_string(v) + ")");
}
Status arg_error(std::string message) { return error(kErrArg, std::move(message)); }

// Running bounds of a typemap while blocks are added.
struct Bounds {
  bool any = false, tany = false;
  int64_t lb = 0, ub = 0, tlb = 0, tub = 0;
  // `len` copies of `c` at disp, disp+e, disp+2e, ... Empty children move
  // the bounds but not the true bounds (which cover data only).
  void add(int64_t disp, int64_t len, const Type& c, int64_t e) {
    if (len <= 0) return;
    const int64_t span = (len - 1) * e;
    const int64_t lo = std::min<int64_t>(0, span), hi = std::max<int64_t>(0, span);
    const int64_t l = disp + c.lb() + lo, u = disp + c.ub() + hi;
    lb = any ? std::min(lb, l) : l, ub = any ? std::max(ub, u) : u, any = true;
    if (c.size() == 0) return;
    const int64_t tl = disp + c.true_lb() + lo, tu = disp + c.true_ub() + hi;
    tlb = tany ? std::min(tlb, tl) : tl, tub = tany ? std::max(tub, tu) : tu, tany = true;
  }
};

Type& fresh(Type*& out) {
  out = TypeBuilder::make();
  return TypeBuilder::raw(out);
}

}  // namespace

// ---- reference counting ----------------------------------------------------

void Type::retain() {
  if (!predefined_) refs_.fetch_add(1, std::memory_order_relaxed);
}

void Type::release() {
  if (predefined_) return;
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

Type::~Type() {
  for (Type* t : types_) t->release();
  if (impl_ != nullptr) impl_->release();
}

std::optional<BasicKind> Type::basic_kind() const {
  if (predefined_) return kind_;
  return std::nullopt;
}

Type* Type::predefined(BasicKind kind) {
  static std::array<Type*, kNumKinds> table = [] {
    std::array<Type*, kNumKinds> t{};
    for (size_t i = 0; i < kNumKinds; ++i) {
      const KindInfo& info = kind_info(static_cast<BasicKind>(i));
      Type* p = nullptr;
      Type& ty = fresh(p);
      ty.predefined_ = true;
      ty.kind_ = info.kind;
      ty.size_ = info.size;
      ty.ub_ = info.extent;
      ty.true_ub_ = is_pair(info.kind) ? info.second_offset + kind_size(info.second) : info.size;
      ty.num_elements_ = is_pair(info.kind) ? 2 : 1;
      ty.ext32_size_ = info.ext32_size;
      ty.align_ = info.align;
      ty.shape_ = Type::Shape::Basic;
      ty.name_ = std::string(info.name);
      (void)ty.commit();  // predefined programs never fail to compile
      t[i] = p;
    }
    return t;
  }();
  return table[static_cast<size_t>(kind)];
}

// ---- commit -----------------------------------------------------------------

Status compile(const Type& t, Program& out);

Status Type::commit() {
  if (program_) return Status::ok();
  auto p = std::make_unique<Program>();
  if (Status st = compile(*this, *p); !st) return st;
  program_ = std::move(p);
  // Contiguous when one instance is a single run in packed order and the
  // instances abut (extent == size).
  contiguous_ = false;
  if (size_ == 0) {
    contiguous_ = true;
  } else if (extent() == size_) {
    Cursor c(*this, 1);
    iovec iov[2];
    size_t n = 0;
    const size_t bytes = c.iov(nullptr, iov, 2, static_cast<size_t>(size_), &n);
    contiguous_ = n == 1 && bytes == static_cast<size_t>(size_) &&
                  reinterpret_cast<intptr_t>(iov[0].iov_base) == true_lb_;
  }
  return Status::ok();
}

// ---- constructors -----------------------------------------------------------

namespace {

// The layout shared by all single-child block constructors.
void layout_from_blocks(Type& t, const Type& c, Bounds& b, int64_t copies) {
  t.size_ = copies * c.size();
  t.num_elements_ = copies * c.num_elements();
  t.ext32_size_ = copies * c.external32_size();
  t.align_ = c.alignment();
  t.sticky_bounds_ = c.sticky_bounds_;
  if (b.any) t.lb_ = b.lb, t.ub_ = b.ub;
  if (b.tany) t.true_lb_ = b.tlb, t.true_ub_ = b.tub;
}

Result<Type*> regular(Combiner comb, int64_t count, int64_t blocklen, int64_t stride_bytes, Type* old) {
  if (count < 0) return count_error("count", count);
  if (blocklen < 0) return count_error("blocklength", blocklen);
  Type* out = nullptr;
  Type& t = fresh(out);
  t.combiner_ = comb;
  old->retain();
  t.types_ = {old};
  t.shape_ = Type::Shape::Blocks;
  t.child_ = old;
  t.regular_ = true;
  t.reg_count_ = count, t.reg_len_ = blocklen, t.reg_stride_ = stride_bytes;
  Bounds b;
  if (count > 0 && blocklen > 0) {
    b.add(0, blocklen, *old, old->extent());
    if (count > 1) b.add((count - 1) * stride_bytes, blocklen, *old, old->extent());
  }
  layout_from_blocks(t, *old, b, count * blocklen);
  return out;
}

Result<Type*> listed(Combiner comb, std::span<const int64_t> lens, std::span<const int64_t> disps,
                     int64_t scale, Type* old) {
  Type* out = nullptr;
  for (size_t i = 0; i < lens.size(); ++i)
    if (lens[i] < 0) return count_error(("blocklength[" + std::to_string(i) + "]").c_str(), lens[i]);
  Type& t = fresh(out);
  t.combiner_ = comb;
  old->retain();
  t.types_ = {old};
  t.shape_ = Type::Shape::Blocks;
  t.child_ = old;
  Bounds b;
  int64_t copies = 0;
  t.blocks_.reserve(lens.size());
  for (size_t i = 0; i < lens.size(); ++i) {
    const int64_t d = disps[i] * scale;
    t.blocks_.push_back({d, lens[i]});
    b.add(d, lens[i], *old, old->extent());
    copies += lens[i];
  }
  layout_from_blocks(t, *old, b, copies);
  return out;
}

}  // namespace

Result<Type*> make_contiguous(int64_t count, Type* old) {
  if (count < 0) return count_error("count", count);
  auto r = regular(Combiner::Contiguous, 1, count, 0, old);
  if (r.is_ok()) TypeBuilder::raw(r.value()).ints_ = {count};
  return r;
}

Result<Type*> make_vector(int64_t count, int64_t blocklength, int64_t stride, Type* old) {
  auto r = regular(Combiner::Vector, count, blocklength, stride * old->extent(), old);
  if (r.is_ok()) TypeBuilder::raw(r.value()).ints_ = {count, blocklength, stride};
  return r;
}

Result<Type*> make_hvector(int64_t count, int64_t blocklength, int64_t stride_bytes, Type* old) {
  auto r = regular(Combiner::Hvector, count, blocklength, stride_bytes, old);
  if (r.is_ok()) {
    Type& t = TypeBuilder::raw(r.value());
    t.ints_ = {count, blocklength};
    t.addrs_ = {stride_bytes};
  }
  return r;
}

Result<Type*> make_indexed(std::span<const int64_t> blocklengths, std::span<const int64_t> displacements,
                           Type* old) {
  auto r = listed(Combiner::Indexed, blocklengths, displacements, old->extent(), old);
  if (r.is_ok()) {
    auto& ints = TypeBuilder::raw(r.value()).ints_;
    ints.push_back(static_cast<int64_t>(blocklengths.size()));
    ints.insert(ints.end(), blocklengths.begin(), blocklengths.end());
    ints.insert(ints.end(), displacements.begin(), displacements.end());
  }
  return r;
}

Result<Type*> make_hindexed(std::span<const int64_t> blocklengths,
                            std::span<const int64_t> displacements_bytes, Type* old) {
  auto r = listed(Combiner::Hindexed, blocklengths, displacements_bytes, 1, old);
  if (r.is_ok()) {
    Type& t = TypeBuilder::raw(r.value());
    t.ints_.push_back(static_cast<int64_t>(blocklengths.size()));
    t.ints_.insert(t.ints_.end(), blocklengths.begin(), blocklengths.end());
    t.addrs_.assign(displacements_bytes.begin(), displacements_bytes.end());
  }
  return r;
}

Result<Type*> make_indexed_block(int64_t blocklength, std::span<const int64_t> displacements, Type* old) {
  if (blocklength < 0) return count_error("blocklength", blocklength);
  std::vector<int64_t> lens(displacements.size(), blocklength);
  auto r = listed(Combiner::IndexedBlock, lens, displacements, old->extent(), old);
  if (r.is_ok()) {
    auto& ints = TypeBuilder::raw(r.value()).ints_;
    ints = {static_cast<int64_t>(displacements.size()), blocklength};
    ints.insert(ints.end(), displacements.begin(), displacements.end());
  }
  return r;
}

Result<Type*> make_hindexed_block(int64_t blocklength, std::span<const int64_t> displacements_bytes,
                                  Type* old) {
  if (blocklength < 0) return count_error("blocklength", blocklength);
  std::vector<int64_t> lens(displacements_bytes.size(), blocklength);
  auto r = listed(Combiner::HindexedBlock, lens, displacements_bytes, 1, old);
  if (r.is_ok()) {
    Type& t = TypeBuilder::raw(r.value());
    t.ints_ = {static_cast<int64_t>(displacements_bytes.size()), blocklength};
    t.addrs_.assign(displacements_bytes.begin(), displacements_bytes.end());
  }
  return r;
}

Result<Type*> make_struct(std::span<const int64_t> blocklengths, std::span<const int64_t> displacements_bytes,
                          std::span<Type* const> types) {
  for (size_t i = 0; i < blocklengths.size(); ++i)
    if (blocklengths[i] < 0)
      return count_error(("blocklength[" + std::to_string(i) + "]").c_str(), blocklengths[i]);
  Type* out = nullptr;
  Type& t = fresh(out);
  t.combiner_ = Combiner::Struct;
  t.shape_ = Type::Shape::Struct;
  t.ints_.push_back(static_cast<int64_t>(blocklengths.size()));
  t.ints_.insert(t.ints_.end(), blocklengths.begin(), blocklengths.end());
  t.addrs_.assign(displacements_bytes.begin(), displacements_bytes.end());
  Bounds b;
  bool sticky = false;
  for (size_t i = 0; i < blocklengths.size(); ++i) {
    Type* c = types[i];
    c->retain();
    t.types_.push_back(c);
    t.blocks_.push_back({displacements_bytes[i], blocklengths[i]});
    b.add(displacements_bytes[i], blocklengths[i], *c, c->extent());
    t.size_ += blocklengths[i] * c->size();
    t.num_elements_ += blocklengths[i] * c->num_elements();
    t.ext32_size_ += blocklengths[i] * c->external32_size();
    if (blocklengths[i] > 0) {  // empty members neither align nor bound the struct
      t.align_ = std::max(t.align_, c->alignment());
      sticky = sticky || c->sticky_bounds_;
    }
  }
  t.sticky_bounds_ = sticky;
  if (b.tany) t.true_lb_ = b.tlb, t.true_ub_ = b.tub;
  if (b.any) {
    t.lb_ = b.lb, t.ub_ = b.ub;
    // Without explicit bounds, the extent is padded to the strictest
    // alignment, as a C compiler pads the equivalent struct.
    if (!sticky && t.align_ > 1) {
      const int64_t ext = t.ub_ - t.lb_;
      const int64_t rem = ((ext % t.align_) + t.align_) % t.align_;
      if (rem != 0) t.ub_ += t.align_ - rem;
    }
  }
  return out;
}

Result<Type*> make_resized(Type* old, int64_t lb, int64_t extent) {
  Type* out = nullptr;
  Type& t = fresh(out);
  t.combiner_ = Combiner::Resized;
  t.addrs_ = {lb, extent};
  old->retain();
  t.types_ = {old};
  t.shape_ = Type::Shape::Resized;
  t.child_ = old;
  t.size_ = old->size();
  t.num_elements_ = old->num_elements();
  t.ext32_size_ = old->external32_size();
  t.align_ = old->alignment();
  t.true_lb_ = old->true_lb();
  t.true_ub_ = old->true_ub();
  t.lb_ = lb;
  t.ub_ = lb + extent;
  t.sticky_bounds_ = true;
  return out;
}

namespace {

// Copies layout from `src` into an Alias-shaped type.
void alias_layout(Type& t, Type* src) {
  Type& s = TypeBuilder::raw(src);
  t.shape_ = Type::Shape::Alias;
  t.child_ = src;
  t.size_ = s.size_, t.lb_ = s.lb_, t.ub_ = s.ub_, t.true_lb_ = s.true_lb_, t.true_ub_ = s.true_ub_;
  t.num_elements_ = s.num_elements_, t.ext32_size_ = s.ext32_size_, t.align_ = s.align_;
  t.sticky_bounds_ = s.sticky_bounds_;
}

}  // namespace

Result<Type*> make_dup(Type* old) {
  Type* out = nullptr;
  Type& t = fresh(out);
  t.combiner_ = Combiner::Dup;
  old->retain();
  t.types_ = {old};
  alias_layout(t, old);
  return out;
}

// ---- subarray and darray ----------------------------------------------------

namespace {

struct Run {
  int64_t start, len;
};

// One dimension: the runs of indices this process holds, `stride` bytes per
// index, each index one copy of `inner`. Regular runs become an hvector.
Result<Type*> dimension_type(const std::vector<Run>& runs, int64_t stride, Type* inner) {
  bool reg = !runs.empty();
  for (size_t i = 1; i < runs.size() && reg; ++i)
    reg = runs[i].len == runs[0].len && runs[i].start - runs[i - 1].start == runs[1].start - runs[0].start;
  if (reg) {
    auto v = make_hvector(static_cast<int64_t>(runs.size()), runs[0].len,
                          runs.size() > 1 ? (runs[1].start - runs[0].start) * stride : 0, inner);
    if (!v.is_ok() || runs[0].start == 0) return v;
    const int64_t one = 1, disp = runs[0].start * stride;
    Type* vt = v.value();
    auto h = make_hindexed(std::span(&one, 1), std::span(&disp, 1), vt);
    vt->release();
    return h;
  }
  std::vector<int64_t> lens, disps;
  for (const Run& r : runs) {
    lens.push_back(r.len);
    disps.push_back(r.start * stride);
  }
  return make_hindexed(lens, disps, inner);
}

// Builds the nested per-dimension types (fastest dimension innermost) and
// resizes the result to the whole array: lb 0, extent prod(sizes)*extent(old).
Result<Type*> build_array(const std::vector<std::vector<Run>>& runs, std::span<const int64_t> sizes,
                          int order, Type* old) {
  const size_t nd = sizes.size();
  std::vector<size_t> dims(nd);  // fastest first
  for (size_t i = 0; i < nd; ++i) dims[i] = order == kOrderC ? nd - 1 - i : i;
  Type* cur = old;
  cur->retain();
  int64_t stride = old->extent();
  for (size_t k = 0; k < nd; ++k) {
    const size_t d = dims[k];
    Type* inner = cur;
    if (k > 0) {
      auto rz = make_resized(cur, 0, stride);
      cur->release();
      if (!rz.is_ok()) return rz;
      inner = rz.value();
    }
    auto dt = dimension_type(runs[d], stride, inner);
    inner->release();
    if (!dt.is_ok()) return dt;
    cur = dt.value();
    stride *= sizes[d];
  }
  auto whole = make_resized(cur, 0, stride);
  cur->release();
  return whole;
}

Result<Type*> wrap_array(Combiner comb, Result<Type*> impl, std::vector<int64_t> ints, Type* old) {
  if (!impl.is_ok()) return impl;
  Type* out = nullptr;
  Type& t = fresh(out);
  t.combiner_ = comb;
  t.ints_ = std::move(ints);
  old->retain();
  t.types_ = {old};
  t.impl_ = impl.value();
  alias_layout(t, t.impl_);
  return out;
}

}  // namespace

Result<Type*> make_subarray(std::span<const int64_t> sizes, std::span<const int64_t> subsizes,
                            std::span<const int64_t> starts, int order, Type* old) {
  const size_t nd = sizes.size();
  if (nd == 0) return arg_error("ndims must be positive (got 0)");
  if (order != kOrderC && order != kOrderFortran)
    return arg_error("order must be MPI_ORDER_C or MPI_ORDER_FORTRAN (got " + std::to_string(order) + ")");
  std::vector<std::vector<Run>> runs(nd);
  for (size_t d = 0; d < nd; ++d) {
    std::string at = std::to_string(d);  // not "[" + ...: GCC 12's -Wrestrict misfires on that
    at.insert(at.begin(), '[');
    at.push_back(']');
    if (sizes[d] <= 0)
      return arg_error("array_of_sizes" + at + " must be positive (got " + std::to_string(sizes[d]) + ")");
    if (subsizes[d] <= 0 || subsizes[d] > sizes[d])
      return arg_error("array_of_subsizes" + at + " must be in 1.." + std::to_string(sizes[d]) + " (got " +
                       std::to_string(subsizes[d]) + ")");
    if (starts[d] < 0 || starts[d] > sizes[d] - subsizes[d])
      return arg_error("array_of_starts" + at + " must be in 0.." + std::to_string(sizes[d] - subsizes[d]) +
                       " (got " + std::to_string(starts[d]) + ")");
    runs[d] = {{starts[d], subsizes[d]}};
  }
  std::vector<int64_t> ints{static_cast<int64_t>(nd)};
  ints.insert(ints.end(), sizes.begin(), sizes.end());
  ints.insert(ints.end(), subsizes.begin(), subsizes.end());
  ints.insert(ints.end(), starts.begin(), starts.end());
  ints.push_back(order);
  return wrap_array(Combiner::Subarray, build_array(runs, sizes, order, old), std::move(ints), old);
}

Result<Type*> make_darray(int size, int rank, std::span<const int64_t> gsizes, std::span<const int> distribs,
                          std::span<const int> dargs, std::span<const int> psizes, int order, Type* old) {
  const size_t nd = gsizes.size();
  if (size <= 0) return arg_error("size must be positive (got " + std::to_string(size) + ")");
  if (rank < 0 || rank >= size)
    return arg_error("rank " + std::to_string(rank) + " is not in 0.." + std::to_string(size - 1));
  if (nd == 0) return arg_error("ndims must be positive (got 0)");
  if (order != kOrderC && order != kOrderFortran)
    return arg_error("order must be MPI_ORDER_C or MPI_ORDER_FORTRAN (got " + std::to_string(order) + ")");
  int64_t procs = 1;
  for (size_t d = 0; d < nd; ++d) {
    if (psizes[d] <= 0)
      return arg_error("array_of_psizes[" + std::to_string(d) + "] must be positive (got " +
                       std::to_string(psizes[d]) + ")");
    procs *= psizes[d];
  }
  if (procs != size)
    return arg_error("the process grid (product of array_of_psizes = " + std::to_string(procs) +
                     ") does not match size " + std::to_string(size));
  // Row-major coordinates of `rank` in the process grid.
  std::vector<int64_t> coord(nd);
  int64_t rest = rank;
  for (size_t i = nd; i-- > 0;) {
    coord[i] = rest % psizes[i];
    rest /= psizes[i];
  }
  std::vector<std::vector<Run>> runs(nd);
  for (size_t d = 0; d < nd; ++d) {
    std::string at = std::to_string(d);  // not "[" + ...: GCC 12's -Wrestrict misfires on that
    at.insert(at.begin(), '[');
    at.push_back(']');
    const int64_t g = gsizes[d], p = psizes[d], r = coord[d];
    if (g <= 0)
      return arg_error("array_of_gsizes" + at + " must be positive (got " + std::to_string(g) + ")");
    switch (distribs[d]) {
      case kDistributeNone:
        if (p != 1) return arg_error("array_of_psizes" + at + " must be 1 for MPI_DISTRIBUTE_NONE");
        runs[d] = {{0, g}};
        break;
      case kDistributeBlock: {
        int64_t b = (g + p - 1) / p;
        if (dargs[d] != kDistributeDefaultArg) {
          if (dargs[d] <= 0)
            return arg_error("array_of_dargs" + at + " must be positive or MPI_DISTRIBUTE_DFLT_DARG");
          b = dargs[d];
          if (b * p < g)
            return arg_error("array_of_dargs" + at + " = " + std::to_string(b) + " times " +
                             std::to_string(p) + " processes does not cover array_of_gsizes" + at + " = " +
                             std::to_string(g));
        }
        const int64_t s = std::min(g, r * b);
        runs[d] = {{s, std::max<int64_t>(0, std::min(b, g - s))}};
        break;
      }
      case kDistributeCyclic: {
        int64_t k = 1;
        if (dargs[d] != kDistributeDefaultArg) {
          if (dargs[d] <= 0)
            return arg_error("array_of_dargs" + at + " must be positive or MPI_DISTRIBUTE_DFLT_DARG");
          k = dargs[d];
        }
        for (int64_t j = r * k; j < g; j += p * k) runs[d].push_back({j, std::min(k, g - j)});
        if (runs[d].empty()) runs[d] = {{0, 0}};
        break;
      }
      default:
        return arg_error("array_of_distribs" + at + " must be MPI_DISTRIBUTE_BLOCK, _CYCLIC or _NONE (got " +
                         std::to_string(distribs[d]) + ")");
    }
  }
  std::vector<int64_t> ints{size, rank, static_cast<int64_t>(nd)};
  ints.insert(ints.end(), gsizes.begin(), gsizes.end());
  ints.insert(ints.end(), distribs.begin(), distribs.end());
  ints.insert(ints.end(), dargs.begin(), dargs.end());
  ints.insert(ints.end(), psizes.begin(), psizes.end());
  ints.push_back(order);
  return wrap_array(Combiner::Darray, build_array(runs, gsizes, order, old), std::move(ints), old);
}

// ---- large-count contents ------------------------------------------------------

void use_large_count_contents(Type& t) {
  if (t.large_count_ || t.combiner_ == Combiner::Named || t.combiner_ == Combiner::Dup) return;
  t.large_count_ = true;
  std::vector<int64_t>& ints = t.ints_;
  if (t.combiner_ == Combiner::Subarray) {
    // {ndims, sizes, subsizes, starts, order} -> ints {ndims, order}, large {sizes, subsizes, starts}
    t.large_.assign(ints.begin() + 1, ints.end() - 1);
    ints = {ints.front(), ints.back()};
  } else if (t.combiner_ == Combiner::Darray) {
    // {size, rank, ndims, gsizes, distribs, dargs, psizes, order} -> the gsizes are large
    const auto nd = static_cast<size_t>(ints[2]);
    t.large_.assign(ints.begin() + 3, ints.begin() + 3 + static_cast<std::ptrdiff_t>(nd));
    ints.erase(ints.begin() + 3, ints.begin() + 3 + static_cast<std::ptrdiff_t>(nd));
  } else {
    // Every other combiner lists its integers, then its addresses; the
    // large-count form lists the same values in the same order, all large.
    t.large_ = std::move(ints);
    t.large_.insert(t.large_.end(), t.addrs_.begin(), t.addrs_.end());
    ints.clear();
    t.addrs_.clear();
  }
}

}  // namespace parley::dt
