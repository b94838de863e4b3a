// pdqguard-gateway: the HTTP check a chat server calls before it accepts an
// upload or publishes a frame. Built on the C API (pdqguard.h), the way a service
// in any language would embed pdqguard. README.md, "Gateway", documents the
// options, endpoints, status codes and reload behaviour; `--help` lists the
// options with their defaults and ranges (the ranges of list and hasher
// parameters come from the library: pdqg_matcher_param_bounds,
// pdqg_hasher_param_bounds).
//
// Endpoints
//   POST /v1/check   body = the image file's bytes (every format the library
//                    decodes), a multipart/form-data body with a "file" field, or
//                    a raw frame with headers X-Frame-Format, X-Frame-Width,
//                    X-Frame-Height [, X-Frame-Stride].
//                    200 {"blocked":bool,"matches":[...],"hash":"..","quality":N,
//                         "below_quality":bool,"gate":"none"|"too_small"|"below_quality"}
//   POST /v1/lookup  {"hashes":["<64 hex>" | {"hash":"<64 hex>","quality":N}, ...]}
//                    200 {"results":[{"hash":..,"blocked":..,"matches":[...],"gate":..}]}
//   GET /healthz     200 {"status":"ok",...}; 503 {"status":"stale","reason":..} when
//                    the last reload was refused or failed (the old list is served)
//   GET /metrics     Prometheus text.
//   Errors: {"error":"<name>","message":".."}: pdqguard's status names for what the
//   library refused (HTTP status from kHttpFor below: 400 damaged input, 413 above a
//   size limit, 415 not hashable, 422 a decode budget (resource_limit), 503
//   out_of_memory, 500 a server fault), HTTP names for what
//   the transport refused (400 bad_request, 401 unauthorized, 404 not_found, 408
//   request_timeout, 431 headers_too_large, 503 too_many_connections).
#include <pdqguard/pdqguard.h>

#include "front.hpp"
#include "metrics.hpp"

#include <CLI/CLI.hpp>
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
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

/// Hard bounds of the gateway's own options (the list and hasher ones come from the library).
constexpr int kMaxThreads = 1024;
constexpr std::int64_t kMaxTimeoutMs = 3'600'000;
constexpr std::size_t kMaxLookupHashes = 10'000;

struct Options {
  std::vector<std::string> lists;
  std::string index;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::int64_t threshold = -1;    ///< -1: the library's default
  std::int64_t min_quality = -1;  ///< -1: the library's default
  bool dihedral = false;
  std::int64_t max_bytes = 20 << 20;
  std::int64_t max_pixels = -1;  ///< -1: the library's default
  std::int64_t max_decode_memory = -1;  ///< -1: the library's default
  std::int64_t max_decode_cpu_ms = -1;  ///< -1: the library's default (0: no deadline)
  std::int64_t watch_ms = 500;
  std::int64_t settle_ms = -1;   ///< -1: the library's default
  std::int64_t max_shrink = -1;  ///< -1: the library's default
  bool allow_empty = false;
  int threads = 8;
  std::int64_t keep_alive_requests = 100;
  std::int64_t header_timeout_ms = 10'000, body_timeout_ms = 60'000, idle_timeout_ms = 30'000,
               write_timeout_ms = 30'000;
  std::int64_t max_connections = 512, max_connections_per_ip = 64;
  std::string token_file;
  std::string token;  ///< read from token_file
};

/// pdqg_matcher_param_bounds or pdqg_hasher_param_bounds: the library's ranges.
using BoundsFn = int (*)(int, std::int64_t*, std::int64_t*, std::int64_t*);

/// A CLI11 range check with the library's bounds of a parameter.
CLI::Range range_of(BoundsFn bounds, int param) {
  std::int64_t lo = 0, hi = 0;
  bounds(param, &lo, &hi, nullptr);
  return CLI::Range(lo, hi);
}
std::int64_t default_of(BoundsFn bounds, int param) {
  std::int64_t d = 0;
  bounds(param, nullptr, nullptr, &d);
  return d;
}

