// Collective communication on the C ABI (MPI-4.0 chapter 6): the blocking
// and nonblocking forms on intracommunicators. Each entry point checks its
// arguments, stages the user's buffers into contiguous blocks
// (coll_stage.hpp), builds the algorithm's schedule (runtime/coll) and runs
// it, or hands it back as a request.
#include <mpi.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coll/algorithms.hpp"
#include "coll/shm.hpp"
#include "coll_stage.hpp"
#include "datatype/pack.hpp"
#include "op/op_handles.hpp"
#include "op/predefined_types.hpp"
#include "pt2pt_args.hpp"
#include "request_table.hpp"

using parley::Communicator;
using parley::Runtime;
using parley::Status;
using parley::c::report;
namespace coll = parley::coll;
namespace dt = parley::dt;
namespace op = parley::op;

namespace parley::c::coll_stage {
namespace {

struct CommSeq {
  std::uint32_t next = 0;
  // The shared-memory team, made at the first collective that wants it.
  enum class Shm : std::uint8_t { untried, ready, unavailable } shm = Shm::untried;
  std::unique_ptr<coll::shm::Team> team;
  // Per collective, once the team is ready: whether every size up to
  // kSmallTeam bytes takes the team (1), or not (2), 0 not asked yet
  // (team_for's fast path: the full decision is 120 of a small bcast's
  // 650 instructions).
  std::array<std::int8_t, static_cast<std::size_t>(coll::Collective::count_)> small_team{};
  // The persistent collectives whose schedules are kept on this
  // communicator: told when it is freed (their steps point into it).
  std::vector<std::shared_ptr<bool>> kept;
  // Each collective's tags: -1000 - 64 * (its number mod the wrap), the
  // wrap 2^24 (the lowest tag, about -2^30, stays an int) unless
  // PARLEY_COLL_TAG_WRAP (tests: the sequence comes round quickly) says less.
  int take_tag() {
    static const std::uint32_t wrap = [] {
      const char* e = std::getenv("PARLEY_COLL_TAG_WRAP");
      const unsigned long long v = e != nullptr ? std::strtoull(e, nullptr, 10) : 0;
      return v >= 2 && v < (1u << 24) ? static_cast<std::uint32_t>(v) : (1u << 24);
    }();
    const std::uint32_t seq = next;
    next = next + 1 == wrap ? 0 : next + 1;
    return -1000 - static_cast<int>(seq) * coll::kTagsPerCollective;
  }
  CommSeq() = default;
  CommSeq(const CommSeq&) = delete;
  CommSeq& operator=(const CommSeq&) = delete;
  ~CommSeq() {
    for (auto& alive : kept) *alive = false;
  }
};

int delete_seq(MPI_Comm, int, void* value, void*) {
  delete static_cast<CommSeq*>(value);
  return MPI_SUCCESS;
}

int seq_keyval = MPI_KEYVAL_INVALID;

bool is_contiguous(const Block& b) { return b.count == 0 || b.type->size() == 0 || b.type->is_contiguous(); }

const std::byte* start_of(const Block& b) {
  return static_cast<const std::byte*>(b.base) + b.byte_disp + (b.bytes() ? b.type->true_lb() : 0);
}

// Blocks that are all contiguous stay where they are: origin is the lowest
// start, so every displacement is non-negative.
bool stage_in_place(const std::vector<Block>& blocks, Staged& out) {
  for (const Block& b : blocks)
    if (!is_contiguous(b)) return false;
  const std::byte* lowest = nullptr;
  for (const Block& b : blocks)
    if (b.bytes() > 0 && (lowest == nullptr || start_of(b) < lowest)) lowest = start_of(b);
  out.origin = const_cast<std::byte*>(lowest);
  out.bytes.resize(blocks.size());
  out.displs.assign(blocks.size(), 0);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    out.bytes[i] = blocks[i].bytes();
    if (out.bytes[i] > 0) out.displs[i] = static_cast<std::size_t>(start_of(blocks[i]) - lowest);
  }
  return true;
}

void stage_scratch(coll::Schedule& s, const std::vector<Block>& blocks, Staged& out) {
  out.bytes.resize(blocks.size());
  out.displs.resize(blocks.size());
  std::size_t total = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    out.bytes[i] = blocks[i].bytes();
    out.displs[i] = total;
    total += out.bytes[i];
  }
  out.origin = s.scratch(total);
  out.scratch = true;
}

// The single kind every basic element of t has, if any.
std::optional<dt::BasicKind> leaf_kind(const dt::Type* t, bool& mixed) {
  if (t->is_predefined()) return t->basic_kind();
  std::optional<dt::BasicKind> k;
  for (const dt::Type* child : t->contents_types()) {
    std::optional<dt::BasicKind> ck = leaf_kind(child, mixed);
    if (!ck) continue;
    if (k && *k != *ck) mixed = true;
    k = ck;
  }
  return k;
}

}  // namespace

namespace {

CommSeq& seq_of(MPI_Comm comm) {
  if (seq_keyval == MPI_KEYVAL_INVALID)
    (void)PMPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, delete_seq, &seq_keyval, nullptr);
  void* value = nullptr;
  int flag = 0;
  (void)PMPI_Comm_get_attr(comm, seq_keyval, &value, &flag);
  if (!flag) {
    value = new CommSeq;
    (void)PMPI_Comm_set_attr(comm, seq_keyval, value);
  }
  return *static_cast<CommSeq*>(value);
}

}  // namespace

// Below the internal tags of the communicator constructors (-100..-103);
// each collective owns kTagsPerCollective tags.
int next_tag(MPI_Comm comm) { return seq_of(comm).take_tag(); }

// next_tag without MPI_Comm_get_attr (we are inside an MPI call on c).
int take_tag_of(MPI_Comm comm, Communicator& c) {
  for (const auto& [k, v] : c.attributes())
    if (k == seq_keyval) return static_cast<CommSeq*>(v)->take_tag();
  return next_tag(comm);
}

// A direct team call that some ranks may make while others build a
// schedule for the same collective (the choice depends on each rank's own
// datatypes) uses up the schedule's tag too: otherwise the ranks' tag
// counters drift apart and their next tagged collective never matches.
void skip_schedule_tag(MPI_Comm comm, Communicator& c) { (void)take_tag_of(comm, c); }

coll::shm::Team* shm_team(MPI_Comm comm, Communicator& c) {
  // Once made, the team is found straight in the communicator's attribute
  // list (we are inside an MPI call on c): MPI_Comm_get_attr's checks and
  // handle lookup were 400 of a 2-rank bcast's 920 instructions.
  if (seq_keyval != MPI_KEYVAL_INVALID)
    for (const auto& [k, v] : c.attributes())
      if (k == seq_keyval) {
        auto* known = static_cast<CommSeq*>(v);
        if (known->shm != CommSeq::Shm::untried) return known->team.get();
        break;
      }
  CommSeq& seq = seq_of(comm);
  if (seq.shm == CommSeq::Shm::untried) {
    if (coll::shm::eligible(c)) {
      const int tag_name = seq.take_tag();
      const int tag_ack = seq.take_tag();
      seq.team = coll::shm::Team::create(c, tag_name, tag_ack);
    }
    seq.shm = seq.team ? CommSeq::Shm::ready : CommSeq::Shm::unavailable;
  }
  return seq.team.get();
}

namespace {
// Packs blocks[i] (every block when i == SIZE_MAX) into st when the
// schedule starts, and again at every restart of a persistent one (the
// user's data then is that start's); the types are kept until the schedule
// goes.
void pack_at_start(coll::Schedule& s, const std::vector<Block>& blocks, const Staged& st, std::size_t i) {
  std::vector<Block> bs;
  std::vector<std::byte*> dst;
  std::vector<std::size_t> bytes;
  for (std::size_t j = 0; j < blocks.size(); ++j) {
    if ((i != SIZE_MAX && j != i) || st.bytes[j] == 0) continue;
    bs.push_back(blocks[j]);
    dst.push_back(st.at(j));
    bytes.push_back(st.bytes[j]);
    blocks[j].type->retain();
    s.at_exit([t = blocks[j].type] { t->release(); });
  }
  if (bs.empty()) return;
  s.at_start([bs = std::move(bs), dst = std::move(dst), bytes = std::move(bytes)] {
    for (std::size_t j = 0; j < bs.size(); ++j)
      dt::pack(static_cast<const std::byte*>(bs[j].base) + bs[j].byte_disp, bs[j].count, *bs[j].type, 0, dst[j],
               bytes[j]);
  });
}
}  // namespace

void pack_block(coll::Schedule& s, const std::vector<Block>& blocks, const Staged& st, std::size_t i) {
  pack_at_start(s, blocks, st, i);
}

Staged stage_in(coll::Schedule& s, const std::vector<Block>& blocks, bool copy) {
  Staged out;
  if (!copy && stage_in_place(blocks, out)) return out;
  stage_scratch(s, blocks, out);
  pack_at_start(s, blocks, out, SIZE_MAX);
  return out;
}

Staged stage_out(coll::Schedule& s, const std::vector<Block>& blocks) {
  Staged out;
  if (stage_in_place(blocks, out)) return out;
  stage_scratch(s, blocks, out);
  return out;
}

