// C API: the hasher handle and the hashing calls (frames, buffers, files).
#include "capi/common.hpp"
#include "capi/convert.hpp"

#include <pdqguard/image.hpp>

#include <cstdint>
#include <cstring>
#include <string>

static_assert(static_cast<int>(pdqguard::PixelFormat::gray8) == PDQG_FORMAT_GRAY8);
static_assert(static_cast<int>(pdqguard::PixelFormat::rgb8) == PDQG_FORMAT_RGB8);
static_assert(static_cast<int>(pdqguard::PixelFormat::rgba8) == PDQG_FORMAT_RGBA8);
static_assert(static_cast<int>(pdqguard::PixelFormat::bgr8) == PDQG_FORMAT_BGR8);
static_assert(static_cast<int>(pdqguard::PixelFormat::bgra8) == PDQG_FORMAT_BGRA8);
static_assert(static_cast<int>(pdqguard::PixelFormat::i420) == PDQG_FORMAT_I420);
static_assert(static_cast<int>(pdqguard::PixelFormat::nv12) == PDQG_FORMAT_NV12);
static_assert(static_cast<int>(pdqguard::Dihedral::flipminus1) == PDQG_DIHEDRAL_FLIPMINUS1);

/// The opaque hasher handle: a C++ Hasher (scratch), decode options, an error
/// slot (mutable: pdqg_hasher_get takes the hasher const and still records why
/// it failed, as every call made with a hasher does).
struct pdqg_hasher {
  pdqguard::Hasher hasher;
  pdqguard::DecodeOptions opts;
  mutable pdqguard::capi::ErrorSlot error;
  /// pdqg_hash_file reads into this buffer, kept between calls (up to
  /// kMaxKeptBufferBytes), so a hasher reading file after file does not allocate
  /// and zero-fill each file's size again.
  std::vector<std::uint8_t> file_bytes;
};

