#include "image/jpeg_arena.hpp"

#include "mem/huge_pages.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <pthread.h>
#include <vector>

#include <jerror.h>

namespace pdqguard::detail {

namespace {

constexpr std::size_t kAlign = 64;  // libjpeg-turbo's SIMD code wants 32; rows padded to 64 samples
// libjpeg's own ceiling for one allocation (MAX_ALLOC_CHUNK).
constexpr std::size_t kMaxChunk = 1000000000;

std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

// One thread's memory: a block reused image after image, plus overflow blocks
// for an image that needs more than the block (the block is regrown to the
// high-water mark at the next image, so steady state never overflows).
struct Arena {
  std::uint8_t* block = nullptr;
  std::size_t cap = 0;
  std::size_t used = 0;
  std::size_t high = 0;  // bytes taken by the current image
  std::size_t want = 0;  // the largest image's need (capped)
  std::vector<void*> overflow;
  bool in_use = false;

  ~Arena() {
    drop_overflow();
    std::free(block);
  }
  void drop_overflow() noexcept {
    for (void* p : overflow) std::free(p);
    overflow.clear();
  }
  static void* get(std::size_t n) noexcept {
    // Big blocks on transparent huge pages where the kernel allows (first touch
    // costs one fault per 2 MiB instead of per 4 KiB).
    return n >= 2 * kHugePage ? huge_page_alloc(n) : std::aligned_alloc(kAlign, round_up(n, kAlign));
  }
  // n is a multiple of kAlign. nullptr when memory is exhausted.
  void* take(std::size_t n) noexcept {
    if (used == 0 && cap < want) {  // first allocation of an image: grow to the known need
      std::free(block);
      block = static_cast<std::uint8_t*>(get(want));
      cap = block ? want : 0;
    }
    high += n;
    if (cap - used >= n) {
      void* p = block + used;
      used += n;
      return p;
    }
    void* p = get(n);
    if (p == nullptr) return nullptr;
    try {
      overflow.push_back(p);
    } catch (...) {
      std::free(p);
      return nullptr;
    }
    return p;
  }
  // End of an image: everything it took is free again.
  void reset() noexcept {
    drop_overflow();
    if (high <= kJpegArenaKeepLimit) want = std::max(want, high);
    if (cap > kJpegArenaKeepLimit || high > kJpegArenaKeepLimit) {
      std::free(block);
      block = nullptr;
      cap = 0;
    }
    used = 0;
    high = 0;
  }
};

// The calling thread's arena, made on first use. A pthread key rather than a
// thread_local object: registering a thread_local destructor allocates, and glibc
// aborts the process when that fails (e.g. under `ulimit -v`); here a failed
// allocation only means libjpeg's own allocator is used.
pthread_key_t g_key;
bool g_key_ok = false;
pthread_once_t g_once = PTHREAD_ONCE_INIT;

extern "C" void pdq_arena_destroy(void* p) { delete static_cast<Arena*>(p); }

Arena* thread_arena(bool create) noexcept {
  pthread_once(&g_once, [] { g_key_ok = pthread_key_create(&g_key, pdq_arena_destroy) == 0; });
  if (!g_key_ok) return nullptr;
  auto* a = static_cast<Arena*>(pthread_getspecific(g_key));
  if (a == nullptr && create) {
    a = new (std::nothrow) Arena;
    if (a != nullptr && pthread_setspecific(g_key, a) != 0) {
      delete a;
      a = nullptr;
    }
  }
  return a;
}

// A virtual block array kept whole in memory (what libjpeg's own manager does
// when max_memory_to_use allows, which decode_jpeg's limit ensures).
struct VirtBarray {
  JBLOCKARRAY rows = nullptr;
  JDIMENSION rows_in_array = 0;
  JDIMENSION blocksperrow = 0;
  JDIMENSION maxaccess = 0;
  JDIMENSION first_undef_row = 0;
  bool pre_zero = false;
  VirtBarray* next = nullptr;
};

JpegArenaHook::State* state_of(j_common_ptr cinfo) {
  return static_cast<JpegArenaHook::State*>(cinfo->client_data);
}

void* arena_take(j_common_ptr cinfo, std::size_t bytes, int which) {
  JpegArenaHook::State* st = state_of(cinfo);
  if (bytes > kMaxChunk) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, which);
  bytes = round_up(bytes ? bytes : 1, kAlign);
  void* p = static_cast<Arena*>(st->arena)->take(bytes);
  if (p == nullptr) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, which);
  st->image_bytes += bytes;
  return p;
}

