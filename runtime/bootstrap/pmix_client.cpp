// PMIx client: identity, locality, key/value exchange and abort.
#include "bootstrap/pmix_client.hpp"

#include <mpi.h>
#include <pmix.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>

namespace parley::bootstrap {
namespace {

pmix_proc_t g_self;
std::mutex g_dump_lock;
std::function<void()> g_dump_handler;

Status pmix_error(const char* what, pmix_status_t rc) {
  return Status(MPI_ERR_INTERN, std::string(what) + " failed: " + PMIx_Error_string(rc));
}

// Reads a job- or proc-level unsigned value; absent keys keep the default.
bool get_uint(const pmix_proc_t& proc, const char* key, std::uint64_t& out) {
  pmix_value_t* val = nullptr;
  pmix_info_t opt;
  PMIX_INFO_LOAD(&opt, PMIX_OPTIONAL, nullptr, PMIX_BOOL);
  pmix_status_t rc = PMIx_Get(&proc, key, &opt, 1, &val);
  PMIX_INFO_DESTRUCT(&opt);
  if (rc != PMIX_SUCCESS || val == nullptr) return false;
  bool ok = true;
  switch (val->type) {
    case PMIX_UINT32: out = val->data.uint32; break;
    case PMIX_UINT16: out = val->data.uint16; break;
    case PMIX_UINT64: out = val->data.uint64; break;
    case PMIX_INT: out = static_cast<std::uint64_t>(val->data.integer); break;
    case PMIX_UINT: out = val->data.uint; break;
    case PMIX_PROC_RANK: out = val->data.rank; break;
    case PMIX_SIZE: out = val->data.size; break;
    default: ok = false;
  }
  PMIX_VALUE_RELEASE(val);
  return ok;
}

bool get_string(const pmix_proc_t& proc, const char* key, std::string& out) {
  pmix_value_t* val = nullptr;
  pmix_info_t opt;
  PMIX_INFO_LOAD(&opt, PMIX_OPTIONAL, nullptr, PMIX_BOOL);
  pmix_status_t rc = PMIx_Get(&proc, key, &opt, 1, &val);
  PMIX_INFO_DESTRUCT(&opt);
  if (rc != PMIX_SUCCESS || val == nullptr) return false;
  bool ok = val->type == PMIX_STRING && val->data.string != nullptr;
  if (ok) out = val->data.string;
  PMIX_VALUE_RELEASE(val);
  return ok;
}

std::string local_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

void dump_state_callback(size_t, pmix_status_t, const pmix_proc_t*, pmix_info_t*, size_t,
                         pmix_info_t*, size_t, pmix_event_notification_cbfunc_fn_t cbfunc,
                         void* cbdata) {
  {
    std::lock_guard<std::mutex> guard(g_dump_lock);
    if (g_dump_handler) g_dump_handler();
  }
  if (cbfunc != nullptr) cbfunc(PMIX_EVENT_ACTION_COMPLETE, nullptr, 0, nullptr, nullptr, cbdata);
}

}  // namespace

Status PmixClient::init() {
  job_ = JobInfo{};
  job_.hostname = local_hostname();
  // No server named in the environment: run as a singleton without trying to
  // reach one (PMIx_Init could otherwise look for a system server).
  if (std::getenv("PMIX_NAMESPACE") == nullptr) {
    job_.nspace = "singleton-" + std::to_string(getpid());
    job_.jobid = job_.nspace;
    return Status::ok();
  }
  pmix_status_t rc = PMIx_Init(&g_self, nullptr, 0);
  if (rc != PMIX_SUCCESS) return pmix_error("PMIx_Init", rc);
  connected_ = true;
  job_.singleton = false;
  job_.nspace = g_self.nspace;
  job_.rank = static_cast<int>(g_self.rank);

  pmix_proc_t wild;
  PMIX_LOAD_PROCID(&wild, g_self.nspace, PMIX_RANK_WILDCARD);
  std::uint64_t v = 0;
  if (!get_uint(wild, PMIX_JOB_SIZE, v)) return Status(MPI_ERR_INTERN, "PMIx server did not provide the job size");
  job_.size = static_cast<int>(v);
  job_.universe_size = get_uint(wild, PMIX_UNIV_SIZE, v) ? static_cast<int>(v) : job_.size;
  job_.num_nodes = get_uint(wild, PMIX_NUM_NODES, v) ? static_cast<int>(v) : 1;
  job_.appnum = get_uint(g_self, PMIX_APPNUM, v) ? static_cast<int>(v) : 0;
  job_.node_id = get_uint(g_self, PMIX_NODEID, v) ? static_cast<int>(v) : 0;

  std::string peers;
  job_.local_peers.clear();
  if (get_string(wild, PMIX_LOCAL_PEERS, peers)) {
    std::stringstream ss(peers);
    std::string item;
    while (std::getline(ss, item, ',')) job_.local_peers.push_back(std::atoi(item.c_str()));
    std::sort(job_.local_peers.begin(), job_.local_peers.end());
  }
  if (job_.local_peers.empty()) job_.local_peers.push_back(job_.rank);
  job_.local_size = static_cast<int>(job_.local_peers.size());
  auto me = std::find(job_.local_peers.begin(), job_.local_peers.end(), job_.rank);
  job_.local_rank = get_uint(g_self, PMIX_LOCAL_RANK, v) ? static_cast<int>(v)
                                                          : static_cast<int>(me - job_.local_peers.begin());
  std::string host;
  if (get_string(g_self, PMIX_HOSTNAME, host)) job_.hostname = host;

  // A job id safe for file names: the launcher's, or the namespace cleaned up.
  if (const char* id = std::getenv("PARLEY_JOBID"); id != nullptr && *id) {
    job_.jobid = id;
  } else {
    job_.jobid = job_.nspace;
    for (char& c : job_.jobid)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }

  pmix_status_t code = kEventDumpState;
  PMIx_Register_event_handler(&code, 1, nullptr, 0, dump_state_callback, nullptr, nullptr);
  return Status::ok();
}

Status PmixClient::finalize() {
  if (!connected_) return Status::ok();
  connected_ = false;
  pmix_status_t rc = PMIx_Finalize(nullptr, 0);
  if (rc != PMIX_SUCCESS) return pmix_error("PMIx_Finalize", rc);
  return Status::ok();
}

Status PmixClient::put(const std::string& key, const void* data, std::size_t size) {
  if (!connected_) return Status::ok();
  pmix_value_t value;
  pmix_byte_object_t bo;
  bo.bytes = static_cast<char*>(const_cast<void*>(data));
  bo.size = size;
  PMIX_VALUE_CONSTRUCT(&value);
  value.type = PMIX_BYTE_OBJECT;
  value.data.bo = bo;
  pmix_status_t rc = PMIx_Put(PMIX_GLOBAL, key.c_str(), &value);
  // The byte object belongs to the caller; PMIx_Put copied it.
  if (rc != PMIX_SUCCESS) return pmix_error("PMIx_Put", rc);
  return Status::ok();
}

Status PmixClient::commit() {
  if (!connected_) return Status::ok();
  pmix_status_t rc = PMIx_Commit();
  if (rc != PMIX_SUCCESS) return pmix_error("PMIx_Commit", rc);
  return Status::ok();
}

Status PmixClient::fence(bool collect_data) {
  if (!connected_) return Status::ok();
  pmix_proc_t wild;
  PMIX_LOAD_PROCID(&wild, g_self.nspace, PMIX_RANK_WILDCARD);
  pmix_info_t info;
  bool collect = collect_data;
  PMIX_INFO_LOAD(&info, PMIX_COLLECT_DATA, &collect, PMIX_BOOL);
  pmix_status_t rc = PMIx_Fence(&wild, 1, &info, 1);
  PMIX_INFO_DESTRUCT(&info);
  if (rc != PMIX_SUCCESS) return pmix_error("PMIx_Fence", rc);
  return Status::ok();
}

Status PmixClient::get(int rank, const std::string& key, std::vector<std::byte>& out) {
  if (!connected_) return Status(MPI_ERR_INTERN, "no PMIx server: cannot look up '" + key + "'");
  pmix_proc_t proc;
  PMIX_LOAD_PROCID(&proc, g_self.nspace, static_cast<pmix_rank_t>(rank));
  pmix_value_t* val = nullptr;
  pmix_status_t rc = PMIx_Get(&proc, key.c_str(), nullptr, 0, &val);
  if (rc != PMIX_SUCCESS) return pmix_error(("PMIx_Get of '" + key + "' from rank " + std::to_string(rank)).c_str(), rc);
  if (val->type != PMIX_BYTE_OBJECT) {
    PMIX_VALUE_RELEASE(val);
    return Status(MPI_ERR_INTERN, "PMIx value '" + key + "' has an unexpected type");
  }
  auto* first = reinterpret_cast<const std::byte*>(val->data.bo.bytes);
  out.assign(first, first + val->data.bo.size);
  PMIX_VALUE_RELEASE(val);
  return Status::ok();
}

void PmixClient::abort(int code, const std::string& msg) {
  if (connected_) {
    PMIx_Abort(code, msg.c_str(), nullptr, 0);
    // The launcher kills us; should it not, do not linger.
  } else {
    std::fprintf(stderr, "%s\n", msg.c_str());
  }
  std::fflush(stdout);
  std::fflush(stderr);
  // Exit statuses are 8 bits; never turn a non-zero code into success.
  _exit((code & 0xff) != 0 || code == 0 ? code & 0xff : 1);
}

void PmixClient::on_dump_state(std::function<void()> handler) {
  std::lock_guard<std::mutex> guard(g_dump_lock);
  g_dump_handler = std::move(handler);
}

}  // namespace parley::bootstrap
