/*
 * pdqguard.h — the pdqguard C API (C99).
 *
 * PDQ perceptual hashes (bit-exact with facebook/ThreatExchange pdq/cpp) of raw
 * frames and image files, and matching of those hashes against blocklists.
 * This is the one header C programs and language bindings need; it is a thin,
 * exception-free shell over the C++ API (the pdqguard .hpp headers).
 *
 * Sections, from the simple to the advanced:
 *   1. Versions and the SIMD path
 *   2. Status codes and error messages
 *   3. Hash values: hex text and Hamming distance
 *   4. Hashing: frames, encoded buffers, files (optionally with a hasher handle)
 *   5. Matching: a matcher over hash lists and/or an index file, hot reload
 *
 * Quick start (link with `pkg-config --libs pdqguard`, or CMake's
 * find_package(pdqguard) and the target pdqguard::pdqguard):
 *
 *     pdqg_result r;
 *     char hex[PDQG_HEX_LENGTH + 1];
 *     int st = pdqg_hash_file(NULL, "photo.jpg", 0, &r);
 *     if (st != PDQG_OK) {
 *       fprintf(stderr, "%s: %s\n", pdqg_status_name(st), pdqg_last_error());
 *     } else {
 *       pdqg_hash_to_hex(&r.hash, hex);
 *       printf("%s quality %d\n", hex, r.quality);
 *     }
 *
 * Conventions that hold for every function unless its comment says otherwise:
 *   - A function that can fail returns a pdqg_status value (as an int): PDQG_OK
 *     (0) on success, a positive code otherwise. Output parameters are written
 *     only on success.
 *   - On failure a human-readable message is recorded for the calling thread
 *     (pdqg_last_error()) and, for calls that take a handle, in that handle too.
 *   - No C++ exception ever leaves a pdqg_ function; an allocation failure is
 *     reported as PDQG_OUT_OF_MEMORY.
 *   - Pointers passed in are borrowed for the duration of the call only; the
 *     library keeps no pointer to caller memory after a call returns.
 *   - Every object the library allocates is released with its own free
 *     function; passing NULL to a free function does nothing.
 *   - Thread-safety is stated per function. "Thread-safe" means any number of
 *     threads may call it at once, on the same arguments where they are const.
 *
 * ABI: the library's SONAME carries the major version (libpdqguard.so.N).
 * Enumerators keep their numbers forever; structs in this header keep their
 * layout within a major version; new options arrive as new parameter numbers
 * of pdqg_hasher_set()/pdqg_matcher_set(), not as new struct fields.
 */
#ifndef PDQGUARD_H
#define PDQGUARD_H

#include <pdqguard/export.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ========================================================================
 * 1. Versions and the SIMD path
 * ======================================================================== */

#define PDQG_VERSION_MAJOR 0
#define PDQG_VERSION_MINOR 1
#define PDQG_VERSION_PATCH 0
/** MAJOR*10000 + MINOR*100 + PATCH, e.g. 100 for 0.1.0 (compare with >=). */
#define PDQG_VERSION_NUMBER \
  (PDQG_VERSION_MAJOR * 10000 + PDQG_VERSION_MINOR * 100 + PDQG_VERSION_PATCH)
#define PDQG_VERSION_STRING "0.1.0"

/** The run-time library's version as PDQG_VERSION_NUMBER spells it. A program
 *  built against an older header can compare it with its PDQG_VERSION_NUMBER.
 *  Thread-safe; cannot fail. */
PDQGUARD_API unsigned pdqg_version_number(void);

/** The run-time library's version text, e.g. "0.1.0". Static storage, never NULL.
 *  Thread-safe; cannot fail. */
PDQGUARD_API const char* pdqg_version_string(void);

/** The SIMD path hashing and matching use: "scalar", "avx2" or "avx512". It is
 *  chosen on first use from the PDQGUARD_ISA environment variable if set, else
 *  the best path the CPU has. All paths give the same bits and the same matches.
 *  Returns a static string, or NULL when PDQGUARD_ISA names an unknown path or
 *  one this CPU cannot run (the message is in pdqg_last_error(); hashing and
 *  matching calls then fail with PDQG_UNSUPPORTED_ISA). Thread-safe. */
PDQGUARD_API const char* pdqg_simd_path(void);

/* (Forcing a path, for tests that prove the paths agree, is in the unstable
 * header pdqguard_testing.h: pdqg_set_simd_path.) */

/* ========================================================================
 * 2. Status codes and error messages
 * ======================================================================== */

/** Status codes. The numbers and the snake_case names pdqg_status_name()
 *  returns are stable and the same as the CLI's error records and the C++
 *  pdqguard::ErrorCode; new codes are only ever appended. */
typedef enum pdqg_status {
  PDQG_OK = 0,                 /**< "ok" */
  PDQG_INVALID_ARGUMENT = 1,   /**< "invalid_argument": a value the API cannot use */
  PDQG_IO_ERROR = 2,           /**< "io_error": a file could not be opened or read */
  PDQG_UNSUPPORTED_FORMAT = 3, /**< "unsupported_format": not a decodable image format */
  PDQG_DECODE_ERROR = 4,       /**< "decode_error": a damaged image */
  PDQG_IMAGE_TOO_LARGE = 5,    /**< "image_too_large": above the pixel limit */
  PDQG_FILE_TOO_LARGE = 6,     /**< "file_too_large": above the byte limit */
  PDQG_BAD_HASH = 7,           /**< "bad_hash": not 64 hex digits */
  PDQG_LIST_PARSE_ERROR = 8,   /**< "list_parse_error": a malformed hash list */
  PDQG_INDEX_CORRUPT = 9,      /**< "index_corrupt": a damaged or foreign index file */
  PDQG_UNSUPPORTED_ISA = 10,   /**< "unsupported_isa": a SIMD path this CPU lacks */
  PDQG_OUT_OF_MEMORY = 11,     /**< "out_of_memory": an allocation failed */
  PDQG_INTERNAL_ERROR = 12,    /**< "internal_error": a bug, please report it */
  PDQG_ENCRYPTED = 13,         /**< "encrypted": an encrypted archive member (CLI records) */
  PDQG_ARCHIVE_LIMIT = 14,     /**< "archive_limit": an archive limit (zip bomb, depth...) */
  PDQG_NOT_A_FILE = 15,        /**< "not_a_file": a symlink/device archive member, skipped */
  PDQG_NO_VIDEO_STREAM = 16,   /**< "no_video_stream": no video stream (none, or audio only) */
  PDQG_BAD_FRAME_RATE = 17,    /**< "bad_frame_rate": a video stream with zero or unknown fps */
  PDQG_VIDEO_TOO_LONG = 18,    /**< "video_too_long": above the duration or frame-count limit */
  PDQG_TRUNCATED_INPUT = 19,   /**< "truncated_input": the data ends before its container does */
  PDQG_RESOURCE_LIMIT = 20     /**< "resource_limit": a per-input work budget (decode memory,
                                    JPEG scans, decode time...); the message names the number */
} pdqg_status;

