// What the collective entry points share: the per-communicator sequence
// that tags each collective, staging of user buffers (any datatype) into
// the contiguous byte blocks the schedules move, reduction set-up, and
// starting a schedule as a blocking call or a request.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "c_api.hpp"
#include "datatype_table.hpp"
#include <string>
#include "coll/algorithms.hpp"
#include "coll/schedule.hpp"
#include "coll/shm.hpp"
#include "datatype/type.hpp"

namespace parley::c::coll_stage {

// The tag of the next collective on comm: every process calls collectives
// on a communicator in the same order, so the sequence agrees everywhere.
int next_tag(MPI_Comm comm);
// comm's shared-memory team, made (collectively) on first use; nullptr when
// comm cannot have one. Call only where every rank of comm calls it.
coll::shm::Team* shm_team(MPI_Comm comm, Communicator& c);

// One block of user data: count items of type at base + byte_disp.
struct Block {
  const void* base = nullptr;
  std::int64_t count = 0;
  dt::Type* type = nullptr;
  std::int64_t byte_disp = 0;
  std::size_t bytes() const { return static_cast<std::size_t>(count * type->size()); }
};

// Blocks as the schedule sees them: bytes[i] at origin + displs[i].
struct Staged {
  std::byte* origin = nullptr;
  std::vector<std::size_t> bytes;
  std::vector<std::size_t> displs;
  bool scratch = false;  // packed copies, not the user's memory
  std::byte* at(std::size_t i) const { return origin + displs[i]; }
};

// Input blocks: in place when every block is contiguous, else packed into
// schedule scratch when the schedule starts (at_start: again at every
// restart of a persistent collective).
// copy: always copy (the user's memory is overwritten while this is read).
Staged stage_in(coll::Schedule& s, const std::vector<Block>& blocks, bool copy = false);
// Output blocks: in place when contiguous, else scratch that finish_out()
// unpacks into the user's buffer as the schedule's last step.
Staged stage_out(coll::Schedule& s, const std::vector<Block>& blocks);
void finish_out(coll::Schedule& s, const std::vector<Block>& blocks, const Staged& st);
// Packs blocks[i] of the user's buffer into st (MPI_IN_PLACE with scratch)
// when s starts.
void pack_block(coll::Schedule& s, const std::vector<Block>& blocks, const Staged& st, std::size_t i);

// Uniform blocks: n blocks of (count, type), block i at i*count*extent.
std::vector<Block> uniform(const void* buf, int n, std::int64_t count, dt::Type* t);
std::vector<Block> varying(const void* buf, int n, const int* counts, const int* displs, dt::Type* t);

// Reductions: how items of (type) are combined and how many bytes an item
// takes in the work buffers; `packed` says the work buffers hold the packed
// stream (noncontiguous derived types) rather than the user's layout.
struct ReduceSetup {
  std::size_t item_bytes = 0;
  bool packed = false;
};
// What a reducer set up without a schedule holds (released on destruction).
struct ReduceHolds {
  op::Op* op = nullptr;
  dt::Type* type = nullptr;
  ReduceHolds() = default;
  ReduceHolds(const ReduceHolds&) = delete;
  ReduceHolds& operator=(const ReduceHolds&) = delete;
  ~ReduceHolds();
};
Status setup_reducer(coll::Reducer& r, ReduceHolds& holds, MPI_Op op_handle, MPI_Datatype type_handle, dt::Type* t,
                     ReduceSetup& out);
Status setup_reduce(coll::Schedule& s, MPI_Op op_handle, MPI_Datatype type_handle, dt::Type* t, ReduceSetup& out);
// Work buffer for input (count items of type at buf) and for output.
std::byte* reduce_in(coll::Schedule& s, const ReduceSetup& rs, const void* buf, std::int64_t count, dt::Type* t);
std::byte* reduce_out(coll::Schedule& s, const ReduceSetup& rs, void* buf, std::int64_t count, dt::Type* t);
// Output finish for reduce_out (unpack when packed).
void reduce_finish(coll::Schedule& s, const ReduceSetup& rs, std::byte* work, void* buf, std::int64_t count,
                   dt::Type* t);

// Runs (request == nullptr) or starts the schedule; reports through comm.
int start(const char* fn, MPI_Comm comm, Communicator* c, std::unique_ptr<coll::Schedule> s, MPI_Request* request);

// Persistent collectives (coll_persistent.cpp): the schedule built at the
// first MPI_Start and run again at the later ones. It keeps the tag it took
// then, so every later start takes no tag (the same on every rank: all
// start a persistent collective in the same order, and whether it is kept
// is decided alike).
struct PersistentSchedule {
  std::shared_ptr<coll::Schedule> schedule;  // null until kept
  const char* fn = nullptr;
  MPI_Comm comm = MPI_COMM_NULL;
  Communicator* c = nullptr;
  // Cleared when the communicator is freed: a later MPI_Start is then an
  // error (MPI_ERR_COMM), not a run over a freed communicator.
  std::shared_ptr<bool> comm_alive;
};
// While one lives, the next nonblocking start() keeps its schedule in slot
// when the schedule can be restarted (every one the builders make: a team
// step takes its next step number at each restart).
// With `init_fn` (MPI_X_init's name) the schedule is only built, not
// started (the first MPI_Start runs it through restart()), and errors of
// the build are reported under that name.
class BuildPersistent {
 public:
  explicit BuildPersistent(PersistentSchedule& slot, const char* init_fn = nullptr);
  ~BuildPersistent();
  BuildPersistent(const BuildPersistent&) = delete;
  BuildPersistent& operator=(const BuildPersistent&) = delete;

