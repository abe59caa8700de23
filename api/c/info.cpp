// Info objects on the C ABI (MPI-4.0 §10): ordered key/value lists, the
// handle table, and MPI_INFO_ENV (the command and the job's shape).
#include <mpi.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

#include "comm_handles.hpp"

using parley::Status;
using parley::c::InfoList;
using parley::c::report;

namespace parley::c {
namespace {

constexpr int kUserInfoBase = static_cast<int>(0x9c000000u);
constexpr int kIndexMask = 0x03ffffff;

struct InfoTable {
  std::vector<std::unique_ptr<InfoList>> slots;
  std::vector<int> free_slots;
  std::optional<InfoList> env;
};

InfoTable& table() {
  static InfoTable t;
  return t;
}

InfoList make_env() {
  const auto& job = Runtime::get().job();
  InfoList l;
  std::string cmd;
  if (FILE* f = std::fopen("/proc/self/cmdline", "r")) {
    char buf[4096];
    std::size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    cmd = buf;
  }
  if (!cmd.empty()) l.emplace_back("command", cmd);
  l.emplace_back("maxprocs", std::to_string(job.size));
  l.emplace_back("host", job.hostname);
  return l;
}

}  // namespace

InfoList* lookup_info(MPI_Info info) {
  InfoTable& t = table();
  if (info == MPI_INFO_ENV) {
    if (!t.env) t.env = make_env();
    return &*t.env;
  }
  if ((info & ~kIndexMask) != kUserInfoBase) return nullptr;
  auto idx = static_cast<std::size_t>(info & kIndexMask);
  return idx < t.slots.size() ? t.slots[idx].get() : nullptr;
}

MPI_Info register_info(InfoList list) {
  InfoTable& t = table();
  int idx;
  if (!t.free_slots.empty()) {
    idx = t.free_slots.back();
    t.free_slots.pop_back();
  } else {
    idx = static_cast<int>(t.slots.size());
    t.slots.emplace_back();
  }
  t.slots[static_cast<std::size_t>(idx)] = std::make_unique<InfoList>(std::move(list));
  return kUserInfoBase | idx;
}

}  // namespace parley::c

namespace {

template <class Fn>
int with_info(const char* fn, MPI_Info info, Fn&& body) {
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  InfoList* l = parley::c::lookup_info(info);
  if (l == nullptr) {
    if (info == MPI_INFO_NULL) return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_INFO, "info is MPI_INFO_NULL"));
    return report(fn, MPI_COMM_WORLD, parley::c::invalid_info(info));
  }
  Status st = body(*l);
  return st ? MPI_SUCCESS : report(fn, MPI_COMM_WORLD, st);
}

Status check_key(const char* key) {
  if (key == nullptr) return parley::c::null_arg("key");
  std::size_t n = std::strlen(key);
  if (n == 0) return Status(MPI_ERR_INFO_KEY, "key is empty");
  if (n > MPI_MAX_INFO_KEY)
    return Status(MPI_ERR_INFO_KEY, "key is longer than MPI_MAX_INFO_KEY (" + std::to_string(MPI_MAX_INFO_KEY) + ")");
  return Status::ok();
}

InfoList::iterator find(InfoList& l, const char* key) {
  return std::find_if(l.begin(), l.end(), [&](const auto& kv) { return kv.first == key; });
}

// Copies s into out (room for len characters plus the terminator).
void copy_out(const std::string& s, char* out, int len) {
  std::size_t n = std::min<std::size_t>(s.size(), static_cast<std::size_t>(std::max(len, 0)));
  std::memcpy(out, s.data(), n);
  out[n] = '\0';
}

}  // namespace

int PMPI_Info_create(MPI_Info* info) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Info_create";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (info == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("info"));
  *info = parley::c::register_info({});
  return MPI_SUCCESS;
}

int PMPI_Info_create_env(int, char*[], MPI_Info* info) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Info_create_env";
  if (info == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("info"));
  *info = parley::c::register_info(*parley::c::lookup_info(MPI_INFO_ENV));
  return MPI_SUCCESS;
}

int PMPI_Info_set(MPI_Info info, const char* key, const char* value) {
  PARLEY_API_LOCK();
  return with_info("MPI_Info_set", info, [&](InfoList& l) {
    if (info == MPI_INFO_ENV) return Status(MPI_ERR_INFO, "MPI_INFO_ENV cannot be modified");
    if (Status st = check_key(key); !st) return st;
    if (value == nullptr) return parley::c::null_arg("value");
    if (std::strlen(value) > MPI_MAX_INFO_VAL)
      return Status(MPI_ERR_INFO_VALUE, "value is longer than MPI_MAX_INFO_VAL (" + std::to_string(MPI_MAX_INFO_VAL) + ")");
    auto it = find(l, key);
    if (it != l.end())
      it->second = value;  // keeps its place in the order
    else
      l.emplace_back(key, value);
    return Status::ok();
  });
}

