// A communicator as the runtime sees it: rank, size, the context id that
// separates its messages from every other communicator's, and the map from
// its ranks to world ranks. Groups, topologies and attributes arrive with the
// communicator issue.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace parley {

class Communicator {
 public:
  // world_ranks empty means the identity map (MPI_COMM_WORLD).
  Communicator(int rank, int size, std::uint32_t context_id, std::vector<int> world_ranks, std::string name,
               int errhandler)
      : rank_(rank),
        size_(size),
        context_id_(context_id),
        world_ranks_(std::move(world_ranks)),
        name_(std::move(name)),
        errhandler_(errhandler) {}

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Point-to-point traffic uses context_id(); collectives use the next id,
  // so a user's message can never match a collective's internal one.
  std::uint32_t context_id() const { return context_id_; }
  std::uint32_t coll_context_id() const { return context_id_ + 1; }

  int world_rank(int rank) const {
    return world_ranks_.empty() ? rank : world_ranks_[static_cast<std::size_t>(rank)];
  }

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // The error handler's handle as the C layer knows it (the runtime never
  // calls user handlers itself).
  int errhandler() const { return errhandler_; }
  void set_errhandler(int handle) { errhandler_ = handle; }

 private:
  int rank_;
  int size_;
  std::uint32_t context_id_;
  std::vector<int> world_ranks_;
  std::string name_;
  int errhandler_;
};

}  // namespace parley