/** The number of status codes: one more than the largest, so every status is
 *  in 0 .. PDQG_STATUS_COUNT - 1 (size per-status tables with it). It grows when
 *  a code is appended (a test checks that pdqg_status_name names every code
 *  below it and none at it); a program built against an older header may see a
 *  larger status from a newer library, so check the range before indexing. */
#define PDQG_STATUS_COUNT 21

/** The snake_case name of a status, e.g. "decode_error"; "unknown_error" for
 *  a number that is not a status. Static storage, never NULL. Thread-safe. */
PDQGUARD_API const char* pdqg_status_name(int status);

/** 1 when a failure with this status may pass if the same input is tried
 *  again, because it came from the machine's state (memory, storage) rather
 *  than from the input: PDQG_OUT_OF_MEMORY and PDQG_IO_ERROR; 0 for every
 *  other number (also PDQG_OK and numbers that are not a status). The
 *  library's one rule (pdqguard::is_transient): the CLI's `scan --resume`
 *  retries an input whose recorded error is transient, and so does
 *  `python3 -m pdqguard.dask --resume`. Pure, no pdqg_last_error() change.
 *  Thread-safe. */
PDQGUARD_API int pdqg_status_is_transient(int status);

/** The message of the last failed pdqg_ call on the calling thread ("" if none
 *  failed yet). Successful calls do not clear it. The string is owned by the
 *  library and stays valid until the next failing pdqg_ call on this thread.
 *  Thread-safe (each thread has its own). */
PDQGUARD_API const char* pdqg_last_error(void);

/* ========================================================================
 * 3. Hash values
 * ======================================================================== */

/** A 256-bit PDQ hash. Bit k (0..255) is DCT coefficient k = 16*row + column,
 *  stored in words[k / 64] at bit position k % 64 (the layout of the C++
 *  pdqguard::Hash256). Its standard text form is pdqg_hash_to_hex(). */
typedef struct pdqg_hash {
  uint64_t words[4];
} pdqg_hash;

/** Characters in a hex hash, without the terminating NUL. */
#define PDQG_HEX_LENGTH 64

/** Writes the 64 lowercase hex digits of `hash` plus a NUL into `out` (which
 *  must have room for PDQG_HEX_LENGTH + 1 chars), in ThreatExchange order (the
 *  most significant 16-bit word first). Errors: PDQG_INVALID_ARGUMENT (NULL).
 *  Thread-safe. */
PDQGUARD_API int pdqg_hash_to_hex(const pdqg_hash* hash, char* out);

/** Parses a NUL-terminated string of exactly 64 hex digits (either case).
 *  Errors: PDQG_BAD_HASH (the message names the wrong length or the first bad
 *  character), PDQG_INVALID_ARGUMENT (NULL). Thread-safe. */
PDQGUARD_API int pdqg_hash_from_hex(const char* hex, pdqg_hash* out);

/** Hamming distance 0..256 between two hashes; -1 when either is NULL.
 *  Thread-safe; cannot otherwise fail. */
PDQGUARD_API int pdqg_hash_distance(const pdqg_hash* a, const pdqg_hash* b);

/* ========================================================================
 * 4. Hashing
 * ======================================================================== */

/** Pixel formats of a raw frame. Gray and the Y plane of YUV formats are used
 *  as luma directly; RGB-family formats go through the reference's float luma
 *  formula 0.299f*R + 0.587f*G + 0.114f*B; alpha is ignored. */
typedef enum pdqg_format {
  PDQG_FORMAT_GRAY8 = 0, /**< 1 plane, 1 byte per pixel */
  PDQG_FORMAT_RGB8 = 1,  /**< 1 plane, R G B */
  PDQG_FORMAT_RGBA8 = 2, /**< 1 plane, R G B A */
  PDQG_FORMAT_BGR8 = 3,  /**< 1 plane, B G R */
  PDQG_FORMAT_BGRA8 = 4, /**< 1 plane, B G R A */
  PDQG_FORMAT_I420 = 5,  /**< 3 planes: Y (w x h), U, V ((w+1)/2 x (h+1)/2 each) */
  PDQG_FORMAT_NV12 = 6   /**< 2 planes: Y (w x h), interleaved UV (2*((w+1)/2) x (h+1)/2) */
} pdqg_format;

/** "gray8", "rgb8", "rgba8", "bgr8", "bgra8", "i420", "nv12"; "unknown" for
 *  any other number. Static storage. Thread-safe. */
PDQGUARD_API const char* pdqg_format_name(int format);

/** The pdqg_format named by `name`: the names pdqg_format_name() gives, or
 *  ffmpeg's -pix_fmt spellings as aliases ("gray", "rgb24", "rgba", "bgr24",
 *  "bgra", "yuv420p"); -1 for any other text or NULL. The one name table every
 *  front end reads (CLI --raw, gateway X-Frame-Format, bindings). Thread-safe. */
PDQGUARD_API int pdqg_format_from_name(const char* name);

/** A raw frame, described by the caller. Nothing is owned: the pixels must stay
 *  valid during the hashing call only.
 *
 *  For each plane p the format uses: planes[p] points at its first row,
 *  strides[p] is the distance in bytes between row starts (0 = rows packed
 *  without padding), and sizes[p] is the number of bytes readable from
 *  planes[p]. The library checks, before reading anything, that each plane's
 *  last row ends inside sizes[p] (stride * (rows - 1) + row bytes <= size),
 *  that strides are at least one row, and that width and height are positive;
 *  anything else is refused with PDQG_INVALID_ARGUMENT and nothing is read.
 *
 *  Only the luma-carrying plane 0 is read. For I420 and NV12 the chroma planes
 *  may be left NULL (size 0); when given, they are checked the same way.
 *  Unused plane slots must be NULL/0. Initialise with `pdqg_frame f = {0};`. */
typedef struct pdqg_frame {
  int format; /**< a pdqg_format */
  int width;  /**< pixels, > 0 */
  int height; /**< pixels, > 0 */
  const uint8_t* planes[3];
  size_t strides[3];
  size_t sizes[3];
} pdqg_frame;

