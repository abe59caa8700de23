// Making new communicators from old ones (MPI-3.1 §6.4, §6.6): dup, split,
// create, create_group, intercommunicator create and merge. Each is
// collective over the processes the standard names and agrees on a fresh
// context id; none touches handles (the C layer does).
#pragma once

#include <memory>

#include "base/status.hpp"
#include "comm/communicator.hpp"

namespace parley::comm {

using CommPtr = std::unique_ptr<Communicator>;

// Same groups, new context. Collective over parent (both sides of an
// intercommunicator).
Result<CommPtr> dup(Communicator& parent);
// One new communicator per colour, ranks ordered by (key, parent rank);
// colour `undefined` gets nullptr.
Result<CommPtr> split(Communicator& parent, int color, int key, int undefined);
// Processes in `group` (a subgroup of parent's) get a communicator, the rest
// nullptr. Collective over all of parent.
Result<CommPtr> create(Communicator& parent, std::shared_ptr<const Group> group);
// The same, collective only over the members of `group`; `tag` separates
// concurrent calls.
Result<CommPtr> create_group(Communicator& parent, std::shared_ptr<const Group> group, int tag);
// MPI_Intercomm_create: local_comm's group and the group whose leader is
// remote_leader in peer (reached with tag).
Result<CommPtr> intercomm_create(Communicator& local_comm, int local_leader, Communicator* peer, int remote_leader,
                                 int tag);
// MPI_Intercomm_merge: one intracommunicator, the `high` side's ranks last.
Result<CommPtr> intercomm_merge(Communicator& inter, bool high);

// Gives the communicator's context id back to the pool.
void release(Communicator& c);

}  // namespace parley::comm
