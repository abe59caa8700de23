// The two functions every generated stub in abi_stubs.cpp calls when an MPI
// function has no implementation yet. Defined in api/c/errors.cpp (they report
// class MPI_ERR_UNSUPPORTED_OPERATION through MPI_COMM_WORLD's error handler);
// the ABI tests link a test-only definition instead.
#pragma once

#if defined(__cplusplus)
extern "C" {
#endif

// For int-returning functions: the code to return (when the handler returns).
int parley_not_implemented(const char* function_name);

// For functions that cannot return an error code (MPI_Wtime, the f2c
// conversions, ...): reports and ends the process.
#if defined(__cplusplus)
[[noreturn]]
#else
_Noreturn
#endif
void parley_not_implemented_fatal(const char* function_name);

#if defined(__cplusplus)
}
#endif
