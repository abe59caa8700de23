// Request (nonblocking operations), Prequest (persistent ones: Start/Startall) and Grequest
// (generalized requests completed by the user). A Request owns its MPI_Request; destroying a pending one
// frees it (MPI_Request_free), which lets the operation finish in the background.
#pragma once

#include <mpi.h>

#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "parley/buffer.hpp"
#include "parley/status.hpp"

namespace parley {

class Request;

namespace detail {

template <class R>
concept request_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    std::derived_from<std::ranges::range_value_t<R>, Request>;

// The raw handles of a range of Requests for one MPI_*all/any/some call: the requests themselves when the
// layout allows (always, for Request/Prequest/Grequest), else gathered (up to 32 on the stack) and written
// back after.
class HandleArray {
 public:
  template <class R>
  explicit HandleArray(R& reqs);
  MPI_Request* data() noexcept { return ptr_; }
  int size() const noexcept { return n_; }
  template <class R>
  void write_back(R& reqs);

 private:
  MPI_Request local_[32];
  std::vector<MPI_Request> heap_;
  MPI_Request* ptr_ = local_;
  int n_ = 0;
};

}  // namespace detail

class Request {
 public:
  Request() noexcept = default;
  // Takes ownership of an active (or null) request handle.
  explicit Request(MPI_Request h) noexcept : h_(h) {}
  Request(Request&& o) noexcept : h_(std::exchange(o.h_, MPI_REQUEST_NULL)) {}
  Request& operator=(Request&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, MPI_REQUEST_NULL);
    }
    return *this;
  }
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;
  ~Request() { reset(); }

  MPI_Request handle() const noexcept { return h_; }
  MPI_Request release() noexcept { return std::exchange(h_, MPI_REQUEST_NULL); }
  bool Is_null() const noexcept { return h_ == MPI_REQUEST_NULL; }
  explicit operator bool() const noexcept { return h_ != MPI_REQUEST_NULL; }

  // Blocks until the operation completes.
  void Wait(Status* status = nullptr) { check(MPI_Wait(&h_, detail::c_status(status))); }
  // Completes the operation if it is done; returns whether it was.
  bool Test(Status* status = nullptr) {
    int flag = 0;
    check(MPI_Test(&h_, &flag, detail::c_status(status)));
    return flag != 0;
  }
  // Whether the operation is done, without completing (freeing) it.
  bool Get_status(Status* status = nullptr) const {
    int flag = 0;
    check(MPI_Request_get_status(h_, &flag, detail::c_status(status)));
    return flag != 0;
  }
  // Asks for cancellation; the request must still be completed (Wait/Test).
  void Cancel() { check(MPI_Cancel(&h_)); }
  // Frees the request (a pending operation still completes). Harmless on a null request.
  void Free() {
    if (h_ != MPI_REQUEST_NULL) check(MPI_Request_free(&h_));
  }

  template <detail::request_range R>
  static void Waitall(R& requests, std::vector<Status>* statuses = nullptr) {
    detail::HandleArray raw(requests);
    std::vector<MPI_Status> st(statuses ? raw.size() : 0);
    int rc = MPI_Waitall(raw.size(), raw.data(), statuses ? st.data() : MPI_STATUSES_IGNORE);
    raw.write_back(requests);
    copy_statuses(st, statuses);
    check(rc);
  }
  // Returns whether all completed (then all are completed).
  template <detail::request_range R>
  static bool Testall(R& requests, std::vector<Status>* statuses = nullptr) {
    detail::HandleArray raw(requests);
    std::vector<MPI_Status> st(statuses ? raw.size() : 0);
    int flag = 0;
    int rc = MPI_Testall(raw.size(), raw.data(), &flag, statuses ? st.data() : MPI_STATUSES_IGNORE);
    raw.write_back(requests);
    if (flag) copy_statuses(st, statuses);
    check(rc);
    return flag != 0;
  }
  // Index of the request that completed, or UNDEFINED if none was active.
  template <detail::request_range R>
  static int Waitany(R& requests, Status* status = nullptr) {
    detail::HandleArray raw(requests);
    int index = MPI_UNDEFINED;
    int rc = MPI_Waitany(raw.size(), raw.data(), &index, detail::c_status(status));
    raw.write_back(requests);
    check(rc);
    return index;
  }
  // {index, flag}: flag says whether one completed; index is UNDEFINED if none did or none was active.
  template <detail::request_range R>
  static std::pair<int, bool> Testany(R& requests, Status* status = nullptr) {
    detail::HandleArray raw(requests);
    int index = MPI_UNDEFINED, flag = 0;
    int rc = MPI_Testany(raw.size(), raw.data(), &index, &flag, detail::c_status(status));
    raw.write_back(requests);
    check(rc);
    return {index, flag != 0};
  }
  // Indices of the requests that completed; empty if none was active.
  template <detail::request_range R>
  static std::vector<int> Waitsome(R& requests, std::vector<Status>* statuses = nullptr) {
    return some(MPI_Waitsome, requests, statuses);
  }
  template <detail::request_range R>
  static std::vector<int> Testsome(R& requests, std::vector<Status>* statuses = nullptr) {
    return some(MPI_Testsome, requests, statuses);
  }
  template <detail::request_range R>
  static void Cancelall(R& requests) {
    for (auto& r : requests) r.Cancel();
  }

 protected:
  void reset() noexcept {
    if (h_ != MPI_REQUEST_NULL && !detail::mpi_finalized()) MPI_Request_free(&h_);
    h_ = MPI_REQUEST_NULL;
  }
  MPI_Request h_ = MPI_REQUEST_NULL;

 private:
  static void copy_statuses(const std::vector<MPI_Status>& st, std::vector<Status>* out) {
    if (!out) return;
    out->clear();
    for (const MPI_Status& s : st) out->emplace_back(s);
  }
  template <class Fn, class R>
  static std::vector<int> some(Fn fn, R& requests, std::vector<Status>* statuses) {
    detail::HandleArray raw(requests);
    std::vector<int> indices(static_cast<std::size_t>(raw.size()));
    std::vector<MPI_Status> st(statuses ? raw.size() : 0);
    int outcount = 0;
    int rc =
        fn(raw.size(), raw.data(), &outcount, indices.data(), statuses ? st.data() : MPI_STATUSES_IGNORE);
    raw.write_back(requests);
    check(rc);
    if (outcount == MPI_UNDEFINED) outcount = 0;
    indices.resize(static_cast<std::size_t>(outcount));
    st.resize(statuses ? static_cast<std::size_t>(outcount) : 0);
    copy_statuses(st, statuses);
    return indices;
  }
  friend class detail::HandleArray;
};