namespace pdqguard::capi {

namespace {

constexpr auto kMinLimit = static_cast<std::int64_t>(DecodeOptions::kMinLimit);
constexpr auto kMaxLimit = static_cast<std::int64_t>(DecodeOptions::kMaxLimit);
constexpr auto kMaxCpuMs = static_cast<std::int64_t>(DecodeOptions::kMaxDecodeCpuMs);

/// Bytes a plane of `rows` rows of `row_bytes` each needs with row pitch
/// `stride`; false on overflow.
bool plane_extent(std::size_t stride, std::size_t rows, std::size_t row_bytes,
                  std::size_t& need) noexcept {
  std::size_t body = 0;
  if (__builtin_mul_overflow(stride, rows - 1, &body)) return false;
  return !__builtin_add_overflow(body, row_bytes, &need);
}

/// Checks one plane; writes the resolved stride. Returns an empty string when
/// fine, else the reason.
std::string check_plane(const pdqg_frame& f, int p, std::size_t row_bytes, std::size_t rows,
                        bool required, std::size_t& stride_out) {
  const std::string name = "plane " + std::to_string(p);
  if (f.planes[p] == nullptr) {
    if (required) return name + " is NULL";
    if (f.sizes[p] != 0) return name + " is NULL but its size is " + std::to_string(f.sizes[p]);
    stride_out = 0;
    return {};
  }
  const std::size_t stride = f.strides[p] == 0 ? row_bytes : f.strides[p];
  if (stride < row_bytes)
    return name + ": stride " + std::to_string(stride) + " is shorter than a row of " +
           std::to_string(row_bytes) + " bytes";
  if (stride > static_cast<std::size_t>(PTRDIFF_MAX)) return name + ": stride is too large";
  std::size_t need = 0;
  if (!plane_extent(stride, rows, row_bytes, need))
    return name + ": stride x rows overflows";
  if (f.sizes[p] < need)
    return name + ": buffer of " + std::to_string(f.sizes[p]) + " bytes is too small for " +
           std::to_string(rows) + " rows of " + std::to_string(row_bytes) + " bytes, " +
           std::to_string(stride) + " apart (" + std::to_string(need) + " bytes needed)";
  stride_out = stride;
  return {};
}

}  // namespace

std::string frame_to_view(const pdqg_frame& f, FrameView& v) {
  if (f.format < 0 || f.format > PDQG_FORMAT_NV12)
    return "unknown pixel format " + std::to_string(f.format);
  if (f.width <= 0 || f.height <= 0)
    return "frame size " + std::to_string(f.width) + "x" + std::to_string(f.height) +
           " is not positive";
  const auto fmt = static_cast<PixelFormat>(f.format);
  const int nplanes = plane_count(fmt);
  std::size_t strides[3] = {0, 0, 0};
  for (int p = 0; p < nplanes; ++p) {
    const PlaneSize s = plane_size(fmt, f.width, f.height, p);  // the one frame geometry
    std::string why = check_plane(f, p, s.row_bytes, s.rows, p == 0, strides[p]);
    if (!why.empty()) return why;
  }
  for (int p = nplanes; p < 3; ++p)
    if (f.planes[p] != nullptr || f.sizes[p] != 0)
      return std::string("plane ") + std::to_string(p) + " is not used by " +
             pixel_format_name(fmt) + " and must be NULL with size 0";
  v = FrameView{};
  v.format = fmt;
  v.width = f.width;
  v.height = f.height;
  for (int p = 0; p < 3; ++p) {
    v.planes[static_cast<std::size_t>(p)] = f.planes[p];
    v.strides[static_cast<std::size_t>(p)] = static_cast<std::ptrdiff_t>(strides[p]);
  }
  return {};
}

void fill_result(const HashResult& r, int w, int h, pdqg_result& out) noexcept {
  std::memset(&out, 0, sizeof out);
  out.hash = to_c(r.hash);
  out.quality = r.quality;
  out.too_small = r.too_small ? 1 : 0;
  out.width = w;
  out.height = h;
}

void fill_result(const DihedralResult& r, int w, int h, pdqg_result& out) noexcept {
  std::memset(&out, 0, sizeof out);
  out.hash = to_c(r.hashes[0]);
  out.quality = r.quality;
  out.too_small = r.too_small ? 1 : 0;
  out.width = w;
  out.height = h;
  out.has_dihedral = 1;
  for (int d = 0; d < 8; ++d) out.dihedral[d] = to_c(r.hashes[static_cast<std::size_t>(d)]);
}

/// Hashes a valid view with the handle's Hasher, or the per-thread one.
void hash_view(pdqg_hasher* hasher, const FrameView& v, unsigned flags, pdqg_result& out) {
  if (flags & PDQG_FLAG_DIHEDRAL) {
    const DihedralResult r = hasher ? hasher->hasher.hash_dihedral(v) : hash_frame_dihedral(v);
    fill_result(r, v.width, v.height, out);
  } else {
    const HashResult r = hasher ? hasher->hasher.hash(v) : hash_frame(v);
    fill_result(r, v.width, v.height, out);
  }
}

ErrorSlot* hasher_error_slot(pdqg_hasher* hasher) noexcept {
  return hasher ? &hasher->error : nullptr;
}

int check_flags(ErrorSlot* slot, unsigned flags) noexcept {
  if ((flags & ~PDQG_FLAG_DIHEDRAL) != 0)
    return fail(slot, ErrorCode::invalid_argument, "unknown flag bits");
  return 0;
}

int hash_frame_checked(pdqg_hasher* hasher, const pdqg_frame* frame, unsigned flags,
                       pdqg_result* out) noexcept {
  ErrorSlot* slot = hasher ? &hasher->error : nullptr;
  if (frame == nullptr || out == nullptr)
    return fail(slot, ErrorCode::invalid_argument, "NULL frame or result");
  if (const int st = check_flags(slot, flags)) return st;
  return guard(slot, [&] {
    FrameView v;
    const std::string why = frame_to_view(*frame, v);
    if (!why.empty()) throw Error(ErrorCode::invalid_argument, why);
    hash_view(hasher, v, flags, *out);
    return 0;
  });
}

const DecodeOptions& options_of(const pdqg_hasher* hasher) noexcept {
  static const DecodeOptions kDefaults{};
  return hasher ? hasher->opts : kDefaults;
}

/// Decodes and hashes an encoded image in one pass (hash_image: JPEG rows are
/// streamed into the hasher) with the handle's Hasher, or a per-thread one.
int hash_encoded(pdqg_hasher* hasher, std::span<const std::uint8_t> bytes, unsigned flags,
                 pdqg_result& out) {
  thread_local Hasher own;
  const bool dihedral = (flags & PDQG_FLAG_DIHEDRAL) != 0;
  DecodedImage info;
  const DihedralResult r =
      hash_image(bytes, hasher ? hasher->hasher : own, info, options_of(hasher), dihedral);
  if (dihedral)
    fill_result(r, info.width, info.height, out);
  else
    fill_result(HashResult{r.hashes[0], r.quality, r.too_small}, info.width, info.height, out);
  out.image_format = static_cast<int>(info.format);
  return 0;
}

}  // namespace pdqguard::capi

using namespace pdqguard;
using namespace pdqguard::capi;

