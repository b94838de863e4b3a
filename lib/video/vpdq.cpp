// vPDQ hash files and video-list matching over one Matcher of all listed frames.
#include <pdqguard/error.hpp>
#include <pdqguard/index.hpp>
#include <pdqguard/vpdq.hpp>

#include "text/line_reader.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <unordered_set>

namespace pdqguard {

namespace {

[[noreturn]] void bad_line(const std::string& id, std::size_t line, const std::string& why) {
  throw Error(ErrorCode::list_parse_error, id + ":" + std::to_string(line) + ": " + why);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t c = s.find(',');
    out.push_back(trim(s.substr(0, c)));
    if (c == std::string_view::npos) return out;
    s.remove_prefix(c + 1);
  }
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Fills quality, hash and timestamp of `f` from three fields; "" when fine, else why.
std::string parse_fields(std::string_view quality, std::string_view hash, std::string_view ts,
                         VideoFrameHash& f) {
  if (!parse_number(quality, f.quality) || f.quality < 0 || f.quality > 100)
    return "quality '" + std::string(quality) + "' is not an integer 0..100";
  std::string why;
  if (!Hash256::try_from_hex(hash, f.hash, &why)) return "bad hash: " + why;
  if (!parse_number(ts, f.timestamp) || !std::isfinite(f.timestamp) || f.timestamp < 0)
    return "timestamp '" + std::string(ts) + "' is not a number of seconds >= 0";
  return {};
}

}  // namespace

VpdqVideo parse_vpdq_text(std::string_view text, const std::string& id) {
  VpdqVideo v;
  v.id = id;
  // The one bounded line reader (lib/text): BOM, CRLF, and lines bounded as in hash lists.
  detail::LineReaderOptions lo;
  lo.max_line_bytes = kDefaultMaxLineBytes;
  detail::LineReader reader(text, lo);
  detail::Line l;
  while (reader.next(l)) {
    const std::size_t line_no = static_cast<std::size_t>(l.number);
    if (l.too_long)
      bad_line(id, line_no, "line longer than " + std::to_string(lo.max_line_bytes) + " bytes: not a vPDQ line");
    const std::string_view line = trim(l.text);
    if (line.empty()) continue;
    const auto f = split_commas(line);
    if (f.size() != 4)
      bad_line(id, line_no, std::to_string(f.size()) +
                                " comma-separated fields; a vPDQ line has 4: "
                                "frame_number,quality,hash,timestamp");
    VideoFrameHash fh;
    if (!parse_number(f[0], fh.frame_number) || fh.frame_number < 0)
      bad_line(id, line_no, "frame number '" + std::string(f[0]) + "' is not an integer >= 0");
    if (const std::string why = parse_fields(f[1], f[2], f[3], fh); !why.empty())
      bad_line(id, line_no, why);
    v.frames.push_back(fh);
  }
  return v;
}

VpdqVideo parse_vpdq_json(std::string_view text, const std::string& id) {
  const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_array())
    throw Error(ErrorCode::list_parse_error,
                id + ": not a JSON array of \"hash,quality,timestamp\" strings");
  VpdqVideo v;
  v.id = id;
  v.frames.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string where = "element " + std::to_string(i + 1);
    if (!j[i].is_string())
      throw Error(ErrorCode::list_parse_error, id + ": " + where + " is not a string");
    const std::string& s = j[i].get_ref<const std::string&>();
    const auto f = split_commas(s);
    if (f.size() != 3)
      throw Error(ErrorCode::list_parse_error,
                  id + ": " + where + " has " + std::to_string(f.size()) +
                      " fields; ThreatExchange's vPDQ form has 3: hash,quality,timestamp");
    VideoFrameHash fh;
    fh.frame_number = static_cast<std::int64_t>(i);
    if (const std::string why = parse_fields(f[1], f[0], f[2], fh); !why.empty())
      throw Error(ErrorCode::list_parse_error, id + ": " + where + ": " + why);
    v.frames.push_back(fh);
  }
  return v;
}

VpdqVideo parse_vpdq(std::string_view text, const std::string& id) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '[') return parse_vpdq_json(text, id);
  return parse_vpdq_text(text, id);
}

VpdqVideo read_vpdq_file(const std::string& path, const std::string& id, std::uint64_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorCode::io_error, path + " is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io_error, "cannot open " + path);
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw Error(ErrorCode::file_too_large, path + " is larger than the limit of " +
                                                 std::to_string(max_bytes) + " bytes");
  }
  if (in.bad()) throw Error(ErrorCode::io_error, "cannot read " + path);
  return parse_vpdq(text, id.empty() ? std::filesystem::path(path).filename().string() : id);
}

