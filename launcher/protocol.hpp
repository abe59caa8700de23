// The head <-> node-daemon wire protocol: length-prefixed binary frames over the
// local daemon's stdin/stdout pipes, or over the TCP connection a daemon
// started by a launch agent opens back to the head (net.hpp).
//
// Frame: u32 payload length, u32 message type, payload. Integers are in host
// byte order: both ends run the same build on x86-64 Linux. Payloads are built
// with Writer and read with Reader; a Reader that runs past the end becomes
// "failed" (sticky) instead of throwing, so a corrupt frame is one check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace parley::launcher {

enum class MsgType : std::uint32_t {
  // head -> daemon
  launch = 1,        // the job plan for this node (see launch_plan.hpp)
  fence_done = 2,    // u64 fence id, i32 status, bytes combined data
  publish_done = 3,  // u64 request id, i32 status
  lookup_done = 4,   // u64 request id, i32 status, u32 n, n x (key, blob)
  signal_ranks = 5,  // i32 signal number, forwarded to every local rank
  kill_ranks = 6,    // SIGTERM every rank, SIGKILL after the grace period
  dump_state = 7,    // raise PARLEY_EVENT_DUMP_STATE in every local rank
  stdin_data = 8,    // bytes for rank 0's stdin
  stdin_eof = 9,     // close rank 0's stdin
  tree_setup = 10,   // u32 fanout, u32 has_parent, u32 parent, str addrs, u32 port, str token
  fence_relay = 11,  // u32 n, n x (u32 node, u64 fence id), i32 status, bytes data: complete
                     // the listed node's fence and pass it down the tree (see README)
  // daemon -> head
  hello = 100,       // u32 node id, str token: first frame on a TCP connection
  launched = 101,    // str hostname, u32 n, n x (u32 rank, i32 pid)
  launch_failed = 102,  // str message
  output = 103,      // u32 rank, u32 stream (1 stdout, 2 stderr), bytes (whole lines)
  fence = 104,       // u64 fence id, u32 collect, u32 n, n x u32 rank (n = 0: all), bytes
  publish = 105,     // u64 id, u32 rank, u32 n, n x (key, blob)
  lookup = 106,      // u64 id, u32 rank, u32 wait, u32 n, n x key
  unpublish = 107,   // u64 id, u32 rank, u32 n, n x key (n = 0: all of rank's)
  abort_job = 108,   // u32 rank, i32 status, str message
  rank_exited = 109, // u32 rank, i32 pid, i32 wait status, u32 connected, u32 finalized
  dump_sent = 110,   // the dump event was handed to the local ranks
  daemon_error = 111,  // str message (daemon-side failure after launch)
  tree_listen = 112,   // str addrs, u32 port: where this daemon takes tree children
  tree_child = 113,    // u32 node: that child joined this daemon in the tree
  tree_failed = 114,   // str message: this daemon could not join the tree
};

// Appends fields to a payload.
class Writer {
 public:
  Writer& u32(std::uint32_t v);
  Writer& i32(std::int32_t v);
  Writer& u64(std::uint64_t v);
  Writer& str(std::string_view s);  // u32 length + bytes; also used for blobs
  Writer& strs(const std::vector<std::string>& v);
  [[nodiscard]] std::string take() { return std::move(buf_); }
  [[nodiscard]] const std::string& data() const { return buf_; }

 private:
  std::string buf_;
};

// Reads fields from a payload; any over-read sets failed() and yields zeros.
class Reader {
 public:
  explicit Reader(std::string_view payload) : data_(payload) {}
  std::uint32_t u32();
  std::int32_t i32();
  std::uint64_t u64();
  std::string str();
  std::vector<std::string> strs();
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  bool take(void* out, std::size_t n);
  std::string_view data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

struct Message {
  MsgType type{};
  std::string payload;
};

// One end of a frame stream: a read fd and a write fd, both non-blocking.
// Writes are queued and flushed when the fd is writable, so neither side can
// deadlock the other by both writing into full pipes.
class Channel {
 public:
  Channel() = default;
  Channel(int read_fd, int write_fd);
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  Channel(Channel&& other) noexcept;
  Channel& operator=(Channel&& other) noexcept;
  ~Channel();

  void send(MsgType type, std::string_view payload);
  // Writes as much of the queue as the fd takes now. False: peer gone.
  [[nodiscard]] bool flush();
  // Flushes with blocking writes (used just before exiting). False: peer gone.
  [[nodiscard]] bool flush_blocking();
  [[nodiscard]] bool wants_write() const { return !out_.empty(); }
  // Reads what is available and appends complete frames to `out`.
  // False: EOF or error (peer gone); frames read before that are still delivered.
  [[nodiscard]] bool receive(std::vector<Message>& out);
  void close_write();
  void close_all();
  [[nodiscard]] int read_fd() const { return rfd_; }
  [[nodiscard]] int write_fd() const { return wfd_; }

 private:
  int rfd_ = -1;
  int wfd_ = -1;
  std::string in_;
  std::deque<std::string> out_;
  std::size_t out_off_ = 0;  // bytes of out_.front() already written
};

void set_nonblocking(int fd);
void set_cloexec(int fd);

}  // namespace parley::launcher