void finish_out(coll::Schedule& s, const std::vector<Block>& blocks, const Staged& st) {
  bool in_place = true;
  for (const Block& b : blocks) in_place &= is_contiguous(b);
  if (in_place) return;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const Block b = blocks[i];
    if (st.bytes[i] == 0) continue;
    b.type->retain();
    s.at_exit([t = b.type] { t->release(); });
    std::byte* src = st.at(i);
    const std::size_t bytes = st.bytes[i];
    s.call([b, src, bytes] {
      dt::unpack(src, bytes, const_cast<std::byte*>(static_cast<const std::byte*>(b.base)) + b.byte_disp, b.count,
                 *b.type, 0);
      return Status::ok();
    });
  }
  s.fence();
}

std::vector<Block> uniform(const void* buf, int n, std::int64_t count, dt::Type* t) {
  std::vector<Block> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = Block{buf, count, t, i * count * t->extent()};
  return v;
}

std::vector<Block> varying(const void* buf, int n, const int* counts, const int* displs, dt::Type* t) {
  std::vector<Block> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    v[static_cast<std::size_t>(i)] = Block{buf, counts[i], t, static_cast<std::int64_t>(displs[i]) * t->extent()};
  return v;
}

// The n blocks of a gather/scatter/allgather/alltoall buffer, checked: the v
// forms give per-rank counts and displacements (names like "recvcounts"),
// the others one count for every rank.
Status checked_blocks(bool varying_form, const void* buf, int n, int count, const int* counts, const int* displs,
                      dt::Type* t, const char* count_name, const char* counts_name, const char* displs_name,
                      std::vector<Block>& out) {
  if (!varying_form) {
    if (Status st = count_ok(count, count_name); !st) return st;
    out = uniform(buf, n, count, t);
    return Status::ok();
  }
  if (Status st = array_ok(counts, counts_name); !st) return st;
  if (Status st = array_ok(displs, displs_name); !st) return st;
  const std::string each = std::string(counts_name) + "[i]";
  for (int i = 0; i < n; ++i)
    if (Status st = count_ok(counts[i], each.c_str()); !st) return st;
  out = varying(buf, n, counts, displs, t);
  return Status::ok();
}

Status setup_reducer(coll::Reducer& r, ReduceHolds& holds, MPI_Op op_handle, MPI_Datatype type_handle, dt::Type* t,
                      ReduceSetup& out) {
  op::Op* o = op::acquire_op(op_handle);
  if (o == nullptr)
    return Status(MPI_ERR_OP, op_handle == MPI_OP_NULL ? "op is MPI_OP_NULL" : "invalid op handle");
  holds.op = o;
  r.op = o;
  if (std::optional<op::ElementType> et = op::predefined_element_type(type_handle)) {
    r.element = *et;
    out.item_bytes = et->extent;
    out.packed = false;
  } else {
    bool mixed = false;
    std::optional<dt::BasicKind> k = leaf_kind(t, mixed);
    const bool contiguous = t->is_contiguous();
    out.packed = !contiguous;
    out.item_bytes = static_cast<std::size_t>(t->size());
    r.element.handle = type_handle;
    r.element.extent = static_cast<std::size_t>(t->extent());
    r.element.basic = k ? *k : dt::BasicKind{};
    r.element.basic_per_item =
        (k && !mixed && dt::kind_size(*k) > 0) ? static_cast<std::size_t>(t->size()) / dt::kind_size(*k) : 0;
    if (o->is_predefined() && out.packed && k && dt::is_pair(*k))
      return Status(MPI_ERR_TYPE, "predefined reduction ops on noncontiguous derived types of pair types are not "
                                  "supported yet");
    if (!o->is_predefined() && out.packed) {
      t->retain();
      holds.type = t;
      r.unpacked_type = t;
    }
  }
  if (o->is_predefined()) {
    if (r.element.basic_per_item == 0)
      return Status(MPI_ERR_OP, std::string(o->name()) + " is not defined for a datatype of mixed basic types");
    if (Status st = op::check(*o, r.element); !st) return st;
  }
  return Status::ok();
}

Status setup_reduce(coll::Schedule& s, MPI_Op op_handle, MPI_Datatype type_handle, dt::Type* t, ReduceSetup& out) {
  ReduceHolds holds;
  Status st = setup_reducer(s.reducer(), holds, op_handle, type_handle, t, out);
  if (holds.op != nullptr) s.at_exit([o = holds.op] { o->release(); });
  if (holds.type != nullptr) s.at_exit([ty = holds.type] { ty->release(); });
  holds.op = nullptr;
  holds.type = nullptr;
  return st;
}

ReduceHolds::~ReduceHolds() {
  if (op != nullptr) op->release();
  if (type != nullptr) type->release();
}

std::byte* reduce_in(coll::Schedule& s, const ReduceSetup& rs, const void* buf, std::int64_t count, dt::Type* t) {
  if (!rs.packed) return const_cast<std::byte*>(static_cast<const std::byte*>(buf)) + (count ? t->true_lb() : 0);
  const auto bytes = static_cast<std::size_t>(count) * rs.item_bytes;
  std::byte* w = s.scratch(bytes);
  // At the start (and every restart of a persistent collective).
  t->retain();
  s.at_exit([t] { t->release(); });
  s.at_start([=] { dt::pack(buf, count, *t, 0, w, bytes); });
  return w;
}

std::byte* reduce_out(coll::Schedule& s, const ReduceSetup& rs, void* buf, std::int64_t count, dt::Type* t) {
  if (!rs.packed) return static_cast<std::byte*>(buf) + (count ? t->true_lb() : 0);
  return s.scratch(static_cast<std::size_t>(count) * rs.item_bytes);
}

void reduce_finish(coll::Schedule& s, const ReduceSetup& rs, std::byte* work, void* buf, std::int64_t count,
                   dt::Type* t) {
  if (!rs.packed || count == 0) return;
  t->retain();
  s.at_exit([t] { t->release(); });
  const std::size_t bytes = static_cast<std::size_t>(count) * rs.item_bytes;
  s.call([=] {
    dt::unpack(work, bytes, buf, count, *t, 0);
    return Status::ok();
  });
  s.fence();
}

namespace {
PersistentSchedule* building = nullptr;  // BuildPersistent's slot (under the API lock)
const char* building_init = nullptr;     // its MPI_X_init's name when only building

// The nonblocking start of a schedule that stays in slot.schedule.
int start_kept(PersistentSchedule& slot, MPI_Request* request) {
  Engine& engine = Runtime::get().engine();
  std::shared_ptr<coll::Schedule> s = slot.schedule;
  p2p::Request* r = engine.alloc_request();
  r->kind = p2p::RequestKind::generalized;
  r->active = true;
  r->comm = slot.c;
  *request = requests().insert(r);
  if (!coll::engine_drives_schedules() || s->advance()) {
    Status st = s->run_blocking();
    r->complete = true;
    r->status.error = st.error_class();
    return st ? MPI_SUCCESS : report(slot.fn, slot.comm, st);
  }
  // The running schedule keeps itself alive (the persistent request may be
  // freed while it runs); progress_all drops this closure once it is done.
  s->on_complete = [r, keep = s](coll::Schedule* done) {
    r->status.error = done->status().error_class();
    r->complete = true;
    if (r->user_freed) {
      requests().erase(r->handle);
      Runtime::get().engine().free_request(r);
    }
  };
  coll::enlist(s.get());
  return MPI_SUCCESS;
}
}  // namespace

BuildPersistent::BuildPersistent(PersistentSchedule& slot, const char* init_fn)
    : previous_(building), previous_init_(building_init) {
  building = &slot;
  building_init = init_fn;
}
BuildPersistent::~BuildPersistent() {
  building = previous_;
  building_init = previous_init_;
}

const char* call_name(const char* fn) { return building_init != nullptr ? building_init : fn; }
bool deferring_build() { return building != nullptr && building_init != nullptr; }

int restart(PersistentSchedule& slot, MPI_Request* request) {
  if (!*slot.comm_alive)
    return report("MPI_Start", MPI_COMM_WORLD,
                  Status(MPI_ERR_COMM, std::string("the communicator of this persistent collective (") + slot.fn +
                                           ") has been freed"));
  // A fresh tag at every start, taken in the same order everywhere (all
  // ranks start persistent collectives in the same order): a kept tag would
  // come round again after the sequence's wrap and could meet a new
  // collective's messages while both run.
  slot.schedule->restart(take_tag_of(slot.comm, *slot.c));
  return start_kept(slot, request);
}

