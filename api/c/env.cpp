// MPI environment management (MPI-3.1 chapter 8): init/finalize, thread
// levels, abort, processor name, versions, timers.
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "c_api.hpp"
#include "pt2pt_args.hpp"
#include "parley_version.h"

using parley::Runtime;
using parley::Status;
using parley::c::report;

namespace {

int init(const char* fn, int required, int* provided) {
  int level = 0;
  if (Status st = Runtime::get().initialize(required, level); !st) return report(fn, MPI_COMM_WORLD, st);
  parley::c::create_predefined_comms();
  if (provided != nullptr) *provided = level;
  return MPI_SUCCESS;
}

}  // namespace

int PMPI_Init(int* argc, char*** argv) {
  PARLEY_API_LOCK();
  (void)argc;
  (void)argv;
  return init("MPI_Init", MPI_THREAD_SINGLE, nullptr);
}

int PMPI_Init_thread(int* argc, char*** argv, int required, int* provided) {
  PARLEY_API_LOCK();
  (void)argc;
  (void)argv;
  if (provided == nullptr) return report("MPI_Init_thread", MPI_COMM_WORLD, parley::c::null_arg("provided"));
  return init("MPI_Init_thread", required, provided);
}

int PMPI_Finalize(void) {
  PARLEY_API_LOCK();
  Runtime::get().set_current_call("MPI_Finalize");
  // Buffered sends still in flight complete before the transports close.
  if (Runtime::get().initialized() && !Runtime::get().finalized()) parley::c::bsend_flush();
  Status st = Runtime::get().finalize();
  Runtime::get().set_current_call(nullptr);
  if (!st) return report("MPI_Finalize", MPI_COMM_WORLD, st);
  std::fflush(stdout);
  return MPI_SUCCESS;
}

int PMPI_Initialized(int* flag) {
  if (flag == nullptr) return report("MPI_Initialized", MPI_COMM_WORLD, parley::c::null_arg("flag"));
  *flag = Runtime::get().initialized() ? 1 : 0;
  return MPI_SUCCESS;
}

int PMPI_Finalized(int* flag) {
  if (flag == nullptr) return report("MPI_Finalized", MPI_COMM_WORLD, parley::c::null_arg("flag"));
  *flag = Runtime::get().finalized() ? 1 : 0;
  return MPI_SUCCESS;
}

int PMPI_Query_thread(int* provided) {
  if (Status st = parley::c::require_initialized(); !st) return report("MPI_Query_thread", MPI_COMM_WORLD, st);
  if (provided == nullptr) return report("MPI_Query_thread", MPI_COMM_WORLD, parley::c::null_arg("provided"));
  *provided = Runtime::get().thread_level();
  return MPI_SUCCESS;
}

int PMPI_Is_thread_main(int* flag) {
  if (Status st = parley::c::require_initialized(); !st) return report("MPI_Is_thread_main", MPI_COMM_WORLD, st);
  if (flag == nullptr) return report("MPI_Is_thread_main", MPI_COMM_WORLD, parley::c::null_arg("flag"));
  *flag = Runtime::get().is_main_thread() ? 1 : 0;
  return MPI_SUCCESS;
}

int PMPI_Abort(MPI_Comm comm, int errorcode) {
  PARLEY_API_LOCK();
  const auto& job = Runtime::get().job();
  if (parley::c::lookup_comm(comm) == nullptr && comm != MPI_COMM_NULL) {
    // An invalid communicator must not keep the job alive: abort everything.
    comm = MPI_COMM_WORLD;
  }
  std::string msg = "MPI_Abort called by rank " + std::to_string(job.rank) + " on " + job.hostname +
                    " with error code " + std::to_string(errorcode);
  if (!Runtime::get().initialized() || Runtime::get().finalized() || job.singleton) {
    std::fflush(stdout);
    std::fprintf(stderr, "parley: %s\n", msg.c_str());
    std::fflush(stderr);
    _exit(errorcode & 0xff ? errorcode & 0xff : (errorcode ? 1 : 0));
  }
  // Aborting a subset of the job is allowed by the standard to abort all of it.
  Runtime::get().abort(errorcode, msg);
}

int PMPI_Get_processor_name(char* name, int* resultlen) {
  PARLEY_API_LOCK();
  if (name == nullptr) return report("MPI_Get_processor_name", MPI_COMM_WORLD, parley::c::null_arg("name"));
  if (resultlen == nullptr) return report("MPI_Get_processor_name", MPI_COMM_WORLD, parley::c::null_arg("resultlen"));
  std::string host = Runtime::get().job().hostname;
  if (host.empty()) {
    char buf[MPI_MAX_PROCESSOR_NAME] = {};
    gethostname(buf, sizeof buf - 1);
    host = buf;
  }
  std::size_t n = std::min<std::size_t>(host.size(), MPI_MAX_PROCESSOR_NAME - 1);
  std::memcpy(name, host.data(), n);
  name[n] = '\0';
  *resultlen = static_cast<int>(n);
  return MPI_SUCCESS;
}

int PMPI_Get_version(int* version, int* subversion) {
  if (version == nullptr) return report("MPI_Get_version", MPI_COMM_WORLD, parley::c::null_arg("version"));
  if (subversion == nullptr) return report("MPI_Get_version", MPI_COMM_WORLD, parley::c::null_arg("subversion"));
  *version = MPI_VERSION;
  *subversion = MPI_SUBVERSION;
  return MPI_SUCCESS;
}

int PMPI_Get_library_version(char* version, int* resultlen) {
  if (version == nullptr) return report("MPI_Get_library_version", MPI_COMM_WORLD, parley::c::null_arg("version"));
  if (resultlen == nullptr) return report("MPI_Get_library_version", MPI_COMM_WORLD, parley::c::null_arg("resultlen"));
  int n = std::snprintf(version, MPI_MAX_LIBRARY_VERSION_STRING, "Parley %s (MPI %d.%d, MPICH ABI; %s)",
                        PARLEY_VERSION, MPI_VERSION, MPI_SUBVERSION, PARLEY_BUILD_INFO);
  *resultlen = std::min(n, MPI_MAX_LIBRARY_VERSION_STRING - 1);
  return MPI_SUCCESS;
}

double PMPI_Wtime(void) { return Runtime::wtime(); }

double PMPI_Wtick(void) { return Runtime::wtick(); }
