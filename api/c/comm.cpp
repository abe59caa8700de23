// Communicator management on the C ABI (MPI-3.1 §6.4): the handle table,
// queries (size, rank, group, compare, names), dup/idup/dup_with_info and
// free. Constructors that build new groups live in comm_create.cpp,
// intercommunicators in intercomm.cpp, attributes in attr.cpp.
#include <mpi.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "comm/comm_create.hpp"
#include "comm_handles.hpp"
#include "p2p/request.hpp"
#include "request_table.hpp"

using parley::Communicator;
using parley::Group;
using parley::Runtime;
using parley::Status;
using parley::c::report;

namespace parley::c {
namespace {

constexpr int kUserCommBase = static_cast<int>(0x84000000u);
constexpr int kIndexMask = 0x03ffffff;

struct CommTable {
  std::vector<std::unique_ptr<Communicator>> slots;
  std::vector<int> free_slots;
  std::unordered_map<const Communicator*, MPI_Comm> handles;
};

CommTable& table() {
  static CommTable t;
  return t;
}

}  // namespace

MPI_Comm register_comm(std::unique_ptr<Communicator> c) {
  CommTable& t = table();
  int idx;
  if (!t.free_slots.empty()) {
    idx = t.free_slots.back();
    t.free_slots.pop_back();
  } else {
    idx = static_cast<int>(t.slots.size());
    t.slots.emplace_back();
  }
  MPI_Comm h = kUserCommBase | idx;
  t.handles[c.get()] = h;
  t.slots[static_cast<std::size_t>(idx)] = std::move(c);
  return h;
}

Communicator* lookup_user_comm(MPI_Comm comm) {
  if ((comm & ~kIndexMask) != kUserCommBase) return nullptr;
  CommTable& t = table();
  auto idx = static_cast<std::size_t>(comm & kIndexMask);
  return idx < t.slots.size() ? t.slots[idx].get() : nullptr;
}

MPI_Comm handle_of(const Communicator* c) {
  if (c == lookup_comm(MPI_COMM_WORLD)) return MPI_COMM_WORLD;
  if (c == lookup_comm(MPI_COMM_SELF)) return MPI_COMM_SELF;
  auto it = table().handles.find(c);
  return it == table().handles.end() ? MPI_COMM_NULL : it->second;
}

void unregister_comm(MPI_Comm comm) {
  CommTable& t = table();
  auto idx = static_cast<std::size_t>(comm & kIndexMask);
  t.handles.erase(t.slots[idx].get());
  t.slots[idx].reset();
  t.free_slots.push_back(static_cast<int>(idx));
}

bool is_predefined_comm(MPI_Comm comm) { return comm == MPI_COMM_WORLD || comm == MPI_COMM_SELF; }

std::size_t live_user_comms() { return table().handles.size(); }

// Registers a freshly made communicator: attributes copied from `parent`
// (dup only), the name left empty, the error handler inherited.
int finish_new_comm(const char* fn, MPI_Comm parent, Communicator* parent_comm, Result<comm::CommPtr> made,
                    bool copy_attrs, MPI_Comm* newcomm) {
  if (!made.is_ok()) return report(fn, parent, made.status());
  if (!made.value()) {
    *newcomm = MPI_COMM_NULL;
    return MPI_SUCCESS;
  }
  Communicator* raw = made.value().get();
  MPI_Comm h = register_comm(std::move(made.value()));
  if (copy_attrs) {
    if (int rc = copy_comm_attrs(parent, *parent_comm, *raw); rc != MPI_SUCCESS) {
      (void)delete_comm_attrs(h, *raw);
      comm::release(*raw);
      unregister_comm(h);
      return report(fn, parent, Status(rc, "an attribute copy callback returned error " + std::to_string(rc)));
    }
  }
  *newcomm = h;
  return MPI_SUCCESS;
}

}  // namespace parley::c

namespace {

template <class Fn>
int with_comm(const char* fn, MPI_Comm comm, Fn&& body) {
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  Status st = body(*c);
  return st ? MPI_SUCCESS : report(fn, comm, st);
}

void copy_name(const std::string& name, char* out, int* resultlen) {
  std::size_t n = std::min<std::size_t>(name.size(), MPI_MAX_OBJECT_NAME - 1);
  std::memcpy(out, name.data(), n);
  out[n] = '\0';
  *resultlen = static_cast<int>(n);
}

}  // namespace

