// JPEG decoding through libjpeg-turbo's libjpeg API (jpeglib.h).
//
// Exact mode follows the corpus "canonical decode rules": library defaults
// (JDCT_ISLOW, fancy upsampling, block smoothing), 1 component -> gray,
// 3 components -> RGB, 4 components -> CMYK read with Adobe (inverted) polarity
// and converted with Pillow's integer formula.
//
// Fast mode decodes at a reduced DCT scale (1/2, 1/4, 1/8), takes the luma
// channel straight from the decoder (gray output: libjpeg skips chroma IDCT,
// upsampling and colour conversion), and for progressive files stops reading
// once the coefficients that scale needs have arrived (buffered-image mode).
//
// Budgets (DecodeOptions): before libjpeg allocates anything large, the header
// must fit max_pixels, the file must be long enough for the blocks it declares
// (Huffman coding spends at least a bit a block), and a multi-scan file's
// whole-image coefficient arrays must fit max_decode_memory (also libjpeg's
// max_memory_to_use, which bounds the rest of its memory). While the scans
// arrive, the progress monitor counts them and the blocks they visit, and reads
// the CPU clock when there is a deadline. All of these are resource_limit.
//
// Error handling: libjpeg reports fatal errors through error_exit, which we turn
// into a longjmp back to decode_jpeg(); every C++ object that must be destroyed
// is declared before setjmp(), so the jump never skips a destructor. Warnings
// are collected, never swallowed. libjpeg's "Insufficient memory" is
// out_of_memory and its "Backing store not supported" (max_memory_to_use
// exceeded) is resource_limit, not decode_error.
#include "image/decoders.hpp"
#include "image/jpeg_arena.hpp"

#include <pdqguard/error.hpp>

#include <algorithm>
#include <cstdarg>
#include <climits>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

// jpeglib.h needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>

