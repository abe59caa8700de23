// The environment: MPI is initialised on first use (not before), version and processor queries, clocks,
// and the predefined communicators returning errors as exceptions; MPI is finalised at exit by this layer
// because it initialised it (the launcher's clean exit checks that).
#include <string>

#include "harness.hpp"

TEST_CASE("MPI was initialised on first use, by the layer, with thread support asked for") {
  CHECK(parley::Is_initialized() && !parley::Is_finalized());
  CHECK(parley::Query_thread() >= parley::THREAD_SINGLE);
  CHECK(parley::Is_thread_main());
}

TEST_CASE("Get_version, Get_library_version, Get_processor_name, Wtime and Wtick answer") {
  auto [version, subversion] = parley::Get_version();
  CHECK(version >= 3 && subversion >= 0);
  CHECK(!parley::Get_library_version().empty());
  CHECK(!parley::Get_processor_name().empty());
  double t0 = parley::Wtime(), t1 = parley::Wtime();
  CHECK(t1 >= t0 && parley::Wtick() > 0);
}

TEST_CASE("errors on COMM_WORLD and COMM_SELF throw parley::Exception; Init twice throws") {
  int x = 0;
  CHECK_THROWS_CLASS(MPI_ERR_RANK, parley::COMM_SELF.Send(x, 1, 0));
  CHECK_THROWS_CLASS(MPI_ERR_OTHER, parley::Init());
  CHECK(parley::Get_error_class(MPI_ERR_TAG) == MPI_ERR_TAG &&
        !parley::Get_error_string(MPI_ERR_TAG).empty());
  parley::Exception e(MPI_ERR_COUNT, "context");
  CHECK(e.Get_error_code() == MPI_ERR_COUNT && std::string(e.what()).starts_with("context: "));
}

TEST_CASE("Alloc_mem and Free_mem; a user error class and code carry their text into the exception") {
  auto* p = static_cast<char*>(parley::Alloc_mem(4096));
  p[0] = 'a';
  p[4095] = 'z';
  parley::Free_mem(p);
  int cls = parley::Add_error_class();
  int code = parley::Add_error_code(cls);
  parley::Add_error_string(code, "the frobnicator jammed");
  CHECK(parley::Get_error_class(code) == cls);
  CHECK(parley::Get_error_string(code) == "the frobnicator jammed");
  parley::Exception e(code);
  CHECK(e.Get_error_class() == cls && std::string(e.what()) == "the frobnicator jammed");
  parley::COMM_WORLD.Call_errhandler(code);  // ERRORS_RETURN: the handler runs and returns
}

int main() {
  // Nothing has touched MPI yet: the first parley call below initialises it.
  if (parley::Is_initialized()) {
    std::printf("FAIL: MPI initialised before first use\n");
    return 1;
  }
  return harness::run("cxx-env");
}
