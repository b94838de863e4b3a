// The gateway's HTTP transport. cpp-httplib 0.11's own socket stream costs ~65
// system calls for a 110 KB upload; FastServer replaces it by overriding
// protected members of httplib::Server (process_and_close_socket,
// keep_alive_max_count_, the timeouts), which are not a supported interface.
// That replacement is therefore isolated here and compiled only for the
// cpp-httplib version it was written and measured against (0.11.x: CMake sets
// PDQGUARD_GATEWAY_FAST_STREAM, and a static_assert re-checks the header);
// with any other version the gateway uses the stock httplib::Server with its
// supported settings (keep-alive count, TCP_NODELAY, payload limit), which is
// correct, only slower (bench/README.md, "Gateway").
#pragma once

#include <httplib.h>

#if defined(PDQGUARD_GATEWAY_FAST_STREAM)

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

static_assert(std::string_view(CPPHTTPLIB_VERSION).substr(0, 5) == "0.11.",
              "FastServer overrides cpp-httplib 0.11 internals; build without PDQGUARD_GATEWAY_FAST_STREAM");

namespace gateway {

/// One client connection's socket for cpp-httplib, kept for all the requests of a
/// keep-alive connection. cpp-httplib 0.11's own socket stream reads a request body
/// in 4 KiB recv() calls, each after a poll(), and writes a response as several
/// send()s, each after a poll(); it also asks the kernel for the peer and local
/// address on every request: ~65 system calls for a 110 KB upload. This stream
/// makes it ~4.5 and, with more requests per connection, halved the gateway's own
/// CPU per request (bench/README.md, "Gateway"). It
///  - reads into a 64 KiB buffer, trying recv() first and polling (with the read
///    timeout) only when nothing is waiting, so a body arrives in a few calls;
///  - collects a response and sends it in one go when the request is done, or
///    before it would block on a read (so "100 Continue" still reaches the client
///    before it sends the body), polling only when the socket buffer is full;
///  - looks the addresses up once per connection.
/// Bytes read past the end of one request stay in the buffer for the next one, so
/// pipelined requests are served in order. Timeouts are cpp-httplib's.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int sock, std::time_t read_sec, std::time_t read_usec, std::time_t write_sec,
                   std::time_t write_usec)
      : sock_(sock),
        read_timeout_ms_(static_cast<int>(read_sec * 1000 + read_usec / 1000)),
        write_timeout_ms_(static_cast<int>(write_sec * 1000 + write_usec / 1000)),
        in_(kBufferSize) {}

  bool is_readable() const override { return pos_ < end_ || wait(POLLIN, read_timeout_ms_); }
  bool is_writable() const override { return wait(POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, std::size_t size) override {
    if (pos_ == end_) {
      if (!flush()) return -1;  // the client may be waiting for what we wrote
      const ssize_t n = fill();
      if (n <= 0) return n;
    }
    const std::size_t n = std::min(size, end_ - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    out_.append(ptr, size);
    if (out_.size() >= kBufferSize && !flush()) return -1;
    return static_cast<ssize_t>(size);
  }

  /// Sends everything written so far; false when the connection failed or the
  /// write timeout passed.
  bool flush() {
    std::size_t done = 0;
    while (done < out_.size()) {
      const ssize_t n = ::send(sock_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait(POLLOUT, write_timeout_ms_)) break;
      } else {
        break;
      }
    }
    const bool ok = done == out_.size();
    out_.clear();
    return ok;
  }

  /// Waits (up to `timeout`, checking `running` every 10 ms) until the next request
  /// starts arriving. False when the client left, the time passed or the server stops.
  bool wait_for_request(std::chrono::seconds timeout, const std::atomic<socket_t>& running) const {
    if (pos_ < end_) return true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running != INVALID_SOCKET) {
      pollfd p{sock_, POLLIN, 0};
      const int r = ::poll(&p, 1, 10);
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return false;
      if (std::chrono::steady_clock::now() > deadline) return false;
    }
    return false;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!have_remote_) have_remote_ = address(::getpeername, remote_ip_, remote_port_);
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!have_local_) have_local_ = address(::getsockname, local_ip_, local_port_);
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return sock_; }

 private:
  static constexpr std::size_t kBufferSize = 64 * 1024;

  bool wait(short events, int timeout_ms) const {
    for (;;) {
      pollfd p{sock_, events, 0};
      const int r = ::poll(&p, 1, timeout_ms);
      if (r < 0 && errno == EINTR) continue;
      return r > 0;
    }
  }

  /// Refills the empty input buffer: what recv() returns (0 = peer closed, -1 =
  /// error or read timeout).
  ssize_t fill() {
    pos_ = end_ = 0;
    for (;;) {
      const ssize_t n = ::recv(sock_, in_.data(), in_.size(), MSG_DONTWAIT);
      if (n >= 0) {
        end_ = static_cast<std::size_t>(n);
        return n;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!wait(POLLIN, read_timeout_ms_)) return -1;
    }
  }

  bool address(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (get(sock_, reinterpret_cast<sockaddr*>(&a), &len) != 0) return false;
    char host[NI_MAXHOST];
    if (getnameinfo(reinterpret_cast<sockaddr*>(&a), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0)
      return false;
    ip = host;
    port = a.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port)
           : a.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port)
                                    : 0;
    return true;
  }

  int sock_;
  int read_timeout_ms_, write_timeout_ms_;
  std::vector<char> in_;
  std::size_t pos_ = 0, end_ = 0;
  std::string out_;
  mutable bool have_remote_ = false, have_local_ = false;
  mutable std::string remote_ip_, local_ip_;
  mutable int remote_port_ = 0, local_port_ = 0;
};

/// cpp-httplib 0.11's server with ConnectionStream for every connection; routing,
/// parsing, limits and responses are cpp-httplib's own (process_request).
class FastServer final : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override {
    ConnectionStream strm(sock, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_,
                          write_timeout_usec_);
    bool ok = false;
    for (std::size_t left = keep_alive_max_count_;
         left > 0 && strm.wait_for_request(std::chrono::seconds(keep_alive_timeout_sec_), svr_sock_);
         --left) {
      bool closed = false;
      ok = process_request(strm, left == 1, closed, nullptr);
      ok = strm.flush() && ok;
      if (!ok || closed) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }
};

using Server = FastServer;

}  // namespace gateway

#else

namespace gateway {
/// The stock server: every setting the gateway uses is a supported one.
using Server = httplib::Server;
}  // namespace gateway

#endif
