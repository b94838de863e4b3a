// Hashing pixels: frame views, the PDQ hash, its quality and the dihedral hashes.
#pragma once

#include <pdqguard/export.h>
#include <pdqguard/hash.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace pdqguard {

/// Pixel layouts a frame view can describe. Grey and the Y plane of YUV formats
/// are used as luma directly; RGB-family formats go through the reference's float
/// luma formula 0.299f*R + 0.587f*G + 0.114f*B; alpha is ignored.
enum class PixelFormat : int {
  gray8 = 0,  ///< 1 plane, 1 byte per pixel
  rgb8 = 1,   ///< 1 plane, R G B
  rgba8 = 2,  ///< 1 plane, R G B A
  bgr8 = 3,   ///< 1 plane, B G R
  bgra8 = 4,  ///< 1 plane, B G R A
  i420 = 5,   ///< 3 planes: Y (w x h), U and V ((w+1)/2 x (h+1)/2); only Y is hashed
  nv12 = 6,   ///< 2 planes: Y (w x h), interleaved UV; only Y is hashed
};

/// Bytes per pixel of the first plane of `f` (1 for gray8, i420 and nv12).
PDQGUARD_API int bytes_per_pixel(PixelFormat f) noexcept;
/// "gray8", "rgb8", ... (never null).
PDQGUARD_API const char* pixel_format_name(PixelFormat f) noexcept;
/// Parses a pixel format name: the canonical names pixel_format_name() gives
/// ("gray8", "rgb8", "rgba8", "bgr8", "bgra8", "i420", "nv12") or ffmpeg's
/// -pix_fmt spellings accepted as aliases ("gray", "rgb24", "rgba", "bgr24",
/// "bgra", "yuv420p"). Returns false (and leaves `out` unchanged) for any other
/// text. Thread-safe, never throws. Every front end (CLI --raw, C API users,
/// bindings, gateway) reads names through it.
PDQGUARD_API bool parse_pixel_format(std::string_view name, PixelFormat& out) noexcept;

/// The size of one plane of a frame: bytes in a row (without padding) and rows.
struct PlaneSize {
  std::size_t row_bytes = 0;
  std::size_t rows = 0;
};

/// Frame geometry, the one home of plane sizes (as TurboJPEG's
/// tj3YUVPlaneSize): the C API's frame checks (pdqg_frame_plane_size), the
/// CLI's --raw reader, the Python binding and the gateway all use it.
/// Planes `f` uses: 1 (gray8, rgb8, rgba8, bgr8, bgra8), 3 (i420), 2 (nv12);
/// 0 for a value that is not a PixelFormat. Thread-safe, cannot fail.
PDQGUARD_API int plane_count(PixelFormat f) noexcept;
/// Plane `plane` of a width x height frame of format `f`: plane 0 is w *
/// bytes_per_pixel x h; i420's U and V are (w+1)/2 x (h+1)/2; nv12's UV is
/// 2*((w+1)/2) x (h+1)/2. {0, 0} for a plane the format does not use or a
/// size that is not positive. Thread-safe, cannot fail.
PDQGUARD_API PlaneSize plane_size(PixelFormat f, int width, int height, int plane) noexcept;
/// Bytes of a packed frame: its planes back to back without padding (what
/// `ffmpeg -f rawvideo -pix_fmt yuv420p|nv12|gray|rgb24...` writes). 0 for a
/// size that is not positive or whose byte count overflows. Thread-safe.
PDQGUARD_API std::size_t packed_frame_bytes(PixelFormat f, int width, int height) noexcept;

/// A non-owning view of one frame: format, size, and per-plane pointer and row
/// stride in bytes (strides may include padding; 0 means tightly packed). The
/// caller keeps the pixels alive while a hashing call runs. Only the planes the
/// format uses are read (for i420/nv12 only the Y plane, planes[0]).
struct FrameView {
  PixelFormat format = PixelFormat::gray8;
  int width = 0;
  int height = 0;
  std::array<const std::uint8_t*, 3> planes{};
  std::array<std::ptrdiff_t, 3> strides{};