 private:
  PersistentSchedule* previous_;
  const char* previous_init_;
};
// The name errors of a collective call are reported under: fn, or the
// MPI_X_init being built.
const char* call_name(const char* fn);
// Whether the schedule being made now is a persistent one built at init.
bool deferring_build();
// Starts slot.schedule again (restart()) as the new request.
int restart(PersistentSchedule& slot, MPI_Request* request);

// --- argument checks shared by the entry points ----------------------------

inline Status intracomm(MPI_Comm h, Communicator*& c) {
  if (Status st = require_initialized(); !st) return st;
  c = lookup_comm(h);
  if (c == nullptr) return invalid_comm(h);
  if (c->is_inter()) return Status(MPI_ERR_COMM, "collectives on intercommunicators are not supported yet");
  return Status::ok();
}

// Intra- or intercommunicator (the forms that have both).
inline Status any_comm(MPI_Comm h, Communicator*& c) {
  if (Status st = require_initialized(); !st) return st;
  c = lookup_comm(h);
  if (c == nullptr) return invalid_comm(h);
  return Status::ok();
}

// Roots of intercommunicator collectives: MPI_ROOT, MPI_PROC_NULL or a rank
// of the remote group.
inline Status inter_root_ok(const Communicator& c, int root) {
  if (root == MPI_ROOT || root == MPI_PROC_NULL || (root >= 0 && root < c.remote_size())) return Status::ok();
  return Status(MPI_ERR_ROOT, "invalid root " + std::to_string(root) +
                                  " on an intercommunicator (MPI_ROOT, MPI_PROC_NULL or a rank of the remote "
                                  "group, of size " +
                                  std::to_string(c.remote_size()) + ")");
}
inline int inter_root(int root) {
  return root == MPI_ROOT ? coll::kInterRoot : root == MPI_PROC_NULL ? coll::kInterNone : root;
}

inline Status datatype(MPI_Datatype h, const char* what, dt::Type*& t) { return check_datatype(h, what, true, &t); }

// The checks below are inline, their messages built out of line (a small
// collective's call makes four of them).
[[gnu::cold, gnu::noinline]] inline Status count_error(std::int64_t n, const char* what) {
  return Status(MPI_ERR_COUNT, std::string(what) + " must be non-negative (got " + std::to_string(n) + ")");
}
inline Status count_ok(std::int64_t n, const char* what) {
  if (n >= 0) [[likely]] return Status::ok();
  return count_error(n, what);
}

[[gnu::cold, gnu::noinline]] inline Status root_error(const Communicator& c, int root) {
  return Status(MPI_ERR_ROOT, "invalid root " + std::to_string(root) + " (communicator size " +
                                  std::to_string(c.local_size()) + ")");
}
inline Status root_ok(const Communicator& c, int root) {
  if (root >= 0 && root < c.local_size()) [[likely]] return Status::ok();
  return root_error(c, root);
}

// A process's part in a rooted collective (gather, scatter), intra or inter:
// `peers` blocks at the root, whether this process is the root, and whether it
// contributes or receives a block of its own (on an intercommunicator only the
// side opposite the root does; MPI_PROC_NULL processes take no part).
struct RootedRole {
  bool inter = false;
  int peers = 0;
  bool is_root = false;
  bool has_block = false;
};
inline Status rooted_role(const Communicator& c, int root, RootedRole& out) {
  out.inter = c.is_inter();
  if (Status st = out.inter ? inter_root_ok(c, root) : root_ok(c, root); !st) return st;
  out.peers = out.inter ? c.remote_size() : c.local_size();
  out.is_root = out.inter ? root == MPI_ROOT : c.rank() == root;
  out.has_block = out.inter ? root >= 0 : true;
  return Status::ok();
}

[[gnu::cold, gnu::noinline]] inline Status buffer_error(const void* buf, std::int64_t count, const char* what) {
  if (buf == MPI_IN_PLACE) return Status(MPI_ERR_BUFFER, std::string(what) + " may not be MPI_IN_PLACE here");
  return Status(MPI_ERR_BUFFER, std::string(what) + " is NULL but count is " + std::to_string(count));
}
inline Status buffer_ok(const void* buf, std::int64_t count, MPI_Datatype h, const dt::Type* t, const char* what) {
  if (buf == MPI_IN_PLACE ||
      (buf == nullptr && count > 0 && t->size() > 0 && t->is_predefined() && h != MPI_DATATYPE_NULL)) [[unlikely]]
    return buffer_error(buf, count, what);
  return Status::ok();
}

inline Status array_ok(const void* a, const char* what) { return a != nullptr ? Status::ok() : null_arg(what); }

inline std::unique_ptr<coll::Schedule> schedule(Communicator& c, MPI_Comm h) {
  auto s = std::make_unique<coll::Schedule>(c, next_tag(h));
  if (deferring_build()) s->set_deferred(true);
  return s;
}

inline std::byte* first(const Staged& st) { return st.origin + (st.displs.empty() ? 0 : st.displs[0]); }

}  // namespace parley::c::coll_stage
