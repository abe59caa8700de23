// Comm: the communicator base class — management, error handlers, attributes, point-to-point (typed,
// upper-case) and the collectives that apply to intra- and intercommunicators alike. The lower-case
// (object) methods are defined in comm_object.hpp.
#pragma once

#include <mpi.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "parley/buffer.hpp"
#include "parley/datatype.hpp"
#include "parley/env.hpp"
#include "parley/errhandler.hpp"
#include "parley/group.hpp"
#include "parley/handle.hpp"
#include "parley/info.hpp"
#include "parley/message.hpp"
#include "parley/op.hpp"
#include "parley/request.hpp"
#include "parley/status.hpp"

namespace parley {

class SendRequest;
template <class T>
class RecvRequest;

namespace detail {
struct CommTraits {
  using handle_type = MPI_Comm;
  static handle_type null() noexcept { return MPI_COMM_NULL; }
  static int free(handle_type* h) noexcept { return MPI_Comm_free(h); }
};

// Every communicator this layer creates reports errors as return codes (then exceptions).
inline MPI_Comm returning_errors(MPI_Comm c) {
  if (c != MPI_COMM_NULL) {
    int rc = MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN);
    if (rc != MPI_SUCCESS) {
      MPI_Comm_free(&c);
      check(rc);
    }
  }
  return c;
}

// Displacements for packed blocks of `counts`, when the caller gave none.
inline std::vector<int> packed_displs(std::span<const int> counts) {
  std::vector<int> d(counts.size());
  int at = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    d[i] = at;
    at += counts[i];
  }
  return d;
}
}  // namespace detail

class Comm : public detail::Handle<detail::CommTraits> {
 public:
  using Handle::Handle;

  // ---- Management ---------------------------------------------------------------------------------
  int Get_size() const {
    int n = 0;
    check(MPI_Comm_size(h(), &n));
    return n;
  }
  int Get_rank() const {
    int r = 0;
    check(MPI_Comm_rank(h(), &r));
    return r;
  }
  Group Get_group() const {
    MPI_Group g = MPI_GROUP_NULL;
    check(MPI_Comm_group(h(), &g));
    return Group(g, adopt);
  }
  // IDENT, CONGRUENT, SIMILAR or UNEQUAL.
  static int Compare(const Comm& comm1, const Comm& comm2) {
    int result = 0;
    check(MPI_Comm_compare(comm1.h(), comm2.h(), &result));
    return result;
  }
  bool Is_inter() const {
    int flag = 0;
    check(MPI_Comm_test_inter(h(), &flag));
    return flag != 0;
  }
  bool Is_intra() const { return !Is_inter(); }
  // CART, GRAPH, DIST_GRAPH or UNDEFINED.
  int Get_topology() const {
    int t = MPI_UNDEFINED;
    check(MPI_Topo_test(h(), &t));
    return t;
  }
  // Collective. The new communicator has the same group, topology and attributes (copied by keyval).
  Comm Dup() const { return Comm(dup_handle(), adopt); }
  Comm Clone() const { return Dup(); }
  void Set_name(std::string_view name) const {
    std::string n(name);
    check(MPI_Comm_set_name(h(), n.c_str()));
  }
  std::string Get_name() const {
    char name[MPI_MAX_OBJECT_NAME] = {};
    int len = 0;
    check(MPI_Comm_get_name(h(), name, &len));
    return std::string(name, static_cast<std::size_t>(len));
  }
  void Set_info(const Info& info) const { check(MPI_Comm_set_info(h(), info.handle())); }
  Info Get_info() const {
    MPI_Info info = MPI_INFO_NULL;
    check(MPI_Comm_get_info(h(), &info));
    return Info(info, adopt);
  }
  [[noreturn]] void Abort(int errorcode = 0) const {
    MPI_Abort(h(), errorcode);
    std::abort();
  }

