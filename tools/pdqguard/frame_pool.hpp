// Recycled buffers: frames of raw streams (FramePool: a frame is read into a buffer
// that an earlier frame used, never zero-filled, already faulted in, so a steady
// stream costs no allocation and no page fault per frame), and archive members on
// their way from the worker walking an archive to every worker (BytePool: bounded
// by bytes in flight).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>
#include <utility>

namespace pdqguard::cli {

class FramePool;

/// Frees a FramePool buffer (std::malloc'd, or huge_page_alloc'd for big frames).
struct FreeFrame {
  void operator()(std::uint8_t* p) const noexcept;
};
using FrameBytes = std::unique_ptr<std::uint8_t[], FreeFrame>;

/// One frame's bytes, borrowed from a FramePool: move-only; its buffer goes back
/// to the pool when it is destroyed or reset. The pool stays alive while a
/// FrameBuffer of it exists (shared ownership). Contents are uninitialised until
/// written.
class FrameBuffer {
 public:
  FrameBuffer() = default;
  FrameBuffer(FrameBuffer&&) noexcept = default;
  FrameBuffer& operator=(FrameBuffer&& o) noexcept;
  ~FrameBuffer() { reset(); }
  FrameBuffer(const FrameBuffer&) = delete;
  FrameBuffer& operator=(const FrameBuffer&) = delete;

  std::uint8_t* data() noexcept { return bytes_.get(); }
  const std::uint8_t* data() const noexcept { return bytes_.get(); }
  bool empty() const noexcept { return bytes_ == nullptr; }
  /// Returns the buffer to its pool now.
  void reset() noexcept;

 private:
  friend class FramePool;
  std::shared_ptr<FramePool> pool_;
  FrameBytes bytes_;
};

/// A thread-safe free list of equally sized buffers, at most `max_buffers` of
/// them: the memory of a stream is max_buffers frames whatever its length, and
/// once they exist (after the first few frames) reading a frame faults in no
/// page. Frames of 2 MiB and more are on transparent huge pages (rounded up to
/// whole 2 MiB pages), into which the kernel copies out of a pipe several times
/// faster. Create with std::make_shared.
class FramePool : public std::enable_shared_from_this<FramePool> {
 public:
  /// Buffers of `frame_bytes` each, at most `max_buffers` (>= 1).
  FramePool(std::size_t frame_bytes, std::size_t max_buffers);
  /// A free buffer; a new uninitialised one while fewer than max_buffers exist;
  /// otherwise waits until one is returned (a FrameBuffer destroyed or reset on
  /// another thread). std::bad_alloc when memory is exhausted.
  FrameBuffer acquire();
  /// Makes every buffer now and touches each of its pages, so that all the page
  /// faults of a stream happen before its first frame rather than whenever a
  /// slow consumer first lets the reader use one more buffer. std::bad_alloc
  /// when memory is exhausted (the buffers made so far stay usable).
  void prefault();
  /// Buffers made so far.
  std::size_t buffers_made() const;
  std::size_t frame_bytes() const noexcept { return frame_bytes_; }

 private:
  friend class FrameBuffer;
  void release(FrameBytes b) noexcept;
  const std::size_t frame_bytes_;
  const std::size_t max_buffers_;
  mutable std::mutex m_;
  std::condition_variable returned_;
  std::vector<FrameBytes> free_;
  std::size_t made_ = 0;
};

class BytePool;

/// One buffer of `size()` bytes borrowed from a BytePool: move-only; its bytes go
/// back to the pool (and stop counting against its budget) when it is destroyed
/// or reset. Contents are uninitialised until written.
class PooledBytes {
 public:
  PooledBytes() = default;
  PooledBytes(PooledBytes&& o) noexcept { *this = std::move(o); }
  PooledBytes& operator=(PooledBytes&& o) noexcept;
  ~PooledBytes() { reset(); }
  PooledBytes(const PooledBytes&) = delete;
  PooledBytes& operator=(const PooledBytes&) = delete;

  std::uint8_t* data() noexcept { return bytes_.get(); }
  const std::uint8_t* data() const noexcept { return bytes_.get(); }
  std::size_t size() const noexcept { return size_; }
  /// Returns the buffer to its pool now.
  void reset() noexcept;

 private:
  friend class BytePool;
  std::shared_ptr<BytePool> pool_;
  std::unique_ptr<std::uint8_t[]> bytes_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

/// Thread-safe buffers of any size whose bytes in flight (acquired, not yet
/// returned) stay within a budget: acquire() waits while others are out and the
/// new one would exceed it (a single buffer larger than the budget is still
/// given, alone). Up to `keep_buffers` returned buffers of at most `keep_bytes`
/// each, and at most the budget in all, are kept for reuse (no page faults for
/// the next ones): the pool's memory stays within twice its budget, plus one
/// larger buffer while it is in flight. Create with std::make_shared.
class BytePool : public std::enable_shared_from_this<BytePool> {
 public:
  BytePool(std::size_t budget_bytes, std::size_t keep_buffers, std::size_t keep_bytes);
  /// A buffer of `n` bytes, waiting for returns as the budget requires.
  /// std::bad_alloc when memory is exhausted.
  PooledBytes acquire(std::size_t n);
  /// As acquire(), but an empty PooledBytes (data() null) instead of waiting
  /// when the budget has no room: the caller may then do something that
  /// returns buffers (hash a queued member) or wait_for_return().
  PooledBytes try_acquire(std::size_t n);
  /// Waits until a buffer is returned, or `timeout` passes.
  void wait_for_return(std::chrono::milliseconds timeout);
  /// Bytes acquired and not yet returned.
  std::size_t in_flight() const;

 private:
  friend class PooledBytes;
  void release(std::unique_ptr<std::uint8_t[]> b, std::size_t capacity, std::size_t size) noexcept;
  bool room(std::size_t n) const { return in_flight_ == 0 || in_flight_ + n <= budget_; }  // m_ held
  PooledBytes take(std::unique_lock<std::mutex>& lk, std::size_t n);  // m_ held, room(n)
  const std::size_t budget_;
  const std::size_t keep_buffers_;
  const std::size_t keep_bytes_;
  mutable std::mutex m_;
  std::condition_variable returned_;
  std::vector<std::pair<std::unique_ptr<std::uint8_t[]>, std::size_t>> free_;  ///< buffer, capacity
  std::size_t in_flight_ = 0;
  std::size_t kept_bytes_ = 0;  ///< capacity of the buffers in free_
};

}  // namespace pdqguard::cli