/** Frame geometry (as TurboJPEG's tj3YUVPlaneSize): writes the row bytes
 *  (without padding) and the rows of plane `plane` of a width x height frame
 *  of `format` — plane 0: width * bytes per pixel x height; I420 U and V:
 *  (width+1)/2 x (height+1)/2; NV12 UV: 2*((width+1)/2) x (height+1)/2. Either
 *  output may be NULL. Errors: PDQG_INVALID_ARGUMENT (unknown format, width or
 *  height not positive, a plane the format does not use). Thread-safe. */
PDQGUARD_API int pdqg_frame_plane_size(int format, int width, int height, int plane,
                                       size_t* row_bytes, size_t* rows);

/** Bytes of a packed frame: its planes back to back without row padding (what
 *  `ffmpeg -f rawvideo` writes), into *bytes. Errors: PDQG_INVALID_ARGUMENT
 *  (unknown format, size not positive or too large). Thread-safe. */
PDQGUARD_API int pdqg_frame_packed_size(int format, int width, int height, size_t* bytes);

/** The eight dihedral variants, in the reference's order and meaning. */
typedef enum pdqg_dihedral {
  PDQG_DIHEDRAL_ORIGINAL = 0,
  PDQG_DIHEDRAL_ROT90 = 1,      /**< 90 degrees counter-clockwise */
  PDQG_DIHEDRAL_ROT180 = 2,
  PDQG_DIHEDRAL_ROT270 = 3,     /**< 90 degrees clockwise */
  PDQG_DIHEDRAL_FLIPX = 4,      /**< top and bottom swapped */
  PDQG_DIHEDRAL_FLIPY = 5,      /**< left and right mirrored */
  PDQG_DIHEDRAL_FLIPPLUS1 = 6,  /**< transposed about the main diagonal */
  PDQG_DIHEDRAL_FLIPMINUS1 = 7  /**< transposed about the anti-diagonal */
} pdqg_dihedral;

/** "original", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1",
 *  "flipminus1"; "unknown" otherwise. Static storage. Thread-safe. */
PDQGUARD_API const char* pdqg_dihedral_name(int dihedral);

/** Encoded image formats: what pdqg_hash_buffer()/pdqg_hash_file() decoded,
 *  in pdqg_result.image_format. The library sniffs the format from the bytes
 *  (never a name); the values are stable. */
typedef enum pdqg_image_format {
  PDQG_IMAGE_UNKNOWN = 0, /**< raw frames (pdqg_hash_frame/pixels) */
  PDQG_IMAGE_JPEG = 1,
  PDQG_IMAGE_PNG = 2,
  PDQG_IMAGE_PNM = 3,  /**< binary PPM (P6) / PGM (P5) */
  PDQG_IMAGE_GIF = 4,
  PDQG_IMAGE_WEBP = 5,
  PDQG_IMAGE_TIFF = 6,
  PDQG_IMAGE_BMP = 7,
  PDQG_IMAGE_HEIF = 8, /**< HEIC and other HEVC HEIF */
  PDQG_IMAGE_AVIF = 9
} pdqg_image_format;

/** "jpeg", "png", "pnm", "gif", "webp", "tiff", "bmp", "heif", "avif" (the
 *  CLI records' "format" names); "unknown" for 0 and any other number. Static
 *  storage. Thread-safe. */
PDQGUARD_API const char* pdqg_image_format_name(int image_format);

/** Flags for the hashing calls (bitwise OR; unknown bits are refused). */
#define PDQG_FLAG_DIHEDRAL 1u /**< also compute the 8 dihedral hashes */

/** The result of hashing one image. Plain data; the caller owns it. */
typedef struct pdqg_result {
  pdqg_hash hash;  /**< the PDQ hash of the image as given */
  int quality;     /**< 0..100; below 50 is usually too flat to match on */
  int too_small;   /**< nonzero when a side is below 5 pixels: hash all zero, quality 0 */
  int width;       /**< pixel size that was hashed (decoded size for files) */
  int height;
  int has_dihedral; /**< nonzero when dihedral[] was filled (PDQG_FLAG_DIHEDRAL) */
  /** pdqg_hash_buffer / pdqg_hash_file: the pdqg_image_format the bytes were
   *  sniffed and decoded as; PDQG_IMAGE_UNKNOWN (0) for raw frames. (This was
   *  the always-0 reserved_ field: size and layout are unchanged.) */
  int image_format;
  /** With PDQG_FLAG_DIHEDRAL: indexed by pdqg_dihedral, from one DCT as the
   *  reference's pdqDihedralHash256esFromFloatLuma computes them;
   *  dihedral[0] equals hash. Otherwise all zero. */
  pdqg_hash dihedral[8];
} pdqg_result;

/** A reusable hasher: decoding limits and options, scratch memory sized for the
 *  largest frame seen (no allocation per frame in a stream), and an error
 *  message. Every hashing call accepts NULL instead, which means default
 *  options and a per-thread scratch buffer.
 *  A hasher must not be used by two threads at once; use one per thread. */
typedef struct pdqg_hasher pdqg_hasher;

/** Creates a hasher with default parameters into *out (the caller owns it and
 *  frees it with pdqg_hasher_free). Errors: PDQG_INVALID_ARGUMENT (out NULL),
 *  PDQG_OUT_OF_MEMORY. Thread-safe. */
PDQGUARD_API int pdqg_hasher_create(pdqg_hasher** out);

/** Frees a hasher; NULL does nothing. Not while another call uses it. */
PDQGUARD_API void pdqg_hasher_free(pdqg_hasher* hasher);

/** Hasher parameters (pdqg_hasher_set / pdqg_hasher_get). They apply to
 *  encoded input (buffers and files); defaults suit untrusted input. */