  // ---- Error handling -----------------------------------------------------------------------------
  void Set_errhandler(const Errhandler& errhandler) const {
    check(MPI_Comm_set_errhandler(h(), errhandler.handle()));
  }
  Errhandler Get_errhandler() const {
    MPI_Errhandler e = MPI_ERRHANDLER_NULL;
    check(MPI_Comm_get_errhandler(h(), &e));
    if (detail::is_predefined_errhandler(e)) return Errhandler(e);
    return Errhandler(e, adopt);
  }
  // Invokes this communicator's error handler with `errorcode`. Under ERRORS_RETURN the handler does
  // nothing and this returns normally (the call reports only whether the handler ran).
  void Call_errhandler(int errorcode) const { check(MPI_Comm_call_errhandler(h(), errorcode)); }
  static Errhandler Create_errhandler(MPI_Comm_errhandler_function* function) {
    detail::ensure_init();
    MPI_Errhandler e = MPI_ERRHANDLER_NULL;
    check(MPI_Comm_create_errhandler(function, &e));
    return Errhandler(e, adopt);
  }

  // ---- Attributes -----------------------------------------------------------------------------------
  static int Create_keyval(MPI_Comm_copy_attr_function* copy_fn = MPI_COMM_NULL_COPY_FN,
                           MPI_Comm_delete_attr_function* delete_fn = MPI_COMM_NULL_DELETE_FN,
                           void* extra_state = nullptr) {
    detail::ensure_init();
    int keyval = MPI_KEYVAL_INVALID;
    check(MPI_Comm_create_keyval(copy_fn, delete_fn, &keyval, extra_state));
    return keyval;
  }
  static void Free_keyval(int& keyval) { check(MPI_Comm_free_keyval(&keyval)); }
  // The attribute's value, or nullopt when not set. T = a pointer type: the stored pointer; T = a value
  // type (e.g. int for TAG_UB, whose stored value points to an int): the value pointed to.
  template <class T = void*>
  std::optional<T> Get_attr(int keyval) const {
    void* value = nullptr;
    int flag = 0;
    check(MPI_Comm_get_attr(h(), keyval, &value, &flag));
    if (!flag) return std::nullopt;
    if constexpr (std::is_pointer_v<T>)
      return static_cast<T>(value);
    else
      return *static_cast<const T*>(value);
  }
  void Set_attr(int keyval, void* value) const { check(MPI_Comm_set_attr(h(), keyval, value)); }
  void Delete_attr(int keyval) const { check(MPI_Comm_delete_attr(h(), keyval)); }

