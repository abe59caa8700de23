// parleyrun (also mpiexec, mpirun): checks the command line, builds the job
// map, then hands over to the Head, which runs the job through node daemons.
#include <cstdio>
#include <string>
#include <vector>
#include <sys/stat.h>
#include <unistd.h>

#include "head.hpp"
#include "job_map.hpp"
#include "options.hpp"
#include "version.hpp"

using namespace parley::launcher;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "parleyrun: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  std::string error;
  if (!parse_options(argc, argv, opts, error)) return fail(error);
  if (opts.show_help) {
    std::fputs(usage_text(), stdout);
    return 0;
  }
  if (opts.show_version) {
    std::printf("parleyrun (Parley) %s\n", PARLEY_VERSION);
    return 0;
  }
  std::vector<HostSlots> hosts;
  if (!opts.hostfile.empty() && !read_hostfile(opts.hostfile, hosts, error)) return fail(error);
  hosts.insert(hosts.end(), opts.hosts.begin(), opts.hosts.end());

  // Every executable is checked before anything starts.
  std::vector<PlanApp> apps;
  for (std::size_t a = 0; a < opts.apps.size(); ++a) {
    PlanApp app;
    app.appnum = static_cast<std::uint32_t>(a);
    app.argv = opts.apps[a].argv;
    app.wdir = opts.wdir;
    if (!resolve_executable(app.argv[0], opts.wdir, app.exe, error)) return fail(error);
    apps.push_back(std::move(app));
  }
  if (!opts.wdir.empty()) {
    struct stat st{};
    if (::stat(opts.wdir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return fail("--wdir: '" + opts.wdir + "' is not a directory");
    if (opts.wdir[0] != '/') {
      char cwd[4096];
      if (getcwd(cwd, sizeof cwd)) opts.wdir = std::string(cwd) + "/" + opts.wdir;
      for (auto& app : apps) app.wdir = opts.wdir;
    }
  }
  JobMap map;
  if (!build_job_map(opts, hosts, map, error)) return fail(error);
  std::uint32_t first = 0;
  for (std::size_t a = 0; a < apps.size(); ++a) {
    apps[a].first_rank = first;
    apps[a].size = map.nprocs[a];
    first += apps[a].size;
  }

  Head head(std::move(opts), std::move(map), std::move(apps));
  return head.run();
}
