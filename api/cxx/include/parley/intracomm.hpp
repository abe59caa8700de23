// Intracomm (one group: communicator constructors, topologies, Scan/Exscan, object collectives) and
// Intercomm (two groups: remote queries, Merge), plus the predefined COMM_WORLD and COMM_SELF views.
#pragma once

#include <mpi.h>

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "parley/comm.hpp"
#include "parley/comm_coll.hpp"
#include "parley/comm_object.hpp"

namespace parley {

class Intercomm;
class Cartcomm;
class Graphcomm;
class Distgraphcomm;

class Intracomm : public Comm {
 public:
  using Comm::Comm;
  // Checked downcasts: from an lvalue a non-owning view, from an rvalue the ownership moves.
  explicit Intracomm(const Comm& c) : Comm(require(c, c.Is_null() || c.Is_intra(), "an intracommunicator")) {}
  explicit Intracomm(Comm&& c) : Comm(std::move(checked(c))) {}

  Intracomm Dup() const { return Intracomm(dup_handle(), adopt); }
  Intracomm Clone() const { return Dup(); }
  // Nonblocking Dup: the communicator may be used once the request has completed. It inherits this
  // communicator's error handler (ERRORS_RETURN for every communicator this layer made).
  std::pair<Intracomm, Request> Idup() const {
    MPI_Comm c = MPI_COMM_NULL;
    MPI_Request r = MPI_REQUEST_NULL;
    check(MPI_Comm_idup(h(), &c, &r));
    return {Intracomm(c, adopt), Request(r)};
  }
  // The rank this process would have in a Cartesian (Cart_map) or graph (Graph_map) topology of these
  // dimensions / edges, or UNDEFINED; nothing is created.
  int Cart_map(const std::vector<int>& dims, const std::vector<bool>& periods = {}) const {
    std::vector<int> p(dims.size(), 0);
    for (std::size_t i = 0; i < dims.size() && i < periods.size(); ++i) p[i] = periods[i] ? 1 : 0;
    int rank = MPI_UNDEFINED;
    check(MPI_Cart_map(h(), static_cast<int>(dims.size()), dims.data(), p.data(), &rank));
    return rank;
  }
  int Graph_map(const std::vector<int>& index, const std::vector<int>& edges) const {
    int rank = MPI_UNDEFINED;
    check(MPI_Graph_map(h(), static_cast<int>(index.size()), index.data(), edges.data(), &rank));
    return rank;
  }
  Intracomm Dup_with_info(const Info& info) const {
    return made([&](MPI_Comm* c) { return MPI_Comm_dup_with_info(h(), info.handle(), c); });
  }
  // Collective over this communicator; processes outside `group` get a null communicator.
  Intracomm Create(const Group& group) const {
    return made([&](MPI_Comm* c) { return MPI_Comm_create(h(), group.handle(), c); });
  }
  // Collective over `group` only.
  Intracomm Create_group(const Group& group, int tag = 0) const {
    return made([&](MPI_Comm* c) { return MPI_Comm_create_group(h(), group.handle(), tag, c); });
  }
  // Processes with the same color form a communicator, ordered by key (then old rank).
  Intracomm Split(int color = 0, int key = 0) const {
    return made([&](MPI_Comm* c) { return MPI_Comm_split(h(), color, key, c); });
  }
  Intracomm Split_type(int split_type, int key = 0, const Info& info = INFO_NULL) const {
    return made([&](MPI_Comm* c) { return MPI_Comm_split_type(h(), split_type, key, info.handle(), c); });
  }
  // Collective over this communicator and the peer leaders: an intercommunicator with the remote group.
  Intercomm Create_intercomm(int local_leader, const Intracomm& peer_comm, int remote_leader,
                             int tag = 0) const;
  Cartcomm Create_cart(const std::vector<int>& dims, const std::vector<bool>& periods = {},
                       bool reorder = false) const;
  Graphcomm Create_graph(const std::vector<int>& index, const std::vector<int>& edges,
                         bool reorder = false) const;
  // Unweighted and weighted forms: each process names its own in- and out-neighbours.
  Distgraphcomm Create_dist_graph_adjacent(const std::vector<int>& sources,
                                           const std::vector<int>& destinations, const Info& info = INFO_NULL,
                                           bool reorder = false) const;
  Distgraphcomm Create_dist_graph_adjacent(const std::vector<int>& sources,
                                           const std::vector<int>& destinations,
                                           const std::vector<int>& sourceweights,
                                           const std::vector<int>& destweights, const Info& info = INFO_NULL,
                                           bool reorder = false) const;
  // Each process contributes edges from `sources`, degrees[i] of them from sources[i].
  Distgraphcomm Create_dist_graph(const std::vector<int>& sources, const std::vector<int>& degrees,
                                  const std::vector<int>& destinations, const Info& info = INFO_NULL,
                                  bool reorder = false) const;
  Distgraphcomm Create_dist_graph(const std::vector<int>& sources, const std::vector<int>& degrees,
                                  const std::vector<int>& destinations, const std::vector<int>& weights,
                                  const Info& info = INFO_NULL, bool reorder = false) const;

