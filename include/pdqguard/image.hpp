// Decoding image files into pixels the hashing core takes.
#pragma once

#include <pdqguard/export.h>
#include <pdqguard/hasher.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <span>
#include <string>
#include <vector>

namespace pdqguard {

/// Formats the sniffer recognises by magic bytes (never by file name). jpeg,
/// png, pnm (binary PPM P6 / PGM P5, maxval 255), gif, webp, tiff, bmp, heif
/// (HEIC and other HEVC HEIF) and avif decode; jxl, ico, psd, pdf and svg are
/// named in unsupported_format errors.
enum class ImageFormat : int {
  unknown = 0,
  jpeg,
  png,
  pnm,
  gif,
  webp,
  tiff,
  bmp,
  heif,
  avif,
  jxl,
  ico,
  psd,
  pdf,
  svg,
};

/// "jpeg", "png", "pnm", "gif", ... ("unknown" for unknown).
PDQGUARD_API const char* image_format_name(ImageFormat f) noexcept;
/// Detects the format from the first bytes of a file (16 are enough, except
/// for a HEIF file with a generic major brand: its whole ftyp box, ~32 bytes).
PDQGUARD_API ImageFormat sniff_format(std::span<const std::uint8_t> head) noexcept;

/// Limits and choices for decoding. Defaults suit untrusted input.
struct DecodeOptions {
  /// Refuse images above this many pixels (width*height) with image_too_large,
  /// checked from the header (JPEG SOF, PNG IHDR, PNM header, WebP canvas, GIF
  /// screen and frame 0, TIFF IFD0, BMP header, HEIF ispe) before any pixel
  /// buffer is allocated; it also sets libpng's per-side limit. (Decoder
  /// memory beyond the pixels is max_decode_memory's.)
  std::uint64_t max_pixels = 100'000'000;
  /// Refuse inputs above this many bytes with file_too_large.
  std::uint64_t max_bytes = 512ull << 20;
  /// JPEG only: decode with libjpeg-turbo's DCT-domain scaling (1/2, 1/4, 1/8,
  /// see fast_min_side), take luma straight from the decoder (colour JPEGs come
  /// back gray: no chroma IDCT, upsampling or colour conversion), and for
  /// progressive files stop reading once the scans that scale needs are in.
  /// hash_image / hash_decoded then hash the reduced image with the full-size
  /// image's blur and sample positions (Hasher::hash_rows_scaled). Hashes are
  /// close, not identical: over 314 JPEGs of quality >= 80, median distance 0
  /// to exact mode, 99% within 2, max 8. PNG and PNM are unaffected. Off by
  /// default: shared hash lists need exact pixels.
  bool fast = false;
  /// Rotate/flip pixels as the EXIF orientation tag says (JPEG: the APP1 Exif
  /// segment; PNG: the eXIf chunk, before or after the image data; WebP: the
  /// EXIF chunk, applied to every frame). Off by default: shared hash lists
  /// hash stored pixel order. Two formats carry an orientation that is part of
  /// their canonical pixels and is applied either way: TIFF (the Orientation
  /// tag, which Pillow 9.4 applies when it loads a TIFF) and HEIF/AVIF (the
  /// irot/imir properties, which libheif applies; an Exif orientation there
  /// only restates them and is never applied a second time).
  bool apply_exif_orientation = false;
  /// Fast mode: the DCT scale is the smallest of 1/8, 1/4, 1/2 that keeps both
  /// sides of the decoded image at least this many pixels (1/1 if none does).
  /// The default was chosen by measurement (bench/README.md, "Image decoding").
  int fast_min_side = kDefaultFastMinSide;
  /// Treat decoder warnings (e.g. libjpeg's "premature end of data" or "corrupt
  /// data") as decode_error instead of reporting them in DecodedImage::warnings.
  bool strict = false;
  /// JPEG only: refuse files with more scans than this (resource_limit); a
  /// defence against files made of hundreds of tiny scans (CPU exhaustion).
  /// Besides this count, a Huffman-coded JPEG is held to budgets proportional
  /// to its size, which no complete file exceeds: it must hold at least one bit
  /// for each 8x8 block it declares (kJpegBlocksPerByte blocks a byte of file;
  /// checked from the header, before anything is allocated), and its scans
  /// together may visit at most kJpegScanBlocksPerByte blocks a byte of file
  /// (counted as the scans arrive). Both give resource_limit, naming the numbers.
  /// (Arithmetic-coded files, which can code a block in less than a bit, are
  /// held to max_jpeg_scans, max_decode_memory and max_decode_cpu_ms only.)
  int max_jpeg_scans = 500;
  /// Memory a decoder may use for its own buffers, beyond the output pixels
  /// (which max_pixels bounds): checked from the header before allocating, and
  /// refused with resource_limit naming both numbers. JPEG: everything libjpeg
  /// allocates, chiefly the whole-image coefficient arrays of a progressive or
  /// multi-scan file (2 bytes a coefficient, 128 bytes an 8x8 block: a 10000x10000
  /// CMYK progressive file needs 800 MB); WebP: libwebp's two RGBA canvases (8
  /// bytes a canvas pixel); TIFF: the unpacked samples (1 byte a sample); GIF:
  /// frame 0 needs the canvas indices (1 byte a pixel) and one row, checked from
  /// the header; a later frame (decode_frames) the RGB canvas with, while it is
  /// converted, the indices (4 bytes a pixel) or with the copy of its rectangle
  /// that disposal 3 saves, checked before that frame: above the limit the
  /// animation ends there (AnimationInfo::truncated, a warning), frame 0 kept;
  /// APNG (decode_frames): the canvas, the largest frame and the largest saved
  /// rectangle in the PNG's own mode (up to 12 bytes a pixel for RGBA) and a
  /// frame's zlib data twice, checked before frame 0; HEIF/AVIF: libheif's
  /// decoded image (about 4.5 bytes a pixel). PNG, PNM and BMP need no large buffer
  /// beyond the pixels. Range 1..2^62.
  std::uint64_t max_decode_memory = kDefaultMaxDecodeMemory;
  /// CPU time the decoding thread may spend on one input, in milliseconds (0 =
  /// no limit, the default): a deadline for servers. Checked as the decoder works
  /// (JPEG: every row of 8x8 blocks of every scan and every strip of output;
  /// PNG, TIFF, GIF: every row), so a decode stops soon after it; WebP and HEIF
  /// decode in one library call and are checked after it. resource_limit.
  /// decode_frames: the time spent in the frame callback is not counted.
  std::uint64_t max_decode_cpu_ms = 0;
  /// decode_frames only: animations (GIF, WebP, APNG) stop after this many frames
  /// (AnimationInfo::truncated, with a warning); frame 0 is always decoded.
  int max_frames = 10'000;
  /// decode_frames only: animations stop before the frames decoded so far
  /// times the canvas pixels would exceed this (each frame is a whole canvas:
  /// a large canvas of many tiny frames costs canvas x frames).
  std::uint64_t max_animation_pixels = 4'000'000'000;