int PMPI_Comm_size(MPI_Comm comm, int* size) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_size", comm, [&](Communicator& c) {
    if (size == nullptr) return parley::c::null_arg("size");
    *size = c.local_size();
    return Status::ok();
  });
}

int PMPI_Comm_rank(MPI_Comm comm, int* rank) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_rank", comm, [&](Communicator& c) {
    if (rank == nullptr) return parley::c::null_arg("rank");
    *rank = c.rank();
    return Status::ok();
  });
}

int PMPI_Comm_get_name(MPI_Comm comm, char* comm_name, int* resultlen) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_get_name", comm, [&](Communicator& c) {
    if (comm_name == nullptr) return parley::c::null_arg("comm_name");
    if (resultlen == nullptr) return parley::c::null_arg("resultlen");
    copy_name(c.name(), comm_name, resultlen);
    return Status::ok();
  });
}

int PMPI_Comm_set_name(MPI_Comm comm, const char* comm_name) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_set_name", comm, [&](Communicator& c) {
    if (comm_name == nullptr) return parley::c::null_arg("comm_name");
    // Longer names are truncated, as the standard allows.
    c.set_name(std::string(comm_name).substr(0, MPI_MAX_OBJECT_NAME - 1));
    return Status::ok();
  });
}

int PMPI_Comm_test_inter(MPI_Comm comm, int* flag) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_test_inter", comm, [&](Communicator& c) {
    if (flag == nullptr) return parley::c::null_arg("flag");
    *flag = c.is_inter() ? 1 : 0;
    return Status::ok();
  });
}

int PMPI_Comm_group(MPI_Comm comm, MPI_Group* group) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_group", comm, [&](Communicator& c) {
    if (group == nullptr) return parley::c::null_arg("group");
    *group = parley::c::register_group(c.group());
    return Status::ok();
  });
}

int PMPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int* result) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_compare";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* a = parley::c::lookup_comm(comm1);
  if (a == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm1));
  Communicator* b = parley::c::lookup_comm(comm2);
  if (b == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm2));
  if (result == nullptr) return report(fn, comm1, parley::c::null_arg("result"));
  if (a == b) {
    *result = MPI_IDENT;
    return MPI_SUCCESS;
  }
  if (a->is_inter() != b->is_inter()) {
    *result = MPI_UNEQUAL;
    return MPI_SUCCESS;
  }
  // Congruent needs identical groups; similar, the same members.
  auto rel = Group::compare(*a->group(), *b->group());
  if (a->is_inter()) {
    auto rr = Group::compare(*a->remote_group(), *b->remote_group());
    rel = std::max(rel, rr);
  }
  switch (rel) {
    case Group::Relation::ident: *result = MPI_CONGRUENT; break;
    case Group::Relation::similar: *result = MPI_SIMILAR; break;
    default: *result = MPI_UNEQUAL; break;
  }
  return MPI_SUCCESS;
}

int PMPI_Comm_dup(MPI_Comm comm, MPI_Comm* newcomm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_dup";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  if (newcomm == nullptr) return report(fn, comm, parley::c::null_arg("newcomm"));
  MPI_Comm out = MPI_COMM_NULL;
  int rc = parley::c::finish_new_comm(fn, comm, c, parley::comm::dup(*c), true, &out);
  if (rc != MPI_SUCCESS) return rc;
  // The new communicator keeps the parent's info hints (MPI-4.0 §7.4.2).
  parley::c::lookup_comm(out)->hints() = c->hints();
  parley::c::lookup_comm(out)->set_topology(c->topology());
  *newcomm = out;
  return MPI_SUCCESS;
}

int PMPI_Comm_dup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm* newcomm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_dup_with_info";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  Communicator* c = parley::c::lookup_comm(comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(comm));
  if (newcomm == nullptr) return report(fn, comm, parley::c::null_arg("newcomm"));
  auto* hints = parley::c::lookup_info(info);
  if (hints == nullptr && info != MPI_INFO_NULL) return report(fn, comm, parley::c::invalid_info(info));
  MPI_Comm out = MPI_COMM_NULL;
  int rc = parley::c::finish_new_comm(fn, comm, c, parley::comm::dup(*c), true, &out);
  if (rc != MPI_SUCCESS) return rc;
  Communicator* n = parley::c::lookup_comm(out);
  if (hints != nullptr) n->hints() = *hints;
  n->set_topology(c->topology());
  *newcomm = out;
  return MPI_SUCCESS;
}