namespace pdqguard::detail {

namespace {

constexpr int kMaxKeptWarnings = 8;

struct ErrorManager {
  jpeg_error_mgr pub;  // must be first: libjpeg sees a jpeg_error_mgr*
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  std::vector<std::string>* warnings;
  long warning_count;
  bool own;                   // message and code are ours, not libjpeg's msg_code
  ErrorCode code;             // with own
  std::uint64_t memory_limit; // max_decode_memory, for the backing-store message
};

struct ProgressMonitor {
  jpeg_progress_mgr pub;  // must be first
  int max_scans;
  bool budgeted;                   // Huffman-coded: the per-byte scan budget applies
  std::uint64_t file_bytes;
  std::uint64_t scan_blocks_limit; // kJpegScanBlocksPerByte x file_bytes
  std::uint64_t scan_blocks;       // blocks visited by the scans seen so far
  int counted_scan;                // the last scan added to scan_blocks
  const DecodeDeadline* deadline;
};

// Our own fatal error: message, code, and the jump back to decode_jpeg().
[[noreturn]] void own_error(ErrorManager* err, ErrorCode code, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
[[noreturn]] void own_error(ErrorManager* err, ErrorCode code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  err->own = true;
  err->code = code;
  std::longjmp(err->jump, 1);
}

// The exception for the error that longjmp'ed back: ours, or libjpeg's mapped
// to a code (memory failures are not damage).
[[noreturn]] void throw_jpeg_error(const ErrorManager& err) {
  std::string msg = std::string("JPEG: ") + err.message;
  ErrorCode code = err.own ? err.code : ErrorCode::decode_error;
  if (!err.own && err.pub.msg_code == JERR_OUT_OF_MEMORY) {
    code = ErrorCode::out_of_memory;
  } else if (!err.own && err.pub.msg_code == JERR_NO_BACKING_STORE) {
    code = ErrorCode::resource_limit;
    msg += " (decoding needs more memory than the limit of " + std::to_string(err.memory_limit) +
           " bytes, max_decode_memory)";
  }
  throw Error(code, msg);
}

extern "C" {

// Fatal error: remember the message and jump back to decode_jpeg().
[[noreturn]] static void pdq_jpeg_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (msg_level -1) are collected; trace messages (>= 0) are ignored as
// libjpeg's default does at trace_level 0.
static void pdq_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (msg_level >= 0) return;
  cinfo->err->num_warnings++;
  err->warning_count++;
  if (err->warning_count > kMaxKeptWarnings) return;
  char buf[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, buf);
  try {
    err->warnings->push_back(std::string("libjpeg: ") + buf);
  } catch (...) {
    // Out of memory while recording a warning: the count below still says so.
  }
}

static void pdq_jpeg_output_message(j_common_ptr) {}

// Called by libjpeg for every row of blocks it absorbs (multi-scan files) and
// every strip it outputs: the scan count, the blocks the scans visit, and the
// CPU deadline.
static void pdq_jpeg_progress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  auto* dinfo = reinterpret_cast<j_decompress_ptr>(cinfo);
  auto* prog = reinterpret_cast<ProgressMonitor*>(cinfo->progress);
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (dinfo->input_scan_number > prog->max_scans)
    own_error(err, ErrorCode::resource_limit, "more than %d scans (limit max_jpeg_scans)",
              prog->max_scans);
  if (dinfo->input_scan_number != prog->counted_scan) {
    // A new scan's header was read: it will visit every block of its components.
    prog->counted_scan = dinfo->input_scan_number;
    for (int i = 0; i < dinfo->comps_in_scan && i < MAX_COMPS_IN_SCAN; ++i) {
      const jpeg_component_info* c = dinfo->cur_comp_info[i];
      if (c != nullptr) prog->scan_blocks += std::uint64_t{c->width_in_blocks} * c->height_in_blocks;
    }
    if (prog->budgeted && prog->scan_blocks > prog->scan_blocks_limit)
      own_error(err, ErrorCode::resource_limit,
                "the scans visit more than %llu blocks of 8x8 by scan %d (limit %llu a byte of its %llu "
                "bytes: many scans over an image the file cannot fill)",
                static_cast<unsigned long long>(prog->scan_blocks_limit), dinfo->input_scan_number,
                static_cast<unsigned long long>(DecodeOptions::kJpegScanBlocksPerByte),
                static_cast<unsigned long long>(prog->file_bytes));
  }
  if (prog->deadline->expired()) {
    prog->deadline->format_message(err->message, sizeof err->message, "JPEG");
    err->own = true;
    err->code = ErrorCode::resource_limit;
    std::longjmp(err->jump, 1);
  }
}

}  // extern "C"

struct Decompressor;

// Serves decoded scanlines to a RowConsumer a strip at a time (CMYK converted
// to RGB on the way). A fatal libjpeg error inside rows() longjmps back into
// rows() itself, which throws: the jump never crosses the consumer's frames.
struct JpegRows final : RowSource {
  Decompressor* d = nullptr;
  bool cmyk = false;
  std::size_t w = 0;
  std::size_t out_ch = 0;
  int served = 0;  // rows handed out so far
  void rows(int first, int count, const std::uint8_t** out) override;
};

// Owns the decompressor; destroying it frees everything libjpeg allocated.
// Heap-allocated so nothing it holds is an automatic object modified between
// setjmp and longjmp (the output image is the caller's object, not ours).
struct Decompressor {
  explicit Decompressor(const DecodeOptions& opts) : deadline(opts) {}
  JpegArenaHook arena;  // released after jpeg_destroy_decompress (destructor body runs first)
  std::vector<std::uint8_t> rowbuf;
  JpegRows rows;
  jpeg_decompress_struct cinfo{};
  ErrorManager err{};
  ProgressMonitor progress{};
  DecodeDeadline deadline;
  bool created = false;
  ~Decompressor() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

// Pillow's MULDIV255: a*b/255 rounded, in integers.
inline std::uint8_t muldiv255(unsigned a, unsigned b) {
  const unsigned t = a * b + 128;
  return static_cast<std::uint8_t>((t + (t >> 8)) >> 8);
}

// CMYK as libjpeg outputs it, read with Adobe (inverted) polarity, to RGB:
// R = sk - muldiv255(255 - sc, sk) (corpus README).
void cmyk_row_to_rgb(const std::uint8_t* in, std::uint8_t* out, std::size_t w) {
  for (std::size_t x = 0; x < w; ++x, in += 4, out += 3) {
    const unsigned k = in[3];
    out[0] = static_cast<std::uint8_t>(k - muldiv255(255u - in[0], k));
    out[1] = static_cast<std::uint8_t>(k - muldiv255(255u - in[1], k));
    out[2] = static_cast<std::uint8_t>(k - muldiv255(255u - in[2], k));
  }
}

// The zigzag index of the last coefficient inside the top-left MxM block: what
// a 1/(8/M) scaled IDCT mainly reads (libjpeg-turbo's reduced IDCTs also read a
// few odd higher frequencies; missing ones are treated as zero, a tiny error).
int last_zigzag_for_block(int m) {
  static const int natural_to_zigzag[64] = {
      0,  1,  5,  6,  14, 15, 27, 28, 2,  4,  7,  13, 16, 26, 29, 42, 3,  8,  12, 17, 25, 30,
      41, 43, 9,  11, 18, 24, 31, 40, 44, 53, 10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38,
      46, 51, 55, 60, 21, 34, 37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63};
  int last = 0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) last = std::max(last, natural_to_zigzag[i * 8 + j]);
  return last;
}

// True when every coefficient up to zigzag `last` of the first `ncomp`
// components has arrived in some scan (at any successive-approximation level).
bool coefficients_present(j_decompress_ptr cinfo, int ncomp, int last) {
  if (cinfo->coef_bits == nullptr) return false;
  for (int c = 0; c < ncomp; ++c)
    for (int k = 0; k <= last; ++k)
      if (cinfo->coef_bits[c][k] < 0) return false;
  return true;
}

void JpegRows::rows(int first, int count, const std::uint8_t** out) {
  jpeg_decompress_struct* const cinfo = &d->cinfo;
  // Kept per thread: a fresh strip per image (hundreds of KiB for a wide one)
  // would be zero-filled and page-faulted in every time.
  thread_local std::vector<std::uint8_t> strip;
  const std::size_t row_bytes = w * out_ch;
  const std::size_t need = static_cast<std::size_t>(count) * row_bytes;
  if (strip.size() < need) strip.resize(need);
  if (cmyk && d->rowbuf.size() < w * 4 * 16) d->rowbuf.resize(w * 4 * 16);
  if (setjmp(d->err.jump)) throw_jpeg_error(d->err);
  std::uint8_t* const base = strip.data();
  for (int i = 0; i < count; ++i) out[i] = base + static_cast<std::size_t>(i) * row_bytes;
  if (first != served || count <= 0) own_error(&d->err, ErrorCode::decode_error, "rows requested out of order");
  const int batch = std::clamp(cinfo->rec_outbuf_height, 1, 16);
  int done = 0;
  while (done < count) {
    const int n = std::min(batch, count - done);
    JSAMPROW rp[16];
    for (int i = 0; i < n; ++i)
      rp[i] = cmyk ? d->rowbuf.data() + static_cast<std::size_t>(i) * w * 4
                   : base + static_cast<std::size_t>(done + i) * row_bytes;
    const JDIMENSION got = jpeg_read_scanlines(cinfo, rp, static_cast<JDIMENSION>(n));
    if (got == 0) {
      // Cannot happen with an in-memory source; as decode_jpeg, such rows read 0.
      std::memset(base + static_cast<std::size_t>(done) * row_bytes, 0,
                  static_cast<std::size_t>(count - done) * row_bytes);
      break;
    }
    if (cmyk)
      for (JDIMENSION i = 0; i < got; ++i)
        cmyk_row_to_rgb(rp[i], base + (static_cast<std::size_t>(done) + i) * row_bytes, w);
    done += static_cast<int>(got);
  }
  served += count;
}

// Ends the decompression. The jump buffer is armed again here because the last
// setjmp may have been the one in JpegRows::rows(), whose frame is gone.
void finish_jpeg(Decompressor* d, bool early_stop) {
  if (setjmp(d->err.jump)) throw_jpeg_error(d->err);
  if (early_stop) {
    jpeg_finish_output(&d->cinfo);
    jpeg_abort_decompress(&d->cinfo);  // the rest of the file is not needed
  } else {
    jpeg_finish_decompress(&d->cinfo);
  }
}

}  // namespace