typedef enum pdqg_hasher_param {
  /** Refuse images above this many pixels (width*height) with
   *  PDQG_IMAGE_TOO_LARGE, checked from the header before any pixel buffer is
   *  allocated. Default 100000000; range 1..2^62. */
  PDQG_HASHER_MAX_PIXELS = 0,
  /** Refuse inputs above this many bytes with PDQG_FILE_TOO_LARGE.
   *  Default 536870912 (512 MiB); range 1..2^62. */
  PDQG_HASHER_MAX_BYTES = 1,
  /** JPEG only, 0/1: decode with DCT-domain scaling to just above 64x64.
   *  Faster; hashes are close to, not identical with, the exact ones. Default 0. */
  PDQG_HASHER_FAST_JPEG = 2,
  /** JPEG and PNG, 0/1: apply the EXIF orientation before hashing. Default 0
   *  (shared hash lists hash the stored pixel order). */
  PDQG_HASHER_EXIF_ORIENTATION = 3,
  /** Refuse an image whose decoder would need more than this many bytes of
   *  memory beyond its pixels (a progressive JPEG's coefficient arrays, libwebp's
   *  canvases...) with PDQG_RESOURCE_LIMIT, checked from the header before
   *  allocating. Default 268435456 (256 MiB); range 1..2^62. */
  PDQG_HASHER_MAX_DECODE_MEMORY = 4,
  /** Stop decoding one input after this many milliseconds of the calling
   *  thread's CPU time, with PDQG_RESOURCE_LIMIT (a deadline for servers).
   *  Default 0 (no limit); range 0..2^40. */
  PDQG_HASHER_MAX_DECODE_CPU_MS = 5
} pdqg_hasher_param;

/** Sets a parameter. Errors: PDQG_INVALID_ARGUMENT (NULL hasher, unknown
 *  parameter, value out of range). Same thread rule as the hasher. */
PDQGUARD_API int pdqg_hasher_set(pdqg_hasher* hasher, int param, int64_t value);

/** Reads a parameter into *value. Errors: PDQG_INVALID_ARGUMENT (unknown
 *  parameter, NULL value; the message also in pdqg_hasher_error()). Same thread
 *  rule as the hasher. */
PDQGUARD_API int pdqg_hasher_get(const pdqg_hasher* hasher, int param, int64_t* value);

/** The bounds and default of a hasher parameter, as the library defines them
 *  (like ZSTD_cParam_getBounds): pdqg_hasher_set() accepts lower..upper
 *  inclusive, and a new hasher starts at *default_value. Any output pointer
 *  may be NULL. Errors: PDQG_INVALID_ARGUMENT (unknown parameter). Thread-safe.
 *  Bindings read these instead of copying the numbers. */
PDQGUARD_API int pdqg_hasher_param_bounds(int param, int64_t* lower, int64_t* upper,
                                          int64_t* default_value);

/** The message of the last failed call made with this hasher ("" if none).
 *  Owned by the hasher; valid until its next failing call or its free. "" for
 *  NULL. Same thread rule as the hasher. */
PDQGUARD_API const char* pdqg_hasher_error(const pdqg_hasher* hasher);

/** Hashes a raw frame into *out. `hasher` may be NULL. `flags`: 0 or
 *  PDQG_FLAG_DIHEDRAL. A frame below 5 pixels on a side is not an error: it
 *  gives the all-zero hash, quality 0 and too_small set, as the reference does.
 *  Errors: PDQG_INVALID_ARGUMENT (see pdqg_frame; NULL frame/out; bad flags),
 *  PDQG_UNSUPPORTED_ISA, PDQG_OUT_OF_MEMORY.
 *  Thread-safe with a NULL or per-thread hasher. */
PDQGUARD_API int pdqg_hash_frame(pdqg_hasher* hasher, const pdqg_frame* frame, unsigned flags,
                                 pdqg_result* out);

/** Convenience for single-plane formats (GRAY8, RGB8, RGBA8, BGR8, BGRA8):
 *  `size` bytes at `pixels`, rows `stride` bytes apart (0 = packed). The
 *  same as pdqg_hash_frame() with plane 0 set; same errors. Thread-safe with a
 *  NULL or per-thread hasher. */
PDQGUARD_API int pdqg_hash_pixels(pdqg_hasher* hasher, int format, const void* pixels,
                                  size_t size, int width, int height, size_t stride,
                                  unsigned flags, pdqg_result* out);

/** Decodes an encoded image held in memory (JPEG, PNG, binary PPM/PGM, WebP,
 *  GIF, TIFF, BMP, HEIC/HEIF, AVIF; not archives; format
 *  sniffed from the bytes, never from a name) and hashes it. The decode
 *  follows the canonical rules of the reference corpus (first frame, EXIF
 *  orientation ignored unless enabled, alpha dropped, 16-bit samples keep
 *  their high byte). `hasher` may be NULL (default limits).
 *  Errors: PDQG_UNSUPPORTED_FORMAT, PDQG_DECODE_ERROR, PDQG_IMAGE_TOO_LARGE,
 *  PDQG_FILE_TOO_LARGE, PDQG_RESOURCE_LIMIT (a decode budget: memory, JPEG
 *  scans, data too short for the declared image, CPU time), PDQG_INVALID_ARGUMENT
 *  (NULL data with size > 0, NULL out, bad flags), PDQG_OUT_OF_MEMORY. Never
 *  crashes on hostile bytes.
 *  Thread-safe with a NULL or per-thread hasher. */
PDQGUARD_API int pdqg_hash_buffer(pdqg_hasher* hasher, const void* data, size_t size,
                                  unsigned flags, pdqg_result* out);

/** Reads the file at `path` (NUL-terminated) and hashes it as
 *  pdqg_hash_buffer() does. Only regular files are read: the file is opened
 *  non-blocking and its type read from the opened descriptor, so a FIFO, a
 *  device or /dev/zero is refused at once with PDQG_NOT_A_FILE (never blocks,
 *  never reads). Adds PDQG_IO_ERROR (cannot open or read, a directory) and
 *  PDQG_FILE_TOO_LARGE from the file's size before reading; messages start
 *  with the path. A hasher keeps the buffer the file is read into for its
 *  next call (up to 64 MiB; a larger one is freed after its file), so reading
 *  file after file does not allocate each file's size again; with NULL the
 *  buffer is the call's own. Thread-safe with a NULL or per-thread hasher. */
PDQGUARD_API int pdqg_hash_file(pdqg_hasher* hasher, const char* path, unsigned flags,
                                pdqg_result* out);


/* ========================================================================
 * 5. Matching
 * ======================================================================== */

