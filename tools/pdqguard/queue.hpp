// A bounded multi-producer multi-consumer queue: push blocks while full, so the
// walker never runs more than `capacity` items ahead of the workers. A producer
// that found the queue full is woken only once it has drained to half its
// capacity, so it refills it in a burst: with small items (hash lines) a wake-up
// per item costs a futex call and a context switch per item, which on the
// project VMs slowed the workers' index queries by half (bench/README.md,
// "Index queries").
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace pdqguard::cli {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : cap_(capacity ? capacity : 1) {}
  /// Blocks while full. Returns false if the queue was closed.
  bool push(T v) {
    std::unique_lock lk(m_);
    not_full_.wait(lk, [&] { return q_.size() < cap_ || closed_; });
    if (closed_) return false;
    q_.push_back(std::move(v));
    not_empty_.notify_one();
    return true;
  }
  /// Blocks while empty; nullopt once closed and drained.
  std::optional<T> pop() {
    return pop([] {});
  }
  /// As pop(), calling `idle()` (without the queue's lock) first when it would
  /// have to wait: e.g. to write out what a worker held back for the next items.
  template <class Idle>
  std::optional<T> pop(Idle&& idle) {
    std::unique_lock lk(m_);
    if (q_.empty() && !closed_) {
      lk.unlock();
      idle();
      lk.lock();
    }
    not_empty_.wait(lk, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return std::nullopt;
    T v = std::move(q_.front());
    q_.pop_front();
    if (q_.size() <= cap_ / 2) not_full_.notify_one();  // no-op without a waiter
    return v;
  }
  /// No more pushes; pop() drains what is left, then returns nullopt.
  void close() {
    std::lock_guard lk(m_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> q_;
  std::size_t cap_;
  bool closed_ = false;
};

}  // namespace pdqguard::cli
