// Video hashing on the small committed clip (tests/data/video): needs no shared data.
// audio-first-mpeg4.mp4 is 128x96, 10 fps, 30 frames of MPEG-4 part 2 with B-frames
// (decoder delay) behind an AAC stream (so the video is stream 1), made with
//   ffmpeg -f lavfi -i testsrc2=size=128x96:rate=10 -f lavfi -i sine=frequency=440:sample_rate=8000
//     -t 3 -map 1:a -map 0:v -c:v mpeg4 -bf 2 -q:v 6 -c:a aac -b:a 12k -ac 1 ...
// Its expected hashes (audio-first-mpeg4.r0.txt) were made by another path: the ffmpeg
// program converting with the same swscale settings, piped into the raw-frame hasher
//   ffmpeg -i clip -map 0:v -f rawvideo -pix_fmt rgb24 -sws_flags area - |
//     pdqguard hash --raw rgb24 --size 128x96 -
// with vPDQ's frame numbers and timestamps added (scripts in the commit message).
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/video.hpp>

#include "video/video_util.hpp"

#include <climits>
#include <cmath>
#include <cstring>

using namespace pdqguard;
using pdqguard::test::code_of;
using pdqguard::test::read_bytes;
using pdqguard::test::read_text;
using pdqguard::test::to_vpdq_text;
using pdqguard::test::video_data_dir;

namespace {

std::string clip_path() { return video_data_dir() + "/audio-first-mpeg4.mp4"; }

// A tiny PCM WAV file: audio only.
std::vector<std::uint8_t> make_wav() {
  const std::uint32_t samples = 800, rate = 8000;
  std::vector<std::uint8_t> w;
  w.reserve(44 + samples * 2);  // (also keeps GCC 12 from a false -Wstringop-overflow)
  auto put = [&](const char* s) { w.insert(w.end(), s, s + 4); };
  auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) w.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto u16 = [&](std::uint16_t v) {
    w.push_back(static_cast<std::uint8_t>(v));
    w.push_back(static_cast<std::uint8_t>(v >> 8));
  };
  put("RIFF");
  u32(36 + samples * 2);
  put("WAVE");
  put("fmt ");
  u32(16);
  u16(1);
  u16(1);
  u32(rate);
  u32(rate * 2);
  u16(2);
  u16(16);
  put("data");
  u32(samples * 2);
  for (std::uint32_t i = 0; i < samples; ++i) u16(static_cast<std::uint16_t>((i * 37) & 0x3fff));
  return w;
}

}  // namespace

TEST_CASE("video: every frame of the committed clip matches the ffmpeg-program path") {
  VideoHasher vh;
  VideoOptions o;
  o.seconds_per_hash = 0;
  const VideoHashes got = vh.hash_file(clip_path(), o);
  const std::string expected = read_text(video_data_dir() + "/audio-first-mpeg4.r0.txt");
  const std::string text = to_vpdq_text(got.frames);
  CHECK_MESSAGE(text == expected, pdqguard::test::first_difference(text, expected));
  // The video is stream 1 and the decoder delays B-frames: all 30 are drained.
  CHECK(got.info.stream_index == 1);
  CHECK(got.info.frames_decoded == 30);
  CHECK(got.info.frames_hashed == 30);
  CHECK(got.info.width == 128);
  CHECK(got.info.height == 96);
  CHECK(got.info.fps == 10.0);
  CHECK(got.info.codec == "mpeg4");
  CHECK(got.info.frame_mod == 1);
}

TEST_CASE("video: sampling follows vPDQ's frameMod rule") {
  VideoHasher vh;
  VideoOptions all;
  all.seconds_per_hash = 0;
  const auto every = vh.hash_file(clip_path(), all).frames;
  REQUIRE(every.size() == 30);

  for (const double s : {1.0, 0.25, 0.5, 2.9, 100.0}) {
    VideoOptions o;
    o.seconds_per_hash = s;
    const auto got = vh.hash_file(clip_path(), o);
    int mod = static_cast<int>(s * 10.0);
    if (mod == 0) mod = 1;
    CHECK(got.info.frame_mod == mod);
    std::vector<VideoFrameHash> want;
    for (const auto& f : every)
      if (f.frame_number % mod == 0) want.push_back(f);
    CHECK_MESSAGE(to_vpdq_text(got.frames) == to_vpdq_text(want), "seconds_per_hash ", s);
  }
  VideoOptions one;
  const auto r1 = vh.hash_file(clip_path(), one).frames;
  REQUIRE(r1.size() == 3);
  CHECK(format_vpdq_line(r1[1]).substr(0, 3) == "10,");
  CHECK(format_vpdq_line(r1[2]).size() > 6);
  CHECK(format_vpdq_line(r1[2]).substr(format_vpdq_line(r1[2]).size() - 6) == ",2.000");
}

