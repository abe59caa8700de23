// Fork/exec of a node's ranks: environment (inherited + job + PMIx), pipes,
// process group, death signal, binding. Everything the child needs is built
// before fork(): the daemon has libpmix's thread, so the child may only make
// async-signal-safe calls between fork and exec.
#include <pmix.h>
#include <pmix_server.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "daemon.hpp"

extern char** environ;

namespace parley::launcher {

namespace {

// A malloc'd, NULL-terminated environment: libpmix's setup_fork edits it with
// realloc/free, so it must not be owned by C++ containers.
class Env {
 public:
  Env() {
    for (char** e = environ; *e; ++e) put(*e);
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  Env(Env&&) = delete;
  Env& operator=(Env&&) = delete;
  ~Env() {
    if (!v_) return;
    for (char** e = v_; *e; ++e) std::free(*e);
    std::free(v_);
  }
  // Sets NAME=VALUE, replacing an existing NAME.
  void put(const std::string& kv) {
    std::size_t eq = kv.find('=');
    if (eq == std::string::npos) return;
    for (std::size_t i = 0; i < n_; ++i)
      if (std::strncmp(v_[i], kv.c_str(), eq + 1) == 0) {
        std::free(v_[i]);
        v_[i] = ::strdup(kv.c_str());
        return;
      }
    v_ = static_cast<char**>(std::realloc(v_, (n_ + 2) * sizeof(char*)));
    v_[n_++] = ::strdup(kv.c_str());
    v_[n_] = nullptr;
  }
  void put(const std::string& k, const std::string& v) { put(k + "=" + v); }
  char*** raw() { return &v_; }
  char** get() { return v_; }

 private:
  char** v_ = nullptr;
  std::size_t n_ = 0;
};

[[noreturn]] void child_fail(const char* what, const char* path) {
  // Only async-signal-safe calls here.
  const char* err = std::strerror(errno);
  const char* parts[] = {"parleyrun: cannot execute ", path, ": ", what, err, "\n"};
  for (const char* s : parts) (void)!::write(STDERR_FILENO, s, std::strlen(s));
  ::_exit(127);
}

}  // namespace

bool Daemon::spawn_ranks(std::string& error) {
  for (auto& lr : ranks_)
    if (!spawn_one(lr, error)) return false;
  return true;
}

bool Daemon::spawn_one(LocalRank& lr, std::string& error) {
  const LaunchPlan& p = plan_;
  const PlanApp& app = p.apps[p.rank_app[lr.rank]];
  Env env;
  for (const auto& kv : p.env) env.put(kv);
  env.put("PARLEY_JOBID", p.jobid);
  env.put("PARLEY_RANK", std::to_string(lr.rank));
  env.put("PARLEY_SIZE", std::to_string(p.job_size()));
  env.put("PARLEY_LOCAL_RANK", std::to_string(lr.local_rank));
  env.put("PARLEY_LOCAL_SIZE", std::to_string(ranks_.size()));
  env.put("PARLEY_NODE_ID", std::to_string(p.node_id));
  env.put("PARLEY_APPNUM", std::to_string(app.appnum));
  env.put("PMI_RANK", std::to_string(lr.rank));
  env.put("PMI_SIZE", std::to_string(p.job_size()));
  pmix_proc_t proc;
  PMIX_LOAD_PROCID(&proc, p.nspace.c_str(), lr.rank);
  pmix_status_t rc = PMIx_server_setup_fork(&proc, env.raw());
  if (rc != PMIX_SUCCESS) {
    error = std::string("PMIx_server_setup_fork failed: ") + PMIx_Error_string(rc);
    return false;
  }

  std::vector<char*> argv;
  for (const auto& a : app.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const char* exe = app.exe.c_str();
  const char* wdir = app.wdir.empty() ? nullptr : app.wdir.c_str();
  const RankBinding* bind = lr.local_rank < binding_.size() && binding_[lr.local_rank].set
                                ? &binding_[lr.local_rank] : nullptr;

  int out[2], err[2], in[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (lr.rank == 0) {
    if (::pipe2(in, O_CLOEXEC) != 0) in[0] = in[1] = -1;
  }
  if (in[0] < 0) in[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = ::getpid();
  sigset_t all;
  sigemptyset(&all);

  pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {out[0], out[1], err[0], err[1], in[0], in[1]})
      if (fd >= 0) ::close(fd);
    return false;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the daemon died: so do we
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::signal(SIGPIPE, SIG_DFL);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    if (bind) (void)::sched_setaffinity(0, sizeof bind->cpus, &bind->cpus);
    if (wdir && ::chdir(wdir) != 0) child_fail("cannot change to the working directory: ", wdir);
    ::execve(exe, argv.data(), env.get());
    child_fail("", exe);
  }
  ::setpgid(pid, pid);  // also from here, so a kill right after fork reaches the group
  ::close(out[1]);
  ::close(err[1]);
  ::close(in[0]);
  lr.pid = pid;
  lr.out_fd = out[0];
  lr.err_fd = err[0];
  lr.in_fd = in[1];
  for (int fd : {lr.out_fd, lr.err_fd, lr.in_fd})
    if (fd >= 0) set_nonblocking(fd);
  return true;
}

}  // namespace parley::launcher