/// Parses the command line; exits 0 for --help/--version, 2 for a bad option.
Options parse_args(int argc, char** argv) {
  Options o;
  o.max_pixels = default_of(pdqg_hasher_param_bounds, PDQG_HASHER_MAX_PIXELS);
  o.max_decode_memory = default_of(pdqg_hasher_param_bounds, PDQG_HASHER_MAX_DECODE_MEMORY);
  o.max_decode_cpu_ms = default_of(pdqg_hasher_param_bounds, PDQG_HASHER_MAX_DECODE_CPU_MS);
  o.threshold = default_of(pdqg_matcher_param_bounds, PDQG_MATCHER_THRESHOLD);
  o.min_quality = default_of(pdqg_matcher_param_bounds, PDQG_MATCHER_MIN_QUALITY);
  o.settle_ms = default_of(pdqg_matcher_param_bounds, PDQG_MATCHER_SETTLE_MS);
  o.max_shrink = default_of(pdqg_matcher_param_bounds, PDQG_MATCHER_MAX_SHRINK_PERCENT);
  CLI::App app{"pdqguard-gateway: HTTP upload check against PDQ blocklists (README.md, \"Gateway\")",
               "pdqguard-gateway"};
  app.set_version_flag("--version", std::string("pdqguard-gateway ") + pdqg_version_string());
  app.add_option("--list", o.lists, "A hash list file to block (repeat for several)")->type_name("FILE");
  app.add_option("--index", o.index, "An index file built by `pdqguard index build`")->type_name("FILE");
  app.add_flag("--allow-empty-list", o.allow_empty,
               "Start and reload with lists that hold 0 entries (refused by default: an empty blocklist blocks nothing)");
  app.add_option("--host", o.host, "Address to listen on (loopback by default)")->capture_default_str();
  app.add_option("--port", o.port, "TCP port (0: any free port; the chosen one is printed)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--threshold", o.threshold, "Match when the Hamming distance is at most this")
      ->check(range_of(pdqg_matcher_param_bounds, PDQG_MATCHER_THRESHOLD))
      ->capture_default_str();
  app.add_option("--min-quality", o.min_quality, "Images below this PDQ quality match nothing")
      ->check(range_of(pdqg_matcher_param_bounds, PDQG_MATCHER_MIN_QUALITY))
      ->capture_default_str();
  app.add_flag("--dihedral", o.dihedral, "Also match rotated and flipped copies");
  app.add_option("--max-bytes", o.max_bytes, "Largest request body (HTTP 413 above)")
      ->check(range_of(pdqg_hasher_param_bounds, PDQG_HASHER_MAX_BYTES))
      ->capture_default_str();
  app.add_option("--max-pixels", o.max_pixels, "Largest image (width x height; 413 image_too_large above)")
      ->check(range_of(pdqg_hasher_param_bounds, PDQG_HASHER_MAX_PIXELS))
      ->capture_default_str();
  app.add_option("--max-decode-memory", o.max_decode_memory,
                 "Working memory one decode may use, in bytes (422 resource_limit above; JPEG bombs)")
      ->check(range_of(pdqg_hasher_param_bounds, PDQG_HASHER_MAX_DECODE_MEMORY))
      ->capture_default_str();
  app.add_option("--max-decode-cpu-ms", o.max_decode_cpu_ms,
                 "CPU time one decode may use, in ms (422 resource_limit after; 0: no deadline)")
      ->check(range_of(pdqg_hasher_param_bounds, PDQG_HASHER_MAX_DECODE_CPU_MS))
      ->capture_default_str();
  app.add_option("--watch-ms", o.watch_ms, "Check the list files for changes this often (0: only on SIGHUP)")
      ->check(CLI::Range(std::int64_t{0}, kMaxTimeoutMs))
      ->capture_default_str();
  app.add_option("--settle-ms", o.settle_ms,
                 "Reload a changed list only after its files have been unchanged this long")
      ->check(range_of(pdqg_matcher_param_bounds, PDQG_MATCHER_SETTLE_MS))
      ->capture_default_str();
  app.add_option("--max-shrink", o.max_shrink,
                 "Refuse a reload that removes more than this percentage of the entries (100: no check)")
      ->check(range_of(pdqg_matcher_param_bounds, PDQG_MATCHER_MAX_SHRINK_PERCENT))
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Worker threads (decode, hash, match)")
      ->check(CLI::Range(1, kMaxThreads))
      ->capture_default_str();
  app.add_option("--keep-alive-requests", o.keep_alive_requests, "Requests per connection before it is closed")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000}))
      ->capture_default_str();
  const auto ms = CLI::Range(std::int64_t{1}, kMaxTimeoutMs);
  app.add_option("--header-timeout-ms", o.header_timeout_ms,
                 "A request's header must arrive within this time of its first byte (408 after)")
      ->check(ms)
      ->capture_default_str();
  app.add_option("--body-timeout-ms", o.body_timeout_ms, "A request's body must arrive within this time of its header (408 after)")
      ->check(ms)
      ->capture_default_str();
  app.add_option("--idle-timeout-ms", o.idle_timeout_ms, "Close a keep-alive connection idle this long")
      ->check(ms)
      ->capture_default_str();
  app.add_option("--write-timeout-ms", o.write_timeout_ms, "Close a connection whose response is not taken within this time")
      ->check(ms)
      ->capture_default_str();
  app.add_option("--max-connections", o.max_connections, "Open connections in all (503 above)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}))
      ->capture_default_str();
  app.add_option("--max-connections-per-ip", o.max_connections_per_ip,
                 "Open connections from one client address (503 above)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}))
      ->capture_default_str();
  app.add_option("--token-file", o.token_file,
                 "Require \"Authorization: Bearer <token>\" (the file's first line) on every endpoint but /healthz")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  try {
    app.parse(argc, argv);
    if (o.lists.empty() && o.index.empty())
      throw CLI::ValidationError("--list/--index", "give at least one --list FILE or an --index FILE");
    if (!o.token_file.empty()) {
      std::ifstream f(o.token_file);
      std::getline(f, o.token);
      while (!o.token.empty() && (o.token.back() == '\r' || o.token.back() == ' ' || o.token.back() == '\t'))
        o.token.pop_back();
      if (!f && !f.eof()) throw CLI::ValidationError("--token-file", "cannot read " + o.token_file);
      if (o.token.empty()) throw CLI::ValidationError("--token-file", o.token_file + ": the first line is empty");
    }
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e) == 0 ? 0 : 2);
  }
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
    pdqg_hasher_set(holder.h, PDQG_HASHER_MAX_DECODE_MEMORY, o.max_decode_memory);
    pdqg_hasher_set(holder.h, PDQG_HASHER_MAX_DECODE_CPU_MS, o.max_decode_cpu_ms);
  }
  return holder.h;
}