TEST_CASE("video: memory input gives what file input gives; the callback sees every frame") {
  const auto bytes = read_bytes(clip_path());
  VideoHasher vh;
  VideoOptions o;
  o.seconds_per_hash = 0;
  const auto from_file = vh.hash_file(clip_path(), o);
  const auto from_memory = vh.hash_memory(bytes.data(), bytes.size(), o);
  CHECK(to_vpdq_text(from_memory.frames) == to_vpdq_text(from_file.frames));
  CHECK(from_memory.info.frames_decoded == 30);

  std::vector<VideoFrameHash> seen;
  const VideoInfo info = vh.hash_memory(bytes.data(), bytes.size(), o,
                                        [&](const VideoFrameHash& f) { seen.push_back(f); });
  CHECK(info.frames_hashed == 30);
  CHECK(to_vpdq_text(seen) == to_vpdq_text(from_file.frames));

  // Downsampling: the same bytes through a second, fresh hasher agree.
  VideoOptions s;
  s.seconds_per_hash = 0;
  s.downsample = 32;
  VideoHasher other;
  CHECK(to_vpdq_text(other.hash_memory(bytes.data(), bytes.size(), s).frames) ==
        to_vpdq_text(vh.hash_file(clip_path(), s).frames));
  CHECK(to_vpdq_text(vh.hash_file(clip_path(), s).frames) != to_vpdq_text(from_file.frames));
}

TEST_CASE("video: cut-short, damaged and foreign input get one clean error each") {
  const auto bytes = read_bytes(clip_path());
  VideoHasher vh;
  std::string msg;
  // The clip's index (moov) is at its end: any prefix is a truncated file.
  for (const double frac : {0.9, 0.5, 0.1}) {
    const std::size_t n = static_cast<std::size_t>(static_cast<double>(bytes.size()) * frac);
    CHECK_MESSAGE(code_of([&] { vh.hash_memory(bytes.data(), n); }, &msg) ==
                      ErrorCode::truncated_input,
                  frac, ": ", msg);
  }
  // Every other prefix and a few damaged copies: an Error or a result, never a crash.
  for (std::size_t n = 0; n < bytes.size(); n += 997) {
    const ErrorCode c = code_of([&] { vh.hash_memory(bytes.data(), n); });
    CHECK(c != ErrorCode::internal_error);
    CHECK(c != ErrorCode::ok);
  }
  for (std::size_t at = 100; at < bytes.size(); at += 4099) {
    auto bad = bytes;
    for (std::size_t k = at; k < std::min(bad.size(), at + 64); ++k) bad[k] ^= 0x5a;
    const ErrorCode c = code_of([&] { vh.hash_memory(bad.data(), bad.size()); });
    CHECK(c != ErrorCode::internal_error);
  }
  const std::string text = "hello, this is not a video at all\n";
  CHECK(code_of([&] { vh.hash_memory(text.data(), text.size()); }) ==
        ErrorCode::unsupported_format);
  CHECK(code_of([&] { vh.hash_memory(nullptr, 0); }) == ErrorCode::truncated_input);
  // A cut-short JPEG XL container (kept in tests/fuzz/regressions/video): Debian's libjxl
  // wrapper loops forever on it (found by fuzz_video), so its decoder is never opened.
  const std::vector<std::uint8_t> jxl{0x00, 0x00, 0x00, 0x0c, 'J',  'X',  'L',
                                      ' ',  0x0d, 0x0a, 0x87, 0x0a, 0x81, 0x09};
  CHECK(code_of([&] { vh.hash_memory(jxl.data(), jxl.size()); }, &msg) ==
        ErrorCode::unsupported_format);
  CHECK_MESSAGE(msg.find("libjxl") != std::string::npos, msg);
  const auto wav = make_wav();
  CHECK(code_of([&] { vh.hash_memory(wav.data(), wav.size()); }, &msg) ==
        ErrorCode::no_video_stream);
  CHECK(msg.find("audio only") != std::string::npos);
  CHECK(code_of([&] { vh.hash_file(video_data_dir() + "/no-such-file.mp4"); }) ==
        ErrorCode::io_error);
  // The hasher still works after all those failures.
  CHECK(vh.hash_memory(bytes.data(), bytes.size()).frames.size() == 3);
}

