#include "output.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <pthread.h>
#include <cstring>
#include <unistd.h>

namespace pdqguard::cli {

namespace {
bool write_all(int fd, const char* p, std::size_t n, std::string& err) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      err = std::strerror(errno);
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}
}  // namespace

Sink::Sink(int fd, bool sorted, std::uint64_t window)
    : fd_(fd), sorted_(sorted), window_(window ? window : 1) {
  clear_progress_ = isatty(fd) && isatty(STDERR_FILENO);
}

void Sink::put(const std::string& s, bool hold) {
  if (s.empty() || !failure_.empty()) return;
  ++written_;
  if (held_.empty()) held_since_ = std::chrono::steady_clock::now();
  held_ += s;
  // One clock read a held record: cheap beside the write(2) it saves.
  if (!hold || held_.size() >= (std::size_t{64} << 10) ||
      std::chrono::steady_clock::now() - held_since_ >= std::chrono::milliseconds(50))
    write_held();
}

void Sink::write_held() {
  if (held_.empty() || !failure_.empty()) return;
  if (progress_shown_ && clear_progress_) {
    std::string e;
    write_all(STDERR_FILENO, "\r\033[K", 4, e);
    progress_shown_ = false;
  }
  if (!write_all(fd_, held_.data(), held_.size(), failure_)) {
    broken_pipe_ = errno == EPIPE;
    if (failure_.empty()) failure_ = "write failed";
  }
  held_.clear();  // (its capacity stays: no allocation for the next ones)
}

void Sink::flush() {
  std::lock_guard lk(m_);
  write_held();
}

void Sink::write_now(const std::string& text) {
  std::lock_guard lk(m_);
  put(text, false);
  if (written_) --written_;  // a header is not a record
}

void Sink::submit(std::uint64_t seq, std::string line, bool hold) {
  std::lock_guard lk(m_);
  if (!sorted_) {
    put(line, hold);
    return;
  }
  pending_.insert_or_assign({seq, 0}, Pending{std::move(line), true, hold});
  advance();
}

void Sink::submit_part(std::uint64_t seq, std::uint64_t part, std::string line) {
  std::lock_guard lk(m_);
  if (!sorted_) {
    put(line, false);
    return;
  }
  pending_.insert_or_assign({seq, part}, Pending{std::move(line), false, false});
  advance();
}

void Sink::end_parts(std::uint64_t seq, std::uint64_t parts) {
  std::lock_guard lk(m_);
  if (!sorted_) return;
  pending_.insert_or_assign({seq, parts}, Pending{std::string(), true, false});
  advance();
}

void Sink::advance() {
  bool moved = false;
  for (auto it = pending_.begin(); it != pending_.end() && it->first == std::pair(next_, next_part_);
       it = pending_.erase(it)) {
    put(it->second.line, it->second.hold);
    if (it->second.last) {
      ++next_;
      next_part_ = 0;
    } else {
      ++next_part_;
    }
    moved = true;
  }
  if (moved) advanced_.notify_all();
}

bool Sink::wait_parts_room(std::uint64_t seq, std::size_t limit) {
  if (!sorted_) return true;
  std::unique_lock lk(m_);
  return advanced_.wait_for(lk, std::chrono::milliseconds(100),
                            [&] { return seq == next_ || pending_.size() <= limit; });
}

void Sink::wait_window(std::uint64_t seq) {
  if (!sorted_) return;
  std::unique_lock lk(m_);
  advanced_.wait(lk, [&] { return seq < next_ + window_; });
}

void Sink::progress(const std::string& line) {
  std::lock_guard lk(m_);
  std::string e;
  const std::string s = "\r\033[K" + line;
  write_all(STDERR_FILENO, s.data(), s.size(), e);
  progress_shown_ = !line.empty();
}

bool Sink::failed() const {
  std::lock_guard lk(m_);
  return !failure_.empty();
}
std::string Sink::failure() const {
  std::lock_guard lk(m_);
  return failure_;
}
bool Sink::broken_pipe() const {
  std::lock_guard lk(m_);
  return broken_pipe_;
}

void exit_broken_pipe() {
  std::signal(SIGPIPE, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  std::raise(SIGPIPE);
  std::_Exit(128 + SIGPIPE);  // not reached
}

std::uint64_t Sink::written() const {
  std::lock_guard lk(m_);
  return written_;
}

}  // namespace pdqguard::cli
