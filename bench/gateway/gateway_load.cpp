// A small closed-loop load generator for the gateway: C connections on loopback
// (keep-alive), each posting the same image back to back for S seconds.
//   gateway_load HOST PORT IMAGE SECONDS CONNECTIONS
// Prints requests/s and latency percentiles (p50, p90, p99) in milliseconds;
// exits 1 if any request failed.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: gateway_load HOST PORT IMAGE SECONDS CONNECTIONS\n");
    return 2;
  }
  const std::string host = argv[1];
  const int port = std::atoi(argv[2]);
  std::ifstream in(argv[3], std::ios::binary);
  const std::string body{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const double seconds = std::atof(argv[4]);
  const int conns = std::atoi(argv[5]);
  std::atomic<long> failed{0};
  std::mutex mu;
  std::vector<double> all_ms;
  const auto t_end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < conns; ++c)
    threads.emplace_back([&] {
      httplib::Client cli(host, port);
      cli.set_keep_alive(true);
      std::vector<double> ms;
      while (std::chrono::steady_clock::now() < t_end) {
        const auto a = std::chrono::steady_clock::now();
        auto res = cli.Post("/v1/check", body, "image/jpeg");
        const auto b = std::chrono::steady_clock::now();
        if (!res || res->status != 200) {
          ++failed;
          continue;
        }
        ms.push_back(std::chrono::duration<double, std::milli>(b - a).count());
      }
      std::lock_guard<std::mutex> lock(mu);
      all_ms.insert(all_ms.end(), ms.begin(), ms.end());
    });
  for (auto& t : threads) t.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(all_ms.begin(), all_ms.end());
  auto pct = [&](double p) {
    return all_ms.empty() ? 0.0 : all_ms[std::min(all_ms.size() - 1, static_cast<std::size_t>(p * all_ms.size()))];
  };
  std::printf("connections=%d requests=%zu failed=%ld req/s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f\n",
              conns, all_ms.size(), failed.load(), static_cast<double>(all_ms.size()) / wall, pct(0.50),
              pct(0.90), pct(0.99));
  return failed.load() ? 1 : 0;
}
