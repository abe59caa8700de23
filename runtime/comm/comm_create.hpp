// Making new communicators from old ones (MPI-3.1 §6.4, §6.6): dup, split,
// create, create_group, intercommunicator create and merge. Each is
// collective over the processes the standard names and agrees on a fresh
// context id; none touches handles (the C layer does).
#pragma once

#include <memory>
#include <string>

#include "base/status.hpp"
#include "comm/communicator.hpp"

namespace parley::comm {

using CommPtr = std::unique_ptr<Communicator>;

// Same groups, new context. Collective over parent (both sides of an
// intercommunicator).
Result<CommPtr> dup(Communicator& parent);
// One new communicator per colour, ranks ordered by (key, parent rank);
// colour `undefined` gets nullptr. Of an intercommunicator: each side split
// by colour, a colour's two sides form a new intercommunicator (nullptr
// where the other side has no process of that colour).
Result<CommPtr> split(Communicator& parent, int color, int key, int undefined);
// MPI_Comm_split_type's kinds of resource (MPI-4.0 §7.4.2).
enum class SplitType { undefined, shared, hw_guided, hw_unguided };
// Processes of a communicator that share a resource: the node
// (shared), the one instance of hwloc type `resource` their binding lies in
// (hw_guided; "mpi_shared_memory" is the node; unknown types and processes
// spanning several instances get nullptr), or the widest hardware level
// that splits parent into strict subsets (hw_unguided; nullptr where none
// does). Ranks ordered by (key, parent rank); the result's hints name the
// resource under "mpi_hw_resource_type". Every process does the same
// rounds whatever its split type, so MPI_UNDEFINED may be mixed in. Of an
// intercommunicator: each side split by those colours, a colour's two sides
// forming an intercommunicator (nullptr where the other side lacks it).
Result<CommPtr> split_type(Communicator& parent, SplitType type, int key, const std::string& resource);
// Processes in `group` (a subgroup of parent's) get a communicator, the rest
// nullptr. Collective over all of parent. Of an intercommunicator: `group`
// is a subgroup of the local side and the result an intercommunicator
// between both sides' groups (nullptr where either is empty).
Result<CommPtr> create(Communicator& parent, std::shared_ptr<const Group> group);
// The same, collective only over the members of `group`; `tag` separates
// concurrent calls. Intracommunicators only (MPI_ERR_COMM otherwise).
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
