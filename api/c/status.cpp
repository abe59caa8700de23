// Status queries and updates on the C ABI (MPI-3.1 §3.2.5, §12.3):
// MPI_Get_count, MPI_Get_elements(_x), MPI_Status_set_elements(_x),
// MPI_Status_set_cancelled. A status carries the received byte count
// (MPICH layout: count_lo and the high bits of count_hi_and_cancelled).
#include <mpi.h>

#include <cstdint>
#include <optional>

#include "datatype/pack.hpp"
#include "pt2pt_args.hpp"

using parley::Status;
using parley::c::report;

namespace parley::c {
namespace {

// The MINLOC/MAXLOC pair types hold two basic elements: their size and the
// size of the first member (the value; the second is an int).
struct PairInfo {
  std::size_t size;
  std::size_t first;
};

std::optional<PairInfo> pair_info(MPI_Datatype t) {
  if (t == MPI_2INT) return PairInfo{2 * sizeof(int), sizeof(int)};
  if (t == MPI_FLOAT_INT) return PairInfo{*basic_type_size(t), sizeof(float)};
  if (t == MPI_DOUBLE_INT) return PairInfo{*basic_type_size(t), sizeof(double)};
  if (t == MPI_LONG_INT) return PairInfo{*basic_type_size(t), sizeof(long)};
  if (t == MPI_SHORT_INT) return PairInfo{*basic_type_size(t), sizeof(short)};
  if (t == MPI_LONG_DOUBLE_INT) return PairInfo{*basic_type_size(t), sizeof(long double)};
  return std::nullopt;
}

void set_status_bytes(MPI_Status* s, std::size_t bytes) {
  s->count_lo = static_cast<int>(bytes & 0xffffffffu);
  s->count_hi_and_cancelled =
      static_cast<int>(((bytes >> 32) << 1) | (static_cast<unsigned>(s->count_hi_and_cancelled) & 1u));
}

Status check_status_type(const MPI_Status* status, MPI_Datatype type) {
  if (status == nullptr || status == MPI_STATUS_IGNORE) return null_arg("status");
  dt::Type* t = nullptr;
  return check_datatype(type, "datatype", false, &t);
}

// Basic elements in `bytes` of `type`, or -1 when bytes does not end on an
// element boundary (MPI_UNDEFINED).
std::int64_t elements_in(MPI_Datatype type, std::size_t bytes) {
  if (!basic_type_size(type)) {
    const dt::Type* t = lookup_datatype(type);
    if (!t->committed()) return -1;
    return dt::count_elements(*t, bytes);
  }
  if (auto p = pair_info(type)) {
    std::size_t whole = bytes / p->size, rest = bytes % p->size;
    if (rest == 0) return static_cast<std::int64_t>(2 * whole);
    if (rest == p->first) return static_cast<std::int64_t>(2 * whole + 1);
    return -1;
  }
  std::size_t size = *basic_type_size(type);
  if (size == 0) return 0;
  return bytes % size == 0 ? static_cast<std::int64_t>(bytes / size) : -1;
}

// Bytes that `count` basic elements of `type` occupy.
std::size_t bytes_of_elements(MPI_Datatype type, std::size_t count) {
  if (!basic_type_size(type)) {
    // Derived: whole instances, then the shortest prefix of one more
    // instance that holds the remaining elements.
    const dt::Type* t = lookup_datatype(type);
    const auto size = static_cast<std::size_t>(t->size());
    const std::int64_t per = t->committed() ? dt::count_elements(*t, size) : 0;
    if (per <= 0) return 0;
    std::size_t bytes = (count / static_cast<std::size_t>(per)) * size;
    const auto rest = static_cast<std::int64_t>(count % static_cast<std::size_t>(per));
    for (std::size_t b = 0; rest > 0 && b <= size; ++b) {
      if (dt::count_elements(*t, b) == rest) return bytes + b;
    }
    return bytes;
  }
  if (auto p = pair_info(type)) return (count / 2) * p->size + (count % 2) * p->first;
  return count * *basic_type_size(type);
}

}  // namespace
}  // namespace parley::c

using namespace parley::c;

int PMPI_Get_count(const MPI_Status* status, MPI_Datatype datatype, int* count) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Get_count";
  if (Status st = check_status_type(status, datatype); !st) return report(fn, MPI_COMM_WORLD, st);
  if (count == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("count"));
  const auto size = static_cast<std::size_t>(lookup_datatype(datatype)->size());
  std::size_t total = status_bytes(status);
  if (size == 0) {
    *count = 0;
  } else if (total % size != 0 || total / size > 0x7fffffff) {
    *count = MPI_UNDEFINED;
  } else {
    *count = static_cast<int>(total / size);
  }
  return MPI_SUCCESS;
}

namespace {

// Shared bodies of the int and MPI_Count forms.
int get_elements(const char* fn, const MPI_Status* status, MPI_Datatype datatype, std::int64_t limit,
                 std::int64_t& out) {
  if (Status st = check_status_type(status, datatype); !st) return report(fn, MPI_COMM_WORLD, st);
  std::int64_t n = elements_in(datatype, status_bytes(status));
  out = (n < 0 || n > limit) ? MPI_UNDEFINED : n;
  return MPI_SUCCESS;
}

int set_elements(const char* fn, MPI_Status* status, MPI_Datatype datatype, MPI_Count count) {
  if (Status st = check_status_type(status, datatype); !st) return report(fn, MPI_COMM_WORLD, st);
  if (count < 0)
    return report(fn, MPI_COMM_WORLD,
                  Status(MPI_ERR_COUNT, "count must be non-negative (got " + std::to_string(count) + ")"));
  set_status_bytes(status, bytes_of_elements(datatype, static_cast<std::size_t>(count)));
  return MPI_SUCCESS;
}

}  // namespace

int PMPI_Get_elements_x(const MPI_Status* status, MPI_Datatype datatype, MPI_Count* count) {
  PARLEY_API_LOCK();
  if (count == nullptr) return report("MPI_Get_elements_x", MPI_COMM_WORLD, null_arg("count"));
  std::int64_t n = 0;
  int rc = get_elements("MPI_Get_elements_x", status, datatype, INT64_MAX, n);
  if (rc == MPI_SUCCESS) *count = n;
  return rc;
}

int PMPI_Get_elements(const MPI_Status* status, MPI_Datatype datatype, int* count) {
  PARLEY_API_LOCK();
  if (count == nullptr) return report("MPI_Get_elements", MPI_COMM_WORLD, null_arg("count"));
  std::int64_t n = 0;
  int rc = get_elements("MPI_Get_elements", status, datatype, 0x7fffffff, n);
  if (rc == MPI_SUCCESS) *count = static_cast<int>(n);
  return rc;
}

int PMPI_Status_set_elements_x(MPI_Status* status, MPI_Datatype datatype, MPI_Count count) {
  PARLEY_API_LOCK();
  return set_elements("MPI_Status_set_elements_x", status, datatype, count);
}

int PMPI_Status_set_elements(MPI_Status* status, MPI_Datatype datatype, int count) {
  PARLEY_API_LOCK();
  return set_elements("MPI_Status_set_elements", status, datatype, count);
}

int PMPI_Status_set_cancelled(MPI_Status* status, int flag) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Status_set_cancelled";
  if (status == nullptr || status == MPI_STATUS_IGNORE) return report(fn, MPI_COMM_WORLD, null_arg("status"));
  status->count_hi_and_cancelled = (status->count_hi_and_cancelled & ~1) | (flag ? 1 : 0);
  return MPI_SUCCESS;
}