  /// The fast_min_side default.
  static constexpr int kDefaultFastMinSide = 256;
  /// Bounds of max_pixels and max_bytes (the C API's, the CLI's --max-pixels/--max-bytes).
  static constexpr std::uint64_t kMinLimit = 1;
  static constexpr std::uint64_t kMaxLimit = std::uint64_t{1} << 62;
  /// The max_decode_memory default: 256 MiB.
  static constexpr std::uint64_t kDefaultMaxDecodeMemory = std::uint64_t{256} << 20;
  /// 8x8 blocks a Huffman-coded JPEG may declare per byte of file (each needs at
  /// least one bit of entropy-coded data).
  static constexpr std::uint64_t kJpegBlocksPerByte = 8;
  /// Block visits a Huffman-coded JPEG's scans may make per byte of file: 64
  /// scans over an image at the densest kJpegBlocksPerByte (a complete photo
  /// uses a few percent of this).
  static constexpr std::uint64_t kJpegScanBlocksPerByte = 64 * kJpegBlocksPerByte;
  /// Bound of max_decode_cpu_ms (the C API's, the CLI's --max-decode-cpu-ms).
  static constexpr std::uint64_t kMaxDecodeCpuMs = std::uint64_t{1} << 40;
};

/// The pixel limit every decoder applies from the header, before allocating:
/// throws Error(image_too_large) when width x height exceeds opts.max_pixels
/// (naming both), Error(decode_error) when a side is 0. For callers with pixels
/// of their own to bound the same way (the CLI's --raw --size). Thread-safe.
PDQGUARD_API void check_pixel_limit(std::uint64_t width, std::uint64_t height,
                                    const DecodeOptions& opts);

/// Decoded pixels: 8-bit gray or 8-bit RGB, packed rows, following the canonical
/// decode rules of the reference corpus (see README "Decoding").
struct DecodedImage {
  ImageFormat format = ImageFormat::unknown;
  int width = 0;
  int height = 0;
  bool gray = false;  ///< gray route (luma = value) or RGB route (float luma formula)
  std::vector<std::uint8_t> pixels;
  /// Size given by the file header. Differs from width x height when fast mode
  /// decoded a JPEG at a reduced DCT scale, or when an EXIF orientation that
  /// swaps the sides was applied.
  int source_width = 0;
  int source_height = 0;
  /// JPEG fast mode: the DCT scale used is 1/scale_denom (1 = full size).
  int scale_denom = 1;
  /// JPEG, PNG and WebP: the EXIF orientation (1..8) when it was read (only
  /// with apply_exif_orientation), else 0; TIFF: the Orientation tag when it
  /// is 2..8 (and 1 with apply_exif_orientation). Applied to `pixels` when set.
  int exif_orientation = 0;
  /// Non-fatal problems the decoder reported (the first 8, then a count). The
  /// image is still returned and hashed, as completed by the decoder:
  /// - JPEG truncated inside the scans ("Premature end of JPEG file"): libjpeg
  ///   fills the missing blocks of a baseline file with flat mid-gray (128);
  ///   a progressive file shows the scans that did arrive (blurrier);
  /// - JPEG corrupt entropy data ("Corrupt JPEG data: ..."): libjpeg skips to the
  ///   next restart marker, the blocks in between are gray or garbled;
  /// - PNG: only benign libpng warnings (e.g. extra compressed data) and palette
  ///   indices beyond the PLTE (those pixels read Pillow's gray ramp (i,i,i)).
  /// Any damage beyond that is a decode_error. DecodeOptions::strict refuses
  /// files that would give warnings.
  std::vector<std::string> warnings;