/** A matcher: the current blocklist (hash lists and/or an index file), its
 *  query options, and the sources to reload it from. Every query is exact: it
 *  returns every list entry within the threshold.
 *
 *  Threading: once loaded, any number of threads may query one matcher at once
 *  (the query functions take it const), while another thread calls
 *  pdqg_matcher_reload()/pdqg_matcher_load(): a reload builds the new list
 *  without blocking queries, then swaps it in atomically. Queries that started
 *  before the swap finish on the old list; later ones see the new one; none is
 *  ever blocked for longer than the swap of one pointer. Loads on one matcher
 *  are serialised. pdqg_matcher_set() may be called at any time (options are
 *  atomic values read once at the start of each query).
 *
 *  Typical use:
 *      pdqg_matcher* m;
 *      const char* lists[] = {"blocklist.csv"};
 *      if (pdqg_matcher_open(lists, 1, NULL, &m) != PDQG_OK) ... pdqg_last_error() ...
 *      pdqg_match* hits; size_t n;
 *      pdqg_matcher_query_hash(m, &hash, -1, &hits, &n);
 *      for (size_t i = 0; i < n; ++i) ... hits[i].id, hits[i].distance ...
 *      pdqg_matches_free(hits);
 *      pdqg_matcher_free(m);
 */
typedef struct pdqg_matcher pdqg_matcher;

/** How the matcher searches (all kinds are exact; they differ in speed). */
typedef enum pdqg_index_kind {
  PDQG_INDEX_AUTO = 0,   /**< multi-index hashing or the flat scan, chosen per threshold */
  PDQG_INDEX_FLAT = 1,   /**< SIMD popcount scan of every hash */
  PDQG_INDEX_BKTREE = 2, /**< BK-tree */
  PDQG_INDEX_MIH = 3     /**< multi-index hashing */
} pdqg_index_kind;

/** Matcher parameters (pdqg_matcher_set / pdqg_matcher_get). "Query" ones take
 *  effect on the next query, "load" ones on the next load or reload. */
typedef enum pdqg_matcher_param {
  /** Query: a match has distance <= this (0..256). Default 31 (PDQ's advice). */
  PDQG_MATCHER_THRESHOLD = 0,
  /** Query: images (results/frames) with quality below this match nothing.
   *  0..100; default 50 (ThreatExchange's advice). Hash queries with an unknown
   *  quality (-1) are never gated. */
  PDQG_MATCHER_MIN_QUALITY = 1,
  /** Query, 0/1: frame and result queries also try the 7 dihedral variants
   *  (rotated/flipped copies of the image); each entry is reported once with
   *  its nearest variant. Default 0. */
  PDQG_MATCHER_DIHEDRAL = 2,
  /** Load: a pdqg_index_kind for lists. Default PDQG_INDEX_AUTO. (An index
   *  file keeps the kind it was saved with.) */
  PDQG_MATCHER_INDEX_KIND = 3,
  /** Query: keep at most this many matches, nearest first; 0 = all (default). */
  PDQG_MATCHER_MAX_MATCHES = 4,
  /** Load, 0/1: skip malformed list lines instead of refusing the list.
   *  Default 0 (strict: a malformed line fails the load with
   *  PDQG_LIST_PARSE_ERROR naming file and line). */
  PDQG_MATCHER_LENIENT = 5,
  /** Load, 0/1: check an index file's checksum when opening it. Default 1. */
  PDQG_MATCHER_VERIFY_CHECKSUM = 6,
  /** Read-only: list entries in the current list (0 before the first load). */
  PDQG_MATCHER_ENTRIES = 7,
  /** Read-only: distinct hashes in the current list. */
  PDQG_MATCHER_HASHES = 8,
  /** Read-only: successful loads and reloads so far (0 = nothing loaded). */
  PDQG_MATCHER_GENERATION = 9,
  /** Load: refuse a hash list file larger than this many bytes with
   *  PDQG_FILE_TOO_LARGE (checked before reading a regular file, as soon as a
   *  pipe passes it). 0 = no limit; default 4 GiB. */
  PDQG_MATCHER_MAX_LIST_BYTES = 10,
  /** Load: a list line longer than this many bytes is malformed (fails the
   *  load with PDQG_LIST_PARSE_ERROR, or is skipped when lenient); at most
   *  this much of one line is ever buffered. 0 = no limit; default 64 KiB. */
  PDQG_MATCHER_MAX_LINE_BYTES = 11,
  /** Load, 0/1: accept a blocklist with 0 entries. Default 0: a load or
   *  reload that yields 0 entries fails with PDQG_LIST_PARSE_ERROR (an empty
   *  blocklist blocks nothing; it is what a truncated file looks like). */
  PDQG_MATCHER_ALLOW_EMPTY = 12,
  /** Reload: pdqg_matcher_reload_if_changed() reloads only after the source
   *  files have been unchanged for this many milliseconds (so a list being
   *  rewritten in place is never read half-written). 0..3600000; default 2000.
   *  pdqg_matcher_reload() does not wait. */
  PDQG_MATCHER_SETTLE_MS = 13,
  /** Reload: refuse a reloaded list that lost more than this percentage of
   *  the current list's entries (PDQG_LIST_PARSE_ERROR; the current list stays
   *  in use). 0..100; default 50; 100 = no shrink check (an empty list is
   *  still refused unless PDQG_MATCHER_ALLOW_EMPTY). */
  PDQG_MATCHER_MAX_SHRINK_PERCENT = 14
} pdqg_matcher_param;

/** Creates an empty matcher with default parameters into *out (the caller
 *  frees it with pdqg_matcher_free). Set parameters, then pdqg_matcher_load().
 *  Errors: PDQG_INVALID_ARGUMENT (out NULL), PDQG_OUT_OF_MEMORY. Thread-safe. */
PDQGUARD_API int pdqg_matcher_create(pdqg_matcher** out);

/** Frees a matcher; NULL does nothing. No other call on it may be running or
 *  start later; match arrays obtained from it stay valid (they own their data). */
PDQGUARD_API void pdqg_matcher_free(pdqg_matcher* matcher);

/** Sets a parameter. Errors: PDQG_INVALID_ARGUMENT (NULL, unknown or read-only
 *  parameter, value out of range). Thread-safe, also during queries and loads. */
PDQGUARD_API int pdqg_matcher_set(pdqg_matcher* matcher, int param, int64_t value);

/** Reads a parameter (or a read-only count) into *value.
 *  Errors: PDQG_INVALID_ARGUMENT. Thread-safe. */
PDQGUARD_API int pdqg_matcher_get(const pdqg_matcher* matcher, int param, int64_t* value);

/** The bounds and default of a matcher parameter, as the library defines them
 *  (like ZSTD_cParam_getBounds): pdqg_matcher_set() accepts lower..upper
 *  inclusive, and a new matcher starts at *default_value (for read-only
 *  counts: the range they can report, default 0). Any output pointer may be
 *  NULL. Errors: PDQG_INVALID_ARGUMENT (unknown parameter). Thread-safe.
 *  Bindings read these instead of copying 31, 50 or the limits. */