/// The HTTP status of each pdqguard status, indexed by the status number. The rule
/// (README.md, "Gateway", status table): 400 a damaged or malformed input, 413 an
/// input above a configured size limit, 415 something the gateway cannot hash, 422
/// an input refused by a work budget (decode memory, JPEG scans, CPU deadline,
/// archive limits), 503 a transient shortage (retry later), 500 a fault of the
/// server itself. Sized by PDQG_STATUS_COUNT: a status appended to pdqguard.h
/// without a row here fails the static_assert below.
struct HttpFor {
  int status;
  int http;
};
constexpr std::array<HttpFor, PDQG_STATUS_COUNT> kHttpFor = {{
    {PDQG_OK, 200},
    {PDQG_INVALID_ARGUMENT, 400},
    {PDQG_IO_ERROR, 500},
    {PDQG_UNSUPPORTED_FORMAT, 415},
    {PDQG_DECODE_ERROR, 400},
    {PDQG_IMAGE_TOO_LARGE, 413},
    {PDQG_FILE_TOO_LARGE, 413},
    {PDQG_BAD_HASH, 400},
    {PDQG_LIST_PARSE_ERROR, 500},
    {PDQG_INDEX_CORRUPT, 500},
    {PDQG_UNSUPPORTED_ISA, 500},
    {PDQG_OUT_OF_MEMORY, 503},
    {PDQG_INTERNAL_ERROR, 500},
    {PDQG_ENCRYPTED, 415},
    {PDQG_ARCHIVE_LIMIT, 422},
    {PDQG_NOT_A_FILE, 415},
    {PDQG_NO_VIDEO_STREAM, 415},
    {PDQG_BAD_FRAME_RATE, 400},
    {PDQG_VIDEO_TOO_LONG, 413},
    {PDQG_TRUNCATED_INPUT, 400},
    {PDQG_RESOURCE_LIMIT, 422},
}};
constexpr bool http_table_complete() {
  for (std::size_t i = 0; i < kHttpFor.size(); ++i)
    if (kHttpFor[i].status != static_cast<int>(i) || kHttpFor[i].http < 200 || kHttpFor[i].http > 599) return false;
  return true;
}
static_assert(http_table_complete(), "every pdqg_status needs a row in kHttpFor, in status order");

