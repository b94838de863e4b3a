// Internal: libav* includes, RAII owners and the byte source behind an AVIOContext.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

// Every libav* function pdqguard calls, with the library that defines it. They
// are called through lav:: (below), never directly: FFmpeg's libraries are
// loaded on first use (lib/dl), not linked, so a process that meets no video
// does not pay for loading them and the ~100 codec libraries they bring.
#define PDQGUARD_LIBAV_FUNCTIONS(X)                                                              \
  X(avutil, av_dict_free) X(avutil, av_dict_set) X(avutil, av_frame_alloc) X(avutil, av_frame_free) \
  X(avutil, av_frame_get_buffer) X(avutil, av_frame_unref) X(avutil, av_free) X(avutil, av_freep)  \
  X(avutil, av_get_pix_fmt_name) X(avutil, av_log_set_callback) X(avutil, av_malloc)              \
  X(avutil, av_pix_fmt_desc_get) X(avutil, av_strdup) X(avutil, av_strerror)                      \
  X(avcodec, av_codec_is_decoder) X(avcodec, av_codec_iterate) X(avcodec, av_packet_alloc)        \
  X(avcodec, av_packet_free) X(avcodec, av_packet_unref) X(avcodec, avcodec_alloc_context3)       \
  X(avcodec, avcodec_find_decoder) X(avcodec, avcodec_free_context) X(avcodec, avcodec_get_name)  \
  X(avcodec, avcodec_open2) X(avcodec, avcodec_parameters_to_context)                              \
  X(avcodec, avcodec_receive_frame) X(avcodec, avcodec_send_packet)                                \
  X(avformat, av_probe_input_buffer2) X(avformat, av_read_frame) X(avformat, avformat_alloc_context) \
  X(avformat, avformat_close_input) X(avformat, avformat_find_stream_info)                         \
  X(avformat, avformat_free_context) X(avformat, avformat_open_input) X(avformat, avio_alloc_context) \
  X(avformat, avio_context_free)                                                                   \
  X(swscale, sws_freeContext) X(swscale, sws_getCachedContext) X(swscale, sws_scale)

namespace pdqguard::video::lav {

/// Pointers to the functions above, resolved together.
struct Api {
#define PDQGUARD_LIBAV_MEMBER(lib, fn) decltype(&::fn) fn = nullptr;
  PDQGUARD_LIBAV_FUNCTIONS(PDQGUARD_LIBAV_MEMBER)
#undef PDQGUARD_LIBAV_MEMBER
};

/// The table, loading libavutil, libavcodec, libavformat and libswscale (the
/// major versions pdqguard was built with) on the first call. Throws
/// Error(unsupported_format) naming the library when one cannot be loaded (a
/// later call tries again). Thread-safe.
const Api& api();

// lav::fn(args...) calls libav's fn.
#define PDQGUARD_LIBAV_CALL(lib, fn)                  \
  template <class... A>                               \
  inline decltype(auto) fn(A&&... a) {                \
    return api().fn(std::forward<A>(a)...);          \
  }
PDQGUARD_LIBAV_FUNCTIONS(PDQGUARD_LIBAV_CALL)
#undef PDQGUARD_LIBAV_CALL

}  // namespace pdqguard::video::lav

namespace pdqguard {
namespace lav = video::lav;  // for the video code outside pdqguard::video
}  // namespace pdqguard

namespace pdqguard::video {

/// Routes libav's log away from stderr (once per process) and keeps the last
/// error-level message of each thread for describe().
void install_log_callback();
/// Forgets this thread's last libav message (call before an operation).
void clear_last_log() noexcept;
/// This thread's last error-level libav message ("" if none).
std::string last_log();
/// lav::av_strerror(averr) plus libav's last logged message on this thread, if any.
std::string describe(int averr);

/// False for the decoders pdqguard never opens whatever a container declares:
/// `libjxl` (Debian 12's FFmpeg 5.1 wrapper loops forever on a cut-short JPEG XL
/// codestream; found by fuzz_video) and `librsvg` (renders SVG documents, not video).
bool decoder_allowed(const AVCodec* codec) noexcept;
/// Every decoder libavcodec has except those decoder_allowed() refuses, comma-separated,
/// for AVFormatContext::codec_whitelist (so stream-info probing never opens them
/// either). Built once; the pointer stays valid for the process's lifetime.
const char* allowed_decoder_list();

/// The bytes of one video (a file or a borrowed memory buffer) behind a seekable
/// AVIOContext. Remembers whether a read or seek reached the end of the data:
/// a demuxer that fails after reaching it ran out of data (a cut-short file),
/// one that fails before it found damage.
class Input {
 public:
  Input() = default;
  ~Input();
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  /// Opens `path` (io_error) and checks its size against max_bytes (file_too_large).
  void open_file(const std::string& path, std::uint64_t max_bytes);
  /// Borrows `size` bytes at `data` for the Input's lifetime.
  void open_memory(const void* data, std::size_t size, std::uint64_t max_bytes);

  AVIOContext* avio() const noexcept { return avio_; }
  bool hit_end() const noexcept { return hit_end_; }
  bool io_failed() const noexcept { return io_failed_; }
  std::uint64_t size() const noexcept { return size_; }

  int read(std::uint8_t* buf, int size);
  std::int64_t seek(std::int64_t offset, int whence);

 private:
  void check_size(std::uint64_t max_bytes) const;
  void make_avio();

  std::FILE* file_ = nullptr;
  const std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t pos_ = 0;
  bool hit_end_ = false;
  bool io_failed_ = false;
  AVIOContext* avio_ = nullptr;
};

struct FormatCloser {
  void operator()(AVFormatContext* c) const noexcept { lav::avformat_close_input(&c); }
};
struct CodecFreer {
  void operator()(AVCodecContext* c) const noexcept { lav::avcodec_free_context(&c); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const noexcept { lav::av_frame_free(&f); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const noexcept { lav::av_packet_free(&p); }
};
struct SwsFreer {
  void operator()(SwsContext* s) const noexcept { lav::sws_freeContext(s); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFreer>;

}  // namespace pdqguard::video