extern "C" {

static void* pdq_alloc_large(j_common_ptr cinfo, int pool_id, size_t n) {
  JpegArenaHook::State* st = state_of(cinfo);
  if (pool_id != JPOOL_IMAGE) return st->orig.alloc_large(cinfo, pool_id, n);
  return arena_take(cinfo, n, 101);
}

static JSAMPARRAY pdq_alloc_sarray(j_common_ptr cinfo, int pool_id, JDIMENSION samplesperrow,
                                   JDIMENSION numrows) {
  JpegArenaHook::State* st = state_of(cinfo);
  if (pool_id != JPOOL_IMAGE) return st->orig.alloc_sarray(cinfo, pool_id, samplesperrow, numrows);
  if (samplesperrow > kMaxChunk) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 102);
  // Rows padded to a multiple of 64 samples, as libjpeg-turbo's SIMD upsamplers expect.
  const std::size_t spr = round_up(samplesperrow, 2 * 32);
  auto* result = static_cast<JSAMPARRAY>(
      st->orig.alloc_small(cinfo, pool_id, std::size_t(numrows) * sizeof(JSAMPROW)));
  auto* rows = static_cast<JSAMPLE*>(arena_take(cinfo, spr * numrows * sizeof(JSAMPLE), 103));
  for (JDIMENSION i = 0; i < numrows; ++i) result[i] = rows + std::size_t(i) * spr;
  return result;
}

static JBLOCKARRAY pdq_alloc_barray(j_common_ptr cinfo, int pool_id, JDIMENSION blocksperrow,
                                    JDIMENSION numrows) {
  JpegArenaHook::State* st = state_of(cinfo);
  if (pool_id != JPOOL_IMAGE) return st->orig.alloc_barray(cinfo, pool_id, blocksperrow, numrows);
  auto* result = static_cast<JBLOCKARRAY>(
      st->orig.alloc_small(cinfo, pool_id, std::size_t(numrows) * sizeof(JBLOCKROW)));
  auto* rows = static_cast<JBLOCKROW>(
      arena_take(cinfo, std::size_t(blocksperrow) * numrows * sizeof(JBLOCK), 104));
  for (JDIMENSION i = 0; i < numrows; ++i) result[i] = rows + std::size_t(i) * blocksperrow;
  return result;
}

static jvirt_barray_ptr pdq_request_virt_barray(j_common_ptr cinfo, int pool_id, boolean pre_zero,
                                                JDIMENSION blocksperrow, JDIMENSION numrows,
                                                JDIMENSION maxaccess) {
  JpegArenaHook::State* st = state_of(cinfo);
  if (pool_id != JPOOL_IMAGE) ERREXIT1(cinfo, JERR_BAD_POOL_ID, pool_id);
  auto* v = static_cast<VirtBarray*>(st->orig.alloc_small(cinfo, pool_id, sizeof(VirtBarray)));
  *v = VirtBarray{};
  v->rows_in_array = numrows;
  v->blocksperrow = blocksperrow;
  v->maxaccess = maxaccess;
  v->pre_zero = pre_zero != FALSE;
  v->next = static_cast<VirtBarray*>(st->barrays);
  st->barrays = v;
  return reinterpret_cast<jvirt_barray_ptr>(v);
}

