// The gateway's connection front (see front.hpp for what and why).
#include "front.hpp"

#if defined(PDQGUARD_GATEWAY_FRONT)

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace gateway {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kListenTag = 0, kWakeTag = 1;
constexpr std::size_t kRecvChunk = 64 * 1024;
constexpr std::size_t kMaxChunkLine = 1024;  ///< a chunk-size line (with extensions)
constexpr std::chrono::milliseconds kLinger{2000};  ///< draining a closed connection's input
constexpr std::size_t kMaxLingerBytes = 1u << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

/// One request's bytes in memory as cpp-httplib's Stream: reads return the
/// request, then 0 (end); writes collect the response.
class MemoryStream final : public httplib::Stream {
 public:
  MemoryStream(const std::string& in, const std::string& remote_ip, int remote_port,
               const std::string& local_ip, int local_port)
      : in_(in), remote_ip_(remote_ip), local_ip_(local_ip), remote_port_(remote_port), local_port_(local_port) {}
  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, std::size_t size) override {
    const std::size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, std::size_t size) override {
    out.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  // Not a socket: cpp-httplib uses it only to refuse descriptors above
  // FD_SETSIZE (select) and for content providers, which the gateway does not use.
  socket_t socket() const override { return INVALID_SOCKET; }

  std::string out;

 private:
  const std::string& in_;
  std::size_t pos_ = 0;
  std::string remote_ip_, local_ip_;
  int remote_port_, local_port_;
};

/// A complete response of the front's own (Connection: close).
std::string canned(int status, const char* reason, const std::string& message) {
  const std::string body =
      nlohmann::json{{"error", http_error_name(status) ? http_error_name(status) : "error"}, {"message", message}}
          .dump();
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The numeric address and port of a socket's peer or local end.
void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if ((peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
            : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len)) != 0)
    return;
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&a), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) return;
  ip = host;
  port = a.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port)
         : a.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port)
                                  : 0;
}

enum class State { idle, header, body, busy, writing, draining, closed };

struct Conn {
  int fd = -1;
  std::uint64_t id = 0;
  std::string ip, local_ip;
  int port = 0, local_port = 0;
  State state = State::idle;
  Clock::time_point deadline;
  std::string in;
  std::size_t header_scanned = 0;  ///< where the search for the header's end resumes
  std::size_t header_end = 0;      ///< after the blank line
  bool chunked = false;
  std::size_t content_length = 0;
  bool expect_continue = false;    ///< the request has "Expect: 100-continue"
  /// The client hung up (reset) while its request was with a worker: the socket
  /// stays open and counted (per address and in all) until the answer comes back,
  /// so resets cannot slip past the connection caps or grow the job queue (at most
  /// one job a connection, so at most --max-connections jobs).
  bool hung_up = false;
  bool continue_sent = false;      ///< ... and the front answered it
  // chunked framing
  enum class Chunk { size, data, trailer } chunk = Chunk::size;
  std::size_t chunk_pos = 0, chunk_left = 0, decoded = 0;
  std::string out;
  std::size_t out_done = 0;
  bool close_after = false;
  std::size_t served = 0;
  std::size_t drained = 0;
  std::uint32_t events = 0;
};

struct Job {
  std::uint64_t id;
  std::string request;
  bool close;
  bool expect_continue;
  std::string ip, local_ip;
  int port, local_port;
};

struct Done {
  std::uint64_t id;
  std::string response;
  bool close;
};

}  // namespace

struct Front::Impl {
  App& app;
  FrontLimits lim;
  FrontCounters counters;
  int listen_fd = -1, ep = -1, wake_fd = -1;
  std::atomic<bool> stopping{false};
  std::unordered_map<std::uint64_t, Conn> conns;
  std::unordered_map<std::string, std::size_t> per_ip;
  std::vector<std::uint64_t> graveyard;
  std::uint64_t next_id = 2;
  bool accept_paused = false;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  std::vector<Done> done;
  bool workers_stop = false;
  std::vector<std::thread> workers;

