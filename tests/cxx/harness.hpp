// A small test harness for the C++ API tests: named cases run in order on every rank; a failed check
// prints the rank, file, line and condition and aborts the job. Built both against Parley and against
// other MPIs (MPICH's mpicxx), so it uses nothing but the parley headers.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <parley/parley.hpp>
#include <string>
#include <vector>

namespace harness {

struct Case {
  const char* name;
  std::function<void()> body;
  bool collective;  // needs the MPI's collectives: skipped where they are not implemented
};

inline std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}

struct Register {
  Register(const char* name, std::function<void()> body, bool collective) {
    cases().push_back({name, std::move(body), collective});
  }
};

[[noreturn]] inline void fail(const char* file, int line, const std::string& what) {
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "FAIL rank %d %s:%d: %s\n", rank, file, line, what.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 3);
  std::abort();
}

// Whether this MPI implements collectives: Parley answers MPI_ERR_UNSUPPORTED_OPERATION until they land.
inline bool have_collectives() {
  int x = 0;
  try {
    parley::COMM_WORLD.Bcast(x, 0);
    return true;
  } catch (const parley::Exception& e) {
    if (e.Get_error_class() == MPI_ERR_UNSUPPORTED_OPERATION) return false;
    throw;
  }
}

inline bool is_unsupported(const parley::Exception& e) {
  return e.Get_error_class() == MPI_ERR_UNSUPPORTED_OPERATION;
}

// Runs every case; prints "<tag> ok" once per rank at the end.
inline int run(const char* tag) {
  const int rank = parley::COMM_WORLD.Get_rank();
  const bool coll = have_collectives();
  if (!coll && rank == 0) std::printf("SKIP collectives: not implemented by this MPI\n");
  // HARNESS_ONLY=text runs only the cases whose name contains text (for narrowing down a failure).
  const char* only = std::getenv("HARNESS_ONLY");
  for (const Case& c : cases()) {
    if (c.collective && !coll) continue;
    if (only && !std::string(c.name).starts_with(only) && std::string(c.name).find(only) == std::string::npos)
      continue;
    try {
      c.body();
    } catch (const parley::Exception& e) {
      // A collective not implemented yet is skipped by every rank alike (the error is local and certain).
      if (c.collective && is_unsupported(e)) {
        if (rank == 0) std::printf("SKIP %s: %s\n", c.name, e.what());
        continue;
      }
      fail(__FILE__, __LINE__, std::string(c.name) + ": parley::Exception: " + e.what());
    } catch (const std::exception& e) {
      fail(__FILE__, __LINE__, std::string(c.name) + ": " + e.what());
    }
  }
  std::printf("%s ok rank=%d\n", tag, rank);
  std::fflush(stdout);
  return 0;
}

}  // namespace harness

#define HARNESS_CAT2(a, b) a##b
#define HARNESS_CAT(a, b) HARNESS_CAT2(a, b)
// TEST_CASE("what it checks") { body }  /  COLL_CASE(...) for cases that need collectives.
#define HARNESS_CASE(name, coll)                                                                           \
  static void HARNESS_CAT(harness_case_, __LINE__)();                                                      \
  static harness::Register HARNESS_CAT(harness_reg_, __LINE__)(name, HARNESS_CAT(harness_case_, __LINE__), \
                                                               coll);                                      \
  static void HARNESS_CAT(harness_case_, __LINE__)()
#define TEST_CASE(name) HARNESS_CASE(name, false)
#define COLL_CASE(name) HARNESS_CASE(name, true)

#define CHECK(cond)                                                     \
  do {                                                                  \
    if (!(cond)) harness::fail(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

// The body must throw parley::Exception of error class `cls`.
#define CHECK_THROWS_CLASS(cls, ...)                                                                   \
  do {                                                                                                 \
    bool thrown_ = false;                                                                              \
    try {                                                                                              \
      __VA_ARGS__;                                                                                     \
    } catch (const parley::Exception& e_) {                                                            \
      thrown_ = true;                                                                                  \
      if (e_.Get_error_class() != (cls))                                                               \
        harness::fail(__FILE__, __LINE__,                                                              \
                      "wrong error class " + std::to_string(e_.Get_error_class()) + ": " + e_.what()); \
    }                                                                                                  \
    if (!thrown_) harness::fail(__FILE__, __LINE__, "no exception from " #__VA_ARGS__);                \
  } while (0)