PDQGUARD_API int pdqg_matcher_param_bounds(int param, int64_t* lower, int64_t* upper,
                                           int64_t* default_value);

/** The name of a matcher parameter as bindings spell it ("threshold",
 *  "min_quality", "dihedral", "index_kind", "max_matches", "lenient",
 *  "verify_checksum", "entries", "hashes", "generation", "max_list_bytes",
 *  "max_line_bytes", "allow_empty", "settle_ms", "max_shrink_percent"); NULL for an unknown number. Static storage. Thread-safe. */
PDQGUARD_API const char* pdqg_matcher_param_name(int param);

/** Loads a blocklist from `n_lists` hash list files (plain hex lines, CSV/TSV
 *  with a header naming the hash column, or ThreatExchange `pdq <hash>` lines;
 *  `list_paths` may be NULL when n_lists is 0) and/or one index file
 *  (`index_path`, written by `pdqguard index`; NULL for none). At least one
 *  source is needed. With both, the lists' entries are added to the index's.
 *  On success the new list replaces the current one atomically and the sources
 *  are remembered for pdqg_matcher_reload(); on failure nothing changes.
 *  Sources holding 0 entries in all fail with PDQG_LIST_PARSE_ERROR unless
 *  PDQG_MATCHER_ALLOW_EMPTY is set.
 *  The strings are copied. Errors: PDQG_INVALID_ARGUMENT, PDQG_IO_ERROR,
 *  PDQG_LIST_PARSE_ERROR, PDQG_INDEX_CORRUPT, PDQG_OUT_OF_MEMORY (message in
 *  pdqg_matcher_error() and pdqg_last_error()). Thread-safe (see pdqg_matcher). */
PDQGUARD_API int pdqg_matcher_load(pdqg_matcher* matcher, const char* const* list_paths,
                                   size_t n_lists, const char* index_path);

/** Reads the remembered sources again (e.g. after the list files changed on
 *  disk, on SIGHUP) and swaps the new list in atomically; queries running on
 *  other threads are not disturbed. On failure the current list stays in use.
 *  Fails closed: a reload is refused with PDQG_LIST_PARSE_ERROR when the new
 *  list is empty (unless PDQG_MATCHER_ALLOW_EMPTY) or lost more than
 *  PDQG_MATCHER_MAX_SHRINK_PERCENT of the entries, and with PDQG_IO_ERROR when
 *  a source file changed while it was being read. Does not wait for the
 *  settle time: call it when the files are known to be complete (after a
 *  rename into place).
 *  Errors: as pdqg_matcher_load(); PDQG_INVALID_ARGUMENT if nothing was ever
 *  loaded. Thread-safe (see pdqg_matcher). */
PDQGUARD_API int pdqg_matcher_reload(pdqg_matcher* matcher);

/** Reloads only when a source file changed since the last load or reload
 *  attempt (its size, modification time or inode differ; a missing file counts
 *  as a change, and then fails the reload, keeping the current list) AND has
 *  stayed unchanged since for PDQG_MATCHER_SETTLE_MS (default 2 s): a list
 *  written in place (cp, curl -o, >) is read only once the writer has
 *  stopped. The reload is checked as pdqg_matcher_reload()'s (empty, shrink,
 *  torn read). A failed attempt is not repeated until the files change again
 *  (or pdqg_matcher_reload() is called). For a service's file watcher: call
 *  it a few times a second. *reloaded (may be NULL)
 *  is set to 1 when a reload was done and succeeded, else 0.
 *  Errors: as pdqg_matcher_reload() (the current list stays in use).
 *  Thread-safe (see pdqg_matcher). */
PDQGUARD_API int pdqg_matcher_reload_if_changed(pdqg_matcher* matcher, int* reloaded);

/** Convenience: pdqg_matcher_create() + pdqg_matcher_load() with default
 *  parameters. On failure *out is left unchanged and nothing is allocated.
 *  Thread-safe. */
PDQGUARD_API int pdqg_matcher_open(const char* const* list_paths, size_t n_lists,
                                   const char* index_path, pdqg_matcher** out);

/** The message of the last failed load, reload or set on this matcher ("" if
 *  none; "" for NULL). Owned by the matcher, valid until its next failing
 *  load/reload/set or its free. Query failures are reported per thread by
 *  pdqg_last_error() only (queries run on many threads at once). Thread-safe
 *  to call, but read the text only while no other thread loads or sets. */
PDQGUARD_API const char* pdqg_matcher_error(const pdqg_matcher* matcher);

/** One list entry a query matched. All pointers point into the array's own
 *  block and stay valid until pdqg_matches_free() of that array. */
typedef struct pdqg_match {
  const char* list;  /**< the list's name (its file name, or a list column's value) */
  const char* id;    /**< the entry's id (its line number when the list has no id column) */
  const char* label; /**< the entry's label, "" when none */
  pdqg_hash hash;    /**< the list entry's hash */
  int distance;      /**< Hamming distance 0..256 to the (nearest) query variant */
  int dihedral;      /**< the pdqg_dihedral variant of the query that matched */
} pdqg_match;

/** Why a query matched nothing without being searched: the library's one
 *  "cannot match" rule (pdqguard::query_gate in C++). */
typedef enum pdqg_gate {
  PDQG_GATE_NONE = 0,          /**< "none": searched; the matches are the answer */
  PDQG_GATE_TOO_SMALL = 1,     /**< "too_small": the image is below 5 pixels on a side
                                    (all-zero hash): never matches, whatever the
                                    minimum quality (even 0) */
  PDQG_GATE_BELOW_QUALITY = 2  /**< "below_quality": quality known and below
                                    PDQG_MATCHER_MIN_QUALITY */
} pdqg_gate;

/** "none", "too_small", "below_quality"; "unknown" otherwise. Static storage.
 *  Thread-safe. */
PDQGUARD_API const char* pdqg_gate_name(int gate);

/** The one query entry point every front end can use: matches `query` (a
 *  pdqg_result from hashing, or one filled by hand: hash, quality 0..100 or -1
 *  for unknown, too_small, and has_dihedral with dihedral[] for rotations) and
 *  reports, in *gate (may be NULL), whether the rules stopped it (a pdqg_gate).
 *  The rules: too_small never matches; a known quality below
 *  PDQG_MATCHER_MIN_QUALITY does not; with PDQG_MATCHER_DIHEDRAL on and
 *  has_dihedral set the 8 variants are searched (each entry once, with its
 *  nearest variant), otherwise only `hash`. On success *matches holds *count
 *  entries in result order — by distance, then list, then id (byte-wise), then
 *  the entry's position in its list — or NULL when *count is 0; the caller
 *  frees it with pdqg_matches_free(). Errors: PDQG_INVALID_ARGUMENT (NULL
 *  arguments, quality outside -1..100, nothing loaded yet), PDQG_OUT_OF_MEMORY;
 *  message in pdqg_last_error(). Thread-safe. */