int start(const char* fn, MPI_Comm comm, Communicator* c, std::unique_ptr<coll::Schedule> s, MPI_Request* request) {
  Engine& engine = Runtime::get().engine();
  const bool only_build = deferring_build();
  if (request != nullptr && only_build && !s->restartable()) {
    // Not kept (none of the builders makes such a schedule): dropped
    // unstarted, built again at the first start (every rank alike).
    building = nullptr;
    building_init = nullptr;
    *request = MPI_REQUEST_NULL;
    return MPI_SUCCESS;
  }
  if (request != nullptr && building != nullptr && s->restartable()) {
    // A persistent collective's init (only_build: the first MPI_Start runs
    // it through restart()) or first start: the schedule is kept for the
    // later ones (every rank decides alike: every schedule the builders
    // make is restartable, team steps included).
    PersistentSchedule& slot = *building;
    building = nullptr;  // a collective the builder might start itself is not this one
    building_init = nullptr;
    slot.schedule = std::shared_ptr<coll::Schedule>(s.release());
    slot.fn = fn;
    slot.comm = comm;
    slot.c = c;
    slot.comm_alive = std::make_shared<bool>(true);
    std::vector<std::shared_ptr<bool>>& kept = seq_of(comm).kept;
    std::erase_if(kept, [](const std::shared_ptr<bool>& a) { return a.use_count() == 1; });  // requests freed
    kept.push_back(slot.comm_alive);
    if (only_build) {
      *request = MPI_REQUEST_NULL;
      return MPI_SUCCESS;
    }
    return start_kept(slot, request);
  }
  if (request == nullptr) {
    Runtime::get().set_current_call(fn);
    Status st = s->run_blocking();
    Runtime::get().set_current_call(nullptr);
    return st ? MPI_SUCCESS : report(fn, comm, st);
  }
  // A generalized-kind request without callbacks: MPI_Wait/Test see it
  // complete once the schedule is.
  p2p::Request* r = engine.alloc_request();
  r->kind = p2p::RequestKind::generalized;
  r->active = true;
  r->comm = c;
  *request = requests().insert(r);
  if (!coll::engine_drives_schedules() || s->advance()) {
    Status st = s->run_blocking();
    r->complete = true;
    r->status.error = st.error_class();
    return st ? MPI_SUCCESS : report(fn, comm, st);
  }
  coll::Schedule* raw = s.release();
  raw->on_complete = [r](coll::Schedule* done) {
    r->status.error = done->status().error_class();
    r->complete = true;
    delete done;
    if (r->user_freed) {
      requests().erase(r->handle);
      Runtime::get().engine().free_request(r);
    }
  };
  coll::enlist(raw);
  return MPI_SUCCESS;
}

}  // namespace parley::c::coll_stage

// ---------------------------------------------------------------------------
// Entry points. Each body takes request == nullptr for the blocking form.

