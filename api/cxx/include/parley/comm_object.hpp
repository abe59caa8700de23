// The lower-case (object) point-to-point methods: any type cereal can serialise travels as MPI_BYTE
// through the upper-case path. Receives match first (Mprobe) and then receive the matched message, so a
// message of unknown size is never stolen by another thread's receive. A std::vector or std::string of
// numbers (detail::raw_object) travels as its elements' bytes: a blocking send copies nothing and a
// receive fills the returned container directly.
#pragma once

#include <mpi.h>

#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "parley/comm.hpp"
#include "parley/serialize.hpp"

namespace parley {

// The request of an object send: keeps the serialised bytes alive until the send completes.
class SendRequest {
 public:
  SendRequest() = default;
  SendRequest(std::vector<char> bytes, Request request)
      : bytes_(std::move(bytes)), request_(std::move(request)) {}

  void wait(Status* status = nullptr) { request_.Wait(status); }
  bool test(Status* status = nullptr) { return request_.Test(status); }
  void Wait(Status* status = nullptr) { wait(status); }
  bool Test(Status* status = nullptr) { return test(status); }
  Request& request() noexcept { return request_; }

 private:
  std::vector<char> bytes_;  // a vector's storage does not move when the request does
  Request request_;
};

// The request of an object receive: wait() yields the object. The message is matched on the first
// test() that finds it (Improbe) or in wait() (Mprobe), then received into a buffer of its exact size.
template <class T>
class RecvRequest {
 public:
  RecvRequest(MPI_Comm comm, int source, int tag) : comm_(comm), source_(source), tag_(tag) {}

  // Blocks until the object has arrived; returns it.
  T wait(Status* status = nullptr) {
    if (done_) throw Exception(MPI_ERR_REQUEST, "RecvRequest.wait: the object was already received");
    MPI_Status st;
    if (!matched_) {
      MPI_Message m = MPI_MESSAGE_NULL;
      check(MPI_Mprobe(source_, tag_, comm_, &m, &st));
      int n = allocate(st, m);
      check(MPI_Mrecv(bytes_.data(), n, MPI_BYTE, &m, &st));
    } else {
      check(MPI_Wait(&request_, &st));
    }
    return finish(st, status);
  }
  // The object if it has arrived, else nullopt (then test again or wait).
  std::optional<T> test(Status* status = nullptr) {
    if (done_) throw Exception(MPI_ERR_REQUEST, "RecvRequest.test: the object was already received");
    MPI_Status st;
    int flag = 0;
    if (!matched_) {
      MPI_Message m = MPI_MESSAGE_NULL;
      check(MPI_Improbe(source_, tag_, comm_, &flag, &m, &st));
      if (!flag) return std::nullopt;
      int n = allocate(st, m);
      check(MPI_Imrecv(bytes_.data(), n, MPI_BYTE, &m, &request_));
      matched_ = true;
    }
    check(MPI_Test(&request_, &flag, &st));
    if (!flag) return std::nullopt;
    return finish(st, status);
  }
  T Wait(Status* status = nullptr) { return wait(status); }

  RecvRequest(RecvRequest&& o) noexcept
      : comm_(o.comm_),
        source_(o.source_),
        tag_(o.tag_),
        matched_(o.matched_),
        done_(o.done_),
        bytes_(std::move(o.bytes_)),
        request_(std::exchange(o.request_, MPI_REQUEST_NULL)) {}
  RecvRequest& operator=(RecvRequest&&) = delete;
  RecvRequest(const RecvRequest&) = delete;
  RecvRequest& operator=(const RecvRequest&) = delete;
  // A matched, unfinished receive is left to complete in the background.
  ~RecvRequest() {
    if (request_ != MPI_REQUEST_NULL && !detail::mpi_finalized()) MPI_Request_free(&request_);
  }

