// Status: what a completed receive (or probe) reports — source, tag, error, count, cancellation.
#pragma once

#include <mpi.h>

#include "parley/datatype.hpp"

namespace parley {

class Status {
 public:
  Status() noexcept {
    status_ = MPI_Status{};
    status_.MPI_SOURCE = MPI_ANY_SOURCE;
    status_.MPI_TAG = MPI_ANY_TAG;
    status_.MPI_ERROR = MPI_SUCCESS;
  }
  explicit Status(const MPI_Status& s) noexcept : status_(s) {}

  int Get_source() const noexcept { return status_.MPI_SOURCE; }
  int Get_tag() const noexcept { return status_.MPI_TAG; }
  int Get_error() const noexcept { return status_.MPI_ERROR; }
  void Set_source(int source) noexcept { status_.MPI_SOURCE = source; }
  void Set_tag(int tag) noexcept { status_.MPI_TAG = tag; }
  void Set_error(int error) noexcept { status_.MPI_ERROR = error; }

  // Number of whole `type` elements received (UNDEFINED if not a whole number).
  int Get_count(const Datatype& type = BYTE) const {
    int count = 0;
    check(MPI_Get_count(&status_, type.handle(), &count));
    return count;
  }
  // Number of basic elements of `type` received.
  int Get_elements(const Datatype& type) const {
    int count = 0;
    check(MPI_Get_elements(&status_, type.handle(), &count));
    return count;
  }
  void Set_elements(const Datatype& type, int count) {
    check(MPI_Status_set_elements(&status_, type.handle(), count));
  }
  bool Is_cancelled() const {
    int flag = 0;
    check(MPI_Test_cancelled(&status_, &flag));
    return flag != 0;
  }
  void Set_cancelled(bool flag) { check(MPI_Status_set_cancelled(&status_, flag ? 1 : 0)); }

  MPI_Status& c_status() noexcept { return status_; }
  const MPI_Status& c_status() const noexcept { return status_; }

 private:
  MPI_Status status_;
};

namespace detail {
// Status* (nullable, as mpi4py's status=None) to what the C API takes.
inline MPI_Status* c_status(Status* s) noexcept { return s ? &s->c_status() : MPI_STATUS_IGNORE; }
}  // namespace detail

}  // namespace parley
