// The rank's only channel to whoever launched it: a PMIx client (DESIGN.md
// §2.4). Learns identity and locality, exchanges addresses (put/commit/fence/
// get), aborts the job, and runs as a singleton when no PMIx server exists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.hpp"

namespace parley::bootstrap {

// Status code the launcher raises to ask every rank to print what it is
// blocked in (launcher/events.hpp defines the same value).
inline constexpr int kEventDumpState = -3000 - 1;  // PMIX_EXTERNAL_ERR_BASE - 1

struct JobInfo {
  bool singleton = true;       // no PMIx server: a job of one process
  std::string nspace;          // PMIx namespace ("singleton-<pid>" when alone)
  std::string jobid;           // unique per job, safe for file names
  int rank = 0;
  int size = 1;
  int universe_size = 1;
  int appnum = 0;
  int local_rank = 0;
  int local_size = 1;
  std::vector<int> local_peers{0};  // world ranks on this node, ascending
  int node_id = 0;
  int num_nodes = 1;
  std::string hostname;
};

class PmixClient {
 public:
  PmixClient() = default;
  PmixClient(const PmixClient&) = delete;
  PmixClient& operator=(const PmixClient&) = delete;
  PmixClient(PmixClient&&) = delete;
  PmixClient& operator=(PmixClient&&) = delete;
  ~PmixClient() = default;

  // Connects to the PMIx server named by the environment, or becomes a
  // singleton when the environment names none.
  Status init();
  Status finalize();
  const JobInfo& job() const { return job_; }

  // Address exchange: publish a blob under key, make it visible, and read a
  // peer's blob (after a fence, or on demand through direct modex).
  Status put(const std::string& key, const void* data, std::size_t size);
  Status commit();
  Status fence(bool collect_data);
  Status get(int rank, const std::string& key, std::vector<std::byte>& out);

  // Ends the whole job: the launcher prints msg and exits with code.
  [[noreturn]] void abort(int code, const std::string& msg);

  // Called (on a PMIx thread) when the launcher asks ranks to report state.
  void on_dump_state(std::function<void()> handler);

 private:
  JobInfo job_;
  bool connected_ = false;
};

}  // namespace parley::bootstrap