  /// A view of `pixels` as gray8 or rgb8; valid while this object lives.
  FrameView view() const noexcept {
    return FrameView::packed(gray ? PixelFormat::gray8 : PixelFormat::rgb8, pixels.data(), width,
                             height);
  }
};

/// Decodes an in-memory file (JPEG, PNG, binary PPM/PGM, WebP, GIF, TIFF, BMP,
/// HEIC/HEIF, AVIF; sniffed by content). Animated GIF/WebP give frame 0
/// (decode_frames gives every frame).
/// Throws pdqguard::Error with unsupported_format (naming the detected format),
/// decode_error (damaged file, naming what failed), image_too_large (checked
/// from the header before any pixel allocation), file_too_large,
/// resource_limit (a work budget of DecodeOptions: max_decode_memory,
/// max_decode_cpu_ms, the JPEG scan and data budgets), or out_of_memory; never
/// crashes on hostile bytes. Non-fatal decoder problems
/// (e.g. a truncated JPEG, which libjpeg completes with gray) are returned in
/// DecodedImage::warnings and the completed pixels are what gets hashed; set
/// DecodeOptions::strict to refuse such files instead. Thread-safe (no shared
/// state).
PDQGUARD_API DecodedImage decode_image(std::span<const std::uint8_t> bytes,
                                       const DecodeOptions& opts = {});
/// As decode_image, into `out`, reusing the capacity of out.pixels: a thread
/// decoding many files avoids faulting in a fresh buffer each time (for large
/// images this is measurable). On error `out` is valid but unspecified.
PDQGUARD_API void decode_image_into(std::span<const std::uint8_t> bytes, DecodedImage& out,
                                    const DecodeOptions& opts = {});
/// Reads (read_file_bytes: regular files only) and decodes a file. Adds
/// io_error (cannot open/read, a directory) and not_a_file (a FIFO, a device).
PDQGUARD_API DecodedImage decode_image_file(const std::string& path,
                                            const DecodeOptions& opts = {});
/// Reads a whole stream (up to max_bytes) and decodes it.
PDQGUARD_API DecodedImage decode_image_stream(std::istream& in, const DecodeOptions& opts = {});

/// Hashes a decoded image: hasher.hash(img.view()) as hashes[0], quality and
/// too_small (with `dihedral`, hasher.hash_dihedral() and all eight hashes).
/// A JPEG that fast mode decoded at a reduced scale (scale_denom > 1) is hashed
/// instead with Hasher::hash_rows_scaled and its source size, which keeps the
/// full-size image's blur and sample positions: far closer to the exact hash
/// than hash() of the small image (bench/README.md, "Image decoding"). Reads
/// `img`, does not keep it. Throws as those functions; one Hasher per thread.
PDQGUARD_API DihedralResult hash_decoded(const DecodedImage& img, Hasher& hasher,
                                         bool dihedral = false);

/// Decodes an in-memory file and hashes it in one pass: bit for bit the result
/// of decode_image_into(bytes, info, opts) followed by hash_decoded(info, hasher,
/// dihedral). JPEG rows flow from libjpeg-turbo into the hashing
/// pipeline a strip at a time (Hasher::hash_rows), so no whole-image buffer is
/// made and the pixels are hashed while still in cache: the fastest way to hash
/// a file. `info` receives the decode metadata (format, sizes, warnings, ...);
/// info.pixels is left empty when the rows were streamed (JPEG without an EXIF
/// orientation to apply; PPM/PGM, hashed in place in `bytes`) and holds the
/// pixels otherwise. Errors as
/// decode_image_into. One Hasher per thread.
PDQGUARD_API DihedralResult hash_image(std::span<const std::uint8_t> bytes, Hasher& hasher,
                                       DecodedImage& info, const DecodeOptions& opts = {},
                                       bool dihedral = false);

/// One composited frame of an animation (or the single frame of a still image).
struct FrameInfo {
  int index = 0;          ///< 0-based frame number
  double timestamp = 0;   ///< seconds from the animation's start to this frame's display
  double duration = 0;    ///< seconds the frame is shown (0 when the file gives none)
};

/// What decode_frames did.
struct AnimationInfo {
  int frames = 0;           ///< frames handed to the callback
  bool truncated = false;   ///< stopped by max_frames, max_animation_pixels or (GIF) max_decode_memory
  double duration = 0;      ///< seconds: the end of the last frame handed
  /// Why the frames stopped early, when they did: a limit, or a damaged frame
  /// after frame 0 (frames before it were handed; damage in frame 0 throws).
  std::vector<std::string> warnings;
};

/// Receives each frame; `frame` (pixels as DecodedImage, gray8 or rgb8, the
/// canvas size) is valid only during the call. Return false to stop.
using FrameCallback = std::function<bool(const DecodedImage& frame, const FrameInfo& info)>;

/// Decodes every frame of an animated GIF, WebP or PNG (APNG), each the whole
/// canvas composited as Pillow 9.4 shows it
/// after seek(n) (disposal and blending applied, alpha dropped as stored), in
/// order, with timestamps; frame 0 is bit for bit decode_image's result. Any
/// other image is one frame (index 0, timestamp 0). Limits: the canvas is
/// checked against max_pixels before allocating, then max_frames and
/// max_animation_pixels end the animation early (AnimationInfo::truncated).
/// Errors as decode_image_into (thrown before frame 0 only, except the
/// resource_limit of max_decode_cpu_ms, which a later frame's decoding can still
/// reach; the callback's own exceptions propagate, for every format). Thread-safe (no shared state).
PDQGUARD_API AnimationInfo decode_frames(std::span<const std::uint8_t> bytes, const DecodeOptions& opts,
                                         const FrameCallback& on_frame);

/// Opens an input file for reading: the one way pdqguard opens the files it is
/// given (decoders, archives, the CLI, the C API), safe against special files
/// and against a path swapped for one after it was listed. The open is
/// O_NONBLOCK, so a FIFO without a writer or a device never blocks it; the
/// type is then read from the opened descriptor (fstat), never from the path:
/// a directory is io_error ("is a directory"), and anything but a regular file
/// (FIFO, socket, character or block device) is not_a_file, unless
/// `read_special` (the CLI's --read-special): then it is opened blocking, to be
/// read to its end (bounded by the caller's byte limit), and a FIFO is returned
/// only once a writer has written to it or opened and closed it (poll(2)), so a
/// FIFO opened before its writer waits for the writer instead of reading as
/// empty input (this blocks the calling thread as long as no writer comes). A regular file that
/// reports size 0 (procfs, sysfs) stays non-blocking, so /proc/kmsg reads as
/// io_error ("Resource temporarily unavailable") instead of hanging; other
/// regular files are opened blocking. Returns the descriptor (the caller closes
/// it; O_CLOEXEC); throws Error(io_error) with the OS reason when it cannot be
/// opened. Thread-safe.
PDQGUARD_API int open_input_file(const std::string& path, bool read_special = false);

/// Reads up to head.size() bytes from the start of a regular file into `head`
/// and returns how many: for sniffing (archives, videos) before the real read.
/// 0 for anything else (missing, unreadable, a directory, a FIFO or device:
/// the type is checked by stat before any open, so a FIFO's writer never sees
/// a reader come and go, and open_input_file checks it again on the
/// descriptor). Never throws, never blocks on a special file. Thread-safe.
PDQGUARD_API std::size_t read_file_head(const std::string& path, std::span<std::uint8_t> head) noexcept;

/// Reads a whole file into memory, refusing more than `max_bytes`
/// (file_too_large: a regular file from its size before reading, anything else
/// as it is read) and reporting io_error with the OS reason otherwise. The file
/// is opened with open_input_file (so a FIFO, a device or /dev/zero is
/// not_a_file at once unless `read_special`).
PDQGUARD_API std::vector<std::uint8_t> read_file_bytes(const std::string& path,
                                                       std::uint64_t max_bytes,
                                                       bool read_special = false);

/// As read_file_bytes, into `buf`, returning the file's bytes as its first
/// span.size() bytes. `buf` only grows (its size may exceed the file's), so a
/// thread reading many files with one buffer neither allocates nor zero-fills
/// per file: the largest file read so far bounds what it keeps. Same errors.
PDQGUARD_API std::span<const std::uint8_t> read_file_into(const std::string& path,
                                                          std::uint64_t max_bytes,
                                                          std::vector<std::uint8_t>& buf,
                                                          bool read_special = false);

/// The most a buffer reused across files (read_file_into, decoded pixels)
/// should keep between them: 64 MiB, what typical files need.
inline constexpr std::size_t kMaxKeptBufferBytes = std::size_t(64) << 20;

/// Frees `buf` when one large file grew it beyond kMaxKeptBufferBytes, so a
/// thread keeps what typical files need, not what the largest one needed.
/// Touches only `buf` (the caller's); never throws.
inline void release_if_large(std::vector<std::uint8_t>& buf) noexcept {
  if (buf.capacity() > kMaxKeptBufferBytes) std::vector<std::uint8_t>().swap(buf);
}

}  // namespace pdqguard
