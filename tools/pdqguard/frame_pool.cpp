#include "frame_pool.hpp"

#include "mem/huge_pages.hpp"

#include <cstdlib>
#include <new>
#include <utility>

namespace pdqguard::cli {

void FreeFrame::operator()(std::uint8_t* p) const noexcept { std::free(p); }

FrameBuffer& FrameBuffer::operator=(FrameBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    pool_ = std::move(o.pool_);
    bytes_ = std::move(o.bytes_);
  }
  return *this;
}

void FrameBuffer::reset() noexcept {
  if (bytes_ && pool_) pool_->release(std::move(bytes_));
  bytes_.reset();
  pool_.reset();
}

FramePool::FramePool(std::size_t frame_bytes, std::size_t max_buffers)
    : frame_bytes_(frame_bytes), max_buffers_(max_buffers ? max_buffers : 1) {
  free_.reserve(max_buffers_);  // recycling never allocates
}

FrameBuffer FramePool::acquire() {
  FrameBuffer b;
  {
    std::unique_lock lk(m_);
    returned_.wait(lk, [&] { return !free_.empty() || made_ < max_buffers_; });
    if (!free_.empty()) {
      b.bytes_ = std::move(free_.back());
      free_.pop_back();
    } else {
      ++made_;  // counted before allocating so the cap holds; undone on failure
    }
  }
  if (!b.bytes_) {
    try {
      // Uninitialised: no zero fill (the reader overwrites every byte).
      const std::size_t n = frame_bytes_ ? frame_bytes_ : 1;
      void* p = n >= detail::kHugePage ? detail::huge_page_alloc(n) : std::malloc(n);
      if (p == nullptr) throw std::bad_alloc();
      b.bytes_.reset(static_cast<std::uint8_t*>(p));
    } catch (...) {
      std::lock_guard lk(m_);
      --made_;
      returned_.notify_one();
      throw;
    }
  }
  b.pool_ = shared_from_this();
  return b;
}

void FramePool::prefault() {
  std::vector<FrameBuffer> held;
  held.reserve(max_buffers_);
  while (buffers_made() < max_buffers_) {
    held.push_back(acquire());
    std::uint8_t* p = held.back().data();
    for (std::size_t i = 0; i < frame_bytes_; i += 4096) p[i] = 0;
  }
}  // `held` returns them all to the free list

std::size_t FramePool::buffers_made() const {
  std::lock_guard lk(m_);
  return made_;
}

void FramePool::release(FrameBytes b) noexcept {
  {
    std::lock_guard lk(m_);
    free_.push_back(std::move(b));  // capacity reserved up front: never allocates
  }
  returned_.notify_one();
}

PooledBytes& PooledBytes::operator=(PooledBytes&& o) noexcept {
  if (this != &o) {
    reset();
    pool_ = std::move(o.pool_);
    bytes_ = std::move(o.bytes_);
    capacity_ = std::exchange(o.capacity_, 0);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

void PooledBytes::reset() noexcept {
  if (pool_) pool_->release(std::move(bytes_), capacity_, size_);
  bytes_.reset();
  pool_.reset();
  capacity_ = size_ = 0;
}

BytePool::BytePool(std::size_t budget_bytes, std::size_t keep_buffers, std::size_t keep_bytes)
    : budget_(budget_bytes), keep_buffers_(keep_buffers), keep_bytes_(keep_bytes) {
  free_.reserve(keep_buffers_);  // recycling never allocates
}

PooledBytes BytePool::acquire(std::size_t n) {
  std::unique_lock lk(m_);
  returned_.wait(lk, [&] { return room(n); });
  return take(lk, n);
}

PooledBytes BytePool::try_acquire(std::size_t n) {
  std::unique_lock lk(m_);
  if (!room(n)) return PooledBytes();
  return take(lk, n);
}

void BytePool::wait_for_return(std::chrono::milliseconds timeout) {
  std::unique_lock lk(m_);
  returned_.wait_for(lk, timeout);
}

PooledBytes BytePool::take(std::unique_lock<std::mutex>& lk, std::size_t n) {
  PooledBytes b;
  std::unique_ptr<std::uint8_t[]> dropped;  // freed outside the lock
  // The smallest kept buffer that fits; if none does, the largest is given up
  // for a new one (kept buffers never exceed keep_bytes_ anyway).
  std::size_t best = free_.size();
  for (std::size_t i = 0; i < free_.size(); ++i)
    if (free_[i].second >= n && (best == free_.size() || free_[i].second < free_[best].second)) best = i;
  if (best < free_.size()) {
    b.bytes_ = std::move(free_[best].first);
    b.capacity_ = free_[best].second;
    kept_bytes_ -= b.capacity_;
    free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(best));
  } else if (free_.size() == keep_buffers_ && !free_.empty()) {
    dropped = std::move(free_.front().first);
    kept_bytes_ -= free_.front().second;
    free_.erase(free_.begin());
  }
  in_flight_ += n;  // counted before allocating so the budget holds; undone on failure
  lk.unlock();
  dropped.reset();
  if (!b.bytes_) {
    try {
      // Default-initialised: no zero fill (the caller overwrites every byte).
      b.capacity_ = n ? n : 1;
      b.bytes_.reset(new std::uint8_t[b.capacity_]);
    } catch (...) {
      lk.lock();
      in_flight_ -= n;
      returned_.notify_all();
      throw;
    }
  }
  b.size_ = n;
  b.pool_ = shared_from_this();
  return b;
}

std::size_t BytePool::in_flight() const {
  std::lock_guard lk(m_);
  return in_flight_;
}

void BytePool::release(std::unique_ptr<std::uint8_t[]> b, std::size_t capacity, std::size_t size) noexcept {
  {
    std::lock_guard lk(m_);
    in_flight_ -= size;
    if (b && capacity <= keep_bytes_ && free_.size() < keep_buffers_ && kept_bytes_ + capacity <= budget_) {
      free_.emplace_back(std::move(b), capacity);  // capacity reserved up front: never allocates
      kept_bytes_ += capacity;
    }
  }
  returned_.notify_all();
  // `b`, if not kept, is freed here, outside the lock.
}

}  // namespace pdqguard::cli