  template <coll_send_buffer S, recv_buffer R>
  void Scan(const S& sendbuf, R&& recvbuf, const Op& op = SUM) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Scan(s.ptr, r.ptr, r.count, r.type, op.handle(), h()));
  }
  // recvbuf is undefined on rank 0.
  template <coll_send_buffer S, recv_buffer R>
  void Exscan(const S& sendbuf, R&& recvbuf, const Op& op = SUM) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    check(MPI_Exscan(s.ptr, r.ptr, r.count, r.type, op.handle(), h()));
  }

  template <coll_send_buffer S, recv_buffer R>
  Request Iscan(const S& sendbuf, R&& recvbuf, const Op& op = SUM) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    return issue<Request>(MPI_Iscan, s.ptr, r.ptr, r.count, r.type, op.handle(), h());
  }
  template <coll_send_buffer S, recv_buffer R>
  Request Iexscan(const S& sendbuf, R&& recvbuf, const Op& op = SUM) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    return issue<Request>(MPI_Iexscan, s.ptr, r.ptr, r.count, r.type, op.handle(), h());
  }
  template <coll_send_buffer S, recv_buffer R>
  Prequest Scan_init(const S& sendbuf, R&& recvbuf, const Op& op = SUM, const Info& info = INFO_NULL) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    return issue<Prequest>(MPI_Scan_init, s.ptr, r.ptr, r.count, r.type, op.handle(), h(), info.handle());
  }
  template <coll_send_buffer S, recv_buffer R>
  Prequest Exscan_init(const S& sendbuf, R&& recvbuf, const Op& op = SUM,
                       const Info& info = INFO_NULL) const {
    ConstBuffer s = detail::as_send(sendbuf);
    Buffer r = detail::as_recv(std::forward<R>(recvbuf));
    return issue<Prequest>(MPI_Exscan_init, s.ptr, r.ptr, r.count, r.type, op.handle(), h(), info.handle());
  }

  // ---- Object collectives (lower-case) ------------------------------------------------------------
  // Returns the root's object everywhere (`obj` matters at the root only).
  template <class T>
  T bcast(const T& obj, int root = 0) const {
    std::vector<char> bytes;
    long long n = 0;
    if (Get_rank() == root) {
      bytes = detail::pack(obj);
      n = static_cast<long long>(bytes.size());
    }
    check(MPI_Bcast(&n, 1, MPI_LONG_LONG, root, h()));
    if (Get_rank() != root) bytes.resize(static_cast<std::size_t>(n));
    check(MPI_Bcast(bytes.data(), detail::checked_count(bytes.size()), MPI_BYTE, root, h()));
    if (Get_rank() == root) return obj;
    return detail::unpack<T>(bytes.data(), bytes.size());
  }
  // At the root: every process's object in rank order; elsewhere: empty.
  template <class T>
  std::vector<T> gather(const T& obj, int root = 0) const {
    std::vector<char> mine = detail::pack(obj);
    int n = detail::checked_count(mine.size());
    bool at_root = Get_rank() == root;
    int size = Get_size();
    std::vector<int> counts(at_root ? static_cast<std::size_t>(size) : 0);
    check(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, root, h()));
    std::vector<int> displs = detail::packed_displs(counts);
    std::vector<char> all(at_root ? total(counts) : 0);
    check(
        MPI_Gatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, root, h()));
    return unpack_all<T>(all, counts, displs);
  }
  // objs (one per process, at the root) are dealt out: process i gets objs[i].
  template <class T>
  T scatter(const std::vector<T>& objs, int root = 0) const {
    bool at_root = Get_rank() == root;
    int size = Get_size();
    std::vector<char> all;
    std::vector<int> counts, displs;
    if (at_root) {
      if (objs.size() != static_cast<std::size_t>(size))
        throw Exception(MPI_ERR_COUNT, "Intracomm.scatter: need one object per process");
      for (const T& o : objs) {
        std::vector<char> b = detail::pack(o);
        displs.push_back(detail::checked_count(all.size()));
        counts.push_back(detail::checked_count(b.size()));
        all.insert(all.end(), b.begin(), b.end());
      }
    }
    int n = 0;
    check(MPI_Scatter(counts.data(), 1, MPI_INT, &n, 1, MPI_INT, root, h()));
    std::vector<char> mine(static_cast<std::size_t>(n));
    check(MPI_Scatterv(all.data(), counts.data(), displs.data(), MPI_BYTE, mine.data(), n, MPI_BYTE, root,
                       h()));
    return detail::unpack<T>(mine.data(), mine.size());
  }
  template <class T>
  std::vector<T> allgather(const T& obj) const {
    std::vector<char> mine = detail::pack(obj);
    int n = detail::checked_count(mine.size());
    std::vector<int> counts(static_cast<std::size_t>(Get_size()));
    check(MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, h()));
    std::vector<int> displs = detail::packed_displs(counts);
    std::vector<char> all(total(counts));
    check(MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, h()));
    return unpack_all<T>(all, counts, displs);
  }
  // objs[i] goes to process i; returns what each process sent here, in rank order.
  template <class T>
  std::vector<T> alltoall(const std::vector<T>& objs) const {
    int size = Get_size();
    if (objs.size() != static_cast<std::size_t>(size))
      throw Exception(MPI_ERR_COUNT, "Intracomm.alltoall: need one object per process");
    std::vector<char> out;
    std::vector<int> scounts, sdispls;
    for (const T& o : objs) {
      std::vector<char> b = detail::pack(o);
      sdispls.push_back(detail::checked_count(out.size()));
      scounts.push_back(detail::checked_count(b.size()));
      out.insert(out.end(), b.begin(), b.end());
    }
    std::vector<int> rcounts(static_cast<std::size_t>(size));
    check(MPI_Alltoall(scounts.data(), 1, MPI_INT, rcounts.data(), 1, MPI_INT, h()));
    std::vector<int> rdispls = detail::packed_displs(rcounts);
    std::vector<char> in(total(rcounts));
    check(MPI_Alltoallv(out.data(), scounts.data(), sdispls.data(), MPI_BYTE, in.data(), rcounts.data(),
                        rdispls.data(), MPI_BYTE, h()));
    return unpack_all<T>(in, rcounts, rdispls);
  }
  // Folds the processes' objects in rank order with `op` (any callable T(T, T)); the result at the root,
  // nullopt elsewhere. Rank order makes non-commutative ops well defined.
  template <class T, class F = std::plus<>>
  std::optional<T> reduce(const T& obj, F op = {}, int root = 0) const {
    std::vector<T> all = gather(obj, root);
    if (Get_rank() != root) return std::nullopt;
    return fold(all, all.size(), op);
  }
  template <class T, class F = std::plus<>>
  T allreduce(const T& obj, F op = {}) const {
    std::vector<T> all = allgather(obj);
    return fold(all, all.size(), op);
  }
  // Inclusive prefix: op over processes 0..rank.
  template <class T, class F = std::plus<>>
  T scan(const T& obj, F op = {}) const {
    std::vector<T> all = allgather(obj);
    return fold(all, static_cast<std::size_t>(Get_rank()) + 1, op);
  }
  // Exclusive prefix: op over processes 0..rank-1; nullopt on rank 0.
  template <class T, class F = std::plus<>>
  std::optional<T> exscan(const T& obj, F op = {}) const {
    std::vector<T> all = allgather(obj);
    int rank = Get_rank();
    if (rank == 0) return std::nullopt;
    return fold(all, static_cast<std::size_t>(rank), op);
  }

 protected:
  template <class F>
  static Intracomm made(F&& construct) {
    MPI_Comm c = MPI_COMM_NULL;
    check(construct(&c));
    return Intracomm(detail::returning_errors(c), adopt);
  }

 private:
  static Comm& checked(Comm& c) {
    require(c, c.Is_null() || c.Is_intra(), "an intracommunicator");
    return c;
  }
  static std::size_t total(const std::vector<int>& counts) {
    std::size_t t = 0;
    for (int c : counts) t += static_cast<std::size_t>(c);
    return t;
  }
  template <class T>
  static std::vector<T> unpack_all(const std::vector<char>& all, const std::vector<int>& counts,
                                   const std::vector<int>& displs) {
    std::vector<T> objs;
    objs.reserve(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i)
      objs.push_back(detail::unpack<T>(all.data() + displs[i], static_cast<std::size_t>(counts[i])));
    return objs;
  }
  template <class T, class F>
  static T fold(std::vector<T>& all, std::size_t n, F& op) {
    T acc = std::move(all[0]);
    for (std::size_t i = 1; i < n; ++i) acc = op(std::move(acc), all[i]);
    return acc;
  }
};

