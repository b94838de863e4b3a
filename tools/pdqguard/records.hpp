// Records printed by the CLI, one per input: a hash record, a match record or an
// error record, rendered as a JSON line, a CSV row or a human-readable table line.
#pragma once

#include "lists.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>
#include <pdqguard/vpdq.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pdqguard::cli {

/// Which kind of input a record is about.
enum class InputKind { file, frame, hash_line };

/// Everything one record can say; the writers pick the fields they print.
struct Record {
  InputKind kind = InputKind::file;
  std::string path;         ///< file records (also set for frame/line errors: the source)
  std::int64_t number = 0;  ///< "frame" (0-based) or "line" (1-based)
  // Success.
  bool ok = false;
  const char* format = nullptr;  ///< "jpeg", "png", "pnm", "raw" (nullptr for hash lines)
  int width = 0, height = 0;  ///< the image's size as its header gives it
  int scale_denom = 1;        ///< --fast: decoded at 1/scale_denom
  int exif_orientation = 0;   ///< --apply-exif-orientation: the tag applied (1..8)
  HashResult result;  ///< result.hash is the original hash
  std::optional<DihedralResult> dihedral;
  bool print_dihedral = false;  ///< `hash --dihedral`: print the 8 hashes
  std::vector<std::string> warnings;
  bool has_quality = true;  ///< false for --hashes lines without a quality field
  // Matching.
  bool matching = false;  ///< a match record ("matches" array printed)
  bool low_quality = false;
  std::vector<Match> hits;  ///< in the library's result order
  // Multi-frame inputs (videos) and sampled raw frames.
  std::int64_t frames_hashed = -1;  ///< >= 0: a multi-frame record ("frames_hashed")
  double duration = -1;             ///< >= 0: the video's length in seconds ("duration")
  double timestamp = -1;            ///< >= 0: a sampled raw frame's time ("timestamp")
  struct HitFrame {
    std::int64_t frame = 0;
    double timestamp = 0;
  };
  std::vector<HitFrame> hit_frames;  ///< multi-frame records: the frame of hits[i]
  struct VideoHit {
    std::string list;  ///< the --video-list file
    std::string id;    ///< the listed video's id (the file name)
    VpdqScore score;
  };
  bool video_matching = false;         ///< a record of a run with --video-list ("video_matches")
  std::vector<VideoHit> video_matches; ///< listed videos whose score passes the thresholds
  // Error.
  std::string error;  ///< stable code name, e.g. "decode_error"
  std::string message;
};

/// The one home of the path scheme (for file paths and archive member paths alike).
/// JSON: a path that is valid UTF-8 is a plain string; any other byte string is the
/// object {"bytes": "<base64 of the exact bytes>"} (ripgrep's scheme), so every record
/// names its file exactly. Pure, thread-safe; never throws except bad_alloc.
nlohmann::ordered_json path_json(const std::string& path);
/// The inverse of path_json: the exact bytes, or nullopt when `j` is neither form
/// (not a string, or "bytes" missing or not valid base64).
std::optional<std::string> path_from_json(const nlohmann::json& j);
/// The text form of a path (or a list id or label) in CSV and table output, reversible:
/// a backslash becomes `\\` and a byte that is not part of valid UTF-8 `\xHH`. With
/// `escape_controls` (the table format) control characters too: `\n`, `\r`, `\t`, other
/// C0 and DEL as `\xHH`, C1 (U+0080..U+009F) as `\u{HH}`, so a name can neither start a
/// new line nor move the cursor. Pure, thread-safe.
std::string escape_text(const std::string& s, bool escape_controls);
/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF).
bool is_utf8(const std::string& s);

nlohmann::ordered_json to_json(const Record& r);
/// The inverse of to_json for `report` and `merge` (records of earlier runs, e.g. to
/// write them as CSV): nullopt when `j` is not a record to_json could have written.
/// Every field scan writes is read back (matches with their frame and timestamp,
/// video_matches, frames_hashed, duration, timestamp, ...), so render_csv and
/// render_table print what they would have printed for the original record; only the
/// dihedral block of `hash --dihedral` is not (neither prints it). Fields to_json
/// does not know are ignored; a known field of the wrong type reads as absent.
/// Thread-safe.
std::optional<Record> record_from_json(const nlohmann::json& j);
/// One JSON line, "\n"-terminated; invalid UTF-8 in names is replaced, never fatal.
std::string render_jsonl(const Record& r);
/// The CSV header line, then one row per record (matches joined with ';'). `matching`
/// must be the header's: every row, error rows too, has exactly the header's columns.
/// Text cells use escape_text, then a leading ' when they start with = + - @ tab, CR
/// (OWASP's advice against formula injection) or ' (so one leading ' removed always
/// gives the text back), then RFC 4180 quoting.
/// With `video_lists` (scan --video-list) a last `video_matches` column is added.
std::string csv_header(bool matching, bool video_lists = false);
std::string render_csv(const Record& r, bool matching, bool video_lists = false);
/// clamscan-like: "path: OK <hash> q=100", "path: FOUND list/id ...", "path: ERROR code: msg".
/// Names, list ids, labels and messages use escape_text with control characters escaped,
/// so each record is exactly one line and a name cannot forge another.
std::string render_table(const Record& r);

/// Builds an error record for an input.
Record error_of(InputKind kind, const std::string& path, std::int64_t number, const char* code,
                const std::string& message);

/// Writes one record as a single line on stdout and flushes (used by `compare`).
void write_line(const std::string& line);

}  // namespace pdqguard::cli
