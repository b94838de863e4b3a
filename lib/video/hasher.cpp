// VideoHasher: demux, decode, sample (vPDQ's rule) and hash.
#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/video.hpp>

#include "video/libav.hpp"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <climits>
#include <cmath>
#include <string>

namespace pdqguard {

namespace {

using video::describe;

[[noreturn]] void fail(ErrorCode code, const std::string& what) { throw Error(code, what); }

void validate(const VideoOptions& o) {
  if (!(o.seconds_per_hash >= 0) || !std::isfinite(o.seconds_per_hash))
    fail(ErrorCode::invalid_argument, "seconds_per_hash must be a finite number >= 0");
  if (o.downsample < 0 || o.downsample > VideoOptions::kMaxDownsample)
    fail(ErrorCode::invalid_argument,
         "downsample must be 0 (stream size) or 1.." + std::to_string(VideoOptions::kMaxDownsample));
  if (o.decoder_threads < 0 || o.decoder_threads > 64)
    fail(ErrorCode::invalid_argument, "decoder_threads must be 0 (libav's choice) or 1..64");
  if (o.mode != VideoMode::compatible && o.mode != VideoMode::luma)
    fail(ErrorCode::invalid_argument, "unknown video mode");
  if (!(o.max_duration_seconds > 0) || o.max_frames <= 0 || o.max_pixels == 0)
    fail(ErrorCode::invalid_argument, "video limits must be positive");
}

// A failure while opening or reading the container: a cut-short input, an I/O
// failure, or damage.
[[noreturn]] void fail_container(const video::Input& in, const char* what, int averr) {
  if (in.io_failed()) fail(ErrorCode::io_error, std::string(what) + ": read error");
  if (in.hit_end())
    fail(ErrorCode::truncated_input,
         std::string(what) + ": the data ends before the container does (truncated file?): " +
             describe(averr));
  fail(ErrorCode::decode_error, std::string(what) + ": damaged container: " + describe(averr));
}

std::string pixels_text(std::uint64_t w, std::uint64_t h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

// Whether `f`'s first plane is an 8-bit luma plane (YUV or grey), hashable as gray8.
bool has_y_plane(int format) {
  const AVPixFmtDescriptor* d = lav::av_pix_fmt_desc_get(static_cast<AVPixelFormat>(format));
  if (d == nullptr) return false;
  if (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM |
                  AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BE))
    return false;
  if (d->nb_components < 1) return false;
  const AVComponentDescriptor& y = d->comp[0];
  return y.plane == 0 && y.depth == 8 && y.step == 1 && y.shift == 0 && y.offset == 0 &&
         (d->flags & AV_PIX_FMT_FLAG_PLANAR || d->nb_components == 1);
}

}  // namespace

struct VideoHasher::Impl {
  Hasher hasher;
  video::FramePtr decoded{lav::av_frame_alloc()};
  video::FramePtr converted{lav::av_frame_alloc()};
  video::PacketPtr packet{lav::av_packet_alloc()};
  SwsContext* sws = nullptr;  // sws_getCachedContext reuses it while the geometry holds

  Impl() {
    if (!decoded || !converted || !packet) throw std::bad_alloc();
  }
  ~Impl() { lav::sws_freeContext(sws); }

  // Hidden: a member of a nested class of an exported class, defined out of line.
  __attribute__((visibility("hidden"))) VideoInfo run(video::Input& in, const std::string& name,
                                                      const VideoOptions& o,
                                                      const VideoSampleCallback& on_sample);

 private:
  // Makes `converted` a w x h frame of `fmt`; allocates only when that changes.
  void ensure_converted(int w, int h, AVPixelFormat fmt) {
    if (converted->data[0] != nullptr && converted->width == w && converted->height == h &&
        converted->format == fmt)
      return;
    lav::av_frame_unref(converted.get());
    converted->format = fmt;
    converted->width = w;
    converted->height = h;
    // Alignment 1, as vPDQ allocates its RGB frame (a packed line size).
    if (lav::av_frame_get_buffer(converted.get(), 1) < 0) throw std::bad_alloc();
  }

