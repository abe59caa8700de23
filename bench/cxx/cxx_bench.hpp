// Shared pieces of the C++ API benchmarks: the C harness of bench/osu (options, aligned buffers, the
// point-to-point barrier, the iteration rule) is reused as it is, so a C++ program and its C twin differ
// only in the calls they time.
#pragma once

#include <cstring>
#include <parley/parley.hpp>
#include <span>
#include <string>
#include <vector>

#include "osu_bench.h"

namespace cxxbench {

// Removes "-p VALUE" from argv (bench_parse rejects options it does not know) and returns VALUE, or
// `fallback` when absent.
inline std::string take_option(int& argc, char** argv, const char* name, const char* fallback) {
  std::string value = fallback;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0 && i + 1 < argc) {
      value = argv[i + 1];
      for (int j = i; j + 2 <= argc; ++j) argv[j] = argv[j + 2];
      argc -= 2;
      break;
    }
  }
  return value;
}

}  // namespace cxxbench