  Impl(App& a, FrontLimits l) : app(a), lim(l) {}

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd, &one, sizeof one);
  }

  void set_events(Conn& c, std::uint32_t ev) {
    if (c.events == ev) return;
    epoll_event e{};
    e.events = ev;
    e.data.u64 = c.id;
    epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &e);
    c.events = ev;
  }

  /// Closes the socket now; the entry is erased by reap() at the end of the
  /// loop turn, so references held by the callers stay valid.
  void close_conn(Conn& c) {
    if (c.state == State::closed) return;
    epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    if (const auto p = per_ip.find(c.ip); p != per_ip.end() && --p->second == 0) per_ip.erase(p);
    --counters.open;
    c.state = State::closed;
    graveyard.push_back(c.id);
  }

  void reap() {
    for (const std::uint64_t id : graveyard) conns.erase(id);
    graveyard.clear();
  }

  // ---- accepting ----

  void accept_all(Clock::time_point now) {
    for (;;) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: stop accepting for a moment (level-triggered epoll would spin).
          epoll_event e{};
          e.data.u64 = kListenTag;
          epoll_ctl(ep, EPOLL_CTL_MOD, listen_fd, &e);
          accept_paused = true;
        }
        return;
      }
      Conn c;
      c.fd = fd;
      address_of(fd, true, c.ip, c.port);
      const bool over_total = conns.size() >= lim.max_connections;
      const bool over_ip = per_ip[c.ip] >= lim.max_connections_per_ip;
      if (per_ip[c.ip] == 0) per_ip.erase(c.ip);
      if (over_total || over_ip) {
        ++counters.refused;
        if (lim.on_refuse) lim.on_refuse(503);
        const std::string r = canned(503, "Service Unavailable",
                                     over_ip ? "too many connections from this address (--max-connections-per-ip)"
                                             : "too many connections (--max-connections)");
        [[maybe_unused]] const ssize_t n = ::send(fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::shutdown(fd, SHUT_WR);
        ::close(fd);
        continue;
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      address_of(fd, false, c.local_ip, c.local_port);
      c.id = next_id++;
      c.deadline = now + lim.idle_timeout;
      c.events = EPOLLIN;
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.u64 = c.id;
      if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0) {
        ::close(fd);
        continue;
      }
      ++per_ip[c.ip];
      ++counters.open;
      ++counters.accepted;
      conns.emplace(c.id, std::move(c));
    }
  }

  // ---- reading a request ----

  /// Answers with the front's own error and closes after writing it.
  void refuse(Conn& c, int status, const char* reason, const std::string& message, Clock::time_point now) {
    if (status == 408) ++counters.timeouts;
    else ++counters.bad_requests;
    if (lim.on_refuse) lim.on_refuse(status);
    c.in.clear();
    start_write(c, canned(status, reason, message), true, now);
  }

  /// Parses the header block for the framing: Content-Length or chunked.
  /// False when it refused the request.
  bool parse_framing(Conn& c, Clock::time_point now) {
    std::string_view head(c.in.data(), c.header_end - 4);
    const std::size_t first = head.find("\r\n");
    std::string_view rest = first == std::string_view::npos ? std::string_view{} : head.substr(first + 2);
    bool have_length = false, have_te = false;
    c.chunked = false;
    c.content_length = 0;
    c.expect_continue = false;
    c.continue_sent = false;
    while (!rest.empty()) {
      const std::size_t eol = rest.find("\r\n");
      const std::string_view line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t') {
        refuse(c, 400, "Bad Request", "malformed header line", now);
        return false;
      }
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = trim(line.substr(colon + 1));
      if (iequals(name, "Content-Length")) {
        if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string_view::npos) {
          refuse(c, 400, "Bad Request", "malformed Content-Length", now);
          return false;
        }
        const std::size_t v = std::stoull(std::string(value));
        if (have_length && v != c.content_length) {
          refuse(c, 400, "Bad Request", "conflicting Content-Length headers", now);
          return false;
        }
        have_length = true;
        c.content_length = v;
      } else if (iequals(name, "Transfer-Encoding")) {
        if (!iequals(value, "chunked") || have_te) {
          refuse(c, 501, "Not Implemented", "only Transfer-Encoding: chunked is supported", now);
          return false;
        }
        have_te = true;
        c.chunked = true;
      } else if (iequals(name, "Expect")) {
        c.expect_continue = iequals(value, "100-continue");
      }
    }
    if (have_length && have_te) {
      refuse(c, 400, "Bad Request", "both Content-Length and Transfer-Encoding given", now);
      return false;
    }
    if (c.content_length > lim.max_body_bytes) {
      refuse(c, 413, "Payload Too Large", "request body exceeds --max-bytes", now);
      return false;
    }
    return true;
  }

  /// Follows the chunked framing from c.chunk_pos. Returns the end of the
  /// request once seen, 0 while more is needed, npos after refusing it.
  std::size_t scan_chunks(Conn& c, Clock::time_point now) {
    constexpr std::size_t npos = std::string::npos;
    for (;;) {
      switch (c.chunk) {
        case Conn::Chunk::size: {
          const std::size_t eol = c.in.find("\r\n", c.chunk_pos);
          if (eol == npos) {
            if (c.in.size() - c.chunk_pos > kMaxChunkLine) break;
            return 0;
          }
          const std::string_view line(c.in.data() + c.chunk_pos, eol - c.chunk_pos);
          const std::string_view digits = trim(line.substr(0, line.find(';')));
          if (digits.empty() || digits.size() > 15 ||
              digits.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos)
            break;
          const std::size_t size = std::stoull(std::string(digits), nullptr, 16);
          c.chunk_pos = eol + 2;
          if (size == 0) {
            c.chunk = Conn::Chunk::trailer;
            continue;
          }
          c.decoded += size;
          if (c.decoded > lim.max_body_bytes) {
            refuse(c, 413, "Payload Too Large", "request body exceeds --max-bytes", now);
            return npos;
          }
          c.chunk_left = size;
          c.chunk = Conn::Chunk::data;
          continue;
        }
        case Conn::Chunk::data:
          if (c.in.size() - c.chunk_pos < c.chunk_left + 2) return 0;
          if (c.in.compare(c.chunk_pos + c.chunk_left, 2, "\r\n") != 0) break;
          c.chunk_pos += c.chunk_left + 2;
          c.chunk = Conn::Chunk::size;
          continue;
        case Conn::Chunk::trailer: {
          const std::size_t eol = c.in.find("\r\n", c.chunk_pos);
          if (eol == npos) {
            if (c.in.size() - c.chunk_pos > lim.max_header_bytes) break;
            return 0;
          }
          const std::size_t line = eol - c.chunk_pos;
          c.chunk_pos = eol + 2;
          if (line == 0) return c.chunk_pos;  // the blank line ends the request
          continue;
        }
      }
      refuse(c, 400, "Bad Request", "malformed chunked body", now);
      return npos;
    }
  }

  /// Moves a connection's request forward with what has arrived.
  void advance(Conn& c, Clock::time_point now) {
    if (c.state == State::idle) {
      if (c.in.empty()) return;
      c.state = State::header;
      c.deadline = now + lim.header_timeout;
      c.header_scanned = 0;
    }
    if (c.state == State::header) {
      const std::size_t from = c.header_scanned > 3 ? c.header_scanned - 3 : 0;
      const std::size_t end = c.in.find("\r\n\r\n", from);
      if (end == std::string::npos || end + 4 > lim.max_header_bytes) {
        if (c.in.size() > lim.max_header_bytes)
          return refuse(c, 431, "Request Header Fields Too Large", "request header above 16 KiB", now);
        c.header_scanned = c.in.size();
        return;
      }
      c.header_end = end + 4;
      if (!parse_framing(c, now)) return;
      c.state = State::body;
      c.deadline = now + lim.body_timeout;
      c.chunk = Conn::Chunk::size;
      c.chunk_pos = c.header_end;
      c.decoded = 0;
    }
    if (c.state != State::body) return;
    std::size_t end = 0;
    if (c.chunked) {
      end = scan_chunks(c, now);
      if (end == std::string::npos) return;
    } else if (c.in.size() - c.header_end >= c.content_length) {
      end = c.header_end + c.content_length;
    }
    if (end == 0) {
      if (c.expect_continue && !c.continue_sent) {  // the client waits for this before it sends the body
        c.continue_sent = true;
        [[maybe_unused]] const ssize_t n =
            ::send(c.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      return;
    }
    dispatch(c, end);
  }

  void dispatch(Conn& c, std::size_t end) {
    Job j;
    j.id = c.id;
    if (end == c.in.size()) {  // the usual case: nothing pipelined behind it, no copy
      j.request = std::move(c.in);
      c.in = std::string();
    } else {
      j.request.assign(c.in, 0, end);
      c.in.erase(0, end);
    }
    j.close = c.served + 1 >= lim.keep_alive_requests;
    j.expect_continue = c.expect_continue;
    j.ip = c.ip;
    j.port = c.port;
    j.local_ip = c.local_ip;
    j.local_port = c.local_port;
    c.state = State::busy;
    set_events(c, 0);  // nothing more is read until the answer is written
    {
      std::lock_guard<std::mutex> lock(mu);
      jobs.push_back(std::move(j));
    }
    cv.notify_one();
  }

  void on_readable(Conn& c, Clock::time_point now) {
    while (c.state == State::idle || c.state == State::header || c.state == State::body ||
           c.state == State::draining) {
      // Received straight into the request buffer, at most kRecvChunk a call (a
      // resize zero-fills what it adds, so never the whole missing body: a client
      // trickling a large declared body must not cost this thread a memset of it
      // per packet); a body of known length gets its whole size reserved once
      // (address space only: pages are touched as bytes arrive).
      const std::size_t have = c.in.size();
      std::size_t want = kRecvChunk;
      if (c.state == State::body && !c.chunked && c.header_end + c.content_length > have) {
        c.in.reserve(c.header_end + c.content_length);
        want = std::min(want, c.header_end + c.content_length - have);
      }
      if (c.state == State::draining) c.in.clear();
      const std::size_t at = c.state == State::draining ? 0 : have;
      c.in.resize(at + want);
      const ssize_t n = ::recv(c.fd, c.in.data() + at, want, 0);
      c.in.resize(at + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
      if (n > 0) {
        if (c.state == State::draining) {
          c.drained += static_cast<std::size_t>(n);
          c.in.clear();
          if (c.drained > kMaxLingerBytes) return close_conn(c);
          continue;
        }
        advance(c, now);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return close_conn(c);  // the client left (or an error)
    }
  }

  // ---- writing ----

  void start_write(Conn& c, std::string response, bool close, Clock::time_point now) {
    c.out = std::move(response);
    c.out_done = 0;
    c.close_after = close;
    c.state = State::writing;
    c.deadline = now + lim.write_timeout;
    flush(c, now);
  }

  void flush(Conn& c, Clock::time_point now) {
    while (c.out_done < c.out.size()) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.out_done, c.out.size() - c.out_done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.out_done += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        set_events(c, EPOLLOUT);
        return;
      } else {
        return close_conn(c);
      }
    }
    c.out.clear();
    c.out.shrink_to_fit();
    if (c.close_after) {
      // Lingering close: stop sending, read (and drop) what the client still
      // sends for a moment, so closing with unread input does not reset the
      // connection before the client has read the answer.
      ::shutdown(c.fd, SHUT_WR);
      c.in.clear();
      c.state = State::draining;
      c.deadline = now + kLinger;
      set_events(c, EPOLLIN);
      return;
    }
    ++c.served;
    c.state = State::idle;
    c.deadline = now + lim.idle_timeout;
    set_events(c, EPOLLIN);
    advance(c, now);  // a pipelined request may already be here
    if (c.state == State::idle || c.state == State::header || c.state == State::body) on_readable(c, now);
  }

  void collect_done(Clock::time_point now) {
    std::uint64_t v;
    [[maybe_unused]] const ssize_t n = ::read(wake_fd, &v, sizeof v);
    std::vector<Done> ready;
    {
      std::lock_guard<std::mutex> lock(mu);
      ready.swap(done);
    }
    for (Done& d : ready) {
      const auto it = conns.find(d.id);
      if (it == conns.end() || it->second.state == State::closed) continue;  // the client left meanwhile
      if (it->second.hung_up) {
        close_conn(it->second);
        continue;
      }
      start_write(it->second, std::move(d.response), d.close, now);
    }
  }

  void expire(Clock::time_point now) {
    std::vector<std::uint64_t> late;
    for (auto& [id, c] : conns)
      if (c.state != State::busy && c.state != State::closed && now >= c.deadline) late.push_back(id);
    for (const std::uint64_t id : late) {
      Conn& c = conns.at(id);
      if (c.state == State::header || c.state == State::body) {
        refuse(c, 408, "Request Timeout",
               c.state == State::header ? "request header not received in time (--header-timeout-ms)"
                                        : "request body not received in time (--body-timeout-ms)",
               now);
      } else {
        if (c.state == State::writing) ++counters.timeouts;
        close_conn(c);
      }
    }
  }

  // ---- workers ----

  void work() {
    for (;;) {
      Job j;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return workers_stop || !jobs.empty(); });
        if (jobs.empty()) return;
        j = std::move(jobs.front());
        jobs.pop_front();
      }
      MemoryStream s(j.request, j.ip, j.port, j.local_ip, j.local_port);
      bool closed = false;
      const bool ok = app.process(s, j.close, closed);
      std::string out = std::move(s.out);
      // cpp-httplib answers "Expect: 100-continue" with "100 Continue" first; the
      // front already did when the client waited for it, and after the body it is moot.
      if (j.expect_continue && out.compare(0, kContinue.size(), kContinue) == 0) out.erase(0, kContinue.size());
      int status = 0;
      if (out.size() > 12 && out.compare(0, 5, "HTTP/") == 0) status = std::atoi(out.c_str() + 9);
      const bool close = j.close || closed || !ok || status == 0 || http_status_closes(status);
      {
        std::lock_guard<std::mutex> lock(mu);
        done.push_back(Done{j.id, std::move(out), close});
      }
      wake();
    }
  }
};

