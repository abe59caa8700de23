// Small pieces of the standard that programs and libraries call routinely
// even when they never use the chapter they belong to:
//  - MPI_Alloc_mem / MPI_Free_mem (MPI-3.1 §8.2): cache-line aligned memory
//    from the heap (no transport needs registered memory from us today);
//  - MPI_Comm_get_parent (§10.3.2): MPI_COMM_NULL, as no process is spawned;
//  - the C <-> Fortran status conversions (MPI-4.0 §19.3.5): the three
//    layouts are the same five integers;
//  - MPI_Type_create_f90_integer/real/complex (§17.1.9): the predefined
//    fixed-size Fortran type with at least the asked precision and range.
#include <mpi.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "c_api.hpp"
#include "comm_handles.hpp"

using parley::Status;
using parley::c::null_arg;
using parley::c::report;
using parley::c::require_initialized;

static_assert(sizeof(MPI_Status) == MPI_F_STATUS_SIZE * sizeof(MPI_Fint));
static_assert(sizeof(MPI_F08_status) == MPI_F_STATUS_SIZE * sizeof(MPI_Fint));

namespace {

constexpr MPI_Comm kWorld = MPI_COMM_WORLD;
constexpr std::size_t kAlignment = 64;

// Copies the five status integers between layouts; `from`/`to` name the
// arguments for the error message.
template <class From, class To>
int convert_status(const char* fn, const From* from, const char* from_name, To* to, const char* to_name,
                   const void* ignore_from, const void* ignore_to) {
  if (from == nullptr) return report(fn, kWorld, null_arg(from_name));
  if (to == nullptr) return report(fn, kWorld, null_arg(to_name));
  if (static_cast<const void*>(from) == ignore_from)
    return report(fn, kWorld, Status(MPI_ERR_ARG, std::string(from_name) + " is an ignore sentinel, not a status"));
  if (static_cast<const void*>(to) == ignore_to)
    return report(fn, kWorld, Status(MPI_ERR_ARG, std::string(to_name) + " is an ignore sentinel, not a status"));
  std::memcpy(static_cast<void*>(to), static_cast<const void*>(from), MPI_F_STATUS_SIZE * sizeof(MPI_Fint));
  return MPI_SUCCESS;
}

// A Fortran kind's guarantees: decimal precision and exponent range.
struct Kind {
  int precision;
  int range;
  MPI_Datatype real;
  MPI_Datatype complex;
};

// IEEE binary32, binary64, and x86's 80-bit extended (the REAL16 slot).
constexpr Kind kRealKinds[] = {
    {6, 37, MPI_REAL4, MPI_COMPLEX8},
    {15, 307, MPI_REAL8, MPI_COMPLEX16},
    {18, 4931, MPI_REAL16, MPI_COMPLEX32},
};

bool wants(int asked, int offered) { return asked == MPI_UNDEFINED || asked <= offered; }

int f90_float(const char* fn, int p, int r, bool complex, MPI_Datatype* newtype) {
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (newtype == nullptr) return report(fn, kWorld, null_arg("newtype"));
  if (p == MPI_UNDEFINED && r == MPI_UNDEFINED)
    return report(fn, kWorld, Status(MPI_ERR_ARG, "p and r are both MPI_UNDEFINED; at least one must be given"));
  if ((p != MPI_UNDEFINED && p < 0) || (r != MPI_UNDEFINED && r < 0))
    return report(fn, kWorld, Status(MPI_ERR_ARG, "negative precision " + std::to_string(p) + " or range " +
                                                      std::to_string(r)));
  for (const Kind& k : kRealKinds) {
    if (wants(p, k.precision) && wants(r, k.range)) {
      *newtype = complex ? k.complex : k.real;
      return MPI_SUCCESS;
    }
  }
  return report(fn, kWorld,
                Status(MPI_ERR_ARG, "no real kind has precision " + std::to_string(p) + " and range " +
                                        std::to_string(r) + " (the widest has precision 18, range 4931)"));
}

}  // namespace

// ---- memory ---------------------------------------------------------------

int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void* baseptr) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Alloc_mem";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (size < 0) return report(fn, kWorld, Status(MPI_ERR_SIZE, "size " + std::to_string(size) + " is negative"));
  if (baseptr == nullptr) return report(fn, kWorld, null_arg("baseptr"));
  if (info != MPI_INFO_NULL && parley::c::lookup_info(info) == nullptr)
    return report(fn, kWorld, parley::c::invalid_info(info));
  // aligned_alloc wants a multiple of the alignment; a zero-byte request
  // still gets a unique pointer the program may pass to MPI_Free_mem.
  const auto bytes = static_cast<std::size_t>(size);
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (p == nullptr)
    return report(fn, kWorld, Status(MPI_ERR_NO_MEM, "cannot allocate " + std::to_string(size) + " bytes"));
  std::memcpy(baseptr, &p, sizeof p);
  return MPI_SUCCESS;
}