namespace {

using namespace parley::c::coll_stage;
using parley::c::check_datatype;
using parley::c::invalid_comm;
using parley::c::lookup_comm;
using parley::c::null_arg;
using parley::c::require_initialized;

#define COLL_TRY(expr)                                         \
  do {                                                         \
    if (Status coll_st_ = (expr); !coll_st_) return report(call_name(fn), comm, coll_st_); \
  } while (0)

// Blocking collectives whose block (the same on every rank) prefers the
// shared-memory team run their data movement on it (coll::Schedule::set_team).
// The team, when a blocking `which` of `bytes` runs on it (the same answer
// on every rank): the sizes that only its CMA form takes make the team first
// (a collective step every rank takes alike) to learn whether CMA works.
coll::shm::Team* team_for(MPI_Comm comm, Communicator& c, coll::Collective which, std::size_t bytes) {
  // Every crossover to point-to-point lies above kSmallTeam and a forced
  // algorithm holds at every size, so the answer at kSmallTeam is the
  // answer at every smaller size (asked once per communicator).
  constexpr std::size_t kSmallTeam = 4096;
  if (bytes <= kSmallTeam && seq_keyval != MPI_KEYVAL_INVALID) {
    for (const auto& [k, v] : c.attributes())
      if (k == seq_keyval) {
        auto* known = static_cast<CommSeq*>(v);
        if (known->shm != CommSeq::Shm::ready) break;
        std::int8_t& small = known->small_team[static_cast<std::size_t>(which)];
        if (small == 0) {
          const int n = c.local_size();
          small = coll::prefer_shm(which, kSmallTeam, n, true) &&
                          (known->team->cma() || coll::prefer_shm(which, kSmallTeam, n, false))
                      ? 1
                      : 2;
        }
        if (small == 1) return known->team.get();
        break;
      }
  }
  const int n = c.local_size();
  if (c.is_inter() || n < 2 || !coll::prefer_shm(which, bytes, n, true)) return nullptr;
  coll::shm::Team* team = shm_team(comm, c);
  if (team != nullptr && !team->cma() && !coll::prefer_shm(which, bytes, n, false)) return nullptr;
  return team;
}

// The team a nonblocking `which` of `bytes` runs on: only one made already
// (making it is a blocking collective step) and only while the engine
// advances schedules itself (the team step completes in the background).
// The same answer on every rank: the team is made at the same point of the
// collective sequence everywhere.
coll::shm::Team* team_nonblocking(Communicator& c, coll::Collective which, std::size_t bytes) {
  const int n = c.local_size();
  if (c.is_inter() || n < 2 || seq_keyval == MPI_KEYVAL_INVALID || bytes > coll::shm::Team::kMail) return nullptr;
  coll::shm::Team* team = nullptr;
  for (const auto& [k, v] : c.attributes())
    if (k == seq_keyval) team = static_cast<CommSeq*>(v)->team.get();
  if (team == nullptr || !coll::engine_drives_schedules() || !coll::prefer_shm(which, bytes, n, team->cma()))
    return nullptr;
  return team;
}

void offer_team(coll::Schedule& s, MPI_Comm comm, Communicator& c, coll::Collective which, std::size_t block,
                const MPI_Request* request) {
  if (request == nullptr) s.set_team(team_for(comm, c, which, block));
}

int barrier(const char* fn, MPI_Comm comm, MPI_Request* request) {
  Communicator* c = nullptr;
  COLL_TRY(any_comm(comm, c));
  if (c->is_inter()) {
    auto s = schedule(*c, comm);
    coll::inter_barrier(*s);
    return start(fn, comm, c, std::move(s), request);
  }
  if (request == nullptr) {
    if (coll::shm::Team* team = team_for(comm, *c, coll::Collective::barrier, 0)) {
      Runtime::get().set_current_call(fn);
      team->barrier();
      Runtime::get().set_current_call(nullptr);
      return MPI_SUCCESS;
    }
  }
  auto s = schedule(*c, comm);
  if (coll::shm::Team* team = request != nullptr ? team_nonblocking(*c, coll::Collective::barrier, 0) : nullptr)
    team->ibarrier(*s);
  else
    coll::barrier(*s);
  return start(fn, comm, c, std::move(s), request);
}

int bcast(const char* fn, void* buf, std::int64_t count, MPI_Datatype type, int root, MPI_Comm comm,
          MPI_Request* request) {
  Communicator* c = nullptr;
  dt::Type* t = nullptr;
  COLL_TRY(any_comm(comm, c));
  if (c->is_inter()) {
    COLL_TRY(inter_root_ok(*c, root));
    auto s = schedule(*c, comm);
    if (root != MPI_PROC_NULL) {
      COLL_TRY(count_ok(count, "count"));
      COLL_TRY(datatype(type, "datatype", t));
      COLL_TRY(buffer_ok(buf, count, type, t, "buffer"));
      const std::vector<Block> blocks = uniform(buf, 1, count, t);
      const bool is_root = root == MPI_ROOT;
      Staged st = is_root ? stage_in(*s, blocks) : stage_out(*s, blocks);
      coll::inter_bcast(*s, first(st), st.bytes[0], inter_root(root));
      if (!is_root) finish_out(*s, blocks, st);
    }
    return start(fn, comm, c, std::move(s), request);
  }
  COLL_TRY(count_ok(count, "count"));
  COLL_TRY(datatype(type, "datatype", t));
  COLL_TRY(root_ok(*c, root));
  COLL_TRY(buffer_ok(buf, count, type, t, "buffer"));
  const auto bytes = static_cast<std::size_t>(count * t->size());
  // The path depends on the byte count only (the datatypes of the ranks may
  // differ in layout): noncontiguous data goes through a packed copy.
  if (request == nullptr) {
    if (coll::shm::Team* team = team_for(comm, *c, coll::Collective::bcast, bytes)) {
      if (bytes == 0) return MPI_SUCCESS;
      Runtime::get().set_current_call(fn);
      Status st;
      if (t->is_contiguous()) {
        st = team->bcast(static_cast<std::byte*>(buf) + t->true_lb(), bytes, root);
      } else {
        std::vector<std::byte> packed(bytes);
        if (c->rank() == root) dt::pack(buf, count, *t, 0, packed.data(), bytes);
        st = team->bcast(packed.data(), bytes, root);
        if (st && c->rank() != root) dt::unpack(packed.data(), bytes, buf, count, *t, 0);
      }
      Runtime::get().set_current_call(nullptr);
      return st ? MPI_SUCCESS : report(fn, comm, st);
    }
  }
  auto s = schedule(*c, comm);
  const std::vector<Block> blocks = uniform(buf, 1, count, t);
  const bool is_root = c->rank() == root;
  Staged st = is_root ? stage_in(*s, blocks) : stage_out(*s, blocks);
  coll::shm::Team* team = request != nullptr && bytes > 0 ? team_nonblocking(*c, coll::Collective::bcast, bytes) : nullptr;
  if (team != nullptr) team->ibcast(*s, first(st), st.bytes[0], root);
  else coll::bcast(*s, first(st), st.bytes[0], root);
  if (!is_root) finish_out(*s, blocks, st);
  return start(fn, comm, c, std::move(s), request);
}

// Gather and gatherv: recv_counts == nullptr means uniform blocks.
int gather(const char* fn, const void* sbuf, int scount, MPI_Datatype stype, void* rbuf, int rcount,
           const int* rcounts, const int* rdispls, MPI_Datatype rtype, int root, MPI_Comm comm,
           MPI_Request* request, bool varying_form) {
  Communicator* c = nullptr;
  COLL_TRY(any_comm(comm, c));
  RootedRole role;
  COLL_TRY(rooted_role(*c, root, role));
  const bool inter = role.inter, is_root = role.is_root, sends = role.has_block;
  const int n = role.peers;
  const bool in_place = !inter && is_root && sbuf == MPI_IN_PLACE;
  dt::Type* st_type = nullptr;
  dt::Type* rt = nullptr;
  if (sends && !in_place) {
    COLL_TRY(count_ok(scount, "sendcount"));
    COLL_TRY(datatype(stype, "sendtype", st_type));
    COLL_TRY(buffer_ok(sbuf, scount, stype, st_type, "sendbuf"));
  }
  std::vector<Block> rblocks;
  if (is_root) {
    COLL_TRY(datatype(rtype, "recvtype", rt));
    COLL_TRY(checked_blocks(varying_form, rbuf, n, rcount, rcounts, rdispls, rt, "recvcount", "recvcounts", "displs",
                            rblocks));
  }
  // Blocking MPI_Gatherv on a team with CMA: one team step (Team::gatherv;
  // the same choice on every rank, which knows only its own block), called
  // directly when this rank's buffers are contiguous, else from the
  // schedule between its staging steps.
  coll::shm::Team* vteam = nullptr;
  if (request == nullptr && !inter && varying_form && n > 1 && n <= coll::shm::Team::kMaxRanks) {
    vteam = team_for(comm, *c, coll::Collective::gather, 0);
    if (vteam != nullptr && !vteam->cma()) vteam = nullptr;
  }
  if (vteam != nullptr) {
    Staged rs;
    const bool send_ok = in_place || scount == 0 || st_type->size() == 0 || st_type->is_contiguous();
    if (send_ok && (!is_root || stage_in_place(rblocks, rs))) {
      const std::size_t mine =
          in_place ? 0 : static_cast<std::size_t>(scount) * static_cast<std::size_t>(st_type->size());
      const void* send = in_place || mine == 0 ? nullptr : static_cast<const std::byte*>(sbuf) + st_type->true_lb();
      skip_schedule_tag(comm, *c);
      Runtime::get().set_current_call(fn);
      Status st = vteam->gatherv(send, mine, rs.origin, is_root ? rs.bytes.data() : nullptr,
                                 is_root ? rs.displs.data() : nullptr, root);
      Runtime::get().set_current_call(nullptr);
      return st ? MPI_SUCCESS : report(fn, comm, st);
    }
  }
  // Contiguous blocks on the team skip the schedule, as in scatter().
  if (request == nullptr && !inter && !varying_form && n > 1 && n <= coll::shm::Team::kMaxRanks) {
    const bool mine_ok = is_root ? rcount > 0 && rt->size() > 0 && rt->is_contiguous() &&
                                       (in_place || st_type->is_contiguous())
                                 : scount > 0 && st_type->size() > 0 && st_type->is_contiguous();
    const std::size_t block = is_root ? static_cast<std::size_t>(rcount) * static_cast<std::size_t>(rt->size())
                                      : static_cast<std::size_t>(scount) * static_cast<std::size_t>(st_type->size());
    if (mine_ok)
      if (coll::shm::Team* team = team_for(comm, *c, coll::Collective::gather, block)) {
        std::array<std::size_t, coll::shm::Team::kMaxRanks> displs;
        for (int i = 0; i < n; ++i) displs[static_cast<std::size_t>(i)] = static_cast<std::size_t>(i) * block;
        const void* send = in_place ? nullptr : static_cast<const std::byte*>(sbuf) + st_type->true_lb();
        void* recv = is_root ? static_cast<std::byte*>(rbuf) + rt->true_lb() : nullptr;
        skip_schedule_tag(comm, *c);
        Runtime::get().set_current_call(fn);
        Status st = team->gather(send, block, recv, displs.data(), root);
        Runtime::get().set_current_call(nullptr);
        return st ? MPI_SUCCESS : report(fn, comm, st);
      }
  }
  auto s = schedule(*c, comm);
  const void* send = nullptr;
  std::size_t sbytes = 0;
  if (sends && !in_place) {
    Staged ss = stage_in(*s, uniform(sbuf, 1, scount, st_type));
    send = first(ss);
    sbytes = ss.bytes[0];
  }
  if (!varying_form && !inter)
    offer_team(*s, comm, *c, coll::Collective::gather, is_root ? rblocks[static_cast<std::size_t>(root)].bytes() : sbytes,
               request);
  if (inter) {
    if (is_root) {
      Staged rs = stage_out(*s, rblocks);
      coll::inter_gatherv(*s, nullptr, 0, rs.origin, rs.bytes.data(), rs.displs.data(), coll::kInterRoot);
      finish_out(*s, rblocks, rs);
    } else {
      coll::inter_gatherv(*s, send, sbytes, nullptr, nullptr, nullptr, inter_root(root));
    }
  }
  // Small nonblocking uniform ones on the team (a block within a mailbox;
  // the block's size is the same on every rank).
  const std::size_t block = inter ? 0 : is_root ? rblocks[static_cast<std::size_t>(root)].bytes() : sbytes;
  coll::shm::Team* team = request != nullptr && !varying_form && block > 0
                              ? team_nonblocking(*c, coll::Collective::gather, block)
                              : nullptr;
  if (inter) {
    // done above
  } else if (is_root) {
    Staged rs = stage_out(*s, rblocks);
    if (in_place && rs.scratch) pack_block(*s, rblocks, rs, static_cast<std::size_t>(root));
    if (vteam != nullptr) {
      s->fence();
      s->call([vteam, send, sbytes, origin = rs.origin, bytes = rs.bytes, displs = rs.displs, root] {
        return vteam->gatherv(send, sbytes, origin, bytes.data(), displs.data(), root);
      });
      s->fence();
    } else if (team != nullptr) {
      team->igather(*s, send, block, rs.origin, rs.displs.data(), root);
    } else {
      coll::gatherv(*s, send, sbytes, rs.origin, rs.bytes.data(), rs.displs.data(), root);
    }
    finish_out(*s, rblocks, rs);
  } else {
    if (vteam != nullptr) {
      s->fence();
      s->call([vteam, send, sbytes, root] { return vteam->gatherv(send, sbytes, nullptr, nullptr, nullptr, root); });
      s->fence();
    } else if (team != nullptr) {
      team->igather(*s, send, block, nullptr, nullptr, root);
    } else {
      coll::gatherv(*s, send, sbytes, nullptr, nullptr, nullptr, root);
    }
  }
  return start(fn, comm, c, std::move(s), request);
}

int scatter(const char* fn, const void* sbuf, int scount, const int* scounts, const int* sdispls,
            MPI_Datatype stype, void* rbuf, int rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
            MPI_Request* request, bool varying_form) {
  Communicator* c = nullptr;
  COLL_TRY(any_comm(comm, c));
  RootedRole role;
  COLL_TRY(rooted_role(*c, root, role));
  const bool inter = role.inter, is_root = role.is_root, receives = role.has_block;
  const int n = role.peers;
  const bool in_place = !inter && is_root && rbuf == MPI_IN_PLACE;
  dt::Type* st_type = nullptr;
  dt::Type* rt = nullptr;
  if (receives && !in_place) {
    COLL_TRY(count_ok(rcount, "recvcount"));
    COLL_TRY(datatype(rtype, "recvtype", rt));
    COLL_TRY(buffer_ok(rbuf, rcount, rtype, rt, "recvbuf"));
  }
  std::vector<Block> sblocks;
  if (is_root) {
    COLL_TRY(datatype(stype, "sendtype", st_type));
    COLL_TRY(checked_blocks(varying_form, sbuf, n, scount, scounts, sdispls, st_type, "sendcount", "sendcounts",
                            "displs", sblocks));
  }
  // Blocking MPI_Scatterv on a team with CMA: one team step
  // (Team::scatterv), as gatherv in gather().
  coll::shm::Team* vteam = nullptr;
  if (request == nullptr && !inter && varying_form && n > 1 && n <= coll::shm::Team::kMaxRanks) {
    vteam = team_for(comm, *c, coll::Collective::scatter, 0);
    if (vteam != nullptr && !vteam->cma()) vteam = nullptr;
  }
  if (vteam != nullptr) {
    Staged ss;
    const bool recv_ok = in_place || rcount == 0 || rt->size() == 0 || rt->is_contiguous();
    if (recv_ok && (!is_root || stage_in_place(sblocks, ss))) {
      const std::size_t mine = in_place ? 0 : static_cast<std::size_t>(rcount) * static_cast<std::size_t>(rt->size());
      void* recv = in_place || mine == 0 ? nullptr : static_cast<std::byte*>(rbuf) + rt->true_lb();
      skip_schedule_tag(comm, *c);
      Runtime::get().set_current_call(fn);
      Status st = vteam->scatterv(ss.origin, is_root ? ss.bytes.data() : nullptr, is_root ? ss.displs.data() : nullptr,
                                  recv, mine, root);
      Runtime::get().set_current_call(nullptr);
      return st ? MPI_SUCCESS : report(fn, comm, st);
    }
  }
  // Contiguous blocks on the team skip the schedule and its staging (the
  // same team steps as through it: ranks may come either way).
  if (request == nullptr && !inter && !varying_form && n > 1 && n <= coll::shm::Team::kMaxRanks) {
    const bool mine_ok = is_root ? scount > 0 && st_type->size() > 0 && st_type->is_contiguous() &&
                                       (in_place || rt->is_contiguous())
                                 : rcount > 0 && rt->size() > 0 && rt->is_contiguous();
    const std::size_t block = is_root ? static_cast<std::size_t>(scount) * static_cast<std::size_t>(st_type->size())
                                      : static_cast<std::size_t>(rcount) * static_cast<std::size_t>(rt->size());
    if (mine_ok)
      if (coll::shm::Team* team = team_for(comm, *c, coll::Collective::scatter, block)) {
        std::array<std::size_t, coll::shm::Team::kMaxRanks> displs;
        for (int i = 0; i < n; ++i) displs[static_cast<std::size_t>(i)] = static_cast<std::size_t>(i) * block;
        const void* send = is_root ? static_cast<const std::byte*>(sbuf) + st_type->true_lb() : nullptr;
        void* recv = in_place ? nullptr : static_cast<std::byte*>(rbuf) + rt->true_lb();
        skip_schedule_tag(comm, *c);
        Runtime::get().set_current_call(fn);
        Status st = team->scatter(send, displs.data(), recv, block, root);
        Runtime::get().set_current_call(nullptr);
        return st ? MPI_SUCCESS : report(fn, comm, st);
      }
  }
  auto s = schedule(*c, comm);
  std::vector<Block> rblocks;
  Staged rs;
  const bool gets = receives && !in_place;
  if (gets) {
    rblocks = uniform(rbuf, 1, rcount, rt);
    rs = stage_out(*s, rblocks);
  }
  void* recv = gets ? first(rs) : nullptr;
  const std::size_t rbytes = gets ? rs.bytes[0] : 0;
  if (!varying_form && !inter)
    offer_team(*s, comm, *c, coll::Collective::scatter, is_root ? sblocks[static_cast<std::size_t>(root)].bytes() : rbytes,
               request);
  if (inter) {
    if (is_root) {
      Staged ss = stage_in(*s, sblocks);
      coll::inter_scatterv(*s, ss.origin, ss.bytes.data(), ss.displs.data(), nullptr, 0, coll::kInterRoot);
    } else {
      coll::inter_scatterv(*s, nullptr, nullptr, nullptr, recv, rbytes, inter_root(root));
    }
  }
  // Small nonblocking uniform ones on the team (the root's n - 1 blocks
  // within its mailbox; the block's size is the same on every rank).
  const std::size_t block = inter ? 0 : is_root ? sblocks[static_cast<std::size_t>(root)].bytes() : rbytes;
  const auto others = static_cast<std::size_t>(n > 1 ? n - 1 : 0);
  coll::shm::Team* team = request != nullptr && !varying_form && block > 0 && n > 1
                              ? team_nonblocking(*c, coll::Collective::scatter, others * block)
                              : nullptr;
  if (inter) {
    // done above
  } else if (is_root) {
    Staged ss = stage_in(*s, sblocks);
    if (vteam != nullptr) {
      s->fence();
      s->call([vteam, origin = ss.origin, bytes = ss.bytes, displs = ss.displs, recv, rbytes, root] {
        return vteam->scatterv(origin, bytes.data(), displs.data(), recv, rbytes, root);
      });
      s->fence();
    } else if (team != nullptr) {
      team->iscatter(*s, ss.origin, ss.displs.data(), recv, block, root);
    } else {
      coll::scatterv(*s, ss.origin, ss.bytes.data(), ss.displs.data(), recv, rbytes, root);
    }
  } else {
    if (vteam != nullptr) {
      s->fence();
      s->call([vteam, recv, rbytes, root] { return vteam->scatterv(nullptr, nullptr, nullptr, recv, rbytes, root); });
      s->fence();
    } else if (team != nullptr) {
      team->iscatter(*s, nullptr, nullptr, recv, block, root);
    } else {
      coll::scatterv(*s, nullptr, nullptr, nullptr, recv, rbytes, root);
    }
  }
  if (gets) finish_out(*s, rblocks, rs);
  return start(fn, comm, c, std::move(s), request);
}

int allgather(const char* fn, const void* sbuf, int scount, MPI_Datatype stype, void* rbuf, int rcount,
              const int* rcounts, const int* rdispls, MPI_Datatype rtype, MPI_Comm comm, MPI_Request* request,
              bool varying_form) {
  Communicator* c = nullptr;
  COLL_TRY(any_comm(comm, c));
  const bool inter = c->is_inter();
  const int n = inter ? c->remote_size() : c->local_size();
  const bool in_place = !inter && sbuf == MPI_IN_PLACE;
  dt::Type* st_type = nullptr;
  dt::Type* rt = nullptr;
  if (!in_place) {
    COLL_TRY(count_ok(scount, "sendcount"));
    COLL_TRY(datatype(stype, "sendtype", st_type));
    COLL_TRY(buffer_ok(sbuf, scount, stype, st_type, "sendbuf"));
  }
  COLL_TRY(datatype(rtype, "recvtype", rt));
  // MPI_Allgather of contiguous blocks on the team: no block lists at all
  // (the same team steps as below; at 2 ranks the lists' six allocations
  // cost as much as the team's exchange).
  if (!varying_form) COLL_TRY(count_ok(rcount, "recvcount"));
  if (request == nullptr && !inter && !varying_form && n > 1 && n <= coll::shm::Team::kMaxRanks && rcount > 0 &&
      rt->size() > 0 && rt->is_contiguous() && (in_place || st_type->is_contiguous())) {
    const auto block = static_cast<std::size_t>(rcount) * static_cast<std::size_t>(rt->size());
    if (coll::shm::Team* team = team_for(comm, *c, coll::Collective::allgather, block)) {
      std::array<std::size_t, coll::shm::Team::kMaxRanks> bytes, displs;
      for (int i = 0; i < n; ++i) {
        bytes[static_cast<std::size_t>(i)] = block;
        displs[static_cast<std::size_t>(i)] = static_cast<std::size_t>(i) * block;
      }
      const void* send = in_place ? nullptr : static_cast<const std::byte*>(sbuf) + st_type->true_lb();
      skip_schedule_tag(comm, *c);
      Runtime::get().set_current_call(fn);
      Status st = team->allgatherv(send, static_cast<std::byte*>(rbuf) + rt->true_lb(), bytes.data(), displs.data());
      Runtime::get().set_current_call(nullptr);
      return st ? MPI_SUCCESS : report(fn, comm, st);
    }
  }
  std::vector<Block> rblocks;
  COLL_TRY(checked_blocks(varying_form, rbuf, n, rcount, rcounts, rdispls, rt, "recvcount", "recvcounts", "displs",
                          rblocks));
  if (request == nullptr && !inter && n > 1) {
    // Contiguous blocks on the team skip the schedule (the same team steps
    // as through it, so ranks may differ in which way they come).
    Staged sd, rd;
    const std::vector<Block> sb = in_place ? std::vector<Block>{} : uniform(sbuf, 1, scount, st_type);
    if (stage_in_place(rblocks, rd) && (in_place || stage_in_place(sb, sd))) {
      if (coll::shm::Team* team = team_for(comm, *c, coll::Collective::allgather,
                                           *std::max_element(rd.bytes.begin(), rd.bytes.end()))) {
        skip_schedule_tag(comm, *c);
        Runtime::get().set_current_call(fn);
        Status st = team->allgatherv(in_place ? nullptr : first(sd), rd.origin, rd.bytes.data(), rd.displs.data());
        Runtime::get().set_current_call(nullptr);
        return st ? MPI_SUCCESS : report(fn, comm, st);
      }
    }
  }
  auto s = schedule(*c, comm);
  const void* send = nullptr;
  std::size_t sbytes = 0;
  if (!in_place) {
    Staged ss = stage_in(*s, uniform(sbuf, 1, scount, st_type));
    send = first(ss);
    sbytes = ss.bytes[0];
  }
  Staged rs = stage_out(*s, rblocks);
  offer_team(*s, comm, *c, coll::Collective::allgather, *std::max_element(rs.bytes.begin(), rs.bytes.end()), request);
  if (inter) {
    coll::inter_allgatherv(*s, send, sbytes, rs.origin, rs.bytes.data(), rs.displs.data());
    finish_out(*s, rblocks, rs);
    return start(fn, comm, c, std::move(s), request);
  }
  if (in_place && rs.scratch) pack_block(*s, rblocks, rs, static_cast<std::size_t>(c->rank()));
  // Small nonblocking ones on the team (every block within its mailbox).
  coll::shm::Team* team =
      request != nullptr ? team_nonblocking(*c, coll::Collective::allgather,
                                            *std::max_element(rs.bytes.begin(), rs.bytes.end()))
                         : nullptr;
  if (team != nullptr) team->iallgatherv(*s, send, rs.origin, rs.bytes.data(), rs.displs.data());
  else coll::allgatherv(*s, send, rs.origin, rs.bytes.data(), rs.displs.data());
  finish_out(*s, rblocks, rs);
  return start(fn, comm, c, std::move(s), request);
}

// The three alltoall forms meet here with their blocks described.
int alltoall_blocks(const char* fn, MPI_Comm comm, Communicator* c, const std::vector<Block>& sblocks,
                    const std::vector<Block>& rblocks, bool in_place, bool uniform_form, MPI_Request* request) {
  // Blocking MPI_Alltoallv/w on a team with CMA: one team step
  // (Team::alltoallv; every rank comes this way, so all choose alike),
  // called directly when this rank's blocks are contiguous and apart.
  coll::shm::Team* vteam = nullptr;
  const int n = c->local_size();
  if (request == nullptr && !uniform_form && !c->is_inter() && n > 1 && n <= coll::shm::Team::kMaxRanks) {
    vteam = team_for(comm, *c, coll::Collective::alltoall, 0);
    if (vteam != nullptr && !vteam->cma()) vteam = nullptr;
  }
  if (vteam != nullptr && !in_place) {
    Staged ss, rs;
    if (stage_in_place(sblocks, ss) && stage_in_place(rblocks, rs)) {
      skip_schedule_tag(comm, *c);
      Runtime::get().set_current_call(fn);
      Status st = vteam->alltoallv(ss.origin, ss.bytes.data(), ss.displs.data(), rs.origin, rs.bytes.data(),
                                   rs.displs.data());
      Runtime::get().set_current_call(nullptr);
      return st ? MPI_SUCCESS : report(fn, comm, st);
    }
  }
  auto s = schedule(*c, comm);
  Staged ss = stage_in(*s, in_place ? rblocks : sblocks, in_place);
  Staged rs = stage_out(*s, rblocks);
  if (uniform_form) offer_team(*s, comm, *c, coll::Collective::alltoall, rs.bytes[0], request);
  if (c->is_inter()) {
    coll::inter_alltoallv(*s, ss.origin, ss.bytes.data(), ss.displs.data(), rs.origin, rs.bytes.data(),
                          rs.displs.data());
    finish_out(*s, rblocks, rs);
    return start(fn, comm, c, std::move(s), request);
  }
  bool regular = uniform_form;
  for (int i = 0; regular && i < n; ++i) {
    const auto ui = static_cast<std::size_t>(i);
    regular = ss.bytes[ui] == ss.bytes[0] && rs.bytes[ui] == ss.bytes[0] && ss.displs[ui] == ui * ss.bytes[0] &&
              rs.displs[ui] == ui * ss.bytes[0];
  }
  if (vteam != nullptr) {  // noncontiguous or in place: from the schedule
    s->fence();
    s->call([vteam, so = ss.origin, sb = ss.bytes, sd = ss.displs, ro = rs.origin, rb = rs.bytes, rd = rs.displs] {
      return vteam->alltoallv(so, sb.data(), sd.data(), ro, rb.data(), rd.data());
    });
    s->fence();
    finish_out(*s, rblocks, rs);
    return start(fn, comm, c, std::move(s), request);
  }
  // Small nonblocking MPI_Ialltoall on the team (a rank's n - 1 pieces within its mailbox).
  coll::shm::Team* team = request != nullptr && uniform_form && n > 1 && rs.bytes[0] > 0 &&
                                  (static_cast<std::size_t>(n) - 1) * rs.bytes[0] <= coll::shm::Team::kMail
                              ? team_nonblocking(*c, coll::Collective::alltoall, rs.bytes[0])
                              : nullptr;
  if (team != nullptr)
    team->ialltoall(*s, ss.origin, ss.displs.data(), rs.origin, rs.displs.data(), rs.bytes[0]);
  else if (regular) coll::alltoall(*s, ss.origin, rs.origin, ss.bytes[0]);
  else coll::alltoallv(*s, ss.origin, ss.bytes.data(), ss.displs.data(), rs.origin, rs.bytes.data(), rs.displs.data());
  finish_out(*s, rblocks, rs);
  return start(fn, comm, c, std::move(s), request);
}

int alltoall(const char* fn, const void* sbuf, int scount, MPI_Datatype stype, void* rbuf, int rcount,
             MPI_Datatype rtype, MPI_Comm comm, MPI_Request* request) {
  Communicator* c = nullptr;
  COLL_TRY(any_comm(comm, c));
  const int n = c->is_inter() ? c->remote_size() : c->local_size();
  const bool in_place = !c->is_inter() && sbuf == MPI_IN_PLACE;
  if (c->is_inter() && sbuf == MPI_IN_PLACE)
    COLL_TRY(Status(MPI_ERR_BUFFER, "sendbuf may not be MPI_IN_PLACE on an intercommunicator"));
  dt::Type* st_type = nullptr;
  dt::Type* rt = nullptr;
  if (!in_place) {
    COLL_TRY(count_ok(scount, "sendcount"));
    COLL_TRY(datatype(stype, "sendtype", st_type));
    COLL_TRY(buffer_ok(sbuf, scount, stype, st_type, "sendbuf"));
  }
  COLL_TRY(count_ok(rcount, "recvcount"));
  COLL_TRY(datatype(rtype, "recvtype", rt));
  COLL_TRY(buffer_ok(rbuf, rcount, rtype, rt, "recvbuf"));
  // Contiguous types on the team: no block lists or staging at all (their
  // allocations cost as much as a small 2-rank exchange), the same team
  // steps as the general path below.
  if (request == nullptr && !c->is_inter() && !in_place && n > 1 && n <= coll::shm::Team::kMaxRanks && rcount > 0 &&
      rt->size() > 0 && rt->is_contiguous() && rt->extent() > 0 && st_type->size() > 0 &&
      st_type->is_contiguous() && st_type->extent() > 0) {
    const auto block = static_cast<std::size_t>(rcount) * static_cast<std::size_t>(rt->size());
    if (coll::shm::Team* team = team_for(comm, *c, coll::Collective::alltoall, block)) {
      std::array<std::size_t, coll::shm::Team::kMaxRanks> sdispls, rdispls;
      const auto sstride = static_cast<std::size_t>(scount) * static_cast<std::size_t>(st_type->extent());
      const auto rstride = static_cast<std::size_t>(rcount) * static_cast<std::size_t>(rt->extent());
      for (int i = 0; i < n; ++i) {
        sdispls[static_cast<std::size_t>(i)] = static_cast<std::size_t>(i) * sstride;
        rdispls[static_cast<std::size_t>(i)] = static_cast<std::size_t>(i) * rstride;
      }
      skip_schedule_tag(comm, *c);
      Runtime::get().set_current_call(fn);
      Status st = team->alltoall(static_cast<const std::byte*>(sbuf) + st_type->true_lb(), sdispls.data(),
                                 static_cast<std::byte*>(rbuf) + rt->true_lb(), rdispls.data(), block);
      Runtime::get().set_current_call(nullptr);
      return st ? MPI_SUCCESS : report(fn, comm, st);
    }
  }
  std::vector<Block> sblocks = in_place ? std::vector<Block>{} : uniform(sbuf, n, scount, st_type);
  std::vector<Block> rblocks = uniform(rbuf, n, rcount, rt);
  if (request == nullptr && !c->is_inter() && !in_place && n > 1) {
    // Contiguous buffers on the team skip the schedule (as in allgather).
    Staged sd, rd;
    if (stage_in_place(sblocks, sd) && stage_in_place(rblocks, rd)) {
      if (coll::shm::Team* team = team_for(comm, *c, coll::Collective::alltoall, rd.bytes[0])) {
        skip_schedule_tag(comm, *c);
        Runtime::get().set_current_call(fn);
        Status st = team->alltoall(sd.origin, sd.displs.data(), rd.origin, rd.displs.data(), rd.bytes[0]);
        Runtime::get().set_current_call(nullptr);
        return st ? MPI_SUCCESS : report(fn, comm, st);
      }
    }
  }
  return alltoall_blocks(fn, comm, c, sblocks, rblocks, in_place, true, request);
}

int alltoallv(const char* fn, const void* sbuf, const int* scounts, const int* sdispls, MPI_Datatype stype,
              void* rbuf, const int* rcounts, const int* rdispls, MPI_Datatype rtype, MPI_Comm comm,
              MPI_Request* request) {
  Communicator* c = nullptr;
  COLL_TRY(any_comm(comm, c));
  const int n = c->is_inter() ? c->remote_size() : c->local_size();
  const bool in_place = !c->is_inter() && sbuf == MPI_IN_PLACE;
  if (c->is_inter() && sbuf == MPI_IN_PLACE)
    COLL_TRY(Status(MPI_ERR_BUFFER, "sendbuf may not be MPI_IN_PLACE on an intercommunicator"));
  dt::Type* st_type = nullptr;
  dt::Type* rt = nullptr;
  std::vector<Block> sblocks;
  if (!in_place) {
    COLL_TRY(datatype(stype, "sendtype", st_type));
    COLL_TRY(checked_blocks(true, sbuf, n, 0, scounts, sdispls, st_type, "sendcount", "sendcounts", "sdispls", sblocks));
  }
  COLL_TRY(datatype(rtype, "recvtype", rt));
  std::vector<Block> rblocks;
  COLL_TRY(checked_blocks(true, rbuf, n, 0, rcounts, rdispls, rt, "recvcount", "recvcounts", "rdispls", rblocks));
  return alltoall_blocks(fn, comm, c, sblocks, rblocks, in_place, false, request);
}

int alltoallw(const char* fn, const void* sbuf, const int* scounts, const int* sdispls, const MPI_Datatype* stypes,
              void* rbuf, const int* rcounts, const int* rdispls, const MPI_Datatype* rtypes, MPI_Comm comm,
              MPI_Request* request) {
  Communicator* c = nullptr;
  COLL_TRY(any_comm(comm, c));
  const int n = c->is_inter() ? c->remote_size() : c->local_size();
  const bool in_place = !c->is_inter() && sbuf == MPI_IN_PLACE;
  if (c->is_inter() && sbuf == MPI_IN_PLACE)
    COLL_TRY(Status(MPI_ERR_BUFFER, "sendbuf may not be MPI_IN_PLACE on an intercommunicator"));
  std::vector<Block> sblocks, rblocks;
  if (!in_place) {
    COLL_TRY(array_ok(scounts, "sendcounts"));
    COLL_TRY(array_ok(sdispls, "sdispls"));
    COLL_TRY(array_ok(stypes, "sendtypes"));
    for (int i = 0; i < n; ++i) {
      dt::Type* t = nullptr;
      COLL_TRY(count_ok(scounts[i], "sendcounts[i]"));
      COLL_TRY(datatype(stypes[i], "sendtypes[i]", t));
      sblocks.push_back(Block{sbuf, scounts[i], t, sdispls[i]});
    }
  }
  COLL_TRY(array_ok(rcounts, "recvcounts"));
  COLL_TRY(array_ok(rdispls, "rdispls"));
  COLL_TRY(array_ok(rtypes, "recvtypes"));
  for (int i = 0; i < n; ++i) {
    dt::Type* t = nullptr;
    COLL_TRY(count_ok(rcounts[i], "recvcounts[i]"));
    COLL_TRY(datatype(rtypes[i], "recvtypes[i]", t));
    rblocks.push_back(Block{rbuf, rcounts[i], t, rdispls[i]});
  }
  return alltoall_blocks(fn, comm, c, sblocks, rblocks, in_place, false, request);
}

enum class Red : std::uint8_t { reduce, allreduce, scan, exscan };

int reduction(const char* fn, Red kind, const void* sbuf, void* rbuf, int count, MPI_Datatype type, MPI_Op op,
              int root, MPI_Comm comm, MPI_Request* request) {
  Communicator* c = nullptr;
  dt::Type* t = nullptr;
  COLL_TRY(any_comm(comm, c));
  if (c->is_inter()) {
    if (kind == Red::scan || kind == Red::exscan)
      COLL_TRY(Status(MPI_ERR_COMM, "scans are not defined on intercommunicators"));
    if (kind == Red::reduce) COLL_TRY(inter_root_ok(*c, root));
    const bool none = kind == Red::reduce && root == MPI_PROC_NULL;
    const bool sends = kind == Red::allreduce || root >= 0;
    const bool gets = kind == Red::allreduce || root == MPI_ROOT;
    auto s = schedule(*c, comm);
    if (none) return start(fn, comm, c, std::move(s), request);
    COLL_TRY(count_ok(count, "count"));
    COLL_TRY(datatype(type, "datatype", t));
    if (sends) COLL_TRY(buffer_ok(sbuf, count, type, t, "sendbuf"));
    if (gets) COLL_TRY(buffer_ok(rbuf, count, type, t, "recvbuf"));
    ReduceSetup rs;
    COLL_TRY(setup_reduce(*s, op, type, t, rs));
    std::byte* out = gets ? reduce_out(*s, rs, rbuf, count, t) : nullptr;
    std::byte* in = sends ? reduce_in(*s, rs, sbuf, count, t) : nullptr;
    const auto ucount = static_cast<std::size_t>(count);
    if (kind == Red::reduce) coll::inter_reduce(*s, in, out, ucount, rs.item_bytes, inter_root(root));
    else coll::inter_allreduce(*s, in, out, ucount, rs.item_bytes);
    if (gets) reduce_finish(*s, rs, out, rbuf, count, t);
    return start(fn, comm, c, std::move(s), request);
  }
  COLL_TRY(count_ok(count, "count"));
  COLL_TRY(datatype(type, "datatype", t));
  if (kind == Red::reduce) COLL_TRY(root_ok(*c, root));
  const bool gets_result = kind != Red::reduce || c->rank() == root;
  const bool in_place = sbuf == MPI_IN_PLACE;
  if (in_place && !gets_result)
    COLL_TRY(Status(MPI_ERR_BUFFER, "sendbuf may only be MPI_IN_PLACE at the root"));
  if (!in_place) COLL_TRY(buffer_ok(sbuf, count, type, t, "sendbuf"));
  if (gets_result) COLL_TRY(buffer_ok(rbuf, count, type, t, "recvbuf"));
  if (request == nullptr && (kind == Red::reduce || kind == Red::allreduce) && c->local_size() > 1) {
    const auto whole = static_cast<std::size_t>(count) * static_cast<std::size_t>(t->size());
    const auto which = kind == Red::reduce ? coll::Collective::reduce : coll::Collective::allreduce;
    // The team's chunks hold whole items: an item larger than a slot (a
    // big derived type) stays point-to-point (the same on every rank).
    if (static_cast<std::size_t>(t->size()) <= coll::shm::Team::kSlot) {
      if (coll::shm::Team* team = team_for(comm, *c, which, whole)) {
        coll::Reducer r;
        ReduceHolds holds;
        ReduceSetup rs;
        COLL_TRY(setup_reducer(r, holds, op, type, t, rs));
        const std::ptrdiff_t lb = count ? t->true_lb() : 0;
        const void* user_in = in_place ? rbuf : sbuf;
        const void* in = static_cast<const std::byte*>(user_in) + lb;
        void* out = gets_result ? static_cast<std::byte*>(rbuf) + lb : nullptr;
        const auto ucount = static_cast<std::size_t>(count);
        std::vector<std::byte> packed_in, packed_out;  // noncontiguous types: the packed stream
        if (rs.packed) {
          packed_in.resize(whole);
          dt::pack(user_in, count, *t, 0, packed_in.data(), whole);
          in = packed_in.data();
          if (gets_result) {
            packed_out.resize(whole);
            out = packed_out.data();
          }
        }
        Runtime::get().set_current_call(fn);
        Status st = kind == Red::reduce ? team->reduce(in, out, ucount, rs.item_bytes, r, root)
                                        : team->allreduce(in, out, ucount, rs.item_bytes, r);
        Runtime::get().set_current_call(nullptr);
        if (st && rs.packed && gets_result) dt::unpack(packed_out.data(), whole, rbuf, count, *t, 0);
        return st ? MPI_SUCCESS : report(fn, comm, st);
      }
    }
  }
  auto s = schedule(*c, comm);
  ReduceSetup rs;
  COLL_TRY(setup_reduce(*s, op, type, t, rs));
  std::byte* out = gets_result ? reduce_out(*s, rs, rbuf, count, t) : nullptr;
  std::byte* in = in_place ? (rs.packed ? reduce_in(*s, rs, rbuf, count, t) : out) : reduce_in(*s, rs, sbuf, count, t);
  const auto ucount = static_cast<std::size_t>(count);
  switch (kind) {
    case Red::reduce:
      // Small nonblocking ones on the team (bytes within its mailbox).
      if (coll::shm::Team* team = request != nullptr && ucount > 0
                                      ? team_nonblocking(*c, coll::Collective::reduce, ucount * rs.item_bytes)
                                      : nullptr)
        team->ireduce(*s, in, out, ucount, rs.item_bytes, root);
      else
        coll::reduce(*s, in, out, ucount, rs.item_bytes, root);
      break;
    case Red::allreduce:
      // Small nonblocking ones on the team (bytes below its mailbox).
      if (coll::shm::Team* team = request != nullptr && ucount > 0
                                      ? team_nonblocking(*c, coll::Collective::allreduce, ucount * rs.item_bytes)
                                      : nullptr)
        team->iallreduce(*s, in, out, ucount, rs.item_bytes);
      else
        coll::allreduce(*s, in, out, ucount, rs.item_bytes);
      break;
    case Red::scan: coll::scan(*s, in, out, ucount, rs.item_bytes, false); break;
    case Red::exscan: coll::scan(*s, in, out, ucount, rs.item_bytes, true); break;
  }
  if (gets_result && !(kind == Red::exscan && c->rank() == 0)) reduce_finish(*s, rs, out, rbuf, count, t);
  return start(fn, comm, c, std::move(s), request);
}

// Reduce_scatter (counts) and Reduce_scatter_block (counts == nullptr).
int reduce_scatter(const char* fn, const void* sbuf, void* rbuf, int block, const int* counts, MPI_Datatype type,
                   MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  Communicator* c = nullptr;
  dt::Type* t = nullptr;
  COLL_TRY(any_comm(comm, c));
  COLL_TRY(datatype(type, "datatype", t));
  const int n = c->local_size();
  const bool inter = c->is_inter();
  if (inter && sbuf == MPI_IN_PLACE)
    COLL_TRY(Status(MPI_ERR_BUFFER, "sendbuf may not be MPI_IN_PLACE on an intercommunicator"));
  std::vector<std::size_t> ucounts(static_cast<std::size_t>(n));
  if (counts != nullptr) {
    for (int i = 0; i < n; ++i) {
      COLL_TRY(count_ok(counts[i], "recvcounts[i]"));
      ucounts[static_cast<std::size_t>(i)] = static_cast<std::size_t>(counts[i]);
    }
  } else {
    COLL_TRY(count_ok(block, "recvcount"));
    ucounts.assign(static_cast<std::size_t>(n), static_cast<std::size_t>(block));
  }
  std::size_t total = 0;
  for (std::size_t x : ucounts) total += x;
  const auto mine = static_cast<std::int64_t>(ucounts[static_cast<std::size_t>(c->rank())]);
  const bool in_place = sbuf == MPI_IN_PLACE;
  if (!in_place) COLL_TRY(buffer_ok(sbuf, static_cast<std::int64_t>(total), type, t, "sendbuf"));
  auto s = schedule(*c, comm);
  ReduceSetup rs;
  COLL_TRY(setup_reduce(*s, op, type, t, rs));
  std::byte* in = reduce_in(*s, rs, in_place ? rbuf : sbuf, static_cast<std::int64_t>(total), t);
  std::byte* out = reduce_out(*s, rs, rbuf, mine, t);
  if (inter) coll::inter_reduce_scatter(*s, in, out, ucounts.data(), rs.item_bytes);
  else coll::reduce_scatter(*s, in, out, ucounts.data(), rs.item_bytes);
  reduce_finish(*s, rs, out, rbuf, mine, t);
  return start(fn, comm, c, std::move(s), request);
}

#undef COLL_TRY

int need_request(const char* fn, MPI_Comm comm, MPI_Request* request) {
  if (request == nullptr) return report(fn, comm, null_arg("request"));
  return MPI_SUCCESS;
}

}  // namespace