PDQGUARD_API int pdqg_matcher_query(const pdqg_matcher* matcher, const pdqg_result* query,
                                    pdqg_match** matches, size_t* count, int* gate);

/** Matches a hash. `quality` is the hash's quality (0..100), or -1 when unknown
 *  (then it is never gated by PDQG_MATCHER_MIN_QUALITY). On success *matches is
 *  an array of *count entries in result order (see pdqg_matcher_query(); NULL
 *  when *count is 0), which the caller frees with pdqg_matches_free().
 *  Errors: PDQG_INVALID_ARGUMENT (NULL arguments, nothing loaded yet),
 *  PDQG_OUT_OF_MEMORY; message in pdqg_last_error(). Thread-safe. */
PDQGUARD_API int pdqg_matcher_query_hash(const pdqg_matcher* matcher, const pdqg_hash* hash,
                                         int quality, pdqg_match** matches, size_t* count);

/** Matches a hashing result (from pdqg_hash_frame/buffer/file): the same as
 *  pdqg_matcher_query() without the gate output, except that the quality must
 *  be known (0..100, as hashing gives it): -1 or anything else outside 0..100
 *  is refused with PDQG_INVALID_ARGUMENT, so a result cannot get past
 *  PDQG_MATCHER_MIN_QUALITY by claiming "unknown". A result with too_small set,
 *  or with quality below PDQG_MATCHER_MIN_QUALITY, matches nothing (PDQG_OK,
 *  *count 0). Output and errors as pdqg_matcher_query(). Thread-safe. */
PDQGUARD_API int pdqg_matcher_query_result(const pdqg_matcher* matcher, const pdqg_result* result,
                                           pdqg_match** matches, size_t* count);

/** Hashes a raw frame (as pdqg_hash_frame(); dihedral variants when
 *  PDQG_MATCHER_DIHEDRAL is on) and matches it as pdqg_matcher_query_result()
 *  does. `hasher` may be NULL (or one per thread); `result`, when not NULL,
 *  receives the hash and quality (written once hashing succeeded, even if the
 *  query then fails). Errors: those of both. Thread-safe. */
PDQGUARD_API int pdqg_matcher_query_frame(const pdqg_matcher* matcher, pdqg_hasher* hasher,
                                          const pdqg_frame* frame, pdqg_result* result,
                                          pdqg_match** matches, size_t* count);

/** Frees an array returned by a query; NULL does nothing. Thread-safe. */
PDQGUARD_API void pdqg_matches_free(pdqg_match* matches);

/* ---------------------------------------------------------------------------
 * Live streams: sample frames the caller already has (a video call, a capture
 * card), hash the samples and match them. One stream per thread; many streams
 * may share one matcher.
 * ------------------------------------------------------------------------- */

/** A stream handle (opaque). */
typedef struct pdqg_stream pdqg_stream;

/** How a stream samples. Initialise with `pdqg_stream_options o = {0};`. */
typedef struct pdqg_stream_options {
  int format;  /**< a pdqg_format; every pushed frame must have it */
  int width;   /**< pixels, > 0; every pushed frame must have it */
  int height;
  /** Time-based sampling: the first frame, then the first frame at or after
   *  each multiple of this many seconds after the first frame's timestamp.
   *  0 = every frame. */
  double seconds_per_hash;
  /** > 0: counter-based sampling instead (vPDQ's rule): frame N (0-based) is
   *  sampled when N % frames_per_hash == 0. 0 = time-based. */
  int frames_per_hash;
  /** >= 0: a sample within this distance of the last kept one is skipped
   *  (hashed, not kept, not matched); -1 = keep every sample. With `= {0}`
   *  initialisation it is 0, i.e. identical consecutive samples are skipped. */
  int skip_distance;
} pdqg_stream_options;

/** What pdqg_stream_push() did with a frame. */
typedef enum pdqg_stream_verdict {
  PDQG_STREAM_UNSAMPLED = 0, /**< not a sample: nothing read, copied or allocated */
  PDQG_STREAM_SKIPPED = 1,   /**< hashed, within skip_distance of the last kept sample */
  PDQG_STREAM_KEPT = 2       /**< hashed and kept (and matched when a matcher was given) */
} pdqg_stream_verdict;

/** One pushed frame's record. Plain data; the caller owns it. */
typedef struct pdqg_stream_sample {
  int verdict;          /**< a pdqg_stream_verdict */
  int reserved_;        /**< always 0 */
  int64_t frame_number; /**< 0-based count of the frames pushed before this one */
  double timestamp;     /**< as pushed */
  pdqg_result result;   /**< the hash and quality (SKIPPED and KEPT only); with a matcher whose
                             PDQG_MATCHER_DIHEDRAL is on, the 8 variants too (has_dihedral),
                             and the query searches them */
} pdqg_stream_sample;

/** Creates a stream into *out (freed with pdqg_stream_free). Errors:
 *  PDQG_INVALID_ARGUMENT (NULL arguments, bad format or size, negative or
 *  non-finite seconds_per_hash, negative frames_per_hash, skip_distance < -1
 *  or > 256), PDQG_OUT_OF_MEMORY. Thread-safe. */
PDQGUARD_API int pdqg_stream_create(const pdqg_stream_options* options, pdqg_stream** out);

/** Frees a stream; NULL does nothing. Not while another call uses it. */
PDQGUARD_API void pdqg_stream_free(pdqg_stream* stream);

/** Offers the next frame, presented at `timestamp` seconds (finite, never less
 *  than the previous frame's). An unsampled frame is not read (costs a counter
 *  and a comparison; `frame` may then even be NULL). A sampled frame is checked
 *  as pdqg_hash_frame() checks it, must have the stream's format and size, and
 *  is hashed into sample->result. When it is KEPT and `matcher` is not NULL,
 *  it is matched as pdqg_matcher_query_result() does and *matches / *count
 *  receive the matches (free with pdqg_matches_free); otherwise *matches is
 *  NULL and *count 0. `matches`/`count` may be NULL when `matcher` is NULL.
 *  Without a matcher no heap allocation happens per frame, sampled or not
 *  (with one, a kept sample costs what a matcher query costs). Errors: PDQG_INVALID_ARGUMENT (NULL stream or sample, bad
 *  timestamp, bad frame), the matcher's errors; message in pdqg_stream_error()
 *  and pdqg_last_error(). One thread at a time per stream. */