int PMPI_Info_delete(MPI_Info info, const char* key) {
  PARLEY_API_LOCK();
  return with_info("MPI_Info_delete", info, [&](InfoList& l) {
    if (info == MPI_INFO_ENV) return Status(MPI_ERR_INFO, "MPI_INFO_ENV cannot be modified");
    if (Status st = check_key(key); !st) return st;
    auto it = find(l, key);
    if (it == l.end()) return Status(MPI_ERR_INFO_NOKEY, std::string("key \"") + key + "\" is not set");
    l.erase(it);
    return Status::ok();
  });
}

int PMPI_Info_get(MPI_Info info, const char* key, int valuelen, char* value, int* flag) {
  PARLEY_API_LOCK();
  return with_info("MPI_Info_get", info, [&](InfoList& l) {
    if (Status st = check_key(key); !st) return st;
    if (flag == nullptr) return parley::c::null_arg("flag");
    if (valuelen < 0) return Status(MPI_ERR_ARG, "valuelen must be non-negative");
    auto it = find(l, key);
    *flag = it != l.end();
    if (*flag) {
      if (value == nullptr) return parley::c::null_arg("value");
      copy_out(it->second, value, valuelen);
    }
    return Status::ok();
  });
}

int PMPI_Info_get_string(MPI_Info info, const char* key, int* buflen, char* value, int* flag) {
  PARLEY_API_LOCK();
  return with_info("MPI_Info_get_string", info, [&](InfoList& l) {
    if (Status st = check_key(key); !st) return st;
    if (flag == nullptr) return parley::c::null_arg("flag");
    if (buflen == nullptr) return parley::c::null_arg("buflen");
    auto it = find(l, key);
    *flag = it != l.end();
    if (!*flag) return Status::ok();
    // buflen in: room including the terminator; out: the length needed.
    if (*buflen > 0) {
      if (value == nullptr) return parley::c::null_arg("value");
      copy_out(it->second, value, *buflen - 1);
    }
    *buflen = static_cast<int>(it->second.size()) + 1;
    return Status::ok();
  });
}

int PMPI_Info_get_valuelen(MPI_Info info, const char* key, int* valuelen, int* flag) {
  PARLEY_API_LOCK();
  return with_info("MPI_Info_get_valuelen", info, [&](InfoList& l) {
    if (Status st = check_key(key); !st) return st;
    if (flag == nullptr) return parley::c::null_arg("flag");
    if (valuelen == nullptr) return parley::c::null_arg("valuelen");
    auto it = find(l, key);
    *flag = it != l.end();
    if (*flag) *valuelen = static_cast<int>(it->second.size());
    return Status::ok();
  });
}

int PMPI_Info_get_nkeys(MPI_Info info, int* nkeys) {
  PARLEY_API_LOCK();
  return with_info("MPI_Info_get_nkeys", info, [&](InfoList& l) {
    if (nkeys == nullptr) return parley::c::null_arg("nkeys");
    *nkeys = static_cast<int>(l.size());
    return Status::ok();
  });
}

int PMPI_Info_get_nthkey(MPI_Info info, int n, char* key) {
  PARLEY_API_LOCK();
  return with_info("MPI_Info_get_nthkey", info, [&](InfoList& l) {
    if (key == nullptr) return parley::c::null_arg("key");
    if (n < 0 || static_cast<std::size_t>(n) >= l.size())
      return Status(MPI_ERR_ARG, "n " + std::to_string(n) + " is not below the number of keys (" +
                                     std::to_string(l.size()) + ")");
    copy_out(l[static_cast<std::size_t>(n)].first, key, MPI_MAX_INFO_KEY);
    return Status::ok();
  });
}

int PMPI_Info_dup(MPI_Info info, MPI_Info* newinfo) {
  PARLEY_API_LOCK();
  return with_info("MPI_Info_dup", info, [&](InfoList& l) {
    if (newinfo == nullptr) return parley::c::null_arg("newinfo");
    *newinfo = parley::c::register_info(l);
    return Status::ok();
  });
}

int PMPI_Info_free(MPI_Info* info) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Info_free";
  if (info == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("info"));
  return with_info(fn, *info, [&](InfoList&) {
    if (*info == MPI_INFO_ENV) return Status(MPI_ERR_INFO, "MPI_INFO_ENV cannot be freed");
    auto idx = static_cast<std::size_t>(*info & 0x03ffffff);
    auto& t = parley::c::table();
    t.slots[idx].reset();
    t.free_slots.push_back(static_cast<int>(idx));
    *info = MPI_INFO_NULL;
    return Status::ok();
  });
}
