// Attribute caching on communicators (MPI-3.1 §6.7): keyvals with copy and
// delete callbacks, set/get/delete, the deprecated MPI-1 names, and the
// predefined attributes of MPI_COMM_WORLD (MPI_TAG_UB and the rest).
#include <mpi.h>

#include <algorithm>
#include <unordered_map>

#include "comm_handles.hpp"
#include "errors/error_codes.hpp"

using parley::Communicator;
using parley::Runtime;
using parley::Status;
using parley::c::report;

namespace {

// User keyvals: 0x24800000 | index (predefined ones are MPICH's 0x644000xx).
constexpr int kUserKeyvalBase = 0x24800000;

struct Keyval {
  MPI_Comm_copy_attr_function* copy = nullptr;
  MPI_Comm_delete_attr_function* del = nullptr;
  void* extra = nullptr;
  int uses = 0;         // attributes set with it, plus one until freed
};

struct KeyvalTable {
  std::unordered_map<int, Keyval> live;
  int next = 0;
};

KeyvalTable& keyvals() {
  static KeyvalTable t;
  return t;
}

Keyval* lookup_keyval(int k) {
  auto it = keyvals().live.find(k);
  return it == keyvals().live.end() ? nullptr : &it->second;
}

void drop_use(int k) {
  auto it = keyvals().live.find(k);
  if (it != keyvals().live.end() && --it->second.uses == 0) keyvals().live.erase(it);
}

// Predefined attribute values; MPI_Comm_get_attr hands out pointers to them.
struct PredefinedAttrs {
  int tag_ub = 0x7fffffff;  // the largest positive int: any non-negative tag is valid
  int host = MPI_PROC_NULL;  // no process is distinguished as "host"
  int io = MPI_ANY_SOURCE;   // every process can do I/O
  int wtime_is_global = 0;   // clocks are not synchronised across processes
  int universe_size = 1;
  int appnum = 0;
  int lastusedcode = MPI_ERR_LASTCODE;
};

PredefinedAttrs g_attrs;

int* predefined_value(int keyval) {
  const auto& job = Runtime::get().job();
  g_attrs.universe_size = job.universe_size;
  g_attrs.appnum = job.appnum;
  g_attrs.lastusedcode = parley::errors::last_used_code();
  switch (keyval) {
    case MPI_TAG_UB: return &g_attrs.tag_ub;
    case MPI_HOST: return &g_attrs.host;
    case MPI_IO: return &g_attrs.io;
    case MPI_WTIME_IS_GLOBAL: return &g_attrs.wtime_is_global;
    case MPI_UNIVERSE_SIZE: return &g_attrs.universe_size;
    case MPI_APPNUM: return &g_attrs.appnum;
    case MPI_LASTUSEDCODE: return &g_attrs.lastusedcode;
    default: return nullptr;
  }
}

Status bad_keyval(int keyval) {
  if (keyval == MPI_KEYVAL_INVALID) return Status(MPI_ERR_KEYVAL, "keyval is MPI_KEYVAL_INVALID");
  return Status(MPI_ERR_KEYVAL, "invalid attribute keyval " + std::to_string(keyval));
}

template <class Fn>
int with_comm(const char* fn, MPI_Comm comm, Fn&& body) {
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  Status st = body(*c);
  return st ? MPI_SUCCESS : report(fn, comm, st);
}

// Runs keyval's delete callback on one value; the callback's error code
// becomes the status.
Status run_delete(MPI_Comm comm, int keyval, void* value) {
  Keyval* kv = lookup_keyval(keyval);
  if (kv == nullptr || kv->del == nullptr) return Status::ok();
  int rc = kv->del(comm, keyval, value, kv->extra);
  if (rc != MPI_SUCCESS) return Status(parley::errors::class_of(rc), "the delete callback of keyval " +
                                                                         std::to_string(keyval) + " returned " +
                                                                         std::to_string(rc));
  return Status::ok();
}

}  // namespace