PDQGUARD_API int pdqg_stream_push(pdqg_stream* stream, const pdqg_frame* frame, double timestamp,
                                  const pdqg_matcher* matcher, pdqg_stream_sample* sample,
                                  pdqg_match** matches, size_t* count);

/** The last error message recorded on this stream ("" when none). Valid until
 *  the next call on the stream. */
PDQGUARD_API const char* pdqg_stream_error(const pdqg_stream* stream);

/* ---------------------------------------------------------------------------
 * Video files: decode (libav*, in process), sample as vPDQ does, hash, and
 * match every sampled frame against a matcher. pdqguard::VideoHasher in C++.
 * ------------------------------------------------------------------------- */

/** How a video is sampled and limited. NULL options mean the defaults: one
 *  frame per second, the stream's size, and the library's limits. With
 *  `pdqg_video_options o = {0};` every limit is its default (0 = default) but
 *  seconds_per_hash is 0, i.e. every frame: set it. */
typedef struct pdqg_video_options {
  /** One hashed frame per this many seconds, vPDQ's rule (frameMod =
   *  (int)(seconds_per_hash * fps), at least 1); 0 = every frame. */
  double seconds_per_hash;
  int downsample;        /**< 0 = hash at the stream's size; N = scale to N x N first (vPDQ -s) */
  int reserved_;         /**< must be 0 */
  int64_t max_pixels;    /**< largest width x height (image_too_large); 0 = 100,000,000 */
  int64_t max_bytes;     /**< largest input in bytes (file_too_large); 0 = 4 GiB */
  int64_t max_frames;    /**< most decoded frames (video_too_long); 0 = 2,000,000 */
  double max_duration_seconds; /**< longest stream (video_too_long); 0 = 6 hours */
} pdqg_video_options;

/** One hashed frame, as vPDQ records it. */
typedef struct pdqg_video_frame {
  int64_t frame_number; /**< 0-based decoder output counter */
  double timestamp;     /**< seconds: (float)frame_number / (float)fps, as vPDQ computes it */
  pdqg_hash hash;
  int quality;          /**< 0..100 */
  int too_small;        /**< nonzero for a frame below 5 pixels on a side */
} pdqg_video_frame;

/** What was learnt about the video stream. Plain data. */
typedef struct pdqg_video_info {
  int width;             /**< the stream header's size */
  int height;
  double fps;            /**< avg_frame_rate, else r_frame_rate */
  double duration;       /**< seconds the header claims; 0 when unknown */
  int frame_mod;         /**< every frame_mod-th decoded frame was hashed */
  int stream_index;      /**< the video stream's index in the container */
  int64_t frames_decoded;
  int64_t frames_hashed;
  char codec[32];        /**< libavcodec's decoder name, NUL-terminated (cut to fit) */
  char container[64];    /**< libavformat's demuxer name, NUL-terminated (cut to fit) */
} pdqg_video_info;

/** Hashes the video file at `path`: *frames receives `*count` frames in frame
 *  order (free with pdqg_video_frames_free; NULL when none), `info` (may be
 *  NULL) what was learnt about the stream. The frames equal the lines
 *  `pdqguard video hash --format vpdq` writes. Errors: PDQG_INVALID_ARGUMENT
 *  (NULL path or outputs, bad options), PDQG_IO_ERROR, PDQG_FILE_TOO_LARGE,
 *  PDQG_UNSUPPORTED_FORMAT (not a container or codec libav reads),
 *  PDQG_TRUNCATED_INPUT, PDQG_DECODE_ERROR, PDQG_NO_VIDEO_STREAM (none, or audio
 *  only), PDQG_BAD_FRAME_RATE, PDQG_IMAGE_TOO_LARGE, PDQG_VIDEO_TOO_LONG,
 *  PDQG_OUT_OF_MEMORY; message in pdqg_last_error(). Thread-safe (each call
 *  decodes with its own state). */
PDQGUARD_API int pdqg_video_hash_file(const char* path, const pdqg_video_options* options,
                                      pdqg_video_frame** frames, size_t* count,
                                      pdqg_video_info* info);

/** As pdqg_video_hash_file, for a video held in memory (`size` bytes at
 *  `data`, borrowed for the call; never written to disk). `name` (may be NULL)
 *  is only a probing hint (its extension). */
PDQGUARD_API int pdqg_video_hash_memory(const void* data, size_t size, const char* name,
                                        const pdqg_video_options* options,
                                        pdqg_video_frame** frames, size_t* count,
                                        pdqg_video_info* info);

/** Frees an array from pdqg_video_hash_file/_memory; NULL does nothing. */
PDQGUARD_API void pdqg_video_frames_free(pdqg_video_frame* frames);

/** One match of a video: the list entry and the frame that matched it. */
typedef struct pdqg_video_match {
  pdqg_match match;     /**< as pdqg_matcher_query_result() reports it */
  int64_t frame_number; /**< the sampled frame that matched */
  double timestamp;     /**< its time in seconds */
} pdqg_video_match;

/** Hashes the video file at `path` as pdqg_video_hash_file does and matches
 *  every sampled frame as pdqg_matcher_query_result() does (the matcher's
 *  threshold, min quality and max matches; dihedral variants when its
 *  PDQG_MATCHER_DIHEDRAL is on). *matches receives one entry per list entry,
 *  that of its nearest frame (lowest distance, then earliest frame), in the
 *  library's result order; with `all_frames` nonzero, every frame's matches in
 *  frame order instead. Free with pdqg_video_matches_free (NULL when none).
 *  `info` may be NULL. Errors: those of pdqg_video_hash_file and of the
 *  query. Thread-safe (the matcher may serve other threads meanwhile). */
PDQGUARD_API int pdqg_video_match_file(const pdqg_matcher* matcher, const char* path,
                                       const pdqg_video_options* options, int all_frames,
                                       pdqg_video_match** matches, size_t* count,
                                       pdqg_video_info* info);

/** Frees an array from pdqg_video_match_file; NULL does nothing. */
PDQGUARD_API void pdqg_video_matches_free(pdqg_video_match* matches);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PDQGUARD_H */
