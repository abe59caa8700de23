// Collective schedules: a collective is built once as rounds of
// point-to-point and local steps over byte buffers, then advanced without
// blocking until done. Blocking collectives start a schedule and wait for
// it; nonblocking ones hand it to the progress list (progress.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/status.hpp"
#include "comm/communicator.hpp"
#include "datatype/type.hpp"
#include "op/op.hpp"

namespace parley {
namespace p2p {
struct Request;
}

namespace coll {

namespace shm {
class Team;
}

// How a reduction combines two work buffers of `count` items. Work buffers
// hold the user's datatype either in its own layout (predefined and
// contiguous types) or as the packed stream (noncontiguous derived types).
struct Reducer {
  const op::Op* op = nullptr;
  op::ElementType element{};
  // Set when the work buffers are packed but the op is a user function,
  // which must see the user's layout: each combine unpacks both sides.
  const dt::Type* unpacked_type = nullptr;
  bool packed_elements = false;  // predefined op on packed data: reduce count*basic_per_item kinds

  bool commutative() const { return op == nullptr || op->commutative(); }
  // inout = in op inout, `in` being the lower ranks' contribution.
  Status apply(const void* in, void* inout, std::size_t count) const;
};

class Schedule {
 public:
  // Traffic goes over comm's collective context with tags tag - sub,
  // sub in 0..63 (tag negative, and 64 apart from the tag of every other
  // collective in flight on comm).
  Schedule(Communicator& comm, int tag);
  Schedule(const Schedule&) = delete;
  Schedule& operator=(const Schedule&) = delete;
  Schedule(Schedule&&) = delete;
  Schedule& operator=(Schedule&&) = delete;
  ~Schedule();

  // This process's rank and the size of its (local) group.
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Intercommunicators: the remote group's size (0 on an intracommunicator).
  int remote_size() const { return remote_size_; }
  // Intercommunicators: while set, send/recv steps address ranks of the
  // local group (over the local side's own context), so the intra builders
  // can run one side's phase of an intercommunicator collective. Steps
  // added while it is clear address the remote group.
  void set_local(bool local) { local_ = local; }
  Reducer& reducer() { return reducer_; }
  // The shared-memory team a blocking collective may run on (coll/shm.hpp):
  // set by the C layer when every rank takes that path (the same decision
  // everywhere), so a builder moves the data through the team in one local
  // step instead of point-to-point rounds. Never set on a nonblocking one.
  void set_team(shm::Team* team) { team_ = team; }
  shm::Team* team() const { return team_; }

  // --- building -----------------------------------------------------------
  // A zeroed scratch buffer owned by the schedule (stable address).
  std::byte* scratch(std::size_t bytes);
  // Communication steps of the current round, posted together when the
  // round starts.
  // `sub` (0..63) separates messages between the same pair in one round
  // whose order would otherwise pair them wrongly (neighbourhood exchanges).
  void send(const void* buf, std::size_t bytes, int peer, int sub = 0);
  void recv(void* buf, std::size_t bytes, int peer, int sub = 0);
  // Local steps of the current round, run in order once its communication
  // is complete.
  void copy(const void* src, void* dst, std::size_t bytes);
  void reduce(const void* in, void* inout, std::size_t count);
  void call(std::function<Status()> fn);
  // A local step that is done once fn returns true; until then the schedule
  // stays at it (advance() returns false and calls fn again next time).
  // on_restart, when given, makes the step ready to run again (restart()
  // calls it); without it the schedule cannot be restarted.
  void poll(std::function<bool()> fn, std::function<void()> on_restart = nullptr);
  // Run when the schedule is destroyed (releases what it borrowed).
  void at_exit(std::function<void()> fn) { exits_.push_back(std::move(fn)); }
  // Run, in order, when the schedule starts (its first advance()) and again
  // at every restart(): what reads the user's buffers before the first
  // round (packing noncontiguous input) goes here, not into the builder.
  void at_start(std::function<void()> fn) { starts_.push_back(std::move(fn)); }
  // Ends the round: later steps wait for everything before.
  void fence();

  // --- running ------------------------------------------------------------
  // Advances as far as possible without blocking; true once every step is
  // done (or an error stopped it: see status()).
  bool advance();
  bool done() const { return done_; }
  const Status& status() const { return status_; }
  // Whether a done schedule can run again with restart(): not when it holds
  // a poll step without a restart function.
  bool restartable() const { return restartable_; }
  // A persistent collective's schedule built at MPI_X_init: it first runs
  // at the first MPI_Start, through restart(), so what a step takes when
  // it starts (a team step's number and its place in the team's queue) is
  // taken by its restart function then, not while it is built.
  void set_deferred(bool d) { deferred_ = d; }
  bool deferred() const { return deferred_; }
  // Makes a done, restartable schedule run again from its first round, with
  // the same steps and scratch and the given tag (persistent collectives:
  // MPI_Start takes the communicator's next tag, as a new collective would,
  // so that a kept schedule never holds a tag the sequence comes round to
  // after its wrap), after calling the poll steps' restart functions in
  // order.
  void restart(int tag);
  // Runs to completion, progressing the engine (and every other schedule).
  Status run_blocking();

  // Called once when the schedule completes under the progress list.
  std::function<void(Schedule*)> on_complete;

 private:
  enum class Kind : std::uint8_t { send, recv, copy, reduce, call, poll };
  struct Step {
    Kind kind;
    bool local;
    int peer;
    int sub;
    const void* src;
    void* dst;
    std::size_t n;
  };
  void post_round();
  void finish(Status st);

  Communicator* via_;
  Communicator* local_via_;  // == via_ on an intracommunicator
  int tag_;
  int rank_;
  int size_;
  int remote_size_;
  bool local_ = false;
  shm::Team* team_ = nullptr;
  Reducer reducer_;
  std::vector<Step> steps_;
  std::vector<std::size_t> round_end_;  // index past each round's last step
  std::vector<std::function<Status()>> calls_;
  std::vector<std::function<bool()>> polls_;
  std::size_t local_next_ = 0;  // local steps of the current round already run
  std::vector<std::function<void()>> exits_;
  std::vector<std::function<void()>> starts_;
  std::vector<std::function<void()>> restarts_;
  bool started_ = false;
  bool restartable_ = true;
  bool deferred_ = false;
  std::vector<std::unique_ptr<std::byte[]>> scratch_;
  std::vector<p2p::Request*> inflight_;
  std::size_t round_ = 0;
  bool posted_ = false;
  bool done_ = false;
  Status status_;
};

inline constexpr int kTagsPerCollective = 64;

// Schedules of nonblocking collectives in flight on this process.
void enlist(Schedule* s);
// Advances every enlisted schedule; completed ones are removed and their
// on_complete called. Returns whether any is still in flight.
bool progress_all();
// Whether the engine advances enlisted schedules itself (a progress hook);
// when it does not, nonblocking collectives complete at their start.
bool engine_drives_schedules();

}  // namespace coll
}  // namespace parley
