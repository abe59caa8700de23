// A communicator as the runtime sees it. The foundation only needs
// MPI_COMM_WORLD and MPI_COMM_SELF; groups, context ids, topologies and
// attributes arrive with the communicator issue.
#pragma once

#include <string>

namespace parley {

class Communicator {
 public:
  Communicator(int rank, int size, std::string name, int errhandler)
      : rank_(rank), size_(size), name_(std::move(name)), errhandler_(errhandler) {}

  int rank() const { return rank_; }
  int size() const { return size_; }
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // The error handler's handle as the C layer knows it (the runtime never
  // calls user handlers itself).
  int errhandler() const { return errhandler_; }
  void set_errhandler(int handle) { errhandler_ = handle; }

 private:
  int rank_;
  int size_;
  std::string name_;
  int errhandler_;
};

}  // namespace parley
