// Removal of what a job leaves on the node: the daemon's private PMIx
// directory and any /dev/shm/parley-<jobid>* segment a crashed rank left.
#pragma once

#include <string>

namespace parley::launcher {

// rm -rf `path` (no symlink following). Best effort.
void remove_tree(const std::string& path);

// Unlinks /dev/shm/parley-<jobid>*. Returns how many were removed.
int remove_job_shm(const std::string& jobid);

// Unlinks <tmp>/parley.<jobid>.* (daemon directories of a daemon that was
// killed before it could clean up). Used by the head as a safety net.
void remove_job_tmpdirs(const std::string& tmp, const std::string& jobid);

// $TMPDIR or /tmp.
[[nodiscard]] std::string tmp_root();

}  // namespace parley::launcher
