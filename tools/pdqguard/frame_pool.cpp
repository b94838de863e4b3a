#include "frame_pool.hpp"

namespace pdqguard::cli {

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
      // Default-initialised: no zero fill (the reader overwrites every byte).
      b.bytes_.reset(new std::uint8_t[frame_bytes_ ? frame_bytes_ : 1]);
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

void FramePool::release(std::unique_ptr<std::uint8_t[]> b) noexcept {
  {
    std::lock_guard lk(m_);
    free_.push_back(std::move(b));  // capacity reserved up front: never allocates
  }
  returned_.notify_one();
}

}  // namespace pdqguard::cli
