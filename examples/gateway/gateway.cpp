// pdqguard chat upload gateway: the HTTP check a chat server calls before it
// accepts an upload or publishes a frame. Built on the C API (pdqguard.h), the
// way a service in any language would embed pdqguard.
//
//   pdqguard-gateway --list blocklist.csv [--list more.txt] [--index lists.pdqidx]
//                    [--host 127.0.0.1] [--port 8080] [--threshold 31] [--dihedral]
//                    [--max-bytes 20971520] [--max-pixels 50000000]
//                    [--watch-ms 1000] [--threads 8] [--keep-alive-requests 100]
//
// Endpoints
//   POST /v1/check   body = the image file's bytes (JPEG, PNG, PPM/PGM; send them as
//                    Content-Type application/octet-stream or image/*), or a raw
//                    frame with headers X-Frame-Format (gray8 rgb8 rgba8 bgr8 bgra8
//                    i420 nv12), X-Frame-Width, X-Frame-Height [, X-Frame-Stride].
//                    200 {"blocked":bool,"matches":[...],"hash":"..","quality":N,
//                         "below_quality":bool,"gate":"none"|"too_small"|"below_quality"}
//                    (the library decides the gate and the match order; see
//                    pdqg_matcher_query)
//                    4xx {"error":"<status name>","message":".."} for bad input:
//                    400 invalid/damaged, 413 too large, 415 unsupported format.
//   GET /healthz     200 {"status":"ok","entries":N,"generation":G}
//   GET /metrics     Prometheus text: requests, matches, errors, latency, reloads, and
//                    the CPU time spent inside pdqguard (decode + hash + match).
//
// The list is reloaded on SIGHUP and when a list/index file changes (polled every
// --watch-ms through pdqg_matcher_reload_if_changed, which owns the change test);
// each reload is logged with the old and new entry counts. Lists load strictly
// (the library's one default): a damaged list is refused and the old one kept. Reloads
// swap the list atomically: requests in flight are never failed or blocked.
// SIGINT/SIGTERM stop the server. On start it prints "listening on HOST:PORT".
#include <pdqguard/pdqguard.h>

#include "metrics.hpp"
#include "transport.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

struct Options {
  std::vector<std::string> lists;
  std::string index;
  std::string host = "127.0.0.1";
  int port = 8080;
  int threshold = -1;  ///< -1: the library's default (pdqg_matcher_param_bounds)
  bool dihedral = false;
  std::int64_t max_bytes = 20 << 20;
  std::int64_t max_pixels = 50'000'000;
  int watch_ms = 1000;
  int threads = 8;
  int keep_alive_requests = 100;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "pdqguard-gateway: %s\nusage: pdqguard-gateway --list FILE... [--index FILE] "
               "[--host H] [--port N] [--threshold T] [--dihedral] [--max-bytes N] "
               "[--max-pixels N] [--watch-ms MS] [--threads N] [--keep-alive-requests N]\n",
               why);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--list") o.lists.push_back(value());
    else if (a == "--index") o.index = value();
    else if (a == "--host") o.host = value();
    else if (a == "--port") o.port = std::atoi(value().c_str());
    else if (a == "--threshold") o.threshold = std::atoi(value().c_str());
    else if (a == "--dihedral") o.dihedral = true;
    else if (a == "--max-bytes") o.max_bytes = std::atoll(value().c_str());
    else if (a == "--max-pixels") o.max_pixels = std::atoll(value().c_str());
    else if (a == "--watch-ms") o.watch_ms = std::atoi(value().c_str());
    else if (a == "--threads") o.threads = std::atoi(value().c_str());
    else if (a == "--keep-alive-requests") o.keep_alive_requests = std::atoi(value().c_str());
    else usage(("unknown option " + a).c_str());
  }
  if (o.lists.empty() && o.index.empty()) usage("give at least one --list or an --index");
  if (o.max_bytes < 1 || o.threads < 1 || o.keep_alive_requests < 1)
    usage("bad --max-bytes, --threads or --keep-alive-requests");
  return o;
}

