// Recognising video containers by magic bytes, vPDQ's sampling rule, and the
// merge rule of a multi-frame input's matches: nothing here needs libav.
#include <pdqguard/image.hpp>
#include <pdqguard/video.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <string_view>
#include <tuple>

namespace pdqguard {

namespace {

bool at(std::span<const std::uint8_t> h, std::size_t off, std::string_view magic) {
  return h.size() >= off + magic.size() && std::memcmp(h.data() + off, magic.data(), magic.size()) == 0;
}

std::uint32_t be32(std::span<const std::uint8_t> h, std::size_t off) {
  return std::uint32_t{h[off]} << 24 | std::uint32_t{h[off + 1]} << 16 |
         std::uint32_t{h[off + 2]} << 8 | h[off + 3];
}

// QuickTime files made before ftyp existed start with one of these atoms.
bool quicktime_atom(std::span<const std::uint8_t> h) {
  if (h.size() < 8) return false;
  const std::uint32_t size = be32(h, 0);
  if (size != 1 && size < 8) return false;  // 1: a 64-bit size follows
  for (const char* tag : {"moov", "mdat", "wide", "free", "skip", "pnot"})
    if (at(h, 4, tag)) return true;
  return false;
}

}  // namespace

const char* sniff_video_container(std::span<const std::uint8_t> h) noexcept {
  if (h.size() > kVideoSniffBytes) h = h.first(kVideoSniffBytes);
  if (sniff_format(h) != ImageFormat::unknown) return nullptr;  // images stay images
  if (at(h, 4, "ftyp")) return at(h, 8, "qt  ") ? "mov" : "mp4";
  if (quicktime_atom(h)) return "mov";
  if (at(h, 0, "\x1A\x45\xDF\xA3")) {
    // EBML: the DocType element (0x42 0x82, a size, the name) says webm or matroska.
    const std::string_view s(reinterpret_cast<const char*>(h.data()), h.size());
    return s.find("webm") != std::string_view::npos ? "webm" : "matroska";
  }
  if (at(h, 0, "RIFF") && (at(h, 8, "AVI ") || at(h, 8, "AVIX"))) return "avi";
  if (at(h, 0, "FLV\x01")) return "flv";
  if (h.size() > 376 && h[0] == 0x47 && h[188] == 0x47 && h[376] == 0x47) return "mpegts";
  if (at(h, 0, std::string_view("\0\0\1\xBA", 4)) || at(h, 0, std::string_view("\0\0\1\xB3", 4)))
    return "mpeg";
  if (at(h, 0, "\x30\x26\xB2\x75\x8E\x66\xCF\x11")) return "asf";
  if (at(h, 0, "OggS")) return "ogg";
  return nullptr;
}

int vpdq_frame_mod(double seconds_per_hash, double fps) noexcept {
  if (!std::isfinite(seconds_per_hash) || !std::isfinite(fps) || seconds_per_hash < 0 || fps < 0)
    return 1;
  const double mod = seconds_per_hash * fps;
  const int m = mod >= static_cast<double>(INT_MAX) ? INT_MAX : static_cast<int>(mod);
  return m < 1 ? 1 : m;
}

double vpdq_timestamp(std::int64_t frame_number, double fps) noexcept {
  if (!(fps > 0)) return 0;
  return static_cast<double>(static_cast<float>(frame_number) / static_cast<float>(fps));
}

void keep_nearest_frame_matches(std::vector<FrameMatch>& m) {
  // Nearest first within each (list, id): distance, then frame.
  std::stable_sort(m.begin(), m.end(), [](const FrameMatch& a, const FrameMatch& b) {
    return std::tie(a.match.list, a.match.id, a.match.distance, a.frame) <
           std::tie(b.match.list, b.match.id, b.match.distance, b.frame);
  });
  m.erase(std::unique(m.begin(), m.end(),
                      [](const FrameMatch& a, const FrameMatch& b) {
                        return a.match.list == b.match.list && a.match.id == b.match.id;
                      }),
          m.end());
  std::stable_sort(m.begin(), m.end(), [](const FrameMatch& a, const FrameMatch& b) {
    if (match_order_less(a.match, b.match)) return true;
    if (match_order_less(b.match, a.match)) return false;
    return a.frame < b.frame;
  });
}

}  // namespace pdqguard
