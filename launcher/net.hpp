// TCP between the head and the daemons it starts through a launch agent: the
// head listens, tells each daemon (on its command line) which of its
// addresses to try, and the daemon connects back and introduces itself with
// a one-time token (MsgType::hello).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parley::launcher {

// The head's IPv4 addresses a daemon on `host` should try, best first:
// PARLEY_HEAD_ADDRESS when set (only that); else the source address of the
// route to `host` when its name resolves, then private addresses (10/8,
// 172.16/12, 192.168/16, 100.64/10, 169.254/16), loopback, and last the
// other (public) ones -- so a public address is used only when nothing
// private or local answers.
[[nodiscard]] std::vector<std::string> head_addresses(const std::string& host);

// This machine's up IPv4 addresses in the same order (private, loopback,
// public); what a daemon offers its children in the fence tree.
[[nodiscard]] std::vector<std::string> local_addresses();

// A listening TCP socket (non-blocking, close-on-exec) on every address (or
// on PARLEY_HEAD_ADDRESS when `head` and it is set), ephemeral port. -1 with
// `error` on failure.
[[nodiscard]] int listen_tcp(std::uint16_t& port, std::string& error, bool head = true);

// Connects to the first of `addrs` (IPv4 literals) that answers on `port`,
// each try bounded by `timeout_ms`. Returns a blocking socket, or -1 with
// what every address said in `error`.
[[nodiscard]] int connect_any(const std::vector<std::string>& addrs, std::uint16_t port, int timeout_ms,
                              std::string& error);

// Splits "a,b,c".
[[nodiscard]] std::vector<std::string> split_commas(const std::string& s);

}  // namespace parley::launcher
