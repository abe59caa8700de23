// The fence tree: daemons connect to a parent daemon (k-ary by node id,
// root = node 0) so that the head sends a completed fence's data to the root
// only and every daemon passes it on to its children: no process sends more
// than k copies. Set up by the head once every daemon has launched; until
// then (and if any daemon cannot join) fences complete directly from the head.
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "daemon.hpp"
#include "net.hpp"

namespace parley::launcher {

namespace {

constexpr auto kTreeHelloWait = std::chrono::seconds(5);

// True when node `x` lies in the subtree rooted at `c` (k-ary heap order).
bool in_subtree(std::uint32_t x, std::uint32_t c, std::uint32_t k) {
  while (x > c) x = (x - 1) / k;
  return x == c;
}

}  // namespace

void Daemon::tree_start() {
  if (plan_.num_nodes() < 3) return;
  std::uint16_t port = 0;
  std::string error;
  tree_listen_fd_ = listen_tcp(port, error, false);
  if (tree_listen_fd_ < 0) {
    head_.send(MsgType::tree_failed, Writer().str(error).take());
    return;
  }
  std::string addrs;
  for (const auto& a : local_addresses()) addrs += (addrs.empty() ? "" : ",") + a;
  head_.send(MsgType::tree_listen, Writer().str(addrs).u32(port).take());
}

void Daemon::on_tree_setup(Reader& r) {
  std::uint32_t fanout = r.u32();
  bool has_parent = r.u32() != 0;
  std::uint32_t parent = r.u32();
  std::string addrs = r.str();
  std::uint32_t port = r.u32();
  std::string token = r.str();
  if (r.failed() || fanout == 0 || token.empty()) return;
  tree_fanout_ = fanout;
  tree_token_ = token;
  if (!has_parent) return;
  std::string error;
  int fd = connect_any(split_commas(addrs), static_cast<std::uint16_t>(port), 2000, error);
  if (fd < 0) {
    head_.send(MsgType::tree_failed,
               Writer().str("node " + std::to_string(plan_.node_id) + " cannot reach its tree parent, node " +
                            std::to_string(parent) + ": " + error).take());
    return;
  }
  tree_parent_ = Channel(fd, fd);
  tree_parent_.send(MsgType::hello, Writer().u32(plan_.node_id).str(token).take());
}

void Daemon::on_fence_relay(const std::string& payload) {
  Reader r(payload);
  std::uint32_t n = r.u32();
  std::vector<std::pair<std::uint32_t, std::uint64_t>> members;
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    std::uint32_t node = r.u32();
    std::uint64_t id = r.u64();
    members.emplace_back(node, id);
  }
  int status = r.i32();
  std::string data = r.str();
  if (r.failed()) return;
  // Children first: the copy down the tree is what others wait for.
  for (auto& [child, ch] : tree_children_) {
    bool wanted = std::any_of(members.begin(), members.end(),
                              [&, c = child](const auto& m) { return in_subtree(m.first, c, tree_fanout_); });
    if (wanted) ch.send(MsgType::fence_relay, payload);
  }
  for (const auto& [node, id] : members)
    if (node == plan_.node_id) finish_fence(id, status, std::move(data));
}

void Daemon::tree_fds(std::vector<pollfd>& fds) {
  tree_who_.clear();
  if (tree_listen_fd_ >= 0) {
    fds.push_back({tree_listen_fd_, POLLIN, 0});
    tree_who_.emplace_back(0, 0);
  }
  for (std::size_t i = 0; i < tree_pending_.size(); ++i) {
    fds.push_back({tree_pending_[i].ch.read_fd(), POLLIN, 0});
    tree_who_.emplace_back(1, i);
  }
  if (tree_parent_.read_fd() >= 0) {
    fds.push_back({tree_parent_.read_fd(),
                   static_cast<short>(POLLIN | (tree_parent_.wants_write() ? POLLOUT : 0)), 0});
    tree_who_.emplace_back(2, 0);
  }
  for (auto& [child, ch] : tree_children_) {
    fds.push_back({ch.read_fd(), static_cast<short>(POLLIN | (ch.wants_write() ? POLLOUT : 0)), 0});
    tree_who_.emplace_back(3, child);
  }
}

void Daemon::tree_events(const pollfd* fds, std::size_t n) {
  std::vector<Message> msgs;
  bool check_pending = false;
  std::vector<std::uint32_t> gone;
  for (std::size_t k = 0; k < n && k < tree_who_.size(); ++k) {
    if (!fds[k].revents) continue;
    auto [kind, idx] = tree_who_[k];
    if (kind == 0) {
      for (int fd; (fd = ::accept4(tree_listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;)
        tree_pending_.push_back({Channel(fd, fd), std::chrono::steady_clock::now()});
    } else if (kind == 1) {
      check_pending = true;
    } else if (kind == 2) {
      if (fds[k].revents & POLLOUT) (void)tree_parent_.flush();
      msgs.clear();
      bool alive = tree_parent_.receive(msgs);
      for (const auto& m : msgs)
        if (m.type == MsgType::fence_relay) on_fence_relay(m.payload);
      if (!alive) tree_parent_.close_all();  // the parent is gone: the head ends the job
    } else {
      auto it = tree_children_.find(static_cast<std::uint32_t>(idx));
      if (it == tree_children_.end()) continue;
      if (fds[k].revents & POLLOUT) (void)it->second.flush();
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
        msgs.clear();
        if (!it->second.receive(msgs)) gone.push_back(it->first);
      }
    }
  }
  for (auto c : gone) tree_children_.erase(c);
  if (!check_pending && tree_pending_.empty()) return;
  auto now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < tree_pending_.size();) {
    auto& got = tree_pending_[i].got;
    bool alive = tree_pending_[i].ch.receive(got);
    bool done = !alive || now - tree_pending_[i].since > kTreeHelloWait;
    if (!got.empty() && !tree_token_.empty()) {
      done = true;
      Reader r(got[0].payload);
      std::uint32_t node = r.u32();
      std::string token = r.str();
      if (alive && got[0].type == MsgType::hello && !r.failed() && token == tree_token_ && node > 0 &&
          node < plan_.num_nodes() && (node - 1) / tree_fanout_ == plan_.node_id && !tree_children_.count(node)) {
        tree_children_.emplace(node, std::move(tree_pending_[i].ch));
        head_.send(MsgType::tree_child, Writer().u32(node).take());
      }
    }
    if (done)
      tree_pending_.erase(tree_pending_.begin() + static_cast<std::ptrdiff_t>(i));
    else
      ++i;
  }
}

void Daemon::tree_stop() {
  if (tree_listen_fd_ >= 0) ::close(tree_listen_fd_);
  tree_listen_fd_ = -1;
  tree_pending_.clear();
  tree_children_.clear();
  tree_parent_.close_all();
}

}  // namespace parley::launcher
