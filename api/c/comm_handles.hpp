// Handle tables for communicators, groups and info objects, and the
// attribute hooks that communicator creation and destruction run.
// Predefined handles keep MPICH's values; user handles are
// 0x84000000 | index (communicators), 0x88000000 | index (groups),
// 0x9c000000 | index (info), indices reused after free.
#pragma once

#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include "c_api.hpp"
#include "group/group.hpp"

namespace parley::c {

// --- communicators -------------------------------------------------------
MPI_Comm register_comm(std::unique_ptr<Communicator> c);
// The handle naming a live communicator (predefined or user).
MPI_Comm handle_of(const Communicator* c);
// Destroys a user communicator (after its attributes were deleted).
void unregister_comm(MPI_Comm comm);
bool is_predefined_comm(MPI_Comm comm);
// The user communicator behind a handle, or nullptr (lookup_comm's helper).
Communicator* lookup_user_comm(MPI_Comm comm);
std::size_t live_user_comms();

// Registers a communicator a constructor made (nullptr: MPI_COMM_NULL),
// copying the parent's attributes first when copy_attrs (dup). Reports
// failures through the parent's handler and returns the code.
int finish_new_comm(const char* fn, MPI_Comm parent, Communicator* parent_comm, Result<std::unique_ptr<Communicator>> made,
                    bool copy_attrs, MPI_Comm* newcomm);

// --- groups --------------------------------------------------------------
std::shared_ptr<const Group> lookup_group(MPI_Group g);  // nullptr if invalid
MPI_Group register_group(std::shared_ptr<const Group> g);
void free_group(MPI_Group g);
inline Status invalid_group(MPI_Group g) {
  if (g == MPI_GROUP_NULL) return Status(MPI_ERR_GROUP, "group is MPI_GROUP_NULL");
  return Status(MPI_ERR_GROUP, "invalid group handle " + std::to_string(g));
}

// --- attributes (attr.cpp) -----------------------------------------------
// MPI_Comm_dup: runs every keyval's copy callback from old to new, in the
// order the attributes were set. Returns the first callback error.
int copy_comm_attrs(MPI_Comm old_handle, Communicator& old_comm, Communicator& new_comm);
// MPI_Comm_free: runs the delete callbacks (last set, first deleted).
int delete_comm_attrs(MPI_Comm handle, Communicator& c);

// --- info (info.cpp) ------------------------------------------------------
using InfoList = std::vector<std::pair<std::string, std::string>>;
// The key/value list behind an info handle (MPI_INFO_NULL gives nullptr).
InfoList* lookup_info(MPI_Info info);
MPI_Info register_info(InfoList list);
inline Status invalid_info(MPI_Info i) {
  return Status(MPI_ERR_INFO, "invalid info handle " + std::to_string(i));
}

}  // namespace parley::c