void log_line(const std::string& s) {
  std::fprintf(stderr, "pdqguard-gateway: %s\n", s.c_str());
  std::fflush(stderr);
}

/// CPU time of the calling thread in nanoseconds.
std::uint64_t thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(t.tv_nsec);
}

/// One hasher per server thread: scratch memory reused across requests.
pdqg_hasher* thread_hasher(const Options& o) {
  struct Holder {
    pdqg_hasher* h = nullptr;
    ~Holder() { pdqg_hasher_free(h); }
  };
  thread_local Holder holder;
  if (holder.h == nullptr) {
    if (pdqg_hasher_create(&holder.h) != PDQG_OK) return nullptr;
    pdqg_hasher_set(holder.h, PDQG_HASHER_MAX_BYTES, o.max_bytes);
    pdqg_hasher_set(holder.h, PDQG_HASHER_MAX_PIXELS, o.max_pixels);
  }
  return holder.h;
}

int http_status_for(int st) {
  switch (st) {
    case PDQG_FILE_TOO_LARGE:
    case PDQG_IMAGE_TOO_LARGE: return 413;
    case PDQG_UNSUPPORTED_FORMAT: return 415;
    case PDQG_INVALID_ARGUMENT:
    case PDQG_DECODE_ERROR: return 400;
    default: return 500;
  }
}

std::string hex_of(const pdqg_hash& h) {
  char buf[PDQG_HEX_LENGTH + 1];
  pdqg_hash_to_hex(&h, buf);
  return buf;
}

/// Parses a non-negative decimal header value; -1 when absent or malformed.
long long header_number(const httplib::Request& req, const char* name) {
  if (!req.has_header(name)) return -1;
  const std::string v = req.get_header_value(name);
  if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::atoll(v.c_str());
}

/// Points the frame's planes into `body`. Without a stride the body is a packed
/// frame (planes back to back): every plane is set from the library's frame
/// geometry, so chroma bounds are checked too when the body holds them. With a
/// stride only the luma plane (the one hashed) is given; its bounds are checked.
void set_frame_planes(pdqg_frame& f, const std::string& body, std::size_t stride) {
  const auto* at = reinterpret_cast<const std::uint8_t*>(body.data());
  f.planes[0] = at;
  f.strides[0] = stride;
  f.sizes[0] = body.size();
  std::size_t packed = 0;
  if (stride != 0 || pdqg_frame_packed_size(f.format, f.width, f.height, &packed) != PDQG_OK ||
      body.size() < packed)
    return;
  std::size_t offset = 0;
  for (int p = 0; p < 3; ++p) {
    std::size_t row = 0, rows = 0;
    if (pdqg_frame_plane_size(f.format, f.width, f.height, p, &row, &rows) != PDQG_OK) break;
    f.planes[p] = at + offset;
    f.sizes[p] = row * rows;
    offset += row * rows;
  }
}

struct Gateway {
  Options opts;
  pdqg_matcher* matcher = nullptr;
  Metrics metrics;
  std::mutex reload_mu;

  /// Reloads (always, or with `only_if_changed` when a source file changed) and logs it.
  void reload(const char* why, bool only_if_changed) {
    std::lock_guard<std::mutex> lock(reload_mu);
    std::int64_t before = 0, after = 0, gen = 0;
    pdqg_matcher_get(matcher, PDQG_MATCHER_ENTRIES, &before);
    const auto t0 = std::chrono::steady_clock::now();
    int reloaded = 1;
    const int st = only_if_changed ? pdqg_matcher_reload_if_changed(matcher, &reloaded)
                                   : pdqg_matcher_reload(matcher);
    if (st == PDQG_OK && !reloaded) return;  // nothing changed
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (st != PDQG_OK) {
      ++metrics.reload_failures;
      log_line(std::string("reload (") + why + ") failed, keeping " + std::to_string(before) +
               " entries: " + pdqg_status_name(st) + ": " + pdqg_matcher_error(matcher));
      return;
    }
    ++metrics.reloads;
    pdqg_matcher_get(matcher, PDQG_MATCHER_ENTRIES, &after);
    pdqg_matcher_get(matcher, PDQG_MATCHER_GENERATION, &gen);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", ms);
    log_line(std::string("reload (") + why + "): entries " + std::to_string(before) + " -> " +
             std::to_string(after) + ", generation " + std::to_string(gen) + ", " + buf + " ms");
  }

