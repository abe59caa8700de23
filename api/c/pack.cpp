// MPI_Pack/Unpack/Pack_size (native representation: the packed stream is
// the raw bytes of the typemap) and the external32 forms (MPI-3.1 4.2, 13.5).
#include "datatype/pack.hpp"

#include <mpi.h>

#include <climits>
#include <limits>
#include <type_traits>
#include <cstring>

#include "datatype/external32.hpp"
#include "datatype_table.hpp"

using parley::Status;
using parley::c::report;
namespace dt = parley::dt;
using namespace parley::c;

namespace {

Status check_comm(MPI_Comm comm) {
  if (lookup_comm(comm) == nullptr) return invalid_comm(comm);
  return Status::ok();
}

Status check_datarep(const char* datarep) {
  if (datarep == nullptr) return null_arg("datarep");
  if (std::strcmp(datarep, "external32") != 0)
    return Status(MPI_ERR_ARG, std::string("unsupported data representation \"") + datarep +
                                   "\" (only \"external32\" is)");
  return Status::ok();
}

Status count_error(const char* arg, long long v) {
  return Status(MPI_ERR_COUNT, std::string(arg) + " must be non-negative (got " + std::to_string(v) + ")");
}

char* at(void* p, long long off) { return static_cast<char*>(p) + off; }
const char* at(const void* p, long long off) { return static_cast<const char*>(p) + off; }

// One body for the int and MPI_Count (MPI-4 "_c") forms of each call.
template <class Count>
int pack_body(const char* fn, const void* inbuf, Count incount, MPI_Datatype datatype, void* outbuf,
              Count outsize, Count* position, MPI_Comm comm) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (Status st = check_comm(comm); !st) return report(fn, MPI_COMM_WORLD, st);
  if (incount < 0) return report(fn, comm, count_error("incount", incount));
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", true, &t); !st) return report(fn, comm, st);
  if (position == nullptr) return report(fn, comm, null_arg("position"));
  if (*position < 0 || *position > outsize)
    return report(fn, comm,
                  Status(MPI_ERR_ARG, "position " + std::to_string(*position) + " is outside 0..outsize (" +
                                          std::to_string(outsize) + ")"));
  const long long need = static_cast<long long>(incount) * t->size();
  if (need > static_cast<long long>(outsize - *position))
    return report(fn, comm,
                  Status(MPI_ERR_TRUNCATE, "output buffer too small: " + std::to_string(need) +
                                               " bytes needed at position " + std::to_string(*position) +
                                               " but outsize is " + std::to_string(outsize)));
  if (need > 0 && outbuf == nullptr) return report(fn, comm, null_arg("outbuf"));
  dt::pack(inbuf, incount, *t, 0, at(outbuf, *position), static_cast<size_t>(need));
  *position += static_cast<Count>(need);
  return MPI_SUCCESS;
}

template <class Count>
int unpack_body(const char* fn, const void* inbuf, Count insize, Count* position, void* outbuf, Count outcount,
                MPI_Datatype datatype, MPI_Comm comm) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (Status st = check_comm(comm); !st) return report(fn, MPI_COMM_WORLD, st);
  if (outcount < 0) return report(fn, comm, count_error("outcount", outcount));
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", true, &t); !st) return report(fn, comm, st);
  if (position == nullptr) return report(fn, comm, null_arg("position"));
  if (*position < 0 || *position > insize)
    return report(fn, comm,
                  Status(MPI_ERR_ARG, "position " + std::to_string(*position) + " is outside 0..insize (" +
                                          std::to_string(insize) + ")"));
  const long long need = static_cast<long long>(outcount) * t->size();
  if (need > static_cast<long long>(insize - *position))
    return report(fn, comm,
                  Status(MPI_ERR_TRUNCATE, "input holds " + std::to_string(insize - *position) +
                                               " bytes after position " + std::to_string(*position) +
                                               " but " + std::to_string(need) + " are needed"));
  if (need > 0 && inbuf == nullptr) return report(fn, comm, null_arg("inbuf"));
  dt::unpack(at(inbuf, *position), static_cast<size_t>(need), outbuf, outcount, *t, 0);
  *position += static_cast<Count>(need);
  return MPI_SUCCESS;
}