// --- blocking ---------------------------------------------------------------

int PMPI_Barrier(MPI_Comm comm) {
  PARLEY_API_LOCK();
  return barrier("MPI_Barrier", comm, nullptr);
}

int PMPI_Bcast(void* buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return bcast("MPI_Bcast", buffer, count, datatype, root, comm, nullptr);
}

int PMPI_Gather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                MPI_Datatype recvtype, int root, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return gather("MPI_Gather", sendbuf, sendcount, sendtype, recvbuf, recvcount, nullptr, nullptr, recvtype, root,
                comm, nullptr, false);
}

int PMPI_Gatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, const int recvcounts[],
                 const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return gather("MPI_Gatherv", sendbuf, sendcount, sendtype, recvbuf, 0, recvcounts, displs, recvtype, root, comm,
                nullptr, true);
}

int PMPI_Scatter(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                 MPI_Datatype recvtype, int root, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return scatter("MPI_Scatter", sendbuf, sendcount, nullptr, nullptr, sendtype, recvbuf, recvcount, recvtype, root,
                 comm, nullptr, false);
}

int PMPI_Scatterv(const void* sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype,
                  void* recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return scatter("MPI_Scatterv", sendbuf, 0, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm,
                 nullptr, true);
}

int PMPI_Allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                   MPI_Datatype recvtype, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return allgather("MPI_Allgather", sendbuf, sendcount, sendtype, recvbuf, recvcount, nullptr, nullptr, recvtype,
                   comm, nullptr, false);
}

