// Message: a message matched by Mprobe/Improbe, received with Recv/Irecv (typed) or recv (object).
// Matching first and receiving the matched message is what keeps two threads from stealing each other's
// message, so the lower-case receives are built on it.
#pragma once

#include <mpi.h>

#include <utility>
#include <vector>

#include "parley/buffer.hpp"
#include "parley/request.hpp"
#include "parley/serialize.hpp"
#include "parley/status.hpp"

namespace parley {

class Message {
 public:
  Message() noexcept = default;
  // `bytes` is the matched message's size (from the probe's status); recv() needs it, Recv() does not.
  explicit Message(MPI_Message h, int bytes = -1) noexcept : h_(h), bytes_(bytes) {}
  Message(Message&& o) noexcept : h_(std::exchange(o.h_, MPI_MESSAGE_NULL)), bytes_(o.bytes_) {}
  Message& operator=(Message&& o) noexcept {
    h_ = std::exchange(o.h_, MPI_MESSAGE_NULL);
    bytes_ = o.bytes_;
    return *this;
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message() = default;  // an unreceived message cannot be given back to MPI

  MPI_Message handle() const noexcept { return h_; }
  bool Is_null() const noexcept { return h_ == MPI_MESSAGE_NULL; }
  explicit operator bool() const noexcept { return h_ != MPI_MESSAGE_NULL; }

  // Receives the matched message into `buf` (blocking).
  template <recv_buffer B>
  void Recv(B&& buf, Status* status = nullptr) {
    Buffer b = detail::as_recv(std::forward<B>(buf));
    check(MPI_Mrecv(b.ptr, b.count, b.type, &h_, detail::c_status(status)));
  }
  template <recv_buffer B>
  Request Irecv(B&& buf) {
    Buffer b = detail::as_recv(std::forward<B>(buf));
    MPI_Request r = MPI_REQUEST_NULL;
    check(MPI_Imrecv(b.ptr, b.count, b.type, &h_, &r));
    return Request(r);
  }
  // Receives the matched message as a serialised object of type T.
  // A std::vector or std::string of numbers (detail::raw_object) is received straight into the result.
  template <class T>
  T recv(Status* status = nullptr) {
    MPI_Status st;
    std::size_t n = matched_size();
    if constexpr (detail::raw_object<T>) {
      if (n % sizeof(typename T::value_type) != 0) {
        std::vector<char> drop(n);  // the matched message is still received; raw_container_for throws
        check(MPI_Mrecv(drop.data(), bytes_, MPI_BYTE, &h_, &st));
      }
      T obj = detail::raw_container_for<T>(n);
      check(MPI_Mrecv(obj.data(), bytes_, MPI_BYTE, &h_, &st));
      if (status) *status = Status(st);
      return obj;
    } else {
      std::vector<char> bytes(n);
      check(MPI_Mrecv(bytes.data(), bytes_, MPI_BYTE, &h_, &st));
      if (status) *status = Status(st);
      return detail::unpack<T>(bytes.data(), bytes.size());
    }
  }

 private:
  std::size_t matched_size() {
    if (h_ == MPI_MESSAGE_NO_PROC) bytes_ = 0;
    if (bytes_ < 0)
      throw Exception(MPI_ERR_ARG, "Message.recv: size unknown (make the Message with Comm.Mprobe)");
    return static_cast<std::size_t>(bytes_);
  }

  MPI_Message h_ = MPI_MESSAGE_NULL;
  int bytes_ = -1;
};

inline const Message MESSAGE_NULL{};
inline const Message MESSAGE_NO_PROC{MPI_MESSAGE_NO_PROC};

}  // namespace parley