Front::Front(App& app, FrontLimits limits) : impl_(std::make_unique<Impl>(app, limits)) {}

Front::~Front() {
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  if (impl_->ep >= 0) ::close(impl_->ep);
  if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
}

const FrontCounters& Front::counters() const noexcept { return impl_->counters; }

int Front::bind(const std::string& host, int port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    error = std::string("cannot resolve ") + host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) break;
    error = std::string("cannot listen on ") + host + ":" + service + ": " + std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return -1;
  std::string ip;
  int bound = 0;
  address_of(fd, false, ip, bound);
  impl_->listen_fd = fd;
  return bound;
}

void Front::run() {
  Impl& m = *impl_;
  m.ep = epoll_create1(EPOLL_CLOEXEC);
  m.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u64 = kListenTag;
  epoll_ctl(m.ep, EPOLL_CTL_ADD, m.listen_fd, &e);
  e.data.u64 = kWakeTag;
  epoll_ctl(m.ep, EPOLL_CTL_ADD, m.wake_fd, &e);
  for (std::size_t i = 0; i < m.lim.threads; ++i) m.workers.emplace_back([&m] { m.work(); });

  std::vector<epoll_event> events(256);
  auto last_scan = Clock::now();
  while (!m.stopping.load()) {
    const int n = epoll_wait(m.ep, events.data(), static_cast<int>(events.size()), 50);
    const auto now = Clock::now();
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
      const std::uint32_t ev = events[static_cast<std::size_t>(i)].events;
      if (tag == kListenTag) {
        m.accept_all(now);
      } else if (tag == kWakeTag) {
        m.collect_done(now);
      } else {
        const auto it = m.conns.find(tag);
        if (it == m.conns.end() || it->second.state == State::closed) continue;
        Conn& c = it->second;
        if (ev & EPOLLOUT) {
          if (c.state == State::writing) m.flush(c, now);
        } else if (ev & EPOLLIN) {
          m.on_readable(c, now);
        } else if (ev & (EPOLLERR | EPOLLHUP)) {
          if (c.state == State::busy) {  // closed when its answer comes back (collect_done)
            epoll_ctl(m.ep, EPOLL_CTL_DEL, c.fd, nullptr);  // no more level-triggered wake-ups
            c.hung_up = true;
          } else {
            m.close_conn(c);
          }
        }
      }
    }
    m.reap();
    if (now - last_scan >= std::chrono::milliseconds(50)) {
      last_scan = now;
      m.expire(now);
      if (m.accept_paused) {
        epoll_event le{};
        le.events = EPOLLIN;
        le.data.u64 = kListenTag;
        epoll_ctl(m.ep, EPOLL_CTL_MOD, m.listen_fd, &le);
        m.accept_paused = false;
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(m.mu);
    m.workers_stop = true;
    m.jobs.clear();
  }
  m.cv.notify_all();
  for (std::thread& t : m.workers) t.join();
  m.workers.clear();
  for (auto& [id, c] : m.conns) m.close_conn(c);
  m.reap();
}

void Front::stop() {
  impl_->stopping.store(true);
  if (impl_->wake_fd >= 0) impl_->wake();
}

}  // namespace gateway

#endif