namespace parley::c {

int copy_comm_attrs(MPI_Comm old_handle, Communicator& old_comm, Communicator& new_comm) {
  for (auto [keyval, value] : old_comm.attributes()) {
    Keyval* kv = lookup_keyval(keyval);
    if (kv == nullptr || kv->copy == nullptr) continue;  // MPI_COMM_NULL_COPY_FN
    void* out = nullptr;
    int flag = 0;
    int rc = kv->copy(old_handle, keyval, kv->extra, value, &out, &flag);
    if (rc != MPI_SUCCESS) return rc;
    if (flag) {
      new_comm.attributes().emplace_back(keyval, out);
      ++kv->uses;
    }
  }
  return MPI_SUCCESS;
}

int delete_comm_attrs(MPI_Comm handle, Communicator& c) {
  auto& attrs = c.attributes();
  // Last set, first deleted (MPI-4.0 asks this order for MPI_COMM_SELF at
  // finalize; we use it everywhere).
  while (!attrs.empty()) {
    auto [keyval, value] = attrs.back();
    if (Status st = run_delete(handle, keyval, value); !st) return st.error_class();
    attrs.pop_back();
    drop_use(keyval);
  }
  return MPI_SUCCESS;
}

}  // namespace parley::c

int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function* comm_copy_attr_fn,
                            MPI_Comm_delete_attr_function* comm_delete_attr_fn, int* comm_keyval, void* extra_state) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_create_keyval";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (comm_keyval == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("comm_keyval"));
  KeyvalTable& t = keyvals();
  int k = kUserKeyvalBase | t.next++;
  t.live[k] = Keyval{comm_copy_attr_fn, comm_delete_attr_fn, extra_state, 1};
  *comm_keyval = k;
  return MPI_SUCCESS;
}

int PMPI_Comm_free_keyval(int* comm_keyval) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_free_keyval";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (comm_keyval == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("comm_keyval"));
  if (predefined_value(*comm_keyval) != nullptr)
    return report(fn, MPI_COMM_WORLD, Status(MPI_ERR_KEYVAL, "cannot free a predefined keyval"));
  if (lookup_keyval(*comm_keyval) == nullptr) return report(fn, MPI_COMM_WORLD, bad_keyval(*comm_keyval));
  // Attributes still set with it keep it alive until they are deleted.
  drop_use(*comm_keyval);
  *comm_keyval = MPI_KEYVAL_INVALID;
  return MPI_SUCCESS;
}

int PMPI_Comm_set_attr(MPI_Comm comm, int comm_keyval, void* attribute_val) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_set_attr", comm, [&](Communicator& c) {
    if (predefined_value(comm_keyval) != nullptr)
      return Status(MPI_ERR_KEYVAL, "predefined attribute " + std::to_string(comm_keyval) + " cannot be set");
    if (lookup_keyval(comm_keyval) == nullptr) return bad_keyval(comm_keyval);
    auto& attrs = c.attributes();
    auto it = std::find_if(attrs.begin(), attrs.end(), [&](const auto& a) { return a.first == comm_keyval; });
    if (it != attrs.end()) {
      // Replacing a value deletes the old one first.
      if (Status st = run_delete(comm, comm_keyval, it->second); !st) return st;
      it->second = attribute_val;
      return Status::ok();
    }
    attrs.emplace_back(comm_keyval, attribute_val);
    ++lookup_keyval(comm_keyval)->uses;
    return Status::ok();
  });
}

int PMPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void* attribute_val, int* flag) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_get_attr", comm, [&](Communicator& c) {
    if (attribute_val == nullptr) return parley::c::null_arg("attribute_val");
    if (flag == nullptr) return parley::c::null_arg("flag");
    if (int* v = predefined_value(comm_keyval)) {
      *static_cast<int**>(attribute_val) = v;
      *flag = 1;
      return Status::ok();
    }
    if (lookup_keyval(comm_keyval) == nullptr) return bad_keyval(comm_keyval);
    *flag = 0;
    for (const auto& [k, v] : c.attributes())
      if (k == comm_keyval) {
        *static_cast<void**>(attribute_val) = v;
        *flag = 1;
      }
    return Status::ok();
  });
}