/// The HTTP status of a pdqguard status; 500 for a number outside the table (a
/// newer library's code this gateway was not built with).
int http_status_for(int st) {
  return st >= 0 && st < PDQG_STATUS_COUNT ? kHttpFor[static_cast<std::size_t>(st)].http : 500;
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
#if defined(PDQGUARD_GATEWAY_FRONT)
  const gateway::FrontCounters* front = nullptr;
#endif

  std::mutex health_mu;
  std::string stale_reason;  ///< why the served list is not the one on disk ("" = healthy)

  void set_stale(std::string why) {
    std::lock_guard<std::mutex> lock(health_mu);
    stale_reason = std::move(why);
  }
  std::string stale() {
    std::lock_guard<std::mutex> lock(health_mu);
    return stale_reason;
  }

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
      const std::string reason = std::string("reload (") + why + ") failed, keeping " +
                                 std::to_string(before) + " entries: " + pdqg_status_name(st) + ": " +
                                 pdqg_matcher_error(matcher);
      set_stale(reason);
      log_line(reason);
      return;
    }
    set_stale({});
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

  /// Counts and times one request of an endpoint that checks (check, lookup).
  void counted(void (Gateway::*handle)(const httplib::Request&, httplib::Response&), const httplib::Request& req,
               httplib::Response& res) {
    const auto t0 = std::chrono::steady_clock::now();
    ++metrics.requests;
    (this->*handle)(req, res);
    metrics.observe(std::chrono::steady_clock::now() - t0);
  }

  void handle_check(const httplib::Request& req, httplib::Response& res) {
    pdqg_hasher* hasher = thread_hasher(opts);
    if (hasher == nullptr) return error_reply(res, PDQG_OUT_OF_MEMORY, "cannot create a hasher");
    const unsigned flags = opts.dihedral ? PDQG_FLAG_DIHEDRAL : 0u;
    pdqg_result r;
    int st;
    const std::uint64_t cpu0 = thread_cpu_ns();
    if (req.is_multipart_form_data()) {
      if (!req.has_file("file"))
        return error_reply(res, PDQG_INVALID_ARGUMENT, "multipart/form-data body without a \"file\" field");
      const std::string& content = req.get_file_value("file").content;
      st = pdqg_hash_buffer(hasher, content.data(), content.size(), flags, &r);
    } else if (req.has_header("X-Frame-Format")) {
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

    nlohmann::json out;
    st = query(r, out);
    metrics.pdqguard_cpu_ns += thread_cpu_ns() - cpu0;
    if (st != PDQG_OK) return error_reply(res, st, pdqg_last_error());
    out["hash"] = hex_of(r.hash);
    out["quality"] = r.quality;
    res.set_content(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
  }

  /// Matches one hash result through pdqg_matcher_query (which owns the gate and
  /// the order) into {"blocked","matches","below_quality","gate"}.
  int query(const pdqg_result& r, nlohmann::json& out) {
    pdqg_match* hits = nullptr;
    std::size_t n = 0;
    int gate = PDQG_GATE_NONE;
    if (const int st = pdqg_matcher_query(matcher, &r, &hits, &n, &gate)) return st;
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
    out["blocked"] = n > 0;
    out["matches"] = std::move(matches);
    out["below_quality"] = gate != PDQG_GATE_NONE;
    out["gate"] = pdqg_gate_name(gate);
    return PDQG_OK;
  }

  /// POST /v1/lookup: {"hashes": ["<hex>" | {"hash": "<hex>", "quality": N}, ...]}.
  /// A quality, when given, is gated by the library (pdqg_matcher_query); without
  /// one it is unknown (-1) and never gated.
  void handle_lookup(const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json in = nlohmann::json::parse(req.body, nullptr, false);
    if (in.is_discarded() || !in.is_object() || !in.contains("hashes") || !in["hashes"].is_array())
      return error_reply(res, PDQG_INVALID_ARGUMENT,
                         "expected a JSON object {\"hashes\": [\"<64 hex digits>\" or {\"hash\": ..., "
                         "\"quality\": 0..100}, ...]}");
    const nlohmann::json& hashes = in["hashes"];
    if (hashes.size() > kMaxLookupHashes)
      return error_reply(res, PDQG_INVALID_ARGUMENT,
                         "at most " + std::to_string(kMaxLookupHashes) + " hashes per lookup");
    nlohmann::json results = nlohmann::json::array();
    const std::uint64_t cpu0 = thread_cpu_ns();
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      const nlohmann::json& h = hashes[i];
      const std::string at = "hashes[" + std::to_string(i) + "]: ";
      const nlohmann::json* hex = h.is_string() ? &h : h.is_object() && h.contains("hash") ? &h["hash"] : nullptr;
      if (hex == nullptr || !hex->is_string())
        return error_reply(res, PDQG_INVALID_ARGUMENT, at + "expected a hex string or {\"hash\": ..., \"quality\": N}");
      pdqg_result r{};
      r.quality = -1;
      if (h.is_object() && h.contains("quality")) {
        const nlohmann::json& q = h["quality"];
        if (!q.is_number_integer())
          return error_reply(res, PDQG_INVALID_ARGUMENT, at + "quality must be an integer 0..100");
        const std::int64_t v = q.get<std::int64_t>();
        // pdqg_matcher_query refuses what is out of range; keep the value intact for it.
        r.quality = v < -1 ? -2 : v > 100 ? 101 : static_cast<int>(v);
        if (r.quality == -1)
          return error_reply(res, PDQG_INVALID_ARGUMENT, at + "quality must be 0..100 (omit it when unknown)");
      }
      if (const int st = pdqg_hash_from_hex(hex->get<std::string>().c_str(), &r.hash))
        return error_reply(res, st, at + pdqg_last_error());
      nlohmann::json one;
      if (const int st = query(r, one)) return error_reply(res, st, at + pdqg_last_error());
      one["hash"] = hex_of(r.hash);
      if (r.quality >= 0) one["quality"] = r.quality;
      results.push_back(std::move(one));
    }
    metrics.pdqguard_cpu_ns += thread_cpu_ns() - cpu0;
    res.set_content(nlohmann::json{{"results", std::move(results)}}.dump(-1, ' ', false,
                                                                         nlohmann::json::error_handler_t::replace),
                    "application/json");
  }

  std::string metrics_text() {
    std::int64_t entries = 0, gen = 0;
    pdqg_matcher_get(matcher, PDQG_MATCHER_ENTRIES, &entries);
    pdqg_matcher_get(matcher, PDQG_MATCHER_GENERATION, &gen);
    std::string s;
    auto line = [&s](const std::string& name, const std::string& v) { s += name + " " + v + "\n"; };
    s += "# HELP pdqguard_requests_total Requests to /v1/check and /v1/lookup\n";
    s += "# TYPE pdqguard_requests_total counter\n";
    line("pdqguard_requests_total", std::to_string(metrics.requests.load()));
    s += "# HELP pdqguard_blocked_total Checks and lookups answered blocked\n";
    s += "# TYPE pdqguard_blocked_total counter\n";
    line("pdqguard_blocked_total", std::to_string(metrics.blocked.load()));
    s += "# HELP pdqguard_matches_total List entries matched, over all requests\n";
    s += "# TYPE pdqguard_matches_total counter\n";
    line("pdqguard_matches_total", std::to_string(metrics.matches.load()));
    s += "# HELP pdqguard_errors_total Check and lookup requests answered with an error\n";
    s += "# TYPE pdqguard_errors_total counter\n";
    line("pdqguard_errors_total", std::to_string(metrics.errors.load()));
    s += "# HELP pdqguard_errors_by_code_total Error replies by pdqguard status name\n";
    s += "# TYPE pdqguard_errors_by_code_total counter\n";
    for (int c = 1; c < static_cast<int>(metrics.errors_by_status.size()); ++c)
      if (const auto v = metrics.errors_by_status[c].load())
        line(std::string("pdqguard_errors_by_code_total{code=\"") + pdqg_status_name(c) + "\"}",
             std::to_string(v));
    s += "# HELP pdqguard_check_seconds Time to answer a check or lookup request\n";
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
    s += "# HELP pdqguard_library_cpu_seconds_total CPU time spent in pdqguard (decode, hash, match)\n";
    s += "# TYPE pdqguard_library_cpu_seconds_total counter\n";
    char lib[32];
    std::snprintf(lib, sizeof lib, "%.6f", static_cast<double>(metrics.pdqguard_cpu_ns.load()) / 1e9);
    line("pdqguard_library_cpu_seconds_total", lib);
    s += "# HELP pdqguard_list_entries Entries in the list being served\n";
    s += "# TYPE pdqguard_list_entries gauge\n";
    line("pdqguard_list_entries", std::to_string(entries));
    s += "# HELP pdqguard_list_generation Generation of the list being served (1 at start, +1 per reload)\n";
    s += "# TYPE pdqguard_list_generation gauge\n";
    line("pdqguard_list_generation", std::to_string(gen));
    s += "# HELP pdqguard_reloads_total Successful list reloads\n";
    s += "# TYPE pdqguard_reloads_total counter\n";
    line("pdqguard_reloads_total", std::to_string(metrics.reloads.load()));
    s += "# HELP pdqguard_reload_failures_total Reloads refused (empty, shrunk, torn) or failed; the previous list was kept\n";
    s += "# TYPE pdqguard_reload_failures_total counter\n";
    line("pdqguard_reload_failures_total", std::to_string(metrics.reload_failures.load()));
    s += "# HELP pdqguard_list_stale 1 when the last reload was refused or failed (the previous list is served)\n";
    s += "# TYPE pdqguard_list_stale gauge\n";
    line("pdqguard_list_stale", stale().empty() ? "0" : "1");
#if defined(PDQGUARD_GATEWAY_FRONT)
    if (front != nullptr) {
      s += "# HELP pdqguard_connections_open Open client connections\n";
      s += "# TYPE pdqguard_connections_open gauge\n";
      line("pdqguard_connections_open", std::to_string(front->open.load()));
      s += "# HELP pdqguard_connections_accepted_total Client connections accepted\n";
      s += "# TYPE pdqguard_connections_accepted_total counter\n";
      line("pdqguard_connections_accepted_total", std::to_string(front->accepted.load()));
      s += "# HELP pdqguard_connections_refused_total Client connections refused with 503 (connection caps)\n";
      s += "# TYPE pdqguard_connections_refused_total counter\n";
      line("pdqguard_connections_refused_total", std::to_string(front->refused.load()));
      s += "# HELP pdqguard_request_timeouts_total Requests answered 408 (header or body deadline)\n";
      s += "# TYPE pdqguard_request_timeouts_total counter\n";
      line("pdqguard_request_timeouts_total", std::to_string(front->timeouts.load()));
      s += "# HELP pdqguard_bad_requests_total Malformed requests answered 400\n";
      s += "# TYPE pdqguard_bad_requests_total counter\n";
      line("pdqguard_bad_requests_total", std::to_string(front->bad_requests.load()));
    }
#endif
    return s;
  }
};