  void error_reply(httplib::Response& res, int st, const std::string& message) {
    ++metrics.errors;
    if (st >= 0 && st < static_cast<int>(metrics.errors_by_status.size())) ++metrics.errors_by_status[st];
    res.status = http_status_for(st);
    res.set_content(nlohmann::json{{"error", pdqg_status_name(st)}, {"message", message}}.dump(),
                    "application/json");
  }

  void check(const httplib::Request& req, httplib::Response& res) {
    const auto t0 = std::chrono::steady_clock::now();
    ++metrics.requests;
    handle_check(req, res);
    metrics.observe(std::chrono::steady_clock::now() - t0);
  }

  void handle_check(const httplib::Request& req, httplib::Response& res) {
    pdqg_hasher* hasher = thread_hasher(opts);
    if (hasher == nullptr) return error_reply(res, PDQG_OUT_OF_MEMORY, "cannot create a hasher");
    const unsigned flags = opts.dihedral ? PDQG_FLAG_DIHEDRAL : 0u;
    pdqg_result r;
    int st;
    const std::uint64_t cpu0 = thread_cpu_ns();
    if (req.has_header("X-Frame-Format")) {
      pdqg_frame f{};
      f.format = pdqg_format_from_name(req.get_header_value("X-Frame-Format").c_str());
      const long long w = header_number(req, "X-Frame-Width"), h = header_number(req, "X-Frame-Height");
      const long long stride = req.has_header("X-Frame-Stride") ? header_number(req, "X-Frame-Stride") : 0;
      if (f.format < 0 || w <= 0 || h <= 0 || w > 1 << 20 || h > 1 << 20 || stride < 0)
        return error_reply(res, PDQG_INVALID_ARGUMENT,
                           "raw frames need X-Frame-Format (gray8, rgb8, rgba8, bgr8, bgra8, i420, "
                           "nv12, or ffmpeg's gray, rgb24, rgba, bgr24, bgra, yuv420p), X-Frame-Width and X-Frame-Height (positive), optional X-Frame-Stride");
      if (w * h > opts.max_pixels)
        return error_reply(res, PDQG_IMAGE_TOO_LARGE, "frame exceeds the pixel limit");
      f.width = static_cast<int>(w);
      f.height = static_cast<int>(h);
      set_frame_planes(f, req.body, static_cast<std::size_t>(stride));
      st = pdqg_hash_frame(hasher, &f, flags, &r);
    } else {
      st = pdqg_hash_buffer(hasher, req.body.data(), req.body.size(), flags, &r);
    }
    if (st != PDQG_OK) {
      metrics.pdqguard_cpu_ns += thread_cpu_ns() - cpu0;
      return error_reply(res, st, pdqg_hasher_error(hasher));
    }

    pdqg_match* hits = nullptr;
    std::size_t n = 0;
    int gate = PDQG_GATE_NONE;
    st = pdqg_matcher_query(matcher, &r, &hits, &n, &gate);
    metrics.pdqguard_cpu_ns += thread_cpu_ns() - cpu0;
    if (st != PDQG_OK) return error_reply(res, st, pdqg_last_error());
    nlohmann::json matches = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i)
      matches.push_back({{"list", hits[i].list},
                         {"id", hits[i].id},
                         {"label", hits[i].label},
                         {"hash", hex_of(hits[i].hash)},
                         {"distance", hits[i].distance},
                         {"variant", pdqg_dihedral_name(hits[i].dihedral)}});
    pdqg_matches_free(hits);
    if (n > 0) {
      ++metrics.blocked;
      metrics.matches += n;
    }
    nlohmann::json out{{"blocked", n > 0},
                       {"matches", std::move(matches)},
                       {"hash", hex_of(r.hash)},
                       {"quality", r.quality},
                       {"below_quality", gate != PDQG_GATE_NONE},
                       {"gate", pdqg_gate_name(gate)}};
    res.set_content(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
  }

