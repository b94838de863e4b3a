#include "signals.hpp"

#include <csignal>
#include <unistd.h>

namespace pdqguard::cli {
namespace {
std::atomic<int> g_signal{0};  // lock-free: safe in a handler and across threads
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  if (g_signal.exchange(sig) != 0) _exit(128 + sig);  // second Ctrl-C: give up at once
  static const char msg[] = "\npdqguard: interrupted: finishing records in flight (again to abort)\n";
  const ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)r;
}
}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: read(2) on stdin returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe becomes a write error we report
}

int stop_signal() noexcept { return g_signal.load(std::memory_order_relaxed); }

}  // namespace pdqguard::cli