void decode_jpeg(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                 RowConsumer* consumer) {
  // Everything with a destructor lives before setjmp (see the file comment).
  const auto d = std::make_unique<Decompressor>(opts);
  jpeg_decompress_struct* const cinfo = &d->cinfo;
  std::vector<std::uint8_t>& rowbuf = d->rowbuf;
  img.format = ImageFormat::jpeg;

  cinfo->err = jpeg_std_error(&d->err.pub);
  d->err.pub.error_exit = pdq_jpeg_error_exit;
  d->err.pub.emit_message = pdq_jpeg_emit_message;
  d->err.pub.output_message = pdq_jpeg_output_message;
  d->err.warnings = &img.warnings;
  d->err.message[0] = '\0';
  d->err.own = false;
  d->err.code = ErrorCode::decode_error;
  d->err.memory_limit = opts.max_decode_memory;

  if (setjmp(d->err.jump)) {
    // d's destructor calls jpeg_destroy_decompress.
    throw_jpeg_error(d->err);
  }

  jpeg_create_decompress(cinfo);
  d->created = true;
  // libjpeg's image-lifetime buffers from this thread's arena: reused between
  // images instead of fresh (page-faulted, zeroed) memory each time.
  d->arena.install(cinfo);
  d->progress.pub.progress_monitor = pdq_jpeg_progress;
  d->progress.max_scans = std::max(1, opts.max_jpeg_scans);
  d->progress.file_bytes = bytes.size();
  d->progress.scan_blocks_limit = DecodeOptions::kJpegScanBlocksPerByte * bytes.size();
  d->progress.deadline = &d->deadline;
  cinfo->progress = &d->progress.pub;
  // Bound libjpeg's own allocations: beyond max_memory_to_use it fails
  // (JERR_NO_BACKING_STORE, before allocating the coefficient arrays) instead
  // of allocating. The coefficient arrays are checked below with a clearer message.
  cinfo->mem->max_memory_to_use = static_cast<long>(
      std::min<std::uint64_t>(opts.max_decode_memory, static_cast<std::uint64_t>(LONG_MAX)));

  jpeg_mem_src(cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  if (opts.apply_exif_orientation) jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(cinfo, TRUE);

  // Saved markers live until jpeg_finish/abort_decompress: read EXIF now.
  int orientation = 0;
  if (opts.apply_exif_orientation) {
    for (jpeg_saved_marker_ptr m = cinfo->marker_list; m != nullptr; m = m->next) {
      if (m->marker != JPEG_APP0 + 1) continue;
      orientation = read_exif_orientation(m->data, m->data_length);
      if (orientation != 0) break;
    }
  }
  img.source_width = static_cast<int>(cinfo->image_width);
  img.source_height = static_cast<int>(cinfo->image_height);
  check_pixel_limit(cinfo->image_width, cinfo->image_height, opts);

  const int ncomp = cinfo->num_components;
  bool cmyk = false;
  if (ncomp == 1) {
    cinfo->out_color_space = JCS_GRAYSCALE;
    img.gray = true;
  } else if (ncomp == 3) {
    cinfo->out_color_space = JCS_RGB;
  } else if (ncomp == 4) {
    cinfo->out_color_space = JCS_CMYK;  // libjpeg converts YCCK to CMYK
    cmyk = true;
  } else {
    own_error(&d->err, ErrorCode::decode_error, "%d colour components are not supported (1, 3 or 4)",
              ncomp);
  }

  bool early_stop = false;
  int needed_last_coef = 63;
  int needed_components = ncomp;
  if (opts.fast) {
    // Luma straight from the decoder for YCbCr/RGB files.
    if (ncomp == 3) {
      cinfo->out_color_space = JCS_GRAYSCALE;
      img.gray = true;
      needed_components = cinfo->jpeg_color_space == JCS_YCbCr ? 1 : 3;
    }
    const unsigned t = static_cast<unsigned>(std::max(1, opts.fast_min_side));
    int denom = 1;
    for (int cand : {8, 4, 2}) {
      if ((cinfo->image_width + cand - 1) / cand >= t && (cinfo->image_height + cand - 1) / cand >= t) {
        denom = cand;
        break;
      }
    }
    cinfo->scale_num = 1;
    cinfo->scale_denom = static_cast<unsigned>(denom);
    img.scale_denom = denom;
    if (denom > 1 && cinfo->progressive_mode) {
      early_stop = true;
      needed_last_coef = last_zigzag_for_block(8 / denom);
      cinfo->buffered_image = TRUE;
      // No inter-block smoothing of the coefficients that have not arrived: it
      // halved the speed of a 12 MP progressive file (15.6 vs 8.1 ms) and moved
      // no hash of the distance study past 10 (bench/README.md, "Image decoding").
      cinfo->do_block_smoothing = FALSE;
    }
  }

  // Budgets from the header (comp_info is set up by jpeg_read_header), before
  // libjpeg allocates anything large in jpeg_start_decompress.
  std::uint64_t blocks = 0, coef_blocks = 0;
  for (int c = 0; c < cinfo->num_components; ++c) {
    const jpeg_component_info& ci = cinfo->comp_info[c];
    const auto round_up = [](std::uint64_t n, int m) { return m > 0 ? (n + m - 1) / m * m : n; };
    blocks += std::uint64_t{ci.width_in_blocks} * ci.height_in_blocks;
    coef_blocks += round_up(ci.width_in_blocks, ci.h_samp_factor) * round_up(ci.height_in_blocks, ci.v_samp_factor);
  }
  d->progress.budgeted = !cinfo->arith_code;
  if (d->progress.budgeted && blocks > DecodeOptions::kJpegBlocksPerByte * bytes.size())
    throw Error(ErrorCode::resource_limit,
                "JPEG declares " + std::to_string(cinfo->image_width) + "x" +
                    std::to_string(cinfo->image_height) + " pixels in " + std::to_string(blocks) +
                    " blocks of 8x8, more than " + std::to_string(DecodeOptions::kJpegBlocksPerByte) +
                    " a byte of its " + std::to_string(bytes.size()) +
                    " bytes (a complete file spends at least a bit a block)");
  // Multi-scan files (progressive, or components in separate scans) and the
  // buffered-image mode keep every coefficient of the image: 128 bytes a block.
  if (jpeg_has_multiple_scans(cinfo) || cinfo->buffered_image)
    check_decode_memory(coef_blocks * sizeof(JBLOCK), opts,
                        "JPEG coefficient arrays for " + std::to_string(cinfo->image_width) + "x" +
                            std::to_string(cinfo->image_height) + "x" + std::to_string(ncomp));

  jpeg_start_decompress(cinfo);
  if (early_stop) {
    // Absorb scans until the coefficients the scaled IDCT needs are present.
    for (;;) {
      // jpeg_consume_input() does not call the progress monitor: call it here.
      pdq_jpeg_progress(reinterpret_cast<j_common_ptr>(cinfo));
      const int r = jpeg_consume_input(cinfo);
      if (r == JPEG_REACHED_EOI || r == JPEG_SUSPENDED) break;
      if (r == JPEG_SCAN_COMPLETED &&
          coefficients_present(cinfo, needed_components, needed_last_coef))
        break;
    }
    jpeg_start_output(cinfo, cinfo->input_scan_number);
  }

  const std::size_t w = cinfo->output_width;
  const std::size_t h = cinfo->output_height;
  const std::size_t out_ch = img.gray ? 1 : 3;
  img.width = static_cast<int>(w);
  img.height = static_cast<int>(h);
  const bool streamed = consumer != nullptr && orientation == 0;
  if (streamed) {
    // Rows go straight to the consumer (the hasher): no whole-image buffer.
    d->rows.d = d.get();
    d->rows.cmyk = cmyk;
    d->rows.w = w;
    d->rows.out_ch = out_ch;
    d->rows.served = 0;
    consumer->consume(img.gray ? PixelFormat::gray8 : PixelFormat::rgb8, img.width, img.height,
                      d->rows);
    if (d->rows.served != img.height)
      throw Error(ErrorCode::internal_error, "JPEG: the row consumer did not read every row");
  }
  img.pixels.resize(streamed ? 0 : w * h * out_ch);
  if (cmyk) rowbuf.resize(w * 4 * static_cast<std::size_t>(cinfo->rec_outbuf_height));

  JSAMPROW rows[16];
  const int batch = std::clamp(cinfo->rec_outbuf_height, 1, 16);
  while (!streamed && cinfo->output_scanline < cinfo->output_height) {
    const std::size_t y0 = cinfo->output_scanline;
    const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(batch), h - y0));
    for (int i = 0; i < n; ++i)
      rows[i] = cmyk ? rowbuf.data() + static_cast<std::size_t>(i) * w * 4
                     : img.pixels.data() + (y0 + static_cast<std::size_t>(i)) * w * out_ch;
    const JDIMENSION got = jpeg_read_scanlines(cinfo, rows, static_cast<JDIMENSION>(n));
    if (got == 0) break;  // cannot happen with an in-memory source; be safe
    if (cmyk)
      for (JDIMENSION i = 0; i < got; ++i)
        cmyk_row_to_rgb(rows[i], img.pixels.data() + (y0 + i) * w * 3, w);
  }

  finish_jpeg(d.get(), early_stop);

  if (d->err.warning_count > kMaxKeptWarnings)
    img.warnings.push_back("libjpeg: " + std::to_string(d->err.warning_count - kMaxKeptWarnings) +
                           " more warnings not shown");
  jpeg_destroy_decompress(cinfo);  // free libjpeg memory before the rotation copy
  d->created = false;
  d->arena.release();

  if (opts.strict && !img.warnings.empty())
    throw Error(ErrorCode::decode_error, "JPEG (strict): " + img.warnings.front());
  if (orientation != 0) {
    img.exif_orientation = orientation;
    apply_orientation(img, orientation);
  }
}

}  // namespace pdqguard::detail