bool looks_like_vpdq(std::string_view head) noexcept {
  if (head.size() >= 3 && static_cast<unsigned char>(head[0]) == 0xEF &&
      static_cast<unsigned char>(head[1]) == 0xBB && static_cast<unsigned char>(head[2]) == 0xBF)
    head.remove_prefix(3);
  const std::size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;
  if (head[first] == '[') return true;
  head.remove_prefix(first);
  const std::string_view line = trim(head.substr(0, head.find('\n')));
  std::size_t commas = 0, third_begin = 0, third_end = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != ',') continue;
    ++commas;
    if (commas == 2) third_begin = i + 1;
    if (commas == 3) third_end = i;
  }
  if (commas != 3) return false;
  Hash256 h;
  return Hash256::try_from_hex(trim(line.substr(third_begin, third_end - third_begin)), h);
}

VpdqVideo load_vpdq_or_video(const std::string& path, VideoHasher& hasher,
                             const VideoOptions& opts) {
  const std::string id = std::filesystem::path(path).filename().string();
  std::string head(4096, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::io_error, "cannot open " + path);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (looks_like_vpdq(head)) return read_vpdq_file(path, id);
  VpdqVideo v;
  v.id = id;
  v.frames = hasher.hash_file(path, opts).frames;
  return v;
}

std::vector<Hash256> vpdq_kept_hashes(const std::vector<VideoFrameHash>& frames, int min_quality) {
  std::vector<Hash256> out;
  out.reserve(frames.size());
  std::unordered_set<std::string> seen;  // small per video; keeps the first of equal hashes
  for (const auto& f : frames) {
    if (f.quality < min_quality) continue;
    if (seen.insert(f.hash.to_hex()).second) out.push_back(f.hash);
  }
  return out;
}

namespace {
void validate(const VpdqMatchOptions& o) {
  if (o.distance < 0 || o.distance > 256)
    throw Error(ErrorCode::invalid_argument, "vPDQ match distance must be 0..256");
  if (!std::isfinite(o.query_threshold) || !std::isfinite(o.target_threshold))
    throw Error(ErrorCode::invalid_argument, "vPDQ match thresholds must be numbers");
}

double percent(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) * 100.0 / static_cast<double>(whole);
}

void finish(VpdqScore& s, std::size_t q_hit, std::size_t t_hit, const VpdqMatchOptions& o) {
  s.query_percent = percent(q_hit, s.query_frames);
  s.target_percent = percent(t_hit, s.target_frames);
  s.match = s.query_frames > 0 && s.target_frames > 0 && s.query_percent >= o.query_threshold &&
            s.target_percent >= o.target_threshold;
}
}  // namespace

VpdqScore vpdq_score_pair(const std::vector<VideoFrameHash>& query,
                          const std::vector<VideoFrameHash>& target, const VpdqMatchOptions& o) {
  validate(o);
  const auto q = vpdq_kept_hashes(query, o.min_quality);
  const auto t = vpdq_kept_hashes(target, o.min_quality);
  VpdqScore s;
  s.query_frames = q.size();
  s.target_frames = t.size();
  auto count_in = [&](const std::vector<Hash256>& a, const std::vector<Hash256>& b) {
    std::size_t n = 0;
    for (const auto& x : a)
      for (const auto& y : b)
        if (distance(x, y) <= o.distance) {
          ++n;
          break;
        }
    return n;
  };
  finish(s, count_in(q, t), count_in(t, q), o);
  return s;
}

// ---- the index ----------------------------------------------------------------

struct VpdqIndex::Impl {
  VpdqMatchOptions opts;
  std::vector<std::string> ids;
  std::vector<std::size_t> kept;  // kept frames per video
  std::shared_ptr<const Matcher> matcher;
  // slot -> the (video) pairs holding that hash: CSR; pair index = position in `videos`.
  std::vector<std::uint32_t> slot_begin;  // slot_count + 1
  std::vector<std::uint32_t> videos;
  std::size_t frames = 0;
};

VpdqIndex::~VpdqIndex() = default;