/// Constant-time comparison (the token must not leak through timing).
bool same_secret(const std::string& given, const std::string& token) {
  if (given.size() != token.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < token.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  return diff == 0;
}

void add_routes(httplib::Server& server, Gateway& g) {
  const Options& o = g.opts;
  server.set_payload_max_length(static_cast<std::size_t>(o.max_bytes));
  server.set_tcp_nodelay(true);  // answers are small: never wait for delayed ACKs (~40 ms a request)
  server.set_keep_alive_max_count(static_cast<std::size_t>(o.keep_alive_requests));
  if (!o.token.empty()) {
    server.set_pre_routing_handler([&g](const httplib::Request& req, httplib::Response& res) {
      if (req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
      const std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Bearer ", 0) == 0 && same_secret(auth.substr(7), g.opts.token))
        return httplib::Server::HandlerResponse::Unhandled;
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_content(nlohmann::json{{"error", "unauthorized"},
                                     {"message", "send Authorization: Bearer <token> (--token-file)"}}
                          .dump(),
                      "application/json");
      return httplib::Server::HandlerResponse::Handled;
    });
  }
  server.Post("/v1/check", [&g](const httplib::Request& req, httplib::Response& res) {
    g.counted(&Gateway::handle_check, req, res);
  });
  server.Post("/v1/lookup", [&g](const httplib::Request& req, httplib::Response& res) {
    g.counted(&Gateway::handle_lookup, req, res);
  });
  server.Get("/healthz", [&g](const httplib::Request&, httplib::Response& res) {
    std::int64_t n = 0, gen = 0;
    pdqg_matcher_get(g.matcher, PDQG_MATCHER_ENTRIES, &n);
    pdqg_matcher_get(g.matcher, PDQG_MATCHER_GENERATION, &gen);
    const std::string why = g.stale();
    nlohmann::json out{{"status", why.empty() ? "ok" : "stale"}, {"entries", n}, {"generation", gen}};
    if (!why.empty()) {
      out["reason"] = why;
      res.status = 503;
    }
    res.set_content(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
  });
  server.Get("/metrics", [&g](const httplib::Request&, httplib::Response& res) {
    res.set_content(g.metrics_text(), "text/plain; version=0.0.4");
  });
  server.set_error_handler([&g](const httplib::Request& req, httplib::Response& res) {
    if (gateway::http_status_closes(res.status)) res.set_header("Connection", "close");
    if (res.status == 413) {  // refused by the payload limit before our handler ran
      ++g.metrics.errors;
      ++g.metrics.errors_by_status[PDQG_FILE_TOO_LARGE];
      // cpp-httplib caps form-encoded bodies at 8 KiB whatever the limit is.
      const bool form = req.get_header_value("Content-Type") == "application/x-www-form-urlencoded";
      res.set_content(
          nlohmann::json{{"error", "file_too_large"},
                         {"message", form ? "form-encoded body refused: send the image with "
                                            "Content-Type: application/octet-stream, image/* or multipart/form-data"
                                          : "request body exceeds --max-bytes"}}
              .dump(),
          "application/json");
    } else if (res.body.empty()) {
      const char* name = gateway::http_error_name(res.status);
      const std::string n = name ? name : "http_" + std::to_string(res.status);
      const std::string message = res.status == 404   ? "no such endpoint"
                                  : res.status == 400 ? "malformed request (request line, header or body)"
                                                      : "request refused";
      res.set_content(nlohmann::json{{"error", n}, {"message", message}}.dump(), "application/json");
    }
  });
}

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
  std::signal(SIGPIPE, SIG_IGN);

  if (pdqg_matcher_create(&g.matcher) != PDQG_OK) {
    log_line(pdqg_last_error());
    return 2;
  }
  // Freed on every return, after the threads using it have been joined.
  const std::unique_ptr<pdqg_matcher, void (*)(pdqg_matcher*)> owner(g.matcher, pdqg_matcher_free);
  // Every value was range-checked against the library's bounds by parse_args.
  const std::pair<int, std::int64_t> params[] = {
      {PDQG_MATCHER_THRESHOLD, o.threshold},
      {PDQG_MATCHER_MIN_QUALITY, o.min_quality},
      {PDQG_MATCHER_DIHEDRAL, o.dihedral ? 1 : 0},
      {PDQG_MATCHER_ALLOW_EMPTY, o.allow_empty ? 1 : 0},
      {PDQG_MATCHER_SETTLE_MS, o.settle_ms},
      {PDQG_MATCHER_MAX_SHRINK_PERCENT, o.max_shrink},
  };
  for (const auto& [param, value] : params) {
    if (pdqg_matcher_set(g.matcher, param, value) != PDQG_OK) {
      log_line(std::string("bad option: ") + pdqg_matcher_error(g.matcher));
      return 2;
    }
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

#if defined(PDQGUARD_GATEWAY_FRONT)
  gateway::App server;
  add_routes(server, g);
  gateway::FrontLimits limits;
  limits.max_body_bytes = static_cast<std::size_t>(o.max_bytes);
  limits.header_timeout = std::chrono::milliseconds(o.header_timeout_ms);
  limits.body_timeout = std::chrono::milliseconds(o.body_timeout_ms);
  limits.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
  limits.write_timeout = std::chrono::milliseconds(o.write_timeout_ms);
  limits.max_connections = static_cast<std::size_t>(o.max_connections);
  limits.max_connections_per_ip = static_cast<std::size_t>(o.max_connections_per_ip);
  limits.keep_alive_requests = static_cast<std::size_t>(o.keep_alive_requests);
  limits.threads = static_cast<std::size_t>(o.threads);
  limits.on_refuse = [&g](int status) {
    if (status != 413) return;  // the others are counted by the front's own metrics
    ++g.metrics.errors;
    ++g.metrics.errors_by_status[PDQG_FILE_TOO_LARGE];
  };
  gateway::Front front(server, limits);
  g.front = &front.counters();
  std::string bind_error;
  const int port = front.bind(o.host, o.port, bind_error);
  if (port < 0) {
    log_line(bind_error);
    return 2;
  }
  auto stop_server = [&front] { front.stop(); };
#else
  // Not cpp-httplib 0.11: the stock server with its supported settings. It has
  // per-recv read timeouts only and one worker per connection (README, "Gateway").
  httplib::Server server;
  add_routes(server, g);
  server.new_task_queue = [&o] { return new httplib::ThreadPool(static_cast<std::size_t>(o.threads)); };
  server.set_read_timeout(std::chrono::milliseconds(o.header_timeout_ms));
  server.set_write_timeout(std::chrono::milliseconds(o.write_timeout_ms));
  log_line("warning: built without the connection front (cpp-httplib " CPPHTTPLIB_VERSION
           "): slow or idle clients can hold workers");
  const int port = o.port == 0 ? server.bind_to_any_port(o.host) : (server.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0) {
    log_line("cannot listen on " + o.host + ":" + std::to_string(o.port));
    return 2;
  }
  auto stop_server = [&server] { server.stop(); };
#endif
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
      stop_server();
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

#if defined(PDQGUARD_GATEWAY_FRONT)
  front.run();
#else
  server.listen_after_bind();
#endif
  stopping.store(true);
  if (signals.joinable()) {
    pthread_kill(signals.native_handle(), SIGTERM);  // wake sigwait if we stopped otherwise
    signals.join();
  }
  watcher.join();
  log_line("stopped");
  return 0;
}
