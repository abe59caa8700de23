// File-system cleanup after a job (see cleanup.hpp).
#include "cleanup.hpp"

#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace parley::launcher {

namespace {

void remove_at(int dirfd, const char* name) {
  if (::unlinkat(dirfd, name, 0) == 0) return;
  int sub = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub < 0) return;
  DIR* d = ::fdopendir(sub);
  if (!d) {
    ::close(sub);
    return;
  }
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    remove_at(sub, e->d_name);
  }
  ::closedir(d);
  ::unlinkat(dirfd, name, AT_REMOVEDIR);
}

template <class Pred>
int remove_matching(const std::string& dir, Pred pred) {
  int n = 0;
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return 0;
  }
  while (dirent* e = ::readdir(d)) {
    if (pred(std::string(e->d_name))) {
      remove_at(fd, e->d_name);
      ++n;
    }
  }
  ::closedir(d);
  return n;
}

}  // namespace

void remove_tree(const std::string& path) {
  if (path.empty() || path == "/") return;
  remove_at(AT_FDCWD, path.c_str());
}

int remove_job_shm(const std::string& jobid) {
  if (jobid.empty()) return 0;
  std::string prefix = "parley-" + jobid;
  return remove_matching("/dev/shm", [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
}

void remove_job_tmpdirs(const std::string& tmp, const std::string& jobid) {
  if (jobid.empty()) return;
  std::string prefix = "parley." + jobid + ".";
  (void)remove_matching(tmp, [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
}

std::string tmp_root() {
  const char* t = std::getenv("TMPDIR");
  if (t && *t == '/') return t;
  return "/tmp";
}

}  // namespace parley::launcher