template <class Count>
int pack_size_body(const char* fn, Count incount, MPI_Datatype datatype, MPI_Comm comm, Count* size) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (Status st = check_comm(comm); !st) return report(fn, MPI_COMM_WORLD, st);
  if (incount < 0) return report(fn, comm, count_error("incount", incount));
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", false, &t); !st) return report(fn, comm, st);
  if (size == nullptr) return report(fn, comm, null_arg("size"));
  const long long need = static_cast<long long>(incount) * t->size();
  // Too big for an int: MPI_UNDEFINED, as MPI_Type_size does (MPI-4.0 large-count rule); _c has the value.
  *size = need > std::numeric_limits<Count>::max() ? static_cast<Count>(MPI_UNDEFINED) : static_cast<Count>(need);
  return MPI_SUCCESS;
}

}  // namespace

int PMPI_Pack(const void* inbuf, int incount, MPI_Datatype datatype, void* outbuf, int outsize, int* position,
              MPI_Comm comm) {
  PARLEY_API_LOCK();
  return pack_body("MPI_Pack", inbuf, incount, datatype, outbuf, outsize, position, comm);
}

int PMPI_Pack_c(const void* inbuf, MPI_Count incount, MPI_Datatype datatype, void* outbuf, MPI_Count outsize,
                MPI_Count* position, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return pack_body("MPI_Pack_c", inbuf, incount, datatype, outbuf, outsize, position, comm);
}

int PMPI_Unpack(const void* inbuf, int insize, int* position, void* outbuf, int outcount,
                MPI_Datatype datatype, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return unpack_body("MPI_Unpack", inbuf, insize, position, outbuf, outcount, datatype, comm);
}

int PMPI_Unpack_c(const void* inbuf, MPI_Count insize, MPI_Count* position, void* outbuf, MPI_Count outcount,
                  MPI_Datatype datatype, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return unpack_body("MPI_Unpack_c", inbuf, insize, position, outbuf, outcount, datatype, comm);
}

int PMPI_Pack_size(int incount, MPI_Datatype datatype, MPI_Comm comm, int* size) {
  PARLEY_API_LOCK();
  return pack_size_body("MPI_Pack_size", incount, datatype, comm, size);
}

int PMPI_Pack_size_c(MPI_Count incount, MPI_Datatype datatype, MPI_Comm comm, MPI_Count* size) {
  PARLEY_API_LOCK();
  return pack_size_body("MPI_Pack_size_c", incount, datatype, comm, size);
}

namespace {

// MPI_Count and MPI_Aint are both long in this ABI, so the int and the _c
// forms of the external32 calls differ only in the count's type.
static_assert(std::is_same_v<MPI_Count, MPI_Aint>);

int pack_external_body(const char* fn, const char* datarep, const void* inbuf, MPI_Count incount,
                       MPI_Datatype datatype, void* outbuf, MPI_Aint outsize, MPI_Aint* position) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (Status st = check_datarep(datarep); !st) return report(fn, MPI_COMM_WORLD, st);
  if (incount < 0) return report(fn, MPI_COMM_WORLD, count_error("incount", incount));
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", true, &t); !st) return report(fn, MPI_COMM_WORLD, st);
  if (position == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("position"));
  if (*position < 0 || *position > outsize)
    return report(fn, MPI_COMM_WORLD,
                  Status(MPI_ERR_ARG, "position " + std::to_string(*position) + " is outside 0..outsize (" +
                                          std::to_string(outsize) + ")"));
  if (outbuf == nullptr && dt::external32_size(*t, incount) > 0)
    return report(fn, MPI_COMM_WORLD, null_arg("outbuf"));
  auto r = dt::pack_external32(inbuf, incount, *t, at(outbuf, *position),
                               static_cast<size_t>(outsize - *position));
  if (!r.is_ok()) return report(fn, MPI_COMM_WORLD, r.status());
  *position += static_cast<MPI_Aint>(r.value());
  return MPI_SUCCESS;
}