TEST_CASE("video: limits are checked from the header, before decoding") {
  VideoHasher vh;
  std::string msg;
  VideoOptions o;
  o.max_pixels = 128 * 96 - 1;
  CHECK(code_of([&] { vh.hash_file(clip_path(), o); }, &msg) == ErrorCode::image_too_large);
  CHECK_MESSAGE(msg.find("128x96") != std::string::npos, msg);  // libav's words name the size
  o = {};
  o.downsample = 200;
  o.max_pixels = 128 * 96;
  CHECK(code_of([&] { vh.hash_file(clip_path(), o); }) == ErrorCode::image_too_large);
  o = {};
  o.max_bytes = 1000;
  CHECK(code_of([&] { vh.hash_file(clip_path(), o); }) == ErrorCode::file_too_large);
  const auto bytes = read_bytes(clip_path());
  CHECK(code_of([&] { vh.hash_memory(bytes.data(), bytes.size(), o); }) ==
        ErrorCode::file_too_large);
  o = {};
  o.max_frames = 29;
  CHECK(code_of([&] { vh.hash_file(clip_path(), o); }) == ErrorCode::video_too_long);
  o = {};
  o.max_duration_seconds = 2.5;
  CHECK(code_of([&] { vh.hash_file(clip_path(), o); }) == ErrorCode::video_too_long);
  o = {};
  o.max_frames = 30;
  o.max_duration_seconds = 3.0;
  CHECK(vh.hash_file(clip_path(), o).info.frames_decoded == 30);
}

TEST_CASE("video: bad options are invalid_argument") {
  VideoHasher vh;
  for (int k = 0; k < 5; ++k) {
    VideoOptions o;
    if (k == 0) o.seconds_per_hash = -1;
    if (k == 1) o.seconds_per_hash = std::nan("");
    if (k == 2) o.downsample = -3;
    if (k == 3) o.decoder_threads = -1;
    if (k == 4) o.max_frames = 0;
    CHECK(code_of([&] { vh.hash_file(clip_path(), o); }) == ErrorCode::invalid_argument);
  }
}

TEST_CASE("video: decoder threads do not change the output") {
  VideoHasher vh;
  VideoOptions o;
  o.seconds_per_hash = 0;
  const auto one = vh.hash_file(clip_path(), o);
  o.decoder_threads = 2;
  CHECK(to_vpdq_text(vh.hash_file(clip_path(), o).frames) == to_vpdq_text(one.frames));
}

TEST_CASE("video triage: luma mode hashes the Y plane, close to the compatible hashes") {
  VideoHasher vh;
  VideoOptions o;
  o.seconds_per_hash = 0;
  const auto compat = vh.hash_file(clip_path(), o);
  o.mode = VideoMode::luma;
  const auto luma = vh.hash_file(clip_path(), o);
  REQUIRE(luma.frames.size() == compat.frames.size());
  int max_d = 0, differ = 0;
  for (std::size_t i = 0; i < luma.frames.size(); ++i) {
    CHECK(luma.frames[i].frame_number == compat.frames[i].frame_number);
    const int d = distance(luma.frames[i].hash, compat.frames[i].hash);
    max_d = std::max(max_d, d);
    differ += d > 0 ? 1 : 0;
  }
  MESSAGE("luma vs compatible on the clip: max distance ", max_d, ", ", differ, " of 30 differ");
  CHECK(max_d <= 16);
  // Downsampling in luma mode goes through swscale to gray8: still close.
  o.downsample = 64;
  const auto small = vh.hash_file(clip_path(), o);
  REQUIRE(small.frames.size() == 30);
  CHECK(distance(small.frames[0].hash, compat.frames[0].hash) <= 32);
}

