// The gateway's connection front: one epoll thread owns every client connection
// and reads each request completely (with deadlines) before a worker sees it, so
// a slow or idle client never holds one of the --threads workers.
//
// cpp-httplib 0.11 (Debian's) gives each connection a worker thread for the
// connection's whole life and bounds reads only per recv(): 8 clients sending a
// header byte every few seconds, or 40 idle keep-alive connections, stall every
// other request. The front replaces its accept loop and socket handling:
//  - it accepts (refusing with 503 above --max-connections in all or
//    --max-connections-per-ip from one address), reads a request's header under a
//    total deadline (--header-timeout-ms, from its first byte) and its body under
//    another (--body-timeout-ms), and finds where the request ends itself
//    (Content-Length, or the chunked framing checked as it arrives), refusing
//    malformed framing (400), a body above --max-bytes (413) or a header above
//    16 KiB (431) without reading further, and then closing the connection;
//  - only then hands the complete request to a worker, which runs cpp-httplib's
//    own request parsing, routing and response writing (Server::process_request,
//    a protected member) over the request's bytes in memory;
//  - writes the response itself (--write-timeout-ms) and keeps an idle
//    keep-alive connection in epoll only (closed after --idle-timeout-ms).
// process_request is a protected, undocumented member: the front is compiled
// only for cpp-httplib 0.11.x (CMake defines PDQGUARD_GATEWAY_FRONT; a
// static_assert re-checks the header). With another version the gateway runs the
// stock httplib::Server, which lacks these protections (README, "Gateway").
#pragma once

#include <httplib.h>

namespace gateway {
/// The "error" name the gateway answers an HTTP-level refusal with (the front's
/// own and cpp-httplib's): 400 bad_request, 401 unauthorized, 404 not_found,
/// 408 request_timeout, 413 file_too_large, 414 uri_too_long, 431
/// headers_too_large, 501 not_implemented, 503 too_many_connections, other:
/// "http_<status>". Errors from pdqguard itself carry pdqg_status_name() instead.
inline const char* http_error_name(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 413: return "file_too_large";
    case 414: return "uri_too_long";
    case 416: return "range_not_satisfiable";
    case 431: return "headers_too_large";
    case 500: return "internal_error";
    case 501: return "not_implemented";
    case 503: return "too_many_connections";
    default: return nullptr;
  }
}
/// Whether a response with this status ends its connection (the request may
/// not have been read to its end, so what follows cannot be trusted as the
/// next request).
inline bool http_status_closes(int status) {
  return status == 400 || status == 408 || status == 411 || status == 413 || status == 414 ||
         status == 431 || status == 501;
}
}  // namespace gateway

#if defined(PDQGUARD_GATEWAY_FRONT)

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

static_assert(std::string_view(CPPHTTPLIB_VERSION).substr(0, 5) == "0.11.",
              "the connection front calls cpp-httplib 0.11's Server::process_request; build without "
              "PDQGUARD_GATEWAY_FRONT");

namespace gateway {

/// The front's limits (the gateway's options; defaults in tools/gateway/main.cpp).
struct FrontLimits {
  std::size_t max_body_bytes = 20u << 20;       ///< a larger body: 413, connection closed
  std::size_t max_header_bytes = 16u << 10;     ///< request line + headers; larger: 431
  std::chrono::milliseconds header_timeout{10'000};  ///< first byte of a request to its header's end
  std::chrono::milliseconds body_timeout{60'000};    ///< header's end to the body's end
  std::chrono::milliseconds idle_timeout{30'000};    ///< a keep-alive connection waiting for a request
  std::chrono::milliseconds write_timeout{30'000};   ///< writing one response
  std::size_t max_connections = 512;
  std::size_t max_connections_per_ip = 64;
  std::size_t keep_alive_requests = 100;  ///< requests per connection, then closed
  std::size_t threads = 8;                ///< workers running the handlers
  /// Called (on the front's thread) with the status of every refusal the front
  /// answers itself (400, 408, 413, 431, 501, 503); may be empty.
  std::function<void(int status)> on_refuse;
};

/// What the front counted (read by /metrics).
struct FrontCounters {
  std::atomic<std::uint64_t> open{0};              ///< connections open now
  std::atomic<std::uint64_t> accepted{0};          ///< connections accepted
  std::atomic<std::uint64_t> refused{0};           ///< refused by --max-connections(-per-ip)
  std::atomic<std::uint64_t> timeouts{0};          ///< closed by a header/body/write deadline
  std::atomic<std::uint64_t> bad_requests{0};      ///< refused framing (400/413/431/501) by the front
};

/// cpp-httplib's Server with its request processing reachable: register the
/// routes and handlers on it as usual; the front calls process() per request.
class App : public httplib::Server {
 public:
  /// Parses `strm`'s one request, routes it and writes the response to `strm`
  /// (cpp-httplib's own process_request). Thread-safe as cpp-httplib's is.
  bool process(httplib::Stream& strm, bool close_connection, bool& connection_closed) {
    return process_request(strm, close_connection, connection_closed, nullptr);
  }
};

/// The connection front over an App. Create, bind(), then run() (blocks until
/// stop()). stop() may be called from any thread.
class Front {
 public:
  Front(App& app, FrontLimits limits);
  ~Front();
  Front(const Front&) = delete;
  Front& operator=(const Front&) = delete;

  /// Listens on host:port (port 0: any free port). Returns the port, or -1
  /// with `error` set.
  int bind(const std::string& host, int port, std::string& error);
  /// Serves until stop(); then closes every connection and joins the workers.
  void run();
  /// Makes run() return soon. Thread-safe.
  void stop();
  const FrontCounters& counters() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gateway

#endif
