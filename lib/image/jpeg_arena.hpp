// Internal: a per-thread arena for libjpeg-turbo's image-lifetime memory.
//
// libjpeg-turbo allocates its strip buffers and, for progressive (buffered)
// decoding, whole-image coefficient arrays per image with malloc, and frees them
// at the end of the image; glibc hands such large blocks back to the kernel, so
// the next image faults in and zeroes fresh pages (most of a fast-mode
// progressive decode, and ~235 page faults per photo in a dump). The hook below
// replaces the memory manager's large-object methods after jpeg_create_decompress
// so that memory comes from a block the thread keeps between images.
#pragma once

#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

namespace pdqguard::detail {

/// Largest arena a thread keeps between images. An image needing more is
/// served, then its memory is returned at once (its decode time dwarfs the page
/// faults anyway), so a long-lived thread never holds more than this.
inline constexpr std::size_t kJpegArenaKeepLimit = std::size_t(256) << 20;

/// Routes one decompressor's JPOOL_IMAGE large objects (alloc_large,
/// alloc_sarray, alloc_barray and the virtual block arrays) to this thread's
/// arena. The arena grows to the largest image's need (at most
/// kJpegArenaKeepLimit is kept) and is reused, without being freed, by the next
/// image decoded on the thread. Memory libjpeg would have pre-zeroed is still
/// zeroed (coefficients of scans not yet read must read as 0). The memory
/// manager's max_memory_to_use bound still applies (decoding fails with
/// libjpeg's "backing store not supported" error beyond it). Errors are raised
/// with libjpeg's ERREXIT, never as C++ exceptions through libjpeg's frames.
/// One decompressor per thread uses the arena at a time; a second one on the
/// same thread (nested) keeps libjpeg's own allocator.
class JpegArenaHook {
 public:
  JpegArenaHook() = default;
  ~JpegArenaHook() { release(); }
  JpegArenaHook(const JpegArenaHook&) = delete;
  JpegArenaHook& operator=(const JpegArenaHook&) = delete;

  /// Installs the hook on `cinfo` (right after jpeg_create_decompress; uses
  /// cinfo->client_data). Returns false (and changes nothing) when the thread's
  /// arena is already in use.
  bool install(j_decompress_ptr cinfo) noexcept;
  /// Ends this decompressor's use of the arena: call after jpeg_destroy_decompress
  /// (the destructor does it too). Idempotent.
  void release() noexcept;

  /// What the callbacks reach through cinfo->client_data (no allocation).
  struct State {
    jpeg_memory_mgr orig{};          ///< libjpeg's own methods, for everything else
    void* arena = nullptr;           ///< the thread's arena while installed
    void* barrays = nullptr;         ///< this image's virtual block arrays
    std::size_t image_bytes = 0;     ///< arena bytes this image has taken
  };

 private:
  State st_;
};

/// Bytes the calling thread's arena holds between images (tests, benchmarks).
std::size_t jpeg_arena_bytes() noexcept;

}  // namespace pdqguard::detail
