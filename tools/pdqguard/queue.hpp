// The pipeline's work queues: inputs from the reader, bounded, so the walker never
// runs more than `capacity` items ahead of the workers; a producer that found
// them full is woken only once they have drained to half, so it refills them in
// a burst: with small items (hash lines) a wake-up per item costs a futex call
// and a context switch per item, which on the project VMs slowed the workers'
// index queries by half (bench/README.md, "Index queries"). And archive members
// queued by the workers walking archives.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace pdqguard::cli {

/// The workers' two sources of work under one lock: the inputs the reader
/// pushes (bounded; push() blocks while full), and the members
/// of the archives workers are walking (bounded too, but a walker never waits on
/// it: when try_push_member() finds it full, the walker hashes a member itself,
/// from try_pop_member(), so walkers cannot all wait on each other). pop() takes
/// a member first, so an archive's members spread over the idle workers.
template <class T>
class WorkQueues {
 public:
  WorkQueues(std::size_t input_capacity, std::size_t member_capacity)
      : input_cap_(input_capacity ? input_capacity : 1), member_cap_(member_capacity ? member_capacity : 1) {}
  /// The reader: blocks while the inputs are full. False once closed.
  bool push(T v) {
    std::unique_lock lk(m_);
    not_full_.wait(lk, [&] { return inputs_.size() < input_cap_ || closed_; });
    if (closed_) return false;
    inputs_.push_back(std::move(v));
    not_empty_.notify_one();
    return true;
  }
  /// No more inputs. pop() still drains both queues and waits for the inputs
  /// taken and not yet finished (an archive among them may still queue members)
  /// before it returns nullopt.
  void close() {
    std::lock_guard lk(m_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }
  /// A member if any, else an input (which counts as taken until
  /// input_finished()); calls `idle()` (without the lock) first when it would
  /// have to wait. nullopt once closed, drained, and every input taken finished.
  template <class Idle>
  std::optional<T> pop(Idle&& idle) {
    std::unique_lock lk(m_);
    const auto ready = [&] { return !members_.empty() || !inputs_.empty() || (closed_ && taken_ == 0); };
    if (!ready()) {
      lk.unlock();
      idle();
      lk.lock();
    }
    not_empty_.wait(lk, ready);
    if (!members_.empty()) return take(members_);
    if (inputs_.empty()) return std::nullopt;
    std::optional<T> v = take(inputs_);
    ++taken_;
    // A producer that found the inputs full is woken once they drained to half.
    if (inputs_.size() <= input_cap_ / 2) not_full_.notify_one();
    return v;
  }
  /// A walker: queues a member unless the members are full (then returns false
  /// and leaves `v` as it was).
  bool try_push_member(T& v) {
    std::lock_guard lk(m_);
    if (members_.size() >= member_cap_) return false;
    members_.push_back(std::move(v));
    not_empty_.notify_one();
    return true;
  }
  /// A walker helping: a queued member, if any, without waiting.
  std::optional<T> try_pop_member() {
    std::lock_guard lk(m_);
    if (members_.empty()) return std::nullopt;
    return take(members_);
  }
  /// A worker is done with an input pop() gave it (members it queued may still
  /// be queued or being hashed).
  void input_finished() {
    std::lock_guard lk(m_);
    if (--taken_ == 0 && closed_) not_empty_.notify_all();  // idle workers: the run may be over
  }

 private:
  static std::optional<T> take(std::deque<T>& q) {
    std::optional<T> v(std::move(q.front()));
    q.pop_front();
    return v;
  }
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> inputs_, members_;
  std::size_t input_cap_, member_cap_;
  std::size_t taken_ = 0;  ///< inputs popped and not yet finished
  bool closed_ = false;
};

}  // namespace pdqguard::cli