int PMPI_Allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                    const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return allgather("MPI_Allgatherv", sendbuf, sendcount, sendtype, recvbuf, 0, recvcounts, displs, recvtype, comm,
                   nullptr, true);
}

int PMPI_Alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                  MPI_Datatype recvtype, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return alltoall("MPI_Alltoall", sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, nullptr);
}

int PMPI_Alltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype,
                   void* recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return alltoallv("MPI_Alltoallv", sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype,
                   comm, nullptr);
}

int PMPI_Alltoallw(const void* sendbuf, const int sendcounts[], const int sdispls[], const MPI_Datatype sendtypes[],
                   void* recvbuf, const int recvcounts[], const int rdispls[], const MPI_Datatype recvtypes[],
                   MPI_Comm comm) {
  PARLEY_API_LOCK();
  return alltoallw("MPI_Alltoallw", sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                   recvtypes, comm, nullptr);
}

int PMPI_Reduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype, MPI_Op op, int root,
                MPI_Comm comm) {
  PARLEY_API_LOCK();
  return reduction("MPI_Reduce", Red::reduce, sendbuf, recvbuf, count, datatype, op, root, comm, nullptr);
}

int PMPI_Allreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return reduction("MPI_Allreduce", Red::allreduce, sendbuf, recvbuf, count, datatype, op, 0, comm, nullptr);
}

