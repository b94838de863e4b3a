// Records printed by the CLI, one per input: a hash record, a match record or an
// error record, rendered as a JSON line, a CSV row or a human-readable table line.
#pragma once

#include "lists.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

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
  // Error.
  std::string error;  ///< stable code name, e.g. "decode_error"
  std::string message;
};

nlohmann::ordered_json to_json(const Record& r);
/// One JSON line, "\n"-terminated; invalid UTF-8 in names is replaced, never fatal.
std::string render_jsonl(const Record& r);
/// The CSV header line, then one row per record (matches joined with ';').
std::string csv_header(bool matching);
std::string render_csv(const Record& r);
/// clamscan-like: "path: OK <hash> q=100", "path: FOUND list/id ...", "path: ERROR code: msg".
std::string render_table(const Record& r);

/// Builds an error record for an input.
Record error_of(InputKind kind, const std::string& path, std::int64_t number, const char* code,
                const std::string& message);

/// Writes one record as a single line on stdout and flushes (used by `compare`).
void write_line(const std::string& line);

}  // namespace pdqguard::cli
