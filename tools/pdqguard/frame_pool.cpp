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

FramePool::FramePool(std::size_t frame_bytes, std::size_t expected) : frame_bytes_(frame_bytes) {
  free_.reserve(expected);
}

FrameBuffer FramePool::acquire() {
  FrameBuffer b;
  {
    std::lock_guard lk(m_);
    if (!free_.empty()) {
      b.bytes_ = std::move(free_.back());
      free_.pop_back();
    }
  }
  if (!b.bytes_) {
    // Default-initialised: no zero fill (the reader overwrites every byte).
    b.bytes_.reset(new std::uint8_t[frame_bytes_ ? frame_bytes_ : 1]);
    std::lock_guard lk(m_);
    ++made_;
  }
  b.pool_ = shared_from_this();
  return b;
}

std::size_t FramePool::buffers_made() const {
  std::lock_guard lk(m_);
  return made_;
}

void FramePool::release(std::unique_ptr<std::uint8_t[]> b) noexcept {
  std::lock_guard lk(m_);
  try {
    free_.push_back(std::move(b));
  } catch (...) {
    // Out of memory growing the free list: the buffer is freed instead.
  }
}

}  // namespace pdqguard::cli