int PMPI_Scan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return reduction("MPI_Scan", Red::scan, sendbuf, recvbuf, count, datatype, op, 0, comm, nullptr);
}

int PMPI_Exscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  PARLEY_API_LOCK();
  return reduction("MPI_Exscan", Red::exscan, sendbuf, recvbuf, count, datatype, op, 0, comm, nullptr);
}

int PMPI_Reduce_scatter(const void* sendbuf, void* recvbuf, const int recvcounts[], MPI_Datatype datatype, MPI_Op op,
                        MPI_Comm comm) {
  PARLEY_API_LOCK();
  if (recvcounts == nullptr) return report("MPI_Reduce_scatter", comm, null_arg("recvcounts"));
  return reduce_scatter("MPI_Reduce_scatter", sendbuf, recvbuf, 0, recvcounts, datatype, op, comm, nullptr);
}

int PMPI_Reduce_scatter_block(const void* sendbuf, void* recvbuf, int recvcount, MPI_Datatype datatype, MPI_Op op,
                              MPI_Comm comm) {
  PARLEY_API_LOCK();
  return reduce_scatter("MPI_Reduce_scatter_block", sendbuf, recvbuf, recvcount, nullptr, datatype, op, comm,
                        nullptr);
}

// --- nonblocking ------------------------------------------------------------