  // ---- Point-to-point (typed buffers) ---------------------------------------------------------------
  // Blocking standard-mode send: returns once `buf` may be reused.
  template <send_buffer B>
  void Send(const B& buf, int dest, int tag = 0) const {
    ConstBuffer b = detail::as_send(buf);
    check(MPI_Send(b.ptr, b.count, b.type, dest, tag, h()));
  }
  // Synchronous: returns once the matching receive has started.
  template <send_buffer B>
  void Ssend(const B& buf, int dest, int tag = 0) const {
    ConstBuffer b = detail::as_send(buf);
    check(MPI_Ssend(b.ptr, b.count, b.type, dest, tag, h()));
  }
  // Buffered: copies into the buffer given to Attach_buffer.
  template <send_buffer B>
  void Bsend(const B& buf, int dest, int tag = 0) const {
    ConstBuffer b = detail::as_send(buf);
    check(MPI_Bsend(b.ptr, b.count, b.type, dest, tag, h()));
  }
  // Ready: the matching receive must already be posted.
  template <send_buffer B>
  void Rsend(const B& buf, int dest, int tag = 0) const {
    ConstBuffer b = detail::as_send(buf);
    check(MPI_Rsend(b.ptr, b.count, b.type, dest, tag, h()));
  }
  template <recv_buffer B>
  void Recv(B&& buf, int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const {
    Buffer b = detail::as_recv(std::forward<B>(buf));
    check(MPI_Recv(b.ptr, b.count, b.type, source, tag, h(), detail::c_status(status)));
  }
  // Nonblocking: `buf` must stay alive and untouched until the request completes.
  template <send_buffer B>
  Request Isend(const B& buf, int dest, int tag = 0) const {
    return start(MPI_Isend, buf, dest, tag);
  }
  template <send_buffer B>
  Request Issend(const B& buf, int dest, int tag = 0) const {
    return start(MPI_Issend, buf, dest, tag);
  }
  template <send_buffer B>
  Request Ibsend(const B& buf, int dest, int tag = 0) const {
    return start(MPI_Ibsend, buf, dest, tag);
  }
  template <send_buffer B>
  Request Irsend(const B& buf, int dest, int tag = 0) const {
    return start(MPI_Irsend, buf, dest, tag);
  }
  template <recv_buffer B>
  Request Irecv(B&& buf, int source = ANY_SOURCE, int tag = ANY_TAG) const {
    Buffer b = detail::as_recv(std::forward<B>(buf));
    MPI_Request r = MPI_REQUEST_NULL;
    check(MPI_Irecv(b.ptr, b.count, b.type, source, tag, h(), &r));
    return Request(r);
  }
  // Persistent requests: made once, then Start()ed and completed any number of times.
  template <send_buffer B>
  Prequest Send_init(const B& buf, int dest, int tag = 0) const {
    return start_persistent(MPI_Send_init, buf, dest, tag);
  }
  template <send_buffer B>
  Prequest Ssend_init(const B& buf, int dest, int tag = 0) const {
    return start_persistent(MPI_Ssend_init, buf, dest, tag);
  }
  template <send_buffer B>
  Prequest Bsend_init(const B& buf, int dest, int tag = 0) const {
    return start_persistent(MPI_Bsend_init, buf, dest, tag);
  }
  template <send_buffer B>
  Prequest Rsend_init(const B& buf, int dest, int tag = 0) const {
    return start_persistent(MPI_Rsend_init, buf, dest, tag);
  }
  template <recv_buffer B>
  Prequest Recv_init(B&& buf, int source = ANY_SOURCE, int tag = ANY_TAG) const {
    Buffer b = detail::as_recv(std::forward<B>(buf));
    MPI_Request r = MPI_REQUEST_NULL;
    check(MPI_Recv_init(b.ptr, b.count, b.type, source, tag, h(), &r));
    return Prequest(r);
  }
  template <send_buffer S, recv_buffer R>
  void Sendrecv(const S& sendbuf, int dest, int sendtag, R&& recvbuf, int source = ANY_SOURCE,
                int recvtag = ANY_TAG, Status* status = nullptr) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Sendrecv(s.ptr, s.count, s.type, dest, sendtag, r.ptr, r.count, r.type, source, recvtag, h(),
                       detail::c_status(status)));
  }
  template <recv_buffer B>
  void Sendrecv_replace(B&& buf, int dest, int sendtag = 0, int source = ANY_SOURCE, int recvtag = ANY_TAG,
                        Status* status = nullptr) const {
    Buffer b = detail::as_recv(std::forward<B>(buf));
    check(MPI_Sendrecv_replace(b.ptr, b.count, b.type, dest, sendtag, source, recvtag, h(),
                               detail::c_status(status)));
  }
  // Blocks until a matching message is available (it is not received).
  void Probe(int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const {
    check(MPI_Probe(source, tag, h(), detail::c_status(status)));
  }
  bool Iprobe(int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const {
    int flag = 0;
    check(MPI_Iprobe(source, tag, h(), &flag, detail::c_status(status)));
    return flag != 0;
  }
  // Matches a message (blocking) so that only the returned Message can receive it.
  Message Mprobe(int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const {
    MPI_Message m = MPI_MESSAGE_NULL;
    MPI_Status st;
    check(MPI_Mprobe(source, tag, h(), &m, &st));
    if (status) *status = Status(st);
    return Message(m, byte_count(st));
  }
  std::optional<Message> Improbe(int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const {
    MPI_Message m = MPI_MESSAGE_NULL;
    MPI_Status st;
    int flag = 0;
    check(MPI_Improbe(source, tag, h(), &flag, &m, &st));
    if (!flag) return std::nullopt;
    if (status) *status = Status(st);
    return Message(m, byte_count(st));
  }

  // ---- Collectives (intra- and intercommunicators) -------------------------------------------------
  // Counts per process are deduced: a buffer holding data for all processes is split evenly among them.
  void Barrier() const { check(MPI_Barrier(h())); }
  template <recv_buffer B>
  void Bcast(B&& buf, int root = 0) const {
    Buffer b = detail::as_recv(std::forward<B>(buf));
    check(MPI_Bcast(b.ptr, b.count, b.type, root, h()));
  }
  template <coll_send_buffer S, coll_recv_buffer R>
  void Gather(const S& sendbuf, R&& recvbuf, int root = 0) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Gather(s.ptr, s.count, s.type, r.ptr, r.count / peers(), r.type, root, h()));
  }
  // recvcounts/displs matter at the root only; empty displs means blocks packed in rank order.
  template <coll_send_buffer S, coll_recv_buffer R>
  void Gatherv(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
               std::span<const int> displs = {}, int root = 0) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    std::vector<int> d = displs.empty() ? detail::packed_displs(recvcounts) : std::vector<int>();
    check(MPI_Gatherv(s.ptr, s.count, s.type, r.ptr, recvcounts.data(),
                      displs.empty() ? d.data() : displs.data(), r.type, root, h()));
  }
  template <coll_send_buffer S, coll_recv_buffer R>
  void Scatter(const S& sendbuf, R&& recvbuf, int root = 0) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Scatter(s.ptr, s.count / peers(), s.type, r.ptr, r.count, r.type, root, h()));
  }
  template <coll_send_buffer S, coll_recv_buffer R>
  void Scatterv(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> displs, R&& recvbuf,
                int root = 0) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    std::vector<int> d = displs.empty() ? detail::packed_displs(sendcounts) : std::vector<int>();
    check(MPI_Scatterv(s.ptr, sendcounts.data(), displs.empty() ? d.data() : displs.data(), s.type, r.ptr,
                       r.count, r.type, root, h()));
  }
  template <coll_send_buffer S, coll_recv_buffer R>
  void Allgather(const S& sendbuf, R&& recvbuf) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Allgather(s.ptr, s.count, s.type, r.ptr, r.count / peers(), r.type, h()));
  }
  template <coll_send_buffer S, coll_recv_buffer R>
  void Allgatherv(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                  std::span<const int> displs = {}) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    std::vector<int> d = displs.empty() ? detail::packed_displs(recvcounts) : std::vector<int>();
    check(MPI_Allgatherv(s.ptr, s.count, s.type, r.ptr, recvcounts.data(),
                         displs.empty() ? d.data() : displs.data(), r.type, h()));
  }
  template <coll_send_buffer S, coll_recv_buffer R>
  void Alltoall(const S& sendbuf, R&& recvbuf) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    int n = peers();
    check(MPI_Alltoall(s.ptr, s.count / n, s.type, r.ptr, r.count / n, r.type, h()));
  }
  template <coll_send_buffer S, coll_recv_buffer R>
  void Alltoallv(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls, R&& recvbuf,
                 std::span<const int> recvcounts, std::span<const int> rdispls = {}) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    std::vector<int> sd = sdispls.empty() ? detail::packed_displs(sendcounts) : std::vector<int>();
    std::vector<int> rd = rdispls.empty() ? detail::packed_displs(recvcounts) : std::vector<int>();
    check(MPI_Alltoallv(s.ptr, sendcounts.data(), sdispls.empty() ? sd.data() : sdispls.data(), s.type, r.ptr,
                        recvcounts.data(), rdispls.empty() ? rd.data() : rdispls.data(), r.type, h()));
  }
  // Displacements in bytes, one datatype per process (MPI_Alltoallw).
  void Alltoallw(const void* sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls,
                 std::span<const MPI_Datatype> sendtypes, void* recvbuf, std::span<const int> recvcounts,
                 std::span<const int> rdispls, std::span<const MPI_Datatype> recvtypes) const {
    check(MPI_Alltoallw(sendbuf, sendcounts.data(), sdispls.data(), sendtypes.data(), recvbuf,
                        recvcounts.data(), rdispls.data(), recvtypes.data(), h()));
  }
  // recvbuf matters at the root only (pass nullptr elsewhere); IN_PLACE as sendbuf at the root.
  template <coll_send_buffer S, coll_recv_buffer R>
  void Reduce(const S& sendbuf, R&& recvbuf, const Op& op = SUM, int root = 0) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    auto [count, type] = reduce_shape(s, r);
    check(MPI_Reduce(reduce_send(s), r.ptr, count, type, op.handle(), root, h()));
  }
  template <coll_send_buffer S, recv_buffer R>
  void Allreduce(const S& sendbuf, R&& recvbuf, const Op& op = SUM) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Allreduce(s.ptr, r.ptr, r.count, r.type, op.handle(), h()));
  }
  // Each process receives recvbuf's count elements of the reduction.
  template <coll_send_buffer S, recv_buffer R>
  void Reduce_scatter_block(const S& sendbuf, R&& recvbuf, const Op& op = SUM) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Reduce_scatter_block(s.ptr, r.ptr, r.count, r.type, op.handle(), h()));
  }
  template <coll_send_buffer S, recv_buffer R>
  void Reduce_scatter(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                      const Op& op = SUM) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Reduce_scatter(s.ptr, r.ptr, recvcounts.data(), r.type, op.handle(), h()));
  }

  // Nonblocking collectives: the buffers must stay alive until the request completes.
  Request Ibarrier() const {
    MPI_Request r = MPI_REQUEST_NULL;
    check(MPI_Ibarrier(h(), &r));
    return Request(r);
  }
  template <recv_buffer B>
  Request Ibcast(B&& buf, int root = 0) const {
    Buffer b = detail::as_recv(std::forward<B>(buf));
    MPI_Request r = MPI_REQUEST_NULL;
    check(MPI_Ibcast(b.ptr, b.count, b.type, root, h(), &r));
    return Request(r);
  }
  template <coll_send_buffer S, coll_recv_buffer R>
  Request Igather(const S& sendbuf, R&& recvbuf, int root = 0) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer b = detail::as_recv(std::forward<R>(recvbuf));
    MPI_Request r = MPI_REQUEST_NULL;
    check(MPI_Igather(s.ptr, s.count, s.type, b.ptr, b.count / peers(), b.type, root, h(), &r));
    return Request(r);
  }
  template <coll_send_buffer S, coll_recv_buffer R>
  Request Iallgather(const S& sendbuf, R&& recvbuf) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer b = detail::as_recv(std::forward<R>(recvbuf));
    MPI_Request r = MPI_REQUEST_NULL;
    check(MPI_Iallgather(s.ptr, s.count, s.type, b.ptr, b.count / peers(), b.type, h(), &r));
    return Request(r);
  }
  template <coll_send_buffer S, recv_buffer R>
  Request Iallreduce(const S& sendbuf, R&& recvbuf, const Op& op = SUM) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer b = detail::as_recv(std::forward<R>(recvbuf));
    MPI_Request r = MPI_REQUEST_NULL;
    check(MPI_Iallreduce(s.ptr, b.ptr, b.count, b.type, op.handle(), h(), &r));
    return Request(r);
  }

  // The other nonblocking collectives and the persistent ones (MPI-4: made once, then Start()ed any number
  // of times) are defined in comm_coll.hpp. Counts and displacement arrays must stay alive and unchanged
  // until the request completes (for the persistent forms: until it is freed), so the v/w forms of these
  // take explicit displacements.
  template <coll_send_buffer S, coll_recv_buffer R>
  Request Iscatter(const S& sendbuf, R&& recvbuf, int root = 0) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Request Igatherv(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                   std::span<const int> displs, int root = 0) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Request Iscatterv(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> displs,
                    R&& recvbuf, int root = 0) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Request Iallgatherv(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                      std::span<const int> displs) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Request Ialltoall(const S& sendbuf, R&& recvbuf) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Request Ialltoallv(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls,
                     R&& recvbuf, std::span<const int> recvcounts, std::span<const int> rdispls) const;
  Request Ialltoallw(const void* sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls,
                     std::span<const MPI_Datatype> sendtypes, void* recvbuf, std::span<const int> recvcounts,
                     std::span<const int> rdispls, std::span<const MPI_Datatype> recvtypes) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Request Ireduce(const S& sendbuf, R&& recvbuf, const Op& op = SUM, int root = 0) const;
  template <coll_send_buffer S, recv_buffer R>
  Request Ireduce_scatter_block(const S& sendbuf, R&& recvbuf, const Op& op = SUM) const;
  template <coll_send_buffer S, recv_buffer R>
  Request Ireduce_scatter(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                          const Op& op = SUM) const;

  Prequest Barrier_init(const Info& info = INFO_NULL) const;
  template <recv_buffer B>
  Prequest Bcast_init(B&& buf, int root = 0, const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Prequest Gather_init(const S& sendbuf, R&& recvbuf, int root = 0, const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Prequest Gatherv_init(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                        std::span<const int> displs, int root = 0, const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Prequest Scatter_init(const S& sendbuf, R&& recvbuf, int root = 0, const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Prequest Scatterv_init(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> displs,
                         R&& recvbuf, int root = 0, const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Prequest Allgather_init(const S& sendbuf, R&& recvbuf, const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Prequest Allgatherv_init(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                           std::span<const int> displs, const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Prequest Alltoall_init(const S& sendbuf, R&& recvbuf, const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Prequest Alltoallv_init(const S& sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls,
                          R&& recvbuf, std::span<const int> recvcounts, std::span<const int> rdispls,
                          const Info& info = INFO_NULL) const;
  Prequest Alltoallw_init(const void* sendbuf, std::span<const int> sendcounts, std::span<const int> sdispls,
                          std::span<const MPI_Datatype> sendtypes, void* recvbuf,
                          std::span<const int> recvcounts, std::span<const int> rdispls,
                          std::span<const MPI_Datatype> recvtypes, const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, coll_recv_buffer R>
  Prequest Reduce_init(const S& sendbuf, R&& recvbuf, const Op& op = SUM, int root = 0,
                       const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, recv_buffer R>
  Prequest Allreduce_init(const S& sendbuf, R&& recvbuf, const Op& op = SUM,
                          const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, recv_buffer R>
  Prequest Reduce_scatter_block_init(const S& sendbuf, R&& recvbuf, const Op& op = SUM,
                                     const Info& info = INFO_NULL) const;
  template <coll_send_buffer S, recv_buffer R>
  Prequest Reduce_scatter_init(const S& sendbuf, R&& recvbuf, std::span<const int> recvcounts,
                               const Op& op = SUM, const Info& info = INFO_NULL) const;

  // ---- Objects (lower-case; serialised with cereal, see comm_object.hpp) ----------------------------
  template <class T>
  void send(const T& obj, int dest, int tag = 0) const;
  template <class T>
  void ssend(const T& obj, int dest, int tag = 0) const;
  template <class T>
  T recv(int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const;
  template <class T>
  SendRequest isend(const T& obj, int dest, int tag = 0) const;
  template <class T>
  SendRequest issend(const T& obj, int dest, int tag = 0) const;
  template <class T>
  RecvRequest<T> irecv(int source = ANY_SOURCE, int tag = ANY_TAG) const;
  // Sends `sendobj` to dest and receives an R from source, without deadlock between the pair.
  template <class R, class T>
  R sendrecv(const T& sendobj, int dest, int sendtag = 0, int source = ANY_SOURCE, int recvtag = ANY_TAG,
             Status* status = nullptr) const;
  bool probe(int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const {
    Probe(source, tag, status);
    return true;
  }
  bool iprobe(int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const {
    return Iprobe(source, tag, status);
  }
  Message mprobe(int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const {
    return Mprobe(source, tag, status);
  }
  std::optional<Message> improbe(int source = ANY_SOURCE, int tag = ANY_TAG, Status* status = nullptr) const {
    return Improbe(source, tag, status);
  }
  void barrier() const { Barrier(); }

 protected:
  // The handle for a call, initialising MPI on first use (COMM_WORLD before any Init).
  MPI_Comm h() const {
    detail::ensure_init();
    return handle();
  }
  MPI_Comm dup_handle() const {
    MPI_Comm c = MPI_COMM_NULL;
    check(MPI_Comm_dup(h(), &c));
    return detail::returning_errors(c);
  }
  // Processes a collective sends to / receives from: the remote group's size on an intercommunicator.
  int peers() const {
    MPI_Comm c = h();
    int inter = 0, n = 1;
    check(MPI_Comm_test_inter(c, &inter));
    check(inter ? MPI_Comm_remote_size(c, &n) : MPI_Comm_size(c, &n));
    return n > 0 ? n : 1;
  }
  // Reduce's count and type: the send buffer's, or the receive buffer's where the send buffer is IN_PLACE
  // or absent (the root of an intercommunicator reduction).
  static std::pair<int, MPI_Datatype> reduce_shape(const ConstBuffer& s, const Buffer& r) noexcept {
    bool use_recv = detail::is_in_place(s) || s.ptr == nullptr;
    return {use_recv ? r.count : s.count, use_recv ? r.type : s.type};
  }
  // The send buffer a reduction passes: a valid address where the caller gave none (the root of an
  // intercommunicator reduction, where it is not significant but some MPIs refuse a null pointer).
  static const void* reduce_send(const ConstBuffer& s) noexcept {
    static const char unused = 0;
    return s.ptr == nullptr ? &unused : s.ptr;
  }
  // Starts a nonblocking (Request) or persistent (Prequest) operation: `fn(args..., &request)`.
  template <class Req, class Fn, class... A>
  static Req issue(Fn fn, A... args) {
    MPI_Request r = MPI_REQUEST_NULL;
    check(fn(args..., &r));
    return Req(r);
  }
  // The caller must have checked the kind of communicator; used by the checked downcasts.
  static MPI_Comm require(const Comm& c, bool ok, const char* what) {
    if (!c.Is_null() && !ok)
      throw Exception(MPI_ERR_COMM, std::string("parley: communicator is not ") + what);
    return c.handle();
  }

 private:
  static int byte_count(const MPI_Status& st) {
    int n = 0;
    check(MPI_Get_count(&st, MPI_BYTE, &n));
    return n;
  }
  template <class Fn, class B>
  Request start(Fn fn, const B& buf, int dest, int tag) const {
    ConstBuffer b = detail::as_send(buf);
    MPI_Request r = MPI_REQUEST_NULL;
    check(fn(b.ptr, b.count, b.type, dest, tag, h(), &r));
    return Request(r);
  }
  template <class Fn, class B>
  Prequest start_persistent(Fn fn, const B& buf, int dest, int tag) const {
    ConstBuffer b = detail::as_send(buf);
    MPI_Request r = MPI_REQUEST_NULL;
    check(fn(b.ptr, b.count, b.type, dest, tag, h(), &r));
    return Prequest(r);
  }
};

inline const Comm COMM_NULL{};

}  // namespace parley
