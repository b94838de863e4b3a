// The gateway's request counters and latency histogram (rendered as Prometheus
// text by Gateway::metrics_text in main.cpp).
#pragma once

#include <pdqguard/pdqguard.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace {

/// Request counters and a latency histogram (Prometheus text format).
struct Metrics {
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                                      0.1,   0.2,   0.5,   1.0,  2.0,  5.0};
  std::atomic<std::uint64_t> requests{0}, blocked{0}, matches{0}, errors{0}, reloads{0},
      reload_failures{0};
  std::array<std::atomic<std::uint64_t>, kBuckets.size()> bucket{};
  std::atomic<std::uint64_t> latency_count{0}, latency_ns{0};
  /// Error replies by pdqguard status (pdqguard_errors_by_code_total), one slot per code.
  std::array<std::atomic<std::uint64_t>, PDQG_STATUS_COUNT> errors_by_status{};
  /// CPU time the handling threads spent in pdqguard (decode + hash + match), so the
  /// gateway's own cost (HTTP, JSON, kernel) is the process CPU time minus this.
  std::atomic<std::uint64_t> pdqguard_cpu_ns{0};

  void observe(std::chrono::nanoseconds d) {
    const double s = std::chrono::duration<double>(d).count();
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      if (s <= kBuckets[i]) ++bucket[i];
    ++latency_count;
    latency_ns += static_cast<std::uint64_t>(d.count());
  }
};

}  // namespace