  /// A single-plane view (gray8, rgb8, rgba8, bgr8, bgra8); stride 0 = packed.
  static FrameView packed(PixelFormat f, const std::uint8_t* pixels, int w, int h,
                          std::ptrdiff_t stride = 0) noexcept;
  /// An I420 view from its three planes.
  static FrameView i420(const std::uint8_t* y, std::ptrdiff_t y_stride, const std::uint8_t* u,
                        std::ptrdiff_t u_stride, const std::uint8_t* v, std::ptrdiff_t v_stride,
                        int w, int h) noexcept;
  /// An NV12 view from its two planes.
  static FrameView nv12(const std::uint8_t* y, std::ptrdiff_t y_stride, const std::uint8_t* uv,
                        std::ptrdiff_t uv_stride, int w, int h) noexcept;
  /// A view of a packed frame of any format at `data` (packed_frame_bytes(f, w,
  /// h) bytes: the planes back to back, each row without padding).
  static FrameView packed_planes(PixelFormat f, const std::uint8_t* data, int w, int h) noexcept;

  /// The row stride of the luma-carrying plane (planes[0]), with 0 resolved.
  std::ptrdiff_t row_stride() const noexcept;
  /// Throws Error(invalid_argument) when the view is unusable: negative or zero
  /// size, a null plane the format needs, a stride shorter than a row, or a size
  /// whose pixel count overflows.
  void validate() const;
};

/// The eight dihedral variants, in the reference's order and meaning.
enum class Dihedral : int {
  original = 0,
  rot90 = 1,       ///< 90 degrees counter-clockwise
  rot180 = 2,
  rot270 = 3,      ///< 90 degrees clockwise
  flipx = 4,       ///< top and bottom swapped
  flipy = 5,       ///< left and right mirrored
  flipplus1 = 6,   ///< transposed about the main diagonal
  flipminus1 = 7,  ///< transposed about the anti-diagonal
};
/// "original", "rot90", ... (never null).
PDQGUARD_API const char* dihedral_name(Dihedral d) noexcept;

/// The smallest side the reference hashes; smaller frames give the all-zero hash.
inline constexpr int kMinHashableSide = 5;

/// One hash and its quality.
struct HashResult {
  Hash256 hash;
  int quality = 0;         ///< 0..100; below 50 is usually too flat to match on
  bool too_small = false;  ///< a side below 5 pixels: hash is all zeros, quality 0
};

/// The hash of the frame as given plus, when has_dihedral is set, the seven
/// transformed ones, from one DCT. Functions that take a `dihedral` flag
/// (Hasher::hash_rows, hash_image, ...) return this type either way; only
/// has_dihedral says whether hashes[1..7] are real. Matcher::query queries the
/// 8 variants only when it is set, so a plain result is never matched through
/// its zero-filled variants.
struct DihedralResult {
  std::array<Hash256, 8> hashes{};  ///< indexed by Dihedral; [1..7] all zero unless has_dihedral
  int quality = 0;
  bool too_small = false;
  /// true when hashes[1..7] were computed (the same name as pdqg_result::has_dihedral).
  bool has_dihedral = false;
  const Hash256& operator[](Dihedral d) const noexcept { return hashes[static_cast<int>(d)]; }
  /// A result holding only the plain hash (hashes[0], has_dihedral false), for
  /// code that takes both kinds of result as one type.
  static DihedralResult from_plain(const HashResult& one) noexcept {
    DihedralResult r;
    r.hashes[0] = one.hash;
    r.quality = one.quality;
    r.too_small = one.too_small;
    return r;
  }
  /// The plain result (hashes[0], quality, too_small).
  HashResult plain() const noexcept { return HashResult{hashes[0], quality, too_small}; }
};

/// SIMD paths. All of them produce the same bits as `scalar`.
enum class Isa : int { scalar = 0, avx2 = 1, avx512 = 2 };
/// "scalar", "avx2", "avx512" (never null).
PDQGUARD_API const char* isa_name(Isa isa) noexcept;
/// Whether this CPU (and this build) can run `isa`.
PDQGUARD_API bool isa_supported(Isa isa) noexcept;
/// The path hashing and matching use (the hashing kernels and the Matcher's
/// search kernels come from one table per path). Chosen once, on first use: the
/// `PDQGUARD_ISA` environment variable (scalar|avx2|avx512) if set, else the best
/// the CPU has. Throws Error(unsupported_isa) if PDQGUARD_ISA names a path this
/// CPU lacks or an unknown name (as does then every hash and query). Thread-safe.
PDQGUARD_API Isa active_isa();
/// Forces the path for all later hashing and matching calls in the process
/// (tests, benchmarks); it wins over PDQGUARD_ISA. Throws Error(unsupported_isa)
/// if the CPU lacks it. Not to be called while other threads hash or match.
PDQGUARD_API void force_isa(Isa isa);
/// Parses "scalar" | "avx2" | "avx512"; throws Error(unsupported_isa) otherwise.
PDQGUARD_API Isa parse_isa(const char* name);