  std::string metrics_text() {
    std::int64_t entries = 0, gen = 0;
    pdqg_matcher_get(matcher, PDQG_MATCHER_ENTRIES, &entries);
    pdqg_matcher_get(matcher, PDQG_MATCHER_GENERATION, &gen);
    std::string s;
    auto line = [&s](const std::string& name, const std::string& v) { s += name + " " + v + "\n"; };
    s += "# TYPE pdqguard_requests_total counter\n";
    line("pdqguard_requests_total", std::to_string(metrics.requests.load()));
    s += "# TYPE pdqguard_blocked_total counter\n";
    line("pdqguard_blocked_total", std::to_string(metrics.blocked.load()));
    s += "# TYPE pdqguard_matches_total counter\n";
    line("pdqguard_matches_total", std::to_string(metrics.matches.load()));
    s += "# TYPE pdqguard_errors_total counter\n";
    line("pdqguard_errors_total", std::to_string(metrics.errors.load()));
    for (int c = 1; c < static_cast<int>(metrics.errors_by_status.size()); ++c)
      if (const auto v = metrics.errors_by_status[c].load())
        line(std::string("pdqguard_errors_by_code_total{code=\"") + pdqg_status_name(c) + "\"}",
             std::to_string(v));
    s += "# TYPE pdqguard_check_seconds histogram\n";
    for (std::size_t i = 0; i < Metrics::kBuckets.size(); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", Metrics::kBuckets[i]);
      line(std::string("pdqguard_check_seconds_bucket{le=\"") + le + "\"}",
           std::to_string(metrics.bucket[i].load()));
    }
    line("pdqguard_check_seconds_bucket{le=\"+Inf\"}", std::to_string(metrics.latency_count.load()));
    char sum[32];
    std::snprintf(sum, sizeof sum, "%.6f", static_cast<double>(metrics.latency_ns.load()) / 1e9);
    line("pdqguard_check_seconds_sum", sum);
    line("pdqguard_check_seconds_count", std::to_string(metrics.latency_count.load()));
    s += "# TYPE pdqguard_library_cpu_seconds_total counter\n";
    char lib[32];
    std::snprintf(lib, sizeof lib, "%.6f", static_cast<double>(metrics.pdqguard_cpu_ns.load()) / 1e9);
    line("pdqguard_library_cpu_seconds_total", lib);
    s += "# TYPE pdqguard_list_entries gauge\n";
    line("pdqguard_list_entries", std::to_string(entries));
    s += "# TYPE pdqguard_list_generation gauge\n";
    line("pdqguard_list_generation", std::to_string(gen));
    s += "# TYPE pdqguard_reloads_total counter\n";
    line("pdqguard_reloads_total", std::to_string(metrics.reloads.load()));
    line("pdqguard_reload_failures_total", std::to_string(metrics.reload_failures.load()));
    return s;
  }
};


}  // namespace