int PMPI_Comm_idup(MPI_Comm comm, MPI_Comm* newcomm, MPI_Request* request) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_idup";
  if (request == nullptr) return report(fn, comm, parley::c::null_arg("request"));
  // Completes at once: the dup is done here and the request handed back
  // is an already-complete one (a receive from MPI_PROC_NULL).
  int rc = PMPI_Comm_dup(comm, newcomm);
  if (rc != MPI_SUCCESS) return rc;
  parley::Engine& e = Runtime::get().engine();
  parley::p2p::Request* r = e.alloc_request();
  r->kind = parley::p2p::RequestKind::recv;
  r->comm = parley::c::lookup_comm(*newcomm);
  r->peer = MPI_PROC_NULL;
  if (Status st = e.start(r); !st) return report(fn, comm, st);
  *request = parley::c::requests().insert(r);
  return MPI_SUCCESS;
}

int PMPI_Comm_free(MPI_Comm* comm) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_free";
  if (Status st = parley::c::require_initialized(); !st) return report(fn, MPI_COMM_WORLD, st);
  if (comm == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::null_arg("comm"));
  Communicator* c = parley::c::lookup_comm(*comm);
  if (c == nullptr) return report(fn, MPI_COMM_WORLD, parley::c::invalid_comm(*comm));
  if (parley::c::is_predefined_comm(*comm))
    return report(fn, *comm, Status(MPI_ERR_COMM, "cannot free a predefined communicator"));
  if (int rc = parley::c::delete_comm_attrs(*comm, *c); rc != MPI_SUCCESS)
    return report(fn, *comm, Status(rc, "an attribute delete callback returned error " + std::to_string(rc)));
  parley::comm::release(*c);
  parley::c::unregister_comm(*comm);
  *comm = MPI_COMM_NULL;
  return MPI_SUCCESS;
}

int PMPI_Comm_disconnect(MPI_Comm* comm) { return PMPI_Comm_free(comm); }

int PMPI_Comm_set_info(MPI_Comm comm, MPI_Info info) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_set_info", comm, [&](Communicator& c) {
    auto* list = parley::c::lookup_info(info);
    if (list == nullptr && info != MPI_INFO_NULL) return parley::c::invalid_info(info);
    // No hint changes our behaviour yet; they are kept to be read back.
    if (list != nullptr)
      for (const auto& kv : *list) {
        auto it = std::find_if(c.hints().begin(), c.hints().end(), [&](const auto& e) { return e.first == kv.first; });
        if (it != c.hints().end())
          it->second = kv.second;
        else
          c.hints().push_back(kv);
      }
    return Status::ok();
  });
}

int PMPI_Comm_get_info(MPI_Comm comm, MPI_Info* info_used) {
  PARLEY_API_LOCK();
  return with_comm("MPI_Comm_get_info", comm, [&](Communicator& c) {
    if (info_used == nullptr) return parley::c::null_arg("info_used");
    *info_used = parley::c::register_info(c.hints());
    return Status::ok();
  });
}

int PMPI_Comm_idup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm* newcomm, MPI_Request* request) {
  PARLEY_API_LOCK();
  constexpr const char* fn = "MPI_Comm_idup_with_info";
  if (request == nullptr) return report(fn, comm, parley::c::null_arg("request"));
  // As MPI_Comm_idup: done at once, with an already-complete request.
  int rc = PMPI_Comm_dup_with_info(comm, info, newcomm);
  if (rc != MPI_SUCCESS) return rc;
  parley::Engine& e = Runtime::get().engine();
  parley::p2p::Request* r = e.alloc_request();
  r->kind = parley::p2p::RequestKind::recv;
  r->comm = parley::c::lookup_comm(*newcomm);
  r->peer = MPI_PROC_NULL;
  if (Status st = e.start(r); !st) return report(fn, comm, st);
  *request = parley::c::requests().insert(r);
  return MPI_SUCCESS;
}
