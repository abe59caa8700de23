// What the test-only parley_not_implemented records (see test_not_implemented.cpp).
#pragma once

#include <mpi.h>

#include <string>

namespace parley::abi_test {

// Exit status of a process that reached parley_not_implemented_fatal.
inline constexpr int kFatalExitCode = 77;

extern std::string last_not_implemented;
extern int not_implemented_calls;

}  // namespace parley::abi_test
