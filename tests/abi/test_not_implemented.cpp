// Test-only stand-ins for parley_not_implemented{,_fatal} (the library's
// versions live in api/c/errors.cpp and need the runtime): they record which
// function reached the "not implemented" path so the stub test can assert it.
#include "test_not_implemented.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "abi/not_implemented.h"

namespace parley::abi_test {

std::string last_not_implemented;
int not_implemented_calls = 0;

}  // namespace parley::abi_test

extern "C" int parley_not_implemented(const char* function_name) {
  parley::abi_test::last_not_implemented = function_name;
  ++parley::abi_test::not_implemented_calls;
  return MPI_ERR_UNSUPPORTED_OPERATION;
}

extern "C" void parley_not_implemented_fatal(const char* function_name) {
  // The stub test runs this in a child process and checks the exit status.
  std::printf("not implemented: %s\n", function_name);
  std::fflush(stdout);
  _exit(parley::abi_test::kFatalExitCode);
}