TEST_CASE("video triage: key frames only decodes the key frames") {
  VideoHasher vh;
  VideoOptions o;
  o.seconds_per_hash = 0;
  o.key_frames_only = true;
  o.mode = VideoMode::luma;
  const auto keys = vh.hash_file(clip_path(), o);
  // The clip has 3 key frames (ffprobe: frames 0, 12, 24; mpeg4's default GOP).
  CHECK(keys.info.frames_decoded == 3);
  REQUIRE(keys.frames.size() == 3);
  o.key_frames_only = false;
  const auto all = vh.hash_file(clip_path(), o);
  // Each key frame is numbered by its position and hashes as that frame does
  // when every frame is decoded (same pixels: intra-coded).
  for (const auto& k : keys.frames) {
    REQUIRE(k.frame_number < 30);
    CHECK(k.frame_number % 12 == 0);
    CHECK(k.hash == all.frames[static_cast<std::size_t>(k.frame_number)].hash);
    CHECK(format_vpdq_line(k) == format_vpdq_line(all.frames[static_cast<std::size_t>(k.frame_number)]));
  }
  // seconds_per_hash does not thin key frames out.
  o.key_frames_only = true;
  o.seconds_per_hash = 5;
  CHECK(vh.hash_file(clip_path(), o).frames.size() == 3);
}

// ---- recognising videos, vPDQ's sampling rule, samples, multi-frame matches ----

namespace {
std::vector<std::uint8_t> bytes_of(const std::string& s) {
  std::vector<std::uint8_t> v(s.size());
  if (!s.empty()) std::memcpy(v.data(), s.data(), s.size());
  return v;
}
const char* sniff(const std::vector<std::uint8_t>& v) { return sniff_video_container(v); }
std::string name_or_null(const char* s) { return s != nullptr ? s : "null"; }
}  // namespace

TEST_CASE("video sniff: containers by magic bytes; images are never videos") {
  using namespace std::string_literals;
  CHECK(name_or_null(sniff(read_bytes(clip_path()))) == "mp4");
  CHECK(name_or_null(sniff(bytes_of("\0\0\0\x18" "ftypisom\0\0\2\0isomiso2"s))) == "mp4");
  CHECK(name_or_null(sniff(bytes_of("\0\0\0\x14" "ftypqt  \0\0\0\0qt  "s))) == "mov");
  CHECK(name_or_null(sniff(bytes_of("\0\0\0\x08" "wide\0\0\x10\0mdat"s))) == "mov");
  CHECK(name_or_null(sniff(bytes_of("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm"s))) == "webm");
  CHECK(name_or_null(sniff(bytes_of("\x1A\x45\xDF\xA3\xA3\x42\x86\x81\x01\x42\x82\x88matroska"s))) ==
        "matroska");
  CHECK(name_or_null(sniff(bytes_of("RIFF\0\0\0\0AVI LIST"s))) == "avi");
  CHECK(name_or_null(sniff(bytes_of("FLV\x01\x05"s))) == "flv");
  CHECK(name_or_null(sniff(bytes_of("\0\0\1\xBA\x44"s))) == "mpeg");
  CHECK(name_or_null(sniff(bytes_of("\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9"s))) == "asf");
  CHECK(name_or_null(sniff(bytes_of("OggS\0\2"s))) == "ogg");
  std::vector<std::uint8_t> ts(564, 0xFF);
  ts[0] = ts[188] = ts[376] = 0x47;
  CHECK(name_or_null(sniff(ts)) == "mpegts");
  ts[376] = 0;
  CHECK(sniff(ts) == nullptr);
  // Images (HEIF/AVIF ftyp brands, GIF, WebP, JPEG, PNG) and other files are not videos.
  CHECK(sniff(bytes_of("\0\0\0\x18" "ftypheic\0\0\0\0mif1heic"s)) == nullptr);
  CHECK(sniff(bytes_of("\0\0\0\x1C" "ftypavif\0\0\0\0avifmif1miaf"s)) == nullptr);
  CHECK(sniff(bytes_of("\0\0\0\x18" "ftypmsf1\0\0\0\0msf1hevc"s)) == nullptr);
  CHECK(sniff(bytes_of("GIF89a\x10\0\x10\0"s)) == nullptr);
  CHECK(sniff(bytes_of("RIFF\0\0\0\0WEBPVP8 "s)) == nullptr);
  CHECK(sniff(bytes_of("RIFF\0\0\0\0WAVEfmt "s)) == nullptr);
  CHECK(sniff(bytes_of("\xFF\xD8\xFF\xE0"s)) == nullptr);
  CHECK(sniff(bytes_of("hello, not a video\n"s)) == nullptr);
  CHECK(sniff({}) == nullptr);
  CHECK(sniff(bytes_of("\0\0\0\x02moov"s)) == nullptr);  // an atom size below 8
}