int PMPI_Comm_delete_attr(MPI_Comm comm, int comm_keyval) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_delete_attr", comm, [&](Communicator& c) {
    if (predefined_value(comm_keyval) != nullptr)
      return Status(MPI_ERR_KEYVAL, "predefined attribute " + std::to_string(comm_keyval) + " cannot be deleted");
    if (lookup_keyval(comm_keyval) == nullptr) return bad_keyval(comm_keyval);
    auto& attrs = c.attributes();
    auto it = std::find_if(attrs.begin(), attrs.end(), [&](const auto& a) { return a.first == comm_keyval; });
    if (it == attrs.end()) return Status::ok();
    if (Status st = run_delete(comm, comm_keyval, it->second); !st) return st;
    attrs.erase(it);
    drop_use(comm_keyval);
    return Status::ok();
  });
}

// The MPI-1 names (deprecated, still in the ABI).
int PMPI_Keyval_create(MPI_Copy_function* copy_fn, MPI_Delete_function* delete_fn, int* keyval, void* extra_state) {
  PARLEY_API_LOCK();
  return PMPI_Comm_create_keyval(copy_fn, delete_fn, keyval, extra_state);
}
int PMPI_Keyval_free(int* keyval) { return PMPI_Comm_free_keyval(keyval); }
int PMPI_Attr_put(MPI_Comm comm, int keyval, void* attribute_val) {
  PARLEY_API_LOCK();
  return PMPI_Comm_set_attr(comm, keyval, attribute_val);
}
int PMPI_Attr_get(MPI_Comm comm, int keyval, void* attribute_val, int* flag) {
  PARLEY_API_LOCK();
  return PMPI_Comm_get_attr(comm, keyval, attribute_val, flag);
}
int PMPI_Attr_delete(MPI_Comm comm, int keyval) { return PMPI_Comm_delete_attr(comm, keyval); }

// ---- window keyvals (MPI-3.1 §6.7.3) --------------------------------------
// Keyvals for windows are made and freed like the communicators' ones; as no
// window can exist yet (one-sided communication is not implemented), setting,
// reading or deleting a window attribute always fails on the window handle.

namespace {

constexpr int kWinKeyvalBase = 0x24900000;

struct WinKeyval {
  MPI_Win_copy_attr_function* copy = nullptr;
  MPI_Win_delete_attr_function* del = nullptr;
  void* extra = nullptr;
};

struct WinKeyvalTable {
  std::unordered_map<int, WinKeyval> live;
  int next = 0;
};

WinKeyvalTable& win_keyvals() {
  static WinKeyvalTable t;
  return t;
}

}  // namespace

int PMPI_Win_create_keyval(MPI_Win_copy_attr_function* win_copy_attr_fn,
                           MPI_Win_delete_attr_function* win_delete_attr_fn, int* win_keyval, void* extra_state) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Win_create_keyval";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (win_keyval == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("win_keyval"));
  WinKeyvalTable& t = win_keyvals();
  int k = kWinKeyvalBase | t.next++;
  t.live[k] = WinKeyval{win_copy_attr_fn, win_delete_attr_fn, extra_state};
  *win_keyval = k;
  return MPI_SUCCESS;
}

int PMPI_Win_free_keyval(int* win_keyval) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Win_free_keyval";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (win_keyval == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("win_keyval"));
  if (win_keyvals().live.erase(*win_keyval) == 0) return report(fn, MPI_COMM_WORLD, bad_keyval(*win_keyval));
  *win_keyval = MPI_KEYVAL_INVALID;
  return MPI_SUCCESS;
}

int PMPI_Win_set_attr(MPI_Win win, int, void*) {
  PARLEY_API_LOCK();
  return report("MPI_Win_set_attr", MPI_COMM_WORLD, parley::c::invalid_win(win));
}
int PMPI_Win_get_attr(MPI_Win win, int, void*, int*) {
  PARLEY_API_LOCK();
  return report("MPI_Win_get_attr", MPI_COMM_WORLD, parley::c::invalid_win(win));
}
int PMPI_Win_delete_attr(MPI_Win win, int) {
  PARLEY_API_LOCK();
  return report("MPI_Win_delete_attr", MPI_COMM_WORLD, parley::c::invalid_win(win));
}
