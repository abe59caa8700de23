// Running collective schedules: rounds of point-to-point posted together,
// then the round's local steps; the list of nonblocking ones in flight.
#include "coll/schedule.hpp"

#include <cstring>
#include <utility>

#include "datatype/pack.hpp"
#include "runtime.hpp"

namespace parley::coll {
namespace {

Engine& engine() { return Runtime::get().engine(); }

// The hook the engine would call from progress() (see docs/collectives.md);
// adopted automatically once Engine offers it.
template <class E>
concept HasProgressHook = requires(E& e, void (*fn)()) { e.set_progress_hook(fn); };

template <class E>
bool install_hook(E& e) {
  if constexpr (HasProgressHook<E>) {
    e.set_progress_hook([] { (void)progress_all(); });
    return true;
  } else {
    (void)e;
    return false;
  }
}

std::vector<Schedule*>& enlisted() {
  static std::vector<Schedule*> list;
  return list;
}

}  // namespace

Status Reducer::apply(const void* in, void* inout, std::size_t count) const {
  if (count == 0) return Status::ok();
  if (unpacked_type == nullptr) return op::reduce(*op, in, inout, count, element);
  // A user function on packed data: give it the user's layout.
  const dt::Type& t = *unpacked_type;
  const auto span = static_cast<std::size_t>(static_cast<std::int64_t>(count - 1) * t.extent() + t.true_extent());
  std::vector<std::byte> a(span), b(span);
  std::byte* base_a = a.data() - t.true_lb();
  std::byte* base_b = b.data() - t.true_lb();
  const auto bytes = count * static_cast<std::size_t>(t.size());
  dt::unpack(in, bytes, base_a, static_cast<std::int64_t>(count), t, 0);
  dt::unpack(inout, bytes, base_b, static_cast<std::int64_t>(count), t, 0);
  if (Status st = op::reduce(*op, base_a, base_b, count, element); !st) return st;
  dt::pack(base_b, static_cast<std::int64_t>(count), t, 0, inout, bytes);
  return Status::ok();
}

Schedule::Schedule(Communicator& comm, int tag)
    : via_(&comm.coll_view()),
      local_via_(comm.is_inter() ? &comm.local_view().coll_view() : via_),
      tag_(tag),
      rank_(comm.rank()),
      size_(comm.local_size()),
      remote_size_(comm.remote_size()) {}

Schedule::~Schedule() {
  for (p2p::Request* r : inflight_) {
    if (r == nullptr) continue;
    if (!r->complete) {
      engine().cancel(r);
      engine().wait(r);
    }
    engine().free_request(r);
  }
  for (auto& fn : exits_) fn();
}

std::byte* Schedule::scratch(std::size_t bytes) {
  scratch_.push_back(std::make_unique<std::byte[]>(bytes ? bytes : 1));
  return scratch_.back().get();
}

void Schedule::send(const void* buf, std::size_t bytes, int peer, int sub) {
  steps_.push_back({Kind::send, local_, peer, sub, buf, nullptr, bytes});
}
void Schedule::recv(void* buf, std::size_t bytes, int peer, int sub) {
  steps_.push_back({Kind::recv, local_, peer, sub, nullptr, buf, bytes});
}
void Schedule::copy(const void* src, void* dst, std::size_t bytes) {
  if (bytes == 0 || src == dst) return;
  steps_.push_back({Kind::copy, false, 0, 0, src, dst, bytes});
}
void Schedule::reduce(const void* in, void* inout, std::size_t count) {
  if (count == 0) return;
  steps_.push_back({Kind::reduce, false, 0, 0, in, inout, count});
}
void Schedule::call(std::function<Status()> fn) {
  calls_.push_back(std::move(fn));
  steps_.push_back({Kind::call, false, 0, 0, nullptr, nullptr, calls_.size() - 1});
}
void Schedule::poll(std::function<bool()> fn, std::function<void()> on_restart) {
  if (on_restart) restarts_.push_back(std::move(on_restart));
  else restartable_ = false;
  polls_.push_back(std::move(fn));
  steps_.push_back({Kind::poll, false, 0, 0, nullptr, nullptr, polls_.size() - 1});
}
void Schedule::fence() {
  const std::size_t begin = round_end_.empty() ? 0 : round_end_.back();
  if (steps_.size() > begin) round_end_.push_back(steps_.size());
}

void Schedule::post_round() {
  posted_ = true;
  const std::size_t begin = round_ == 0 ? 0 : round_end_[round_ - 1];
  const std::size_t end = round_end_[round_];
  // Receives first, so a peer's eager message finds its receive posted.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = begin; i < end; ++i) {
      const Step& s = steps_[i];
      Result<p2p::Request*> r = Status::ok();
      if (pass == 0 && s.kind == Kind::recv) {
        r = engine().irecv(s.local ? local_via_ : via_, p2p::Buffer{s.dst, s.n}, s.peer, tag_ - s.sub);
      } else if (pass == 1 && s.kind == Kind::send) {
        r = engine().isend(s.local ? local_via_ : via_, p2p::Buffer{const_cast<void*>(s.src), s.n}, s.peer, tag_ - s.sub,
                           p2p::SendMode::standard);
      } else {
        continue;
      }
      if (!r.is_ok()) {
        finish(r.status());
        return;
      }
      inflight_.push_back(r.value());
    }
  }
}