  FrameView convert(const AVFrame& f, int out_w, int out_h, const VideoOptions& o) {
    const bool luma = o.mode == VideoMode::luma;
    if (luma && o.downsample == 0 && has_y_plane(f.format))
      return FrameView::packed(PixelFormat::gray8, f.data[0], f.width, f.height, f.linesize[0]);
    const AVPixelFormat dst = luma ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24;
    sws = lav::sws_getCachedContext(sws, f.width, f.height, static_cast<AVPixelFormat>(f.format),
                               out_w, out_h, dst, SWS_AREA, nullptr, nullptr, nullptr);
    if (sws == nullptr) {
      const char* pf = lav::av_get_pix_fmt_name(static_cast<AVPixelFormat>(f.format));
      fail(ErrorCode::decode_error, std::string("cannot convert decoded pixel format ") +
                                        (pf != nullptr ? pf : "unknown") + " " +
                                        pixels_text(f.width, f.height));
    }
    ensure_converted(out_w, out_h, dst);
    const int rows = lav::sws_scale(sws, f.data, f.linesize, 0, f.height, converted->data,
                               converted->linesize);
    if (rows < 0) fail(ErrorCode::decode_error, "pixel conversion failed: " + describe(rows));
    return FrameView::packed(luma ? PixelFormat::gray8 : PixelFormat::rgb8, converted->data[0],
                             out_w, out_h, converted->linesize[0]);
  }
};

VideoInfo VideoHasher::Impl::run(video::Input& in, const std::string& name,
                                 const VideoOptions& o, const VideoSampleCallback& on_sample) {
  video::install_log_callback();
  video::clear_last_log();

  // ---- container ----------------------------------------------------------
  const AVInputFormat* ifmt = nullptr;
  int r = lav::av_probe_input_buffer2(in.avio(), &ifmt, name.c_str(), nullptr, 0, 0);
  if (r < 0 || ifmt == nullptr) {
    if (in.io_failed()) fail(ErrorCode::io_error, "read error while probing the video");
    fail(ErrorCode::unsupported_format, "not a video or container format libavformat recognises");
  }
  // (An end reached while probing counts too: libav keeps the probed bytes
  // buffered and does not read them again, so a short file is only ever read once.)

  AVFormatContext* raw = lav::avformat_alloc_context();
  if (raw == nullptr) throw std::bad_alloc();
  raw->pb = in.avio();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  // Stream-info probing opens decoders too: only the allowed ones (libav frees it).
  raw->codec_whitelist = lav::av_strdup(video::allowed_decoder_list());
  if (raw->codec_whitelist == nullptr) {
    lav::avformat_free_context(raw);
    throw std::bad_alloc();
  }
  const int probe_score = r;
  r = lav::avformat_open_input(&raw, name.c_str(), ifmt, nullptr);  // frees raw on failure
  if (r < 0 && probe_score <= AVPROBE_SCORE_RETRY)
    // Guessed from the file name or a weak signature only: most likely not a video.
    fail(ErrorCode::unsupported_format,
         std::string("not a video: only the name or a weak signature suggested ") + ifmt->name +
             ", which cannot read it: " + describe(r));
  if (r < 0) fail_container(in, "cannot open the container", r);
  video::FormatPtr fc(raw);

  VideoInfo info;
  info.container = fc->iformat->name;
  const std::string max_pixels_text =
      std::to_string(std::min<std::uint64_t>(o.max_pixels, INT_MAX));
  const auto check_size = [&](std::uint64_t w, std::uint64_t h) {
    if (w * h > o.max_pixels)
      fail(ErrorCode::image_too_large, "video frames of " + pixels_text(w, h) + " = " +
                                           std::to_string(w * h) + " pixels are above the limit of " +
                                           std::to_string(o.max_pixels));
  };
  // Sizes the header already gives are checked before anything is decoded.
  for (unsigned i = 0; i < fc->nb_streams; ++i) {
    const AVCodecParameters* p = fc->streams[i]->codecpar;
    if (p->codec_type == AVMEDIA_TYPE_VIDEO && p->width > 0 && p->height > 0)
      check_size(static_cast<std::uint64_t>(p->width), static_cast<std::uint64_t>(p->height));
  }
  {
    // Stream-info probing decodes a few frames: the pixel limit applies there too.
    std::vector<AVDictionary*> stream_opts(fc->nb_streams, nullptr);
    for (auto& d : stream_opts) lav::av_dict_set(&d, "max_pixels", max_pixels_text.c_str(), 0);
    r = lav::avformat_find_stream_info(fc.get(), stream_opts.empty() ? nullptr : stream_opts.data());
    for (auto& d : stream_opts) lav::av_dict_free(&d);
    if (r < 0) fail_container(in, "cannot read the stream information", r);
  }
  // A decoder that refused a frame for the pixel limit while probing leaves the
  // stream without a size: report the limit, not a missing size.
  const std::string probe_log = video::last_log();
  const bool refused_for_size = probe_log.find("max pixel count") != std::string::npos;

  // ---- the first video stream -------------------------------------------------
  int audio_streams = 0;
  AVStream* st = nullptr;
  for (unsigned i = 0; i < fc->nb_streams; ++i) {
    AVStream* s = fc->streams[i];
    if (s->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) ++audio_streams;
    if (st == nullptr && s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
        !(s->disposition & AV_DISPOSITION_ATTACHED_PIC))
      st = s;
  }
  if (st == nullptr) {
    if (audio_streams > 0)
      fail(ErrorCode::no_video_stream, "audio only: " + std::to_string(audio_streams) +
                                           " audio stream(s) and no video stream");
    fail(ErrorCode::no_video_stream,
         "no video stream among " + std::to_string(fc->nb_streams) + " stream(s)");
  }
  info.stream_index = st->index;
  const AVCodecParameters* par = st->codecpar;
  if (const AVCodec* dec = lav::avcodec_find_decoder(par->codec_id);
      dec != nullptr && !video::decoder_allowed(dec))
    fail(ErrorCode::unsupported_format, std::string("video codec ") +
                                            lav::avcodec_get_name(par->codec_id) + ": its decoder " +
                                            dec->name + " is not used (see SECURITY.md)");
  if (par->width <= 0 || par->height <= 0) {
    if (refused_for_size)
      fail(ErrorCode::image_too_large, "video frames above the limit of " +
                                           std::to_string(o.max_pixels) + " pixels (" +
                                           probe_log + ")");
    fail(ErrorCode::decode_error, "the video stream's header gives no frame size");
  }
  info.width = par->width;
  info.height = par->height;
  check_size(static_cast<std::uint64_t>(info.width), static_cast<std::uint64_t>(info.height));
  const int out_w = o.downsample > 0 ? o.downsample : info.width;
  const int out_h = o.downsample > 0 ? o.downsample : info.height;
  check_size(static_cast<std::uint64_t>(out_w), static_cast<std::uint64_t>(out_h));

  AVRational rate = st->avg_frame_rate;
  if (rate.num == 0 || rate.den == 0) rate = st->r_frame_rate;
  info.fps = rate.den != 0 ? static_cast<double>(rate.num) / static_cast<double>(rate.den) : 0.0;
  if (!(info.fps > 0) || !std::isfinite(info.fps))
    fail(ErrorCode::bad_frame_rate, "the video stream's frame rate is zero or unknown (" +
                                        std::to_string(rate.num) + "/" +
                                        std::to_string(rate.den) + ")");
  info.frame_mod = vpdq_frame_mod(o.seconds_per_hash, info.fps);

  if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
    info.duration = static_cast<double>(st->duration) * av_q2d(st->time_base);
  else if (fc->duration != AV_NOPTS_VALUE && fc->duration > 0)
    info.duration = static_cast<double>(fc->duration) / AV_TIME_BASE;
  if (info.duration > o.max_duration_seconds)
    fail(ErrorCode::video_too_long, "video of " + std::to_string(info.duration) +
                                        " s is above the limit of " +
                                        std::to_string(o.max_duration_seconds) + " s");
  if (st->nb_frames > o.max_frames)
    fail(ErrorCode::video_too_long, "video of " + std::to_string(st->nb_frames) +
                                        " frames is above the limit of " +
                                        std::to_string(o.max_frames));

  // ---- decoder --------------------------------------------------------------
  const AVCodec* codec = lav::avcodec_find_decoder(par->codec_id);
  if (codec == nullptr)
    fail(ErrorCode::unsupported_format,
         std::string("no decoder for video codec ") + lav::avcodec_get_name(par->codec_id));
  info.codec = codec->name;
  video::CodecPtr cc(lav::avcodec_alloc_context3(codec));
  if (!cc) throw std::bad_alloc();
  r = lav::avcodec_parameters_to_context(cc.get(), par);
  if (r < 0) fail(ErrorCode::decode_error, "bad codec parameters: " + describe(r));
  cc->thread_count = o.decoder_threads;
  cc->max_pixels = static_cast<std::int64_t>(std::min<std::uint64_t>(o.max_pixels, INT_MAX));
  if (o.key_frames_only) cc->skip_frame = AVDISCARD_NONKEY;
  r = lav::avcodec_open2(cc.get(), codec, nullptr);
  if (r < 0) fail(ErrorCode::decode_error, std::string("cannot open the ") + codec->name +
                                               " decoder: " + describe(r));

  // ---- decode, sample, hash -------------------------------------------------
  VideoSample sample;
  const std::int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  auto key_frame_number = [&](const AVFrame& f, std::int64_t counter) -> std::int64_t {
    if (f.best_effort_timestamp == AV_NOPTS_VALUE) return counter;
    const double secs =
        static_cast<double>(f.best_effort_timestamp - start) * av_q2d(st->time_base);
    const double pos = std::floor(secs * info.fps + 0.5);
    return pos >= 0 && pos < 9.0e15 ? static_cast<std::int64_t>(pos) : counter;
  };
  auto drain = [&]() {
    for (;;) {
      int rr = lav::avcodec_receive_frame(cc.get(), decoded.get());
      if (rr == AVERROR(EAGAIN) || rr == AVERROR_EOF) return;
      if (rr < 0)
        fail(ErrorCode::decode_error, std::string("the ") + codec->name +
                                          " decoder failed at frame " +
                                          std::to_string(info.frames_decoded) + ": " +
                                          describe(rr));
      const std::int64_t n = info.frames_decoded++;
      if (info.frames_decoded > o.max_frames ||
          static_cast<double>(n) / info.fps > o.max_duration_seconds) {
        lav::av_frame_unref(decoded.get());
        fail(ErrorCode::video_too_long, "video longer than the limit of " +
                                            std::to_string(o.max_frames) + " frames or " +
                                            std::to_string(o.max_duration_seconds) + " s");
      }
      // Key frames only: every decoded (key) frame is hashed, numbered by its
      // position in the stream as its timestamp gives it (the counter would only
      // count key frames).
      if (o.key_frames_only || n % info.frame_mod == 0) {
        check_size(static_cast<std::uint64_t>(decoded->width),
                   static_cast<std::uint64_t>(decoded->height));
        const FrameView view = convert(*decoded, out_w, out_h, o);
        sample.result = o.dihedral ? hasher.hash_dihedral(view)
                                   : DihedralResult::from_plain(hasher.hash(view));
        VideoFrameHash& fh = sample.frame;
        fh.frame_number = o.key_frames_only ? key_frame_number(*decoded, n) : n;
        fh.quality = sample.result.quality;
        fh.hash = sample.result.hashes[0];
        fh.timestamp = vpdq_timestamp(fh.frame_number, info.fps);
        ++info.frames_hashed;
        lav::av_frame_unref(decoded.get());
        if (on_sample) on_sample(sample);
      } else {
        lav::av_frame_unref(decoded.get());
      }
    }
  };
  auto send = [&](const AVPacket* p) {
    int rr = lav::avcodec_send_packet(cc.get(), p);
    if (rr == AVERROR(EAGAIN)) {
      drain();
      rr = lav::avcodec_send_packet(cc.get(), p);
    }
    if (rr < 0 && rr != AVERROR_EOF && in.hit_end())
      fail(ErrorCode::truncated_input, std::string("the ") + codec->name +
                                           " decoder rejected a packet at the end of the data "
                                           "(truncated file?) after frame " +
                                           std::to_string(info.frames_decoded) + ": " +
                                           describe(rr));
    if (rr < 0 && rr != AVERROR_EOF)
      fail(ErrorCode::decode_error, std::string("the ") + codec->name +
                                        " decoder rejected a packet after frame " +
                                        std::to_string(info.frames_decoded) + ": " +
                                        describe(rr));
    drain();
  };

  for (;;) {
    r = lav::av_read_frame(fc.get(), packet.get());
    if (r == AVERROR_EOF) break;
    if (r < 0) fail_container(in, "cannot read the next packet", r);
    if ((packet->flags & AV_PKT_FLAG_CORRUPT) && in.hit_end()) {
      lav::av_packet_unref(packet.get());
      fail(ErrorCode::truncated_input,
           "the data ends inside a packet (truncated file?) after " +
               std::to_string(info.frames_decoded) + " decoded frames");
    }
    if (packet->stream_index == st->index) {
      try {
        send(packet.get());
      } catch (...) {
        lav::av_packet_unref(packet.get());
        throw;
      }
    }
    lav::av_packet_unref(packet.get());
  }
  // Drain the decoder's delayed frames (whatever the stream's index).
  send(nullptr);
  if (info.frames_decoded == 0) {
    if (in.hit_end())
      fail(ErrorCode::truncated_input, "no frame could be decoded: the data ends early");
    fail(ErrorCode::decode_error, "the video stream holds no decodable frame");
  }
  return info;
}

VideoHasher::VideoHasher() : impl_(std::make_unique<Impl>()) {}
VideoHasher::~VideoHasher() = default;
VideoHasher::VideoHasher(VideoHasher&&) noexcept = default;
VideoHasher& VideoHasher::operator=(VideoHasher&&) noexcept = default;

namespace {
VideoSampleCallback frames_of(const VideoFrameCallback& on_frame) {
  if (!on_frame) return {};
  return [&on_frame](const VideoSample& s) { on_frame(s.frame); };
}
}  // namespace

VideoInfo VideoHasher::sample_file(const std::string& path, const VideoOptions& opts,
                                   const VideoSampleCallback& on_sample) {
  validate(opts);
  video::Input in;
  in.open_file(path, opts.max_bytes);
  return impl_->run(in, path, opts, on_sample);
}

VideoInfo VideoHasher::sample_memory(const void* data, std::size_t size, const VideoOptions& opts,
                                     const VideoSampleCallback& on_sample, const std::string& name) {
  validate(opts);
  video::Input in;
  in.open_memory(data, size, opts.max_bytes);
  return impl_->run(in, name, opts, on_sample);
}

VideoInfo VideoHasher::hash_file(const std::string& path, const VideoOptions& opts,
                                 const VideoFrameCallback& on_frame) {
  return sample_file(path, opts, frames_of(on_frame));
}

VideoInfo VideoHasher::hash_memory(const void* data, std::size_t size, const VideoOptions& opts,
                                   const VideoFrameCallback& on_frame, const std::string& name) {
  return sample_memory(data, size, opts, frames_of(on_frame), name);
}

VideoHashes VideoHasher::hash_file(const std::string& path, const VideoOptions& opts) {
  VideoHashes out;
  out.info = hash_file(path, opts, [&](const VideoFrameHash& f) { out.frames.push_back(f); });
  return out;
}

VideoHashes VideoHasher::hash_memory(const void* data, std::size_t size,
                                     const VideoOptions& opts, const std::string& name) {
  VideoHashes out;
  out.info =
      hash_memory(data, size, opts, [&](const VideoFrameHash& f) { out.frames.push_back(f); },
                  name);
  return out;
}

}  // namespace pdqguard