TEST_CASE("vpdq_frame_mod / vpdq_timestamp: vPDQ's rule, at least 1") {
  CHECK(vpdq_frame_mod(1.0, 30.0) == 30);
  CHECK(vpdq_frame_mod(1.0, 29.97) == 29);  // (int) truncates
  CHECK(vpdq_frame_mod(0.0, 30.0) == 1);
  CHECK(vpdq_frame_mod(0.01, 30.0) == 1);
  CHECK(vpdq_frame_mod(2.5, 10.0) == 25);
  CHECK(vpdq_frame_mod(1e300, 30.0) == INT_MAX);
  CHECK(vpdq_frame_mod(-1.0, 30.0) == 1);
  CHECK(vpdq_frame_mod(NAN, 30.0) == 1);
  CHECK(vpdq_timestamp(10, 10.0) == 1.0);
  CHECK(vpdq_timestamp(1, 30.0) == static_cast<double>(1.0f / 30.0f));
  CHECK(vpdq_timestamp(5, 0.0) == 0.0);
}

TEST_CASE("StreamSampler: the counter rule and the time rule") {
  StreamSampler every3(0.0, 3);
  std::vector<int> taken;
  for (int n = 0; n < 10; ++n) {
    const bool t = every3.would_sample(n * 0.04);
    every3.advance(n * 0.04, t);
    if (t) taken.push_back(n);
  }
  CHECK(taken == std::vector<int>{0, 3, 6, 9});
  CHECK(every3.frames_seen() == 10);

  StreamSampler per_second(1.0, 0);
  taken.clear();
  const double ts[] = {0.0, 0.4, 0.99, 1.0, 1.5, 2.7, 2.8, 3.0};
  for (int i = 0; i < 8; ++i) {
    const bool t = per_second.would_sample(ts[i]);
    per_second.advance(ts[i], t);
    if (t) taken.push_back(i);
  }
  CHECK(taken == std::vector<int>{0, 3, 5, 7});
  CHECK_FALSE(per_second.would_sample(2.9));  // before the last frame
  CHECK_FALSE(per_second.would_sample(NAN));
  CHECK(code_of([] { StreamSampler(-1.0, 0); }) == ErrorCode::invalid_argument);
  CHECK(code_of([] { StreamSampler(1.0, -2); }) == ErrorCode::invalid_argument);
}

TEST_CASE("VideoHasher::sample_file: full results, dihedral variants when asked") {
  VideoHasher vh;
  VideoOptions o;
  const VideoHashes plain = vh.hash_file(clip_path(), o);
  o.dihedral = true;
  std::vector<VideoSample> got;
  const VideoInfo info = vh.sample_file(clip_path(), o, [&](const VideoSample& s) { got.push_back(s); });
  REQUIRE(got.size() == plain.frames.size());
  CHECK(info.frames_hashed == static_cast<std::int64_t>(got.size()));
  Hasher h;
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].frame.hash == plain.frames[i].hash);  // vPDQ output unchanged
    CHECK(got[i].frame.frame_number == plain.frames[i].frame_number);
    CHECK(got[i].result.hashes[0] == plain.frames[i].hash);
    CHECK(got[i].result.has_dihedral);
    CHECK_FALSE(got[i].result.hashes[1] == got[i].result.hashes[0]);
  }
  o.dihedral = false;
  vh.sample_file(clip_path(), o, [&](const VideoSample& s) { CHECK_FALSE(s.result.has_dihedral); });
}

TEST_CASE("keep_nearest_frame_matches: one per (list, id), nearest then earliest frame") {
  auto fm = [](const char* list, const char* id, int d, std::int64_t frame) {
    FrameMatch m;
    m.match.list = list;
    m.match.id = id;
    m.match.distance = d;
    m.frame = frame;
    m.timestamp = static_cast<double>(frame) / 10;
    return m;
  };
  std::vector<FrameMatch> v = {fm("b", "1", 5, 0),  fm("a", "2", 9, 0),  fm("b", "1", 3, 10),
                               fm("b", "1", 3, 20), fm("a", "2", 9, 30), fm("a", "1", 4, 30)};
  keep_nearest_frame_matches(v);
  REQUIRE(v.size() == 3);
  CHECK((v[0].match.id == "1" && v[0].match.list == "b" && v[0].frame == 10));  // distance 3, earliest
  CHECK((v[1].match.list == "a" && v[1].match.id == "1" && v[1].frame == 30));   // distance 4
  CHECK((v[2].match.list == "a" && v[2].match.id == "2" && v[2].frame == 0));    // 9: earliest of two
}
