// Where this process runs, for MPI_Comm_split_type (MPI-4.0 §7.4.2): the
// hardware resource instances (hwloc objects) its CPU binding lies within.
// The node itself comes from PMIx (JobInfo::local_peers), not from here.
#pragma once

#include <array>
#include <string>

namespace parley::comm {

// The levels MPI_COMM_TYPE_HW_UNGUIDED walks, widest first, by hwloc type
// name (the node level, "mpi_shared_memory", comes before them).
inline constexpr std::array<const char*, 7> kHwLevels = {"Package", "NUMANode", "L3Cache", "L2Cache",
                                                         "L1Cache", "Core",     "PU"};

// The logical index of the one object of hwloc type `type` ("Core",
// "L3Cache", "NUMANode", ..., optionally as "hwloc://Core") whose CPUs
// contain this process's whole binding; -1 when the binding spans several
// such objects (or none), -2 when the type is unknown or absent here.
int hw_instance(const std::string& type);

}  // namespace parley::comm