int PMPI_Ibarrier(MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ibarrier", comm, request)) return rc;
  return barrier("MPI_Ibarrier", comm, request);
}

int PMPI_Ibcast(void* buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ibcast", comm, request)) return rc;
  return bcast("MPI_Ibcast", buffer, count, datatype, root, comm, request);
}

int PMPI_Igather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                 MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Igather", comm, request)) return rc;
  return gather("MPI_Igather", sendbuf, sendcount, sendtype, recvbuf, recvcount, nullptr, nullptr, recvtype, root,
                comm, request, false);
}

int PMPI_Igatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, const int recvcounts[],
                  const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Igatherv", comm, request)) return rc;
  return gather("MPI_Igatherv", sendbuf, sendcount, sendtype, recvbuf, 0, recvcounts, displs, recvtype, root, comm,
                request, true);
}

int PMPI_Iscatter(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                  MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Iscatter", comm, request)) return rc;
  return scatter("MPI_Iscatter", sendbuf, sendcount, nullptr, nullptr, sendtype, recvbuf, recvcount, recvtype, root,
                 comm, request, false);
}

int PMPI_Iscatterv(const void* sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype,
                   void* recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Iscatterv", comm, request)) return rc;
  return scatter("MPI_Iscatterv", sendbuf, 0, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm,
                 request, true);
}

int PMPI_Iallgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                    MPI_Datatype recvtype, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Iallgather", comm, request)) return rc;
  return allgather("MPI_Iallgather", sendbuf, sendcount, sendtype, recvbuf, recvcount, nullptr, nullptr, recvtype,
                   comm, request, false);
}

int PMPI_Iallgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                     const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm,
                     MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Iallgatherv", comm, request)) return rc;
  return allgather("MPI_Iallgatherv", sendbuf, sendcount, sendtype, recvbuf, 0, recvcounts, displs, recvtype, comm,
                   request, true);
}

int PMPI_Ialltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                   MPI_Datatype recvtype, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ialltoall", comm, request)) return rc;
  return alltoall("MPI_Ialltoall", sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, request);
}

int PMPI_Ialltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype,
                    void* recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                    MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ialltoallv", comm, request)) return rc;
  return alltoallv("MPI_Ialltoallv", sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype,
                   comm, request);
}

int PMPI_Ialltoallw(const void* sendbuf, const int sendcounts[], const int sdispls[], const MPI_Datatype sendtypes[],
                    void* recvbuf, const int recvcounts[], const int rdispls[], const MPI_Datatype recvtypes[],
                    MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ialltoallw", comm, request)) return rc;
  return alltoallw("MPI_Ialltoallw", sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                   recvtypes, comm, request);
}

int PMPI_Ireduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype, MPI_Op op, int root,
                 MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ireduce", comm, request)) return rc;
  return reduction("MPI_Ireduce", Red::reduce, sendbuf, recvbuf, count, datatype, op, root, comm, request);
}

int PMPI_Iallreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                    MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Iallreduce", comm, request)) return rc;
  return reduction("MPI_Iallreduce", Red::allreduce, sendbuf, recvbuf, count, datatype, op, 0, comm, request);
}

int PMPI_Iscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
               MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Iscan", comm, request)) return rc;
  return reduction("MPI_Iscan", Red::scan, sendbuf, recvbuf, count, datatype, op, 0, comm, request);
}

int PMPI_Iexscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                 MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Iexscan", comm, request)) return rc;
  return reduction("MPI_Iexscan", Red::exscan, sendbuf, recvbuf, count, datatype, op, 0, comm, request);
}

int PMPI_Ireduce_scatter(const void* sendbuf, void* recvbuf, const int recvcounts[], MPI_Datatype datatype,
                         MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ireduce_scatter", comm, request)) return rc;
  if (recvcounts == nullptr) return report("MPI_Ireduce_scatter", comm, null_arg("recvcounts"));
  return reduce_scatter("MPI_Ireduce_scatter", sendbuf, recvbuf, 0, recvcounts, datatype, op, comm, request);
}

int PMPI_Ireduce_scatter_block(const void* sendbuf, void* recvbuf, int recvcount, MPI_Datatype datatype, MPI_Op op,
                               MPI_Comm comm, MPI_Request* request) {
  PARLEY_API_LOCK();
  if (int rc = need_request("MPI_Ireduce_scatter_block", comm, request)) return rc;
  return reduce_scatter("MPI_Ireduce_scatter_block", sendbuf, recvbuf, recvcount, nullptr, datatype, op, comm,
                        request);
}