class Intercomm : public Comm {
 public:
  using Comm::Comm;
  explicit Intercomm(const Comm& c) : Comm(require(c, c.Is_null() || c.Is_inter(), "an intercommunicator")) {}
  explicit Intercomm(Comm&& c) : Comm(std::move(checked(c))) {}

  Intercomm Dup() const { return Intercomm(dup_handle(), adopt); }
  Intercomm Clone() const { return Dup(); }
  int Get_remote_size() const {
    int n = 0;
    check(MPI_Comm_remote_size(h(), &n));
    return n;
  }
  Group Get_remote_group() const {
    MPI_Group g = MPI_GROUP_NULL;
    check(MPI_Comm_remote_group(h(), &g));
    return Group(g, adopt);
  }
  // Collective over both groups: one intracommunicator; the group passing high=true is ordered last.
  Intracomm Merge(bool high = false) const {
    MPI_Comm c = MPI_COMM_NULL;
    check(MPI_Intercomm_merge(h(), high ? 1 : 0, &c));
    return Intracomm(detail::returning_errors(c), adopt);
  }

 private:
  static Comm& checked(Comm& c) {
    require(c, c.Is_null() || c.Is_inter(), "an intercommunicator");
    return c;
  }
};

inline Intercomm Intracomm::Create_intercomm(int local_leader, const Intracomm& peer_comm, int remote_leader,
                                             int tag) const {
  MPI_Comm c = MPI_COMM_NULL;
  check(MPI_Intercomm_create(h(), local_leader, peer_comm.handle(), remote_leader, tag, &c));
  return Intercomm(detail::returning_errors(c), adopt);
}

// The predefined communicators (views). Using either initialises MPI if nothing else did.
inline const Intracomm COMM_WORLD{MPI_COMM_WORLD};
inline const Intracomm COMM_SELF{MPI_COMM_SELF};

}  // namespace parley