/// Supplies the rows of a single-plane frame to Hasher::hash_rows, top to
/// bottom, a few at a time: the way a decoder produces scanlines. Lets an image
/// be hashed while it is decoded, without ever holding the whole frame.
class PDQGUARD_API RowSource {
 public:
  virtual ~RowSource() = default;
  /// Makes rows first .. first+count-1 available: out[k] must point to row
  /// first+k, width * bytes_per_pixel(format) readable bytes. Calls come in
  /// order (first = 0, then the previous first + count, ...) until every row has
  /// been asked for once; count is 1..64. The pointers must stay valid until the
  /// next call or until hash_rows returns. May throw; the exception propagates
  /// out of hash_rows.
  virtual void rows(int first, int count, const std::uint8_t** out) = 0;
};

/// A reusable hasher: owns scratch memory sized for the largest frame it has seen,
/// so a thread hashing a stream of frames does not allocate per frame. One Hasher
/// must not be used by two threads at once; use one per thread. Results do not
/// depend on which Hasher or thread computed them.
class PDQGUARD_API Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  /// PDQ hash and quality of `frame`, bit-exact with the reference's
  /// pdqHash256FromFloatLuma. Throws Error(invalid_argument) for an invalid view.
  HashResult hash(const FrameView& frame);
  /// All eight dihedral hashes and the quality, bit-exact with the reference's
  /// pdqDihedralHash256esFromFloatLuma (its original hash equals hash() except,
  /// in principle, for frames of exactly 64x64, where the reference's single-hash
  /// function skips the blur; no such difference has been observed).
  DihedralResult hash_dihedral(const FrameView& frame);
  /// The hash of a width x height frame of single-plane `format` (gray8, rgb8,
  /// rgba8, bgr8, bgra8) whose rows are pulled from `src`: bit-exact with hash()
  /// (or, with `dihedral`, hash_dihedral(); otherwise only hashes[0] is set) of
  /// the same pixels. The SIMD paths consume rows as they arrive (working memory
  /// proportional to the width, not the frame); the scalar path gathers the
  /// frame first. Throws Error(invalid_argument) for a bad format or size, and
  /// whatever `src` throws.
  DihedralResult hash_rows(PixelFormat format, int width, int height, RowSource& src,
                           bool dihedral = false);
  /// An approximate hash of a source_width x source_height image from a reduced
  /// copy of it, width x height = the source sizes divided by `scale` and rounded
  /// up, each pixel standing for a scale x scale block (what libjpeg-turbo's DCT
  /// scaling gives; JPEG fast mode uses this). The 64x64 downsample keeps the
  /// source size's blur and sample positions, weighting each reduced pixel by the
  /// source pixels it covers, so the hash is close to hash() of the full-size
  /// image, not equal to it nor to hash() of the reduced one. `scale` 1 gives
  /// hash_dihedral()'s geometry with sums in another order. Rows are pulled from `src`
  /// as in hash_rows (single-plane formats). Throws Error(invalid_argument) for
  /// a bad format or sizes that do not fit, and whatever `src` throws.
  DihedralResult hash_rows_scaled(PixelFormat format, int width, int height, RowSource& src,
                                  int source_width, int source_height, int scale,
                                  bool dihedral = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// hash() on a per-thread Hasher. Thread-safe.
PDQGUARD_API HashResult hash_frame(const FrameView& frame);
/// hash_dihedral() on a per-thread Hasher. Thread-safe.
PDQGUARD_API DihedralResult hash_frame_dihedral(const FrameView& frame);

/// The library version, e.g. "0.1.0".
PDQGUARD_API const char* version() noexcept;

}  // namespace pdqguard