 private:
  // Sizes the storage for the matched message `m` of status `st`; returns its size in bytes.
  int allocate(const MPI_Status& st, MPI_Message& m) {
    int n = 0;
    check(MPI_Get_count(&st, MPI_BYTE, &n));
    if (m == MPI_MESSAGE_NO_PROC) n = 0;
    if constexpr (detail::raw_object<T>) {
      if (static_cast<std::size_t>(n) % sizeof(typename T::value_type) != 0) {
        done_ = true;
        std::vector<char> drop(static_cast<std::size_t>(n));  // receive it anyway; then the throw below
        MPI_Status ignored;
        check(MPI_Mrecv(drop.data(), n, MPI_BYTE, &m, &ignored));
      }
      bytes_ = detail::raw_container_for<T>(static_cast<std::size_t>(n));
    } else {
      bytes_.resize(static_cast<std::size_t>(n));
    }
    return n;
  }
  T finish(const MPI_Status& st, Status* status) {
    done_ = true;
    if (status) *status = Status(st);
    if constexpr (detail::raw_object<T>)
      return std::move(bytes_);
    else
      return detail::unpack<T>(bytes_.data(), bytes_.size());
  }

  // A raw_object is received into the result itself, anything else into its archive's bytes.
  using Storage = std::conditional_t<detail::raw_object<T>, T, std::vector<char>>;

  MPI_Comm comm_;
  int source_, tag_;
  bool matched_ = false, done_ = false;
  Storage bytes_;
  MPI_Request request_ = MPI_REQUEST_NULL;
};

template <class T>
void Comm::send(const T& obj, int dest, int tag) const {
  if constexpr (detail::raw_object<T>) {
    check(MPI_Send(obj.data(), detail::checked_count(detail::raw_size(obj)), MPI_BYTE, dest, tag, h()));
  } else {
    std::vector<char> bytes = detail::pack(obj);
    check(MPI_Send(bytes.data(), detail::checked_count(bytes.size()), MPI_BYTE, dest, tag, h()));
  }
}

template <class T>
void Comm::ssend(const T& obj, int dest, int tag) const {
  if constexpr (detail::raw_object<T>) {
    check(MPI_Ssend(obj.data(), detail::checked_count(detail::raw_size(obj)), MPI_BYTE, dest, tag, h()));
  } else {
    std::vector<char> bytes = detail::pack(obj);
    check(MPI_Ssend(bytes.data(), detail::checked_count(bytes.size()), MPI_BYTE, dest, tag, h()));
  }
}

template <class T>
T Comm::recv(int source, int tag, Status* status) const {
  return Mprobe(source, tag).template recv<T>(status);
}

template <class T>
SendRequest Comm::isend(const T& obj, int dest, int tag) const {
  std::vector<char> bytes = detail::pack_message(obj);  // a copy: obj may change before the send ends
  MPI_Request r = MPI_REQUEST_NULL;
  check(MPI_Isend(bytes.data(), detail::checked_count(bytes.size()), MPI_BYTE, dest, tag, h(), &r));
  return SendRequest(std::move(bytes), Request(r));
}

template <class T>
SendRequest Comm::issend(const T& obj, int dest, int tag) const {
  std::vector<char> bytes = detail::pack_message(obj);
  MPI_Request r = MPI_REQUEST_NULL;
  check(MPI_Issend(bytes.data(), detail::checked_count(bytes.size()), MPI_BYTE, dest, tag, h(), &r));
  return SendRequest(std::move(bytes), Request(r));
}

template <class T>
RecvRequest<T> Comm::irecv(int source, int tag) const {
  return RecvRequest<T>(h(), source, tag);
}

template <class R, class T>
R Comm::sendrecv(const T& sendobj, int dest, int sendtag, int source, int recvtag, Status* status) const {
  SendRequest sent = isend(sendobj, dest, sendtag);
  R obj = recv<R>(source, recvtag, status);
  sent.wait();
  return obj;
}

}  // namespace parley