void Schedule::finish(Status st) {
  done_ = true;
  if (status_.is_ok()) status_ = std::move(st);
}

void Schedule::restart(int tag) {
  tag_ = tag;
  for (p2p::Request* r : inflight_) {  // only after an error
    if (r == nullptr) continue;
    if (!r->complete) {
      engine().cancel(r);
      engine().wait(r);
    }
    engine().free_request(r);
  }
  inflight_.clear();
  round_ = 0;
  local_next_ = 0;
  posted_ = false;
  done_ = false;
  started_ = false;
  status_ = Status::ok();
  for (auto& fn : restarts_) fn();
}

bool Schedule::advance() {
  if (done_) return true;
  if (!started_) {
    started_ = true;
    for (auto& fn : starts_) fn();
  }
  if (round_end_.empty() || round_end_.back() != steps_.size()) fence();
  while (round_ < round_end_.size()) {
    if (!posted_) {
      post_round();
      if (done_) return true;
    }
    for (p2p::Request* r : inflight_)
      if (!r->complete) return false;
    for (p2p::Request* r : inflight_) {
      if (r->status.error != 0 && status_.is_ok())
        status_ = Status(r->status.error, "a collective's internal message failed");
      engine().free_request(r);
    }
    inflight_.clear();
    if (!status_.is_ok()) {
      done_ = true;
      return true;
    }
    const std::size_t begin = round_ == 0 ? 0 : round_end_[round_ - 1];
    for (std::size_t i = begin + local_next_; i < round_end_[round_]; ++i) {
      const Step& s = steps_[i];
      Status st;
      switch (s.kind) {
        case Kind::copy: std::memmove(s.dst, s.src, s.n); break;
        case Kind::reduce: st = reducer_.apply(s.src, s.dst, s.n); break;
        case Kind::call: st = calls_[s.n](); break;
        case Kind::poll:
          if (!polls_[s.n]()) {
            local_next_ = i - begin;  // resume here (the round's messages are done)
            return false;
          }
          break;
        default: break;
      }
      if (!st) {
        finish(std::move(st));
        return true;
      }
    }
    local_next_ = 0;
    ++round_;
    posted_ = false;
  }
  done_ = true;
  return true;
}

Status Schedule::run_blocking() {
  if (!advance()) {
    engine().wait_until([this] {
      if (!enlisted().empty()) (void)progress_all();
      return advance();
    });
  }
  return status_;
}

void enlist(Schedule* s) { enlisted().push_back(s); }

bool progress_all() {
  static bool busy = false;  // a completion callback may start another collective
  if (busy) return !enlisted().empty();
  busy = true;
  auto& list = enlisted();
  for (std::size_t i = 0; i < list.size();) {
    Schedule* s = list[i];
    if (s->advance()) {
      list[i] = list.back();
      list.pop_back();
      // The callback may delete s, and with it s->on_complete: call a copy.
      auto done = std::move(s->on_complete);
      if (done) done(s);
    } else {
      ++i;
    }
  }
  busy = false;
  return !list.empty();
}

bool engine_drives_schedules() {
  static const bool installed = install_hook(engine());
  return installed;
}

}  // namespace parley::coll
