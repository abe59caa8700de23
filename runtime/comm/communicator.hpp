// A communicator as the runtime sees it: its group (and, for an
// intercommunicator, the remote group), the context ids that separate its
// messages from every other communicator's, a name, an error handler, an
// optional virtual topology, attributes and info hints.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "group/group.hpp"

namespace parley {

struct Topology;  // topo/topology.hpp

class Communicator {
 public:
  // An intracommunicator over `group`, in which this process has rank `rank`.
  Communicator(int rank, std::shared_ptr<const Group> group, std::uint32_t context_id, std::string name,
               int errhandler)
      : rank_(rank),
        local_(std::move(group)),
        context_id_(context_id),
        name_(std::move(name)),
        errhandler_(errhandler) {}
  // An intercommunicator: point-to-point addresses ranks of `remote`.
  Communicator(int rank, std::shared_ptr<const Group> local, std::shared_ptr<const Group> remote,
               std::uint32_t context_id, std::string name, int errhandler)
      : rank_(rank),
        local_(std::move(local)),
        remote_(std::move(remote)),
        context_id_(context_id),
        name_(std::move(name)),
        errhandler_(errhandler) {}
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  Communicator(Communicator&&) = delete;
  Communicator& operator=(Communicator&&) = delete;
  ~Communicator() = default;

  // This process's rank in the local group.
  int rank() const { return rank_; }
  // The number of ranks point-to-point addresses: the local group's size for
  // an intracommunicator, the remote group's for an intercommunicator.
  int size() const { return peers().size(); }
  int local_size() const { return local_->size(); }
  int remote_size() const { return remote_ ? remote_->size() : 0; }
  bool is_inter() const { return remote_ != nullptr; }

  const std::shared_ptr<const Group>& group() const { return local_; }
  const std::shared_ptr<const Group>& remote_group() const { return remote_; }
  // The group destinations and sources are ranks of.
  const Group& peers() const { return remote_ ? *remote_ : *local_; }

  // Point-to-point traffic uses context_id(); collectives use the next id,
  // so a user's message can never match a collective's internal one.
  std::uint32_t context_id() const { return context_id_; }
  std::uint32_t coll_context_id() const { return context_id_ + 1; }

  // World rank of peer `rank` (a rank of peers()).
  int world_rank(int rank) const { return peers().world_rank(rank); }

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // The error handler's handle as the C layer knows it (the runtime never
  // calls user handlers itself).
  int errhandler() const { return errhandler_; }
  void set_errhandler(int handle) { errhandler_ = handle; }

  // The virtual topology attached at creation (nullptr: none).
  const std::shared_ptr<const Topology>& topology() const { return topo_; }
  void set_topology(std::shared_ptr<const Topology> t) { topo_ = std::move(t); }

  // Attribute values by keyval, in the order they were first set (the C
  // layer owns the keyvals and runs the callbacks).
  std::vector<std::pair<int, void*>>& attributes() { return attrs_; }

  // Info hints (MPI_Comm_set_info), in insertion order.
  std::vector<std::pair<std::string, std::string>>& hints() { return hints_; }

  // The same processes on the collective context: internal collectives send
  // through it, so they never match user messages.
  Communicator& coll_view();
  // Intercommunicators: the local group alone, on a context of its own, for
  // the internal collectives over one side.
  Communicator& local_view();

 private:
  int rank_;
  std::shared_ptr<const Group> local_;
  std::shared_ptr<const Group> remote_;
  std::uint32_t context_id_;
  std::string name_;
  int errhandler_;
  std::shared_ptr<const Topology> topo_;
  std::vector<std::pair<int, void*>> attrs_;
  std::vector<std::pair<std::string, std::string>> hints_;
  std::unique_ptr<Communicator> coll_view_;
  std::unique_ptr<Communicator> local_view_;
};

inline Communicator& Communicator::coll_view() {
  if (!coll_view_) {
    coll_view_ = remote_ ? std::make_unique<Communicator>(rank_, local_, remote_, coll_context_id(), name_, errhandler_)
                         : std::make_unique<Communicator>(rank_, local_, coll_context_id(), name_, errhandler_);
  }
  return *coll_view_;
}

inline Communicator& Communicator::local_view() {
  if (!remote_) return coll_view();
  // Context ids are below 2^31; the top bit marks one side's own traffic,
  // which only ever goes between members of that side.
  if (!local_view_)
    local_view_ = std::make_unique<Communicator>(rank_, local_, context_id_ | 0x80000000u, name_, errhandler_);
  return *local_view_;
}

}  // namespace parley
