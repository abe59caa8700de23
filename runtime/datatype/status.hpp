// Status values for the datatype engine and the reduction kernels. The runtime
// already has parley::Status (base/status.hpp); the datatype code uses it under
// its own name so the two never diverge, plus the MPI error classes it reports.
#pragma once

#include <string>

#include "base/status.hpp"

namespace parley::dt {

using Status = parley::Status;
template <class T>
using Result = parley::Result<T>;

// MPI error classes as plain ints (the C layer maps them 1:1 to MPI_ERR_*).
inline constexpr int kErrCount = 2;      // MPI_ERR_COUNT
inline constexpr int kErrType = 3;       // MPI_ERR_TYPE
inline constexpr int kErrOp = 9;         // MPI_ERR_OP
inline constexpr int kErrArg = 12;       // MPI_ERR_ARG
inline constexpr int kErrTruncate = 14;  // MPI_ERR_TRUNCATE
inline constexpr int kErrOther = 15;     // MPI_ERR_OTHER

inline Status error(int error_class, std::string message) { return Status(error_class, std::move(message)); }

}  // namespace parley::dt
