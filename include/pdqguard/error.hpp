// pdqguard errors: one exception type carrying a stable error code.
#pragma once

#include <pdqguard/export.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace pdqguard {

/// Stable error codes. Their snake_case names (error_code_name) are what the CLI
/// records, the C API and the bindings report; never renumber or rename them.
enum class ErrorCode : int {
  ok = 0,
  invalid_argument = 1,    ///< a caller passed a value the API cannot use
  io_error = 2,            ///< a file could not be opened or read
  unsupported_format = 3,  ///< not a decodable format or layout (the message names what it is)
  decode_error = 4,        ///< the file claims a supported format but is damaged
  image_too_large = 5,     ///< width x height above the configured pixel limit
  file_too_large = 6,      ///< input bytes above the configured size limit
  bad_hash = 7,            ///< text that is not a 64-hex-digit PDQ hash
  list_parse_error = 8,    ///< a malformed hash list (strict mode) or a line in it
  index_corrupt = 9,       ///< an index file that is truncated, damaged or of another version
  unsupported_isa = 10,    ///< a forced SIMD path that this CPU cannot run
  out_of_memory = 11,      ///< an allocation failed
  internal_error = 12,     ///< a bug: please report it
  encrypted = 13,          ///< an archive member is encrypted (no passphrase is tried)
  archive_limit = 14,      ///< an archive limit: compression ratio (zip bomb), total bytes,
                           ///< member count, nesting depth or path length
  not_a_file = 15,         ///< an archive member that is a symlink, device or fifo: skipped
  no_video_stream = 16,    ///< a media file without a video stream (no stream, or audio only)
  bad_frame_rate = 17,     ///< a video stream whose frame rate is zero or unknown
  video_too_long = 18,     ///< a video above the configured duration or frame-count limit
  truncated_input = 19,    ///< the data ends before the container or stream it starts does
  resource_limit = 20,     ///< a work budget of one input: decode memory, JPEG scans or scan
                           ///< work, data too short for the declared image, decode time
                           ///< (the message names the number that was exceeded)
};

/// The snake_case name of a code, e.g. "decode_error". Never null.
PDQGUARD_API const char* error_code_name(ErrorCode code) noexcept;

/// The code whose error_code_name is `name` (e.g. read back from a record);
/// false, `out` unchanged, for a name no code has. Thread-safe.
PDQGUARD_API bool error_code_from_name(std::string_view name, ErrorCode& out) noexcept;

/// Whether a failure may pass when the same input is tried again, because it
/// came from the machine's state rather than from the input: out_of_memory and
/// io_error. The one home of that rule (`pdqguard --resume` retries inputs whose
/// recorded error is transient).
constexpr bool is_transient(ErrorCode code) noexcept {
  return code == ErrorCode::out_of_memory || code == ErrorCode::io_error;
}

/// The exception every pdqguard C++ function throws for expected failures
/// (bad input, I/O). It carries a stable code and a human-readable message.
class PDQGUARD_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  /// The stable code of this error.
  ErrorCode code() const noexcept { return code_; }
  /// The snake_case name of code().
  const char* code_name() const noexcept { return error_code_name(code_); }

 private:
  ErrorCode code_;
};

}  // namespace pdqguard