int unpack_external_body(const char* fn, const char* datarep, const void* inbuf, MPI_Aint insize,
                         MPI_Aint* position, void* outbuf, MPI_Count outcount, MPI_Datatype datatype) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (Status st = check_datarep(datarep); !st) return report(fn, MPI_COMM_WORLD, st);
  if (outcount < 0) return report(fn, MPI_COMM_WORLD, count_error("outcount", outcount));
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", true, &t); !st) return report(fn, MPI_COMM_WORLD, st);
  if (position == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("position"));
  if (*position < 0 || *position > insize)
    return report(fn, MPI_COMM_WORLD,
                  Status(MPI_ERR_ARG, "position " + std::to_string(*position) + " is outside 0..insize (" +
                                          std::to_string(insize) + ")"));
  if (inbuf == nullptr && dt::external32_size(*t, outcount) > 0)
    return report(fn, MPI_COMM_WORLD, null_arg("inbuf"));
  auto r = dt::unpack_external32(at(inbuf, *position), static_cast<size_t>(insize - *position), outbuf,
                                 outcount, *t);
  if (!r.is_ok()) return report(fn, MPI_COMM_WORLD, r.status());
  *position += static_cast<MPI_Aint>(r.value());
  return MPI_SUCCESS;
}

int pack_external_size_body(const char* fn, const char* datarep, MPI_Count incount, MPI_Datatype datatype,
                            MPI_Aint* size) {
  if (Status st = require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (Status st = check_datarep(datarep); !st) return report(fn, MPI_COMM_WORLD, st);
  if (incount < 0) return report(fn, MPI_COMM_WORLD, count_error("incount", incount));
  dt::Type* t = nullptr;
  if (Status st = check_datatype(datatype, "datatype", false, &t); !st) return report(fn, MPI_COMM_WORLD, st);
  if (size == nullptr) return report(fn, MPI_COMM_WORLD, null_arg("size"));
  *size = static_cast<MPI_Aint>(dt::external32_size(*t, incount));
  return MPI_SUCCESS;
}

}  // namespace

int PMPI_Pack_external(const char* datarep, const void* inbuf, int incount, MPI_Datatype datatype,
                       void* outbuf, MPI_Aint outsize, MPI_Aint* position) {
  PARLEY_API_LOCK();
  return pack_external_body("MPI_Pack_external", datarep, inbuf, incount, datatype, outbuf, outsize, position);
}

int PMPI_Pack_external_c(const char* datarep, const void* inbuf, MPI_Count incount, MPI_Datatype datatype,
                         void* outbuf, MPI_Count outsize, MPI_Count* position) {
  PARLEY_API_LOCK();
  return pack_external_body("MPI_Pack_external_c", datarep, inbuf, incount, datatype, outbuf, outsize,
                            position);
}

int PMPI_Unpack_external(const char datarep[], const void* inbuf, MPI_Aint insize, MPI_Aint* position,
                         void* outbuf, int outcount, MPI_Datatype datatype) {
  PARLEY_API_LOCK();
  return unpack_external_body("MPI_Unpack_external", datarep, inbuf, insize, position, outbuf, outcount,
                              datatype);
}

int PMPI_Unpack_external_c(const char datarep[], const void* inbuf, MPI_Count insize, MPI_Count* position,
                           void* outbuf, MPI_Count outcount, MPI_Datatype datatype) {
  PARLEY_API_LOCK();
  return unpack_external_body("MPI_Unpack_external_c", datarep, inbuf, insize, position, outbuf, outcount,
                              datatype);
}

int PMPI_Pack_external_size(const char* datarep, int incount, MPI_Datatype datatype, MPI_Aint* size) {
  PARLEY_API_LOCK();
  return pack_external_size_body("MPI_Pack_external_size", datarep, incount, datatype, size);
}

int PMPI_Pack_external_size_c(const char* datarep, MPI_Count incount, MPI_Datatype datatype, MPI_Count* size) {
  PARLEY_API_LOCK();
  return pack_external_size_body("MPI_Pack_external_size_c", datarep, incount, datatype, size);
}