static void pdq_realize_virt_arrays(j_common_ptr cinfo) {
  JpegArenaHook::State* st = state_of(cinfo);
  st->orig.realize_virt_arrays(cinfo);  // sample arrays (unused by decoding) stay libjpeg's
  std::size_t need = 0;
  for (auto* v = static_cast<VirtBarray*>(st->barrays); v != nullptr; v = v->next)
    if (v->rows == nullptr) need += std::size_t(v->rows_in_array) * v->blocksperrow * sizeof(JBLOCK);
  if (need == 0) return;
  // The bound libjpeg's manager enforces: beyond max_memory_to_use it would need
  // a backing store, which this build of libjpeg does not have.
  const long limit = cinfo->mem->max_memory_to_use;
  if (limit > 0 && st->image_bytes + need > static_cast<std::size_t>(limit))
    ERREXIT(cinfo, JERR_NO_BACKING_STORE);
  for (auto* v = static_cast<VirtBarray*>(st->barrays); v != nullptr; v = v->next)
    if (v->rows == nullptr) v->rows = pdq_alloc_barray(cinfo, JPOOL_IMAGE, v->blocksperrow, v->rows_in_array);
}

static JBLOCKARRAY pdq_access_virt_barray(j_common_ptr cinfo, jvirt_barray_ptr ptr,
                                          JDIMENSION start_row, JDIMENSION num_rows,
                                          boolean writable) {
  auto* v = reinterpret_cast<VirtBarray*>(ptr);
  const JDIMENSION end_row = start_row + num_rows;
  if (end_row > v->rows_in_array || num_rows > v->maxaccess || v->rows == nullptr)
    ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);
  // Rows never written read as zero coefficients (pre_zero), as in libjpeg.
  if (v->first_undef_row < end_row) {
    JDIMENSION undef = v->first_undef_row;
    if (undef < start_row) {
      if (writable) ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);  // a writer skipped rows
      undef = start_row;
    }
    if (writable) v->first_undef_row = end_row;
    if (v->pre_zero) {
      for (JDIMENSION r = undef; r < end_row; ++r)
        std::memset(v->rows[r], 0, std::size_t(v->blocksperrow) * sizeof(JBLOCK));
    } else if (!writable) {
      ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);  // reading rows never written
    }
  }
  return v->rows + start_row;
}

static void pdq_free_pool(j_common_ptr cinfo, int pool_id) {
  JpegArenaHook::State* st = state_of(cinfo);
  st->orig.free_pool(cinfo, pool_id);
  if (pool_id == JPOOL_IMAGE) {
    st->barrays = nullptr;  // their control blocks were in the image pool
    st->image_bytes = 0;
    static_cast<Arena*>(st->arena)->reset();
  }
}

}  // extern "C"

}  // namespace

bool JpegArenaHook::install(j_decompress_ptr cinfo) noexcept {
  Arena* const pa = thread_arena(true);
  if (pa == nullptr) return false;
  Arena& a = *pa;
  if (a.in_use || st_.arena != nullptr || cinfo->mem == nullptr) return false;
  a.in_use = true;
  st_.orig = *cinfo->mem;
  st_.arena = &a;
  st_.barrays = nullptr;
  st_.image_bytes = 0;
  cinfo->client_data = &st_;
  jpeg_memory_mgr* m = cinfo->mem;
  m->alloc_large = pdq_alloc_large;
  m->alloc_sarray = pdq_alloc_sarray;
  m->alloc_barray = pdq_alloc_barray;
  m->request_virt_barray = pdq_request_virt_barray;
  m->realize_virt_arrays = pdq_realize_virt_arrays;
  m->access_virt_barray = pdq_access_virt_barray;
  m->free_pool = pdq_free_pool;
  return true;
}

void JpegArenaHook::release() noexcept {
  if (st_.arena == nullptr) return;
  auto* a = static_cast<Arena*>(st_.arena);
  a->reset();
  a->in_use = false;
  st_.arena = nullptr;
  st_.barrays = nullptr;
}

std::size_t jpeg_arena_bytes() noexcept {
  const Arena* a = thread_arena(false);
  return a ? a->cap : 0;
}

}  // namespace pdqguard::detail