std::shared_ptr<const VpdqIndex> VpdqIndex::build(std::span<const VpdqVideo> list,
                                                  const VpdqMatchOptions& opts) {
  validate(opts);
  if (list.size() >= UINT32_MAX)
    throw Error(ErrorCode::invalid_argument, "too many videos for one vPDQ index");
  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  struct Pair {
    Hash256 hash;
    std::uint32_t video;
  };
  std::vector<Pair> pairs;
  for (std::size_t v = 0; v < list.size(); ++v) {
    impl->ids.push_back(list[v].id);
    const auto kept = vpdq_kept_hashes(list[v].frames, opts.min_quality);
    impl->kept.push_back(kept.size());
    for (const auto& h : kept) pairs.push_back({h, static_cast<std::uint32_t>(v)});
  }
  if (pairs.size() >= UINT32_MAX)
    throw Error(ErrorCode::invalid_argument, "too many frames for one vPDQ index");
  impl->frames = pairs.size();
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    return a.hash < b.hash || (a.hash == b.hash && a.video < b.video);
  });
  std::vector<Hash256> distinct;
  for (std::size_t i = 0; i < pairs.size(); ++i)
    if (i == 0 || !(pairs[i].hash == pairs[i - 1].hash)) distinct.push_back(pairs[i].hash);
  impl->matcher = Matcher::build_from_hashes(distinct, {}, "vpdq");
  // Slots are the matcher's own numbering: map each slot's hash back to its pairs.
  const std::size_t slots = impl->matcher->slot_count();
  impl->slot_begin.assign(slots + 1, 0);
  impl->videos.reserve(pairs.size());
  for (std::uint32_t s = 0; s < slots; ++s) {
    const Hash256 h = impl->matcher->slot_hash(s);
    auto it = std::lower_bound(pairs.begin(), pairs.end(), h,
                               [](const Pair& p, const Hash256& x) { return p.hash < x; });
    impl->slot_begin[s] = static_cast<std::uint32_t>(impl->videos.size());
    for (; it != pairs.end() && it->hash == h; ++it) impl->videos.push_back(it->video);
  }
  impl->slot_begin[slots] = static_cast<std::uint32_t>(impl->videos.size());
  if (impl->videos.size() != pairs.size())
    throw Error(ErrorCode::internal_error, "vPDQ index: slots do not cover every frame");
  std::shared_ptr<VpdqIndex> index(new VpdqIndex());
  index->impl_ = std::move(impl);
  return index;
}

std::vector<VpdqMatch> VpdqIndex::match(const std::vector<VideoFrameHash>& query,
                                        bool only_matches) const {
  const Impl& m = *impl_;
  const auto q = vpdq_kept_hashes(query, m.opts.min_quality);
  std::vector<Hit> hits;
  if (!q.empty()) m.matcher->search_radius_batch(q, m.opts.distance, hits);
  // Query side: per video, the query frames with a hit (hits come sorted by query,
  // so a per-video stamp of the last counted query frame de-duplicates).
  // Target side: the distinct (slot, video) pairs hit = the target frames matched.
  std::vector<std::uint32_t> q_hits(m.ids.size(), 0);
  std::vector<std::uint32_t> last(m.ids.size(), UINT32_MAX);
  std::vector<std::uint32_t> pairs_hit;
  for (const Hit& h : hits) {
    for (std::uint32_t p = m.slot_begin[h.slot]; p < m.slot_begin[h.slot + 1]; ++p) {
      const std::uint32_t v = m.videos[p];
      if (last[v] != h.query) {
        last[v] = h.query;
        ++q_hits[v];
      }
      pairs_hit.push_back(p);
    }
  }
  std::sort(pairs_hit.begin(), pairs_hit.end());
  pairs_hit.erase(std::unique(pairs_hit.begin(), pairs_hit.end()), pairs_hit.end());
  std::vector<std::uint32_t> t_hits(m.ids.size(), 0);
  for (const std::uint32_t p : pairs_hit) ++t_hits[m.videos[p]];

  std::vector<VpdqMatch> out;
  for (std::size_t v = 0; v < m.ids.size(); ++v) {
    if (q_hits[v] == 0) continue;
    VpdqMatch r;
    r.video = v;
    r.id = m.ids[v];
    r.score.query_frames = q.size();
    r.score.target_frames = m.kept[v];
    finish(r.score, q_hits[v], t_hits[v], m.opts);
    if (only_matches && !r.score.match) continue;
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const VpdqMatch& a, const VpdqMatch& b) {
    if (a.score.query_percent != b.score.query_percent)
      return a.score.query_percent > b.score.query_percent;
    return a.score.target_percent > b.score.target_percent;
  });
  return out;
}

std::size_t VpdqIndex::video_count() const noexcept { return impl_->ids.size(); }
std::size_t VpdqIndex::frame_count() const noexcept { return impl_->frames; }
std::size_t VpdqIndex::slot_count() const noexcept { return impl_->matcher->slot_count(); }
const VpdqMatchOptions& VpdqIndex::options() const noexcept { return impl_->opts; }

}  // namespace pdqguard