int main(int argc, char** argv) {
  Gateway g;
  g.opts = parse_args(argc, argv);
  const Options& o = g.opts;

  // Signals are handled by one thread with sigwait; every other thread blocks them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGHUP);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  if (pdqg_matcher_create(&g.matcher) != PDQG_OK) {
    log_line(pdqg_last_error());
    return 2;
  }
  if ((o.threshold >= 0 && pdqg_matcher_set(g.matcher, PDQG_MATCHER_THRESHOLD, o.threshold) != PDQG_OK) ||
      pdqg_matcher_set(g.matcher, PDQG_MATCHER_DIHEDRAL, o.dihedral ? 1 : 0) != PDQG_OK) {
    log_line(std::string("bad option: ") + pdqg_matcher_error(g.matcher));
    return 2;
  }
  std::vector<const char*> lists;
  for (const std::string& l : o.lists) lists.push_back(l.c_str());
  if (const int st = pdqg_matcher_load(g.matcher, lists.data(), lists.size(),
                                       o.index.empty() ? nullptr : o.index.c_str())) {
    log_line(std::string("cannot load the list: ") + pdqg_status_name(st) + ": " +
             pdqg_matcher_error(g.matcher));
    return 2;
  }
  std::int64_t entries = 0;
  pdqg_matcher_get(g.matcher, PDQG_MATCHER_ENTRIES, &entries);
  log_line("loaded " + std::to_string(entries) + " entries (pdqguard " + pdqg_version_string() +
           ", simd " + (pdqg_simd_path() ? pdqg_simd_path() : "?") + ")");

  gateway::Server server;
  server.new_task_queue = [&o] { return new httplib::ThreadPool(static_cast<std::size_t>(o.threads)); };
  server.set_payload_max_length(static_cast<std::size_t>(o.max_bytes));
  server.set_tcp_nodelay(true);  // answers are small: never wait for delayed ACKs (~40 ms a request)
  // cpp-httplib 0.11 closes a keep-alive connection after 5 requests, so a chat server
  // with a connection pool would reconnect (TCP handshake, accept, thread-pool hand-off)
  // every 5th check. Serve more per connection; a bound remains so that, with more
  // client connections than --threads, waiting connections still get a worker in turn.
  server.set_keep_alive_max_count(static_cast<std::size_t>(o.keep_alive_requests));
  server.Post("/v1/check", [&g](const httplib::Request& req, httplib::Response& res) { g.check(req, res); });
  server.Get("/healthz", [&g](const httplib::Request&, httplib::Response& res) {
    std::int64_t n = 0, gen = 0;
    pdqg_matcher_get(g.matcher, PDQG_MATCHER_ENTRIES, &n);
    pdqg_matcher_get(g.matcher, PDQG_MATCHER_GENERATION, &gen);
    res.set_content(nlohmann::json{{"status", "ok"}, {"entries", n}, {"generation", gen}}.dump(),
                    "application/json");
  });
  server.Get("/metrics", [&g](const httplib::Request&, httplib::Response& res) {
    res.set_content(g.metrics_text(), "text/plain; version=0.0.4");
  });
  server.set_error_handler([&g](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 413) {  // refused by the payload limit before our handler ran
      ++g.metrics.errors;
      ++g.metrics.errors_by_status[PDQG_FILE_TOO_LARGE];
      // cpp-httplib caps form-encoded bodies at 8 KiB whatever the limit is.
      const bool form = req.get_header_value("Content-Type") == "application/x-www-form-urlencoded";
      res.set_content(
          nlohmann::json{{"error", "file_too_large"},
                         {"message", form ? "form-encoded body refused: send the image with "
                                            "Content-Type: application/octet-stream or image/*"
                                          : "request body exceeds --max-bytes"}}
              .dump(),
          "application/json");
    } else if (res.body.empty()) {
      res.set_content(nlohmann::json{{"error", "not_found"}, {"message", "no such endpoint"}}.dump(),
                      "application/json");
    }
  });

  const int port = o.port == 0 ? server.bind_to_any_port(o.host) : (server.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0) {
    log_line("cannot listen on " + o.host + ":" + std::to_string(o.port));
    return 2;
  }
  std::printf("listening on %s:%d\n", o.host.c_str(), port);
  std::fflush(stdout);

  std::atomic<bool> stopping{false};
  std::atomic<bool> hup{false};
  std::thread signals([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&sigs, &sig) != 0) continue;
      if (sig == SIGHUP) {
        hup.store(true);
        continue;
      }
      stopping.store(true);
      server.stop();
      return;
    }
  });
  std::thread watcher([&] {
    auto next = std::chrono::steady_clock::now();
    while (!stopping.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (hup.exchange(false)) {
        g.reload("SIGHUP", false);
        continue;
      }
      if (o.watch_ms > 0 && std::chrono::steady_clock::now() >= next) {
        next = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.watch_ms);
        g.reload("file changed", true);
      }
    }
  });

  server.listen_after_bind();
  stopping.store(true);
  if (signals.joinable()) {
    pthread_kill(signals.native_handle(), SIGTERM);  // wake sigwait if we stopped otherwise
    signals.join();
  }
  watcher.join();
  pdqg_matcher_free(g.matcher);
  log_line("stopped");
  return 0;
}