int PMPI_Free_mem(void* base) {
  PARLEY_API_LOCK();
  if (Status st = require_initialized(); !st) return report("MPI_Free_mem", kWorld, st);
  std::free(base);
  return MPI_SUCCESS;
}

// ---- dynamic processes ----------------------------------------------------

int PMPI_Comm_get_parent(MPI_Comm* parent) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_get_parent";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (parent == nullptr) return report(fn, kWorld, null_arg("parent"));
  *parent = MPI_COMM_NULL;
  return MPI_SUCCESS;
}

// ---- status conversions ---------------------------------------------------

int PMPI_Status_c2f(const MPI_Status* c_status, MPI_Fint* f_status) {
  PARLEY_API_LOCK();
  return convert_status("MPI_Status_c2f", c_status, "c_status", f_status, "f_status", MPI_STATUS_IGNORE,
                        MPI_F_STATUS_IGNORE);
}

int PMPI_Status_f2c(const MPI_Fint* f_status, MPI_Status* c_status) {
  PARLEY_API_LOCK();
  return convert_status("MPI_Status_f2c", f_status, "f_status", c_status, "c_status", MPI_F_STATUS_IGNORE,
                        MPI_STATUS_IGNORE);
}

int PMPI_Status_c2f08(const MPI_Status* c_status, MPI_F08_status* f08_status) {
  PARLEY_API_LOCK();
  return convert_status("MPI_Status_c2f08", c_status, "c_status", f08_status, "f08_status", MPI_STATUS_IGNORE,
                        MPI_F08_STATUS_IGNORE);
}

int PMPI_Status_f082c(const MPI_F08_status* f08_status, MPI_Status* c_status) {
  PARLEY_API_LOCK();
  return convert_status("MPI_Status_f082c", f08_status, "f08_status", c_status, "c_status", MPI_F08_STATUS_IGNORE,
                        MPI_STATUS_IGNORE);
}

int PMPI_Status_f082f(const MPI_F08_status* f08_status, MPI_Fint* f_status) {
  PARLEY_API_LOCK();
  return convert_status("MPI_Status_f082f", f08_status, "f08_status", f_status, "f_status", MPI_F08_STATUS_IGNORE,
                        MPI_F_STATUS_IGNORE);
}

int PMPI_Status_f2f08(const MPI_Fint* f_status, MPI_F08_status* f08_status) {
  PARLEY_API_LOCK();
  return convert_status("MPI_Status_f2f08", f_status, "f_status", f08_status, "f08_status", MPI_F_STATUS_IGNORE,
                        MPI_F08_STATUS_IGNORE);
}

// ---- Fortran 90 parameterized types ---------------------------------------

int PMPI_Type_create_f90_integer(int r, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Type_create_f90_integer";
  if (Status st = require_initialized(); !st) return report(fn, kWorld, st);
  if (newtype == nullptr) return report(fn, kWorld, null_arg("newtype"));
  if (r < 0) return report(fn, kWorld, Status(MPI_ERR_ARG, "range " + std::to_string(r) + " is negative"));
  // Decimal digits an n-byte two's complement integer always holds.
  struct IntKind {
    int range;
    MPI_Datatype type;
  };
  constexpr IntKind kinds[] = {{2, MPI_INTEGER1}, {4, MPI_INTEGER2}, {9, MPI_INTEGER4}, {18, MPI_INTEGER8}};
  for (const IntKind& k : kinds) {
    if (r <= k.range) {
      *newtype = k.type;
      return MPI_SUCCESS;
    }
  }
  return report(fn, kWorld, Status(MPI_ERR_ARG, "no integer kind has range " + std::to_string(r) +
                                                    " (the widest, 8 bytes, has range 18)"));
}

int PMPI_Type_create_f90_real(int p, int r, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return f90_float("MPI_Type_create_f90_real", p, r, false, newtype);
}

int PMPI_Type_create_f90_complex(int p, int r, MPI_Datatype* newtype) {
  PARLEY_API_LOCK();
  return f90_float("MPI_Type_create_f90_complex", p, r, true, newtype);
}