extern "C" {

int pdqg_hasher_create(pdqg_hasher** out) {
  if (out == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "out is NULL");
  return guard(nullptr, [&] {
    *out = new pdqg_hasher();
    return 0;
  });
}

void pdqg_hasher_free(pdqg_hasher* hasher) { delete hasher; }

int pdqg_hasher_set(pdqg_hasher* hasher, int param, std::int64_t value) {
  if (hasher == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "hasher is NULL");
  ErrorSlot* slot = &hasher->error;
  switch (param) {
    case PDQG_HASHER_MAX_PIXELS:
    case PDQG_HASHER_MAX_BYTES:
      if (value < kMinLimit || value > kMaxLimit)
        return fail(slot, ErrorCode::invalid_argument, "limit out of range 1..2^62");
      (param == PDQG_HASHER_MAX_PIXELS ? hasher->opts.max_pixels : hasher->opts.max_bytes) =
          static_cast<std::uint64_t>(value);
      return 0;
    case PDQG_HASHER_FAST_JPEG:
    case PDQG_HASHER_EXIF_ORIENTATION:
      if (value != 0 && value != 1)
        return fail(slot, ErrorCode::invalid_argument, "boolean parameter must be 0 or 1");
      (param == PDQG_HASHER_FAST_JPEG ? hasher->opts.fast : hasher->opts.apply_exif_orientation) =
          value != 0;
      return 0;
    case PDQG_HASHER_MAX_DECODE_MEMORY:
      if (value < 1 || value > kMaxLimit)
        return fail(slot, ErrorCode::invalid_argument, "limit out of range 1..2^62");
      hasher->opts.max_decode_memory = static_cast<std::uint64_t>(value);
      return 0;
    case PDQG_HASHER_MAX_DECODE_CPU_MS:
      if (value < 0 || value > kMaxCpuMs)
        return fail(slot, ErrorCode::invalid_argument, "CPU time limit out of range 0..2^40 ms");
      hasher->opts.max_decode_cpu_ms = static_cast<std::uint64_t>(value);
      return 0;
    default:
      return fail(slot, ErrorCode::invalid_argument,
                  "unknown hasher parameter " + std::to_string(param));
  }
}

int pdqg_hasher_get(const pdqg_hasher* hasher, int param, std::int64_t* value) {
  if (hasher == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "hasher is NULL");
  if (value == nullptr) return fail(&hasher->error, ErrorCode::invalid_argument, "value is NULL");
  switch (param) {
    case PDQG_HASHER_MAX_PIXELS: *value = static_cast<std::int64_t>(hasher->opts.max_pixels); return 0;
    case PDQG_HASHER_MAX_BYTES: *value = static_cast<std::int64_t>(hasher->opts.max_bytes); return 0;
    case PDQG_HASHER_FAST_JPEG: *value = hasher->opts.fast ? 1 : 0; return 0;
    case PDQG_HASHER_EXIF_ORIENTATION: *value = hasher->opts.apply_exif_orientation ? 1 : 0; return 0;
    case PDQG_HASHER_MAX_DECODE_MEMORY: *value = static_cast<std::int64_t>(hasher->opts.max_decode_memory); return 0;
    case PDQG_HASHER_MAX_DECODE_CPU_MS: *value = static_cast<std::int64_t>(hasher->opts.max_decode_cpu_ms); return 0;
    default:
      return fail(&hasher->error, ErrorCode::invalid_argument,
                  "unknown hasher parameter " + std::to_string(param));
  }
}

int pdqg_frame_plane_size(int format, int width, int height, int plane, std::size_t* row_bytes,
                          std::size_t* rows) {
  if (format < PDQG_FORMAT_GRAY8 || format > PDQG_FORMAT_NV12)
    return fail(nullptr, ErrorCode::invalid_argument, "unknown pixel format " + std::to_string(format));
  const auto f = static_cast<PixelFormat>(format);
  if (width <= 0 || height <= 0)
    return fail(nullptr, ErrorCode::invalid_argument,
                "frame size " + std::to_string(width) + "x" + std::to_string(height) + " is not positive");
  if (plane < 0 || plane >= plane_count(f))
    return fail(nullptr, ErrorCode::invalid_argument,
                std::string(pixel_format_name(f)) + " has no plane " + std::to_string(plane));
  const PlaneSize s = plane_size(f, width, height, plane);
  if (row_bytes != nullptr) *row_bytes = s.row_bytes;
  if (rows != nullptr) *rows = s.rows;
  return 0;
}

int pdqg_frame_packed_size(int format, int width, int height, std::size_t* bytes) {
  if (bytes == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "bytes is NULL");
  if (const int st = pdqg_frame_plane_size(format, width, height, 0, nullptr, nullptr)) return st;
  const std::size_t n = packed_frame_bytes(static_cast<PixelFormat>(format), width, height);
  if (n == 0) return fail(nullptr, ErrorCode::invalid_argument, "frame size overflows");
  *bytes = n;
  return 0;
}

int pdqg_hasher_param_bounds(int param, std::int64_t* lower, std::int64_t* upper, std::int64_t* default_value) {
  static const DecodeOptions kDefaults{};
  std::int64_t lo = 0, hi = 1, def = 0;
  switch (param) {
    case PDQG_HASHER_MAX_PIXELS: lo = kMinLimit; hi = kMaxLimit; def = static_cast<std::int64_t>(kDefaults.max_pixels); break;
    case PDQG_HASHER_MAX_BYTES: lo = kMinLimit; hi = kMaxLimit; def = static_cast<std::int64_t>(kDefaults.max_bytes); break;
    case PDQG_HASHER_FAST_JPEG: def = kDefaults.fast ? 1 : 0; break;
    case PDQG_HASHER_EXIF_ORIENTATION: def = kDefaults.apply_exif_orientation ? 1 : 0; break;
    case PDQG_HASHER_MAX_DECODE_MEMORY: lo = kMinLimit; hi = kMaxLimit; def = static_cast<std::int64_t>(kDefaults.max_decode_memory); break;
    case PDQG_HASHER_MAX_DECODE_CPU_MS: lo = 0; hi = kMaxCpuMs; def = static_cast<std::int64_t>(kDefaults.max_decode_cpu_ms); break;
    default:
      return fail(nullptr, ErrorCode::invalid_argument, "unknown hasher parameter " + std::to_string(param));
  }
  if (lower != nullptr) *lower = lo;
  if (upper != nullptr) *upper = hi;
  if (default_value != nullptr) *default_value = def;
  return 0;
}

const char* pdqg_hasher_error(const pdqg_hasher* hasher) {
  return hasher ? hasher->error.text : "";
}

int pdqg_hash_frame(pdqg_hasher* hasher, const pdqg_frame* frame, unsigned flags,
                    pdqg_result* out) {
  return hash_frame_checked(hasher, frame, flags, out);
}

int pdqg_hash_pixels(pdqg_hasher* hasher, int format, const void* pixels, std::size_t size,
                     int width, int height, std::size_t stride, unsigned flags,
                     pdqg_result* out) {
  if (format == PDQG_FORMAT_I420 || format == PDQG_FORMAT_NV12)
    return fail(hasher ? &hasher->error : nullptr, ErrorCode::invalid_argument,
                "pdqg_hash_pixels takes single-plane formats; use pdqg_hash_frame for " +
                    std::string(pdqg_format_name(format)));
  pdqg_frame f{};
  f.format = format;
  f.width = width;
  f.height = height;
  f.planes[0] = static_cast<const std::uint8_t*>(pixels);
  f.strides[0] = stride;
  f.sizes[0] = size;
  return hash_frame_checked(hasher, &f, flags, out);
}

int pdqg_hash_buffer(pdqg_hasher* hasher, const void* data, std::size_t size, unsigned flags,
                     pdqg_result* out) {
  ErrorSlot* slot = hasher ? &hasher->error : nullptr;
  if ((data == nullptr && size != 0) || out == nullptr)
    return fail(slot, ErrorCode::invalid_argument, "NULL data or result");
  if (const int st = check_flags(slot, flags)) return st;
  return guard(slot, [&] {
    static const std::uint8_t kEmpty = 0;
    const auto* p = data ? static_cast<const std::uint8_t*>(data) : &kEmpty;
    return hash_encoded(hasher, {p, size}, flags, *out);
  });
}

int pdqg_hash_file(pdqg_hasher* hasher, const char* path, unsigned flags, pdqg_result* out) {
  ErrorSlot* slot = hasher ? &hasher->error : nullptr;
  if (path == nullptr || out == nullptr)
    return fail(slot, ErrorCode::invalid_argument, "NULL path or result");
  if (const int st = check_flags(slot, flags)) return st;
  return guard(
      slot,
      [&] {
        const std::uint64_t max_bytes = options_of(hasher).max_bytes;
        if (hasher == nullptr) return hash_encoded(nullptr, read_file_bytes(path, max_bytes), flags, *out);
        struct Trim {  // one huge file does not pin its size for the hasher's lifetime
          std::vector<std::uint8_t>& buf;
          ~Trim() { release_if_large(buf); }
        } trim{hasher->file_bytes};
        return hash_encoded(hasher, read_file_into(path, max_bytes, hasher->file_bytes), flags, *out);
      },
      path);
}

}  // extern "C"