// A persistent request (Send_init, Recv_init, ...): Start it, complete it, Start it again.
class Prequest : public Request {
 public:
  using Request::Request;

  void Start() { check(MPI_Start(&h_)); }
  template <detail::request_range R>
  static void Startall(R& requests) {
    detail::HandleArray raw(requests);
    int rc = MPI_Startall(raw.size(), raw.data());
    raw.write_back(requests);
    check(rc);
  }
};

// A generalized request: an operation the program itself carries out and marks complete.
class Grequest : public Request {
 public:
  using Request::Request;

  // The C form: MPI's callbacks and their extra_state.
  static Grequest Start(MPI_Grequest_query_function* query_fn, MPI_Grequest_free_function* free_fn,
                        MPI_Grequest_cancel_function* cancel_fn, void* extra_state) {
    detail::ensure_init();
    MPI_Request h = MPI_REQUEST_NULL;
    check(MPI_Grequest_start(query_fn, free_fn, cancel_fn, extra_state, &h));
    return Grequest(h);
  }
  // The C++ form: any callables. `query` fills the status (source, tag, count) when the request is waited
  // for; `free_fn` runs when MPI frees it; `cancel` gets whether the request had already completed.
  // Exceptions thrown by a callable become MPI_ERR_OTHER.
  static Grequest Start(std::function<void(Status&)> query, std::function<void()> free_fn = {},
                        std::function<void(bool)> cancel = {}) {
    auto state =
        std::make_unique<Callbacks>(Callbacks{std::move(query), std::move(free_fn), std::move(cancel)});
    Grequest r = Start(&Callbacks::on_query, &Callbacks::on_free, &Callbacks::on_cancel, state.get());
    state.release();  // MPI owns it now; on_free deletes it
    return r;
  }
  // Tells MPI the operation is done; Wait/Test then complete.
  void Complete() { check(MPI_Grequest_complete(h_)); }

 private:
  struct Callbacks {
    std::function<void(Status&)> query;
    std::function<void()> free_fn;
    std::function<void(bool)> cancel;

    static int on_query(void* extra, MPI_Status* status) noexcept {
      try {
        Status s(*status);
        s.Set_error(MPI_SUCCESS);
        if (static_cast<Callbacks*>(extra)->query) static_cast<Callbacks*>(extra)->query(s);
        *status = s.c_status();
        return MPI_SUCCESS;
      } catch (const Exception& e) {
        return e.Get_error_code();
      } catch (...) {
        return MPI_ERR_OTHER;
      }
    }
    static int on_free(void* extra) noexcept {
      std::unique_ptr<Callbacks> self(static_cast<Callbacks*>(extra));
      try {
        if (self->free_fn) self->free_fn();
        return MPI_SUCCESS;
      } catch (...) {
        return MPI_ERR_OTHER;
      }
    }
    static int on_cancel(void* extra, int complete) noexcept {
      try {
        if (static_cast<Callbacks*>(extra)->cancel) static_cast<Callbacks*>(extra)->cancel(complete != 0);
        return MPI_SUCCESS;
      } catch (...) {
        return MPI_ERR_OTHER;
      }
    }
  };
};

inline const Request REQUEST_NULL{};

namespace detail {
// A Request is exactly its MPI_Request (standard layout, one member), so a contiguous range of them is
// handed to MPI as it is: no copy, no allocation however many requests a Waitall gets.
template <class R>
inline constexpr bool handles_in_place = std::is_standard_layout_v<std::ranges::range_value_t<R>> &&
                                         sizeof(std::ranges::range_value_t<R>) == sizeof(MPI_Request) &&
                                         alignof(std::ranges::range_value_t<R>) == alignof(MPI_Request);
}  // namespace detail

template <class R>
detail::HandleArray::HandleArray(R& reqs) {
  n_ = detail::checked_count(std::ranges::size(reqs));
  if constexpr (handles_in_place<R>) {
    ptr_ = n_ ? &static_cast<Request&>(*std::ranges::data(reqs)).h_ : local_;
    return;
  }
  if (n_ > 32) {
    heap_.resize(static_cast<std::size_t>(n_));
    ptr_ = heap_.data();
  }
  int i = 0;
  for (const Request& r : reqs) ptr_[i++] = r.h_;
}

template <class R>
void detail::HandleArray::write_back(R& reqs) {
  if constexpr (handles_in_place<R>) return;  // MPI wrote the requests themselves
  int i = 0;
  for (Request& r : reqs) r.h_ = ptr_[i++];
}

}  // namespace parley
