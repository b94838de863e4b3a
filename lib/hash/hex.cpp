// Hash256 hex form and error code names.
#include <pdqguard/error.hpp>
#include <pdqguard/hash.hpp>

namespace pdqguard {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

void Hash256::to_hex(char out[64]) const noexcept {
  // Most significant 64-bit word first; within it, most significant nibble first.
  for (int w = 0; w < 4; ++w) {
    const std::uint64_t v = words[3 - w];
    for (int n = 0; n < 16; ++n) out[w * 16 + n] = kHexDigits[(v >> (60 - 4 * n)) & 0xf];
  }
}

std::string Hash256::to_hex() const {
  std::string s(64, '0');
  to_hex(s.data());
  return s;
}

bool Hash256::try_from_hex(std::string_view hex, Hash256& out, std::string* why) noexcept {
  try {
    if (hex.size() != 64) {
      if (why) *why = "expected 64 hex digits, got " + std::to_string(hex.size()) + " characters";
      return false;
    }
    Hash256 h;
    for (int i = 0; i < 64; ++i) {
      const int v = hex_value(hex[static_cast<std::size_t>(i)]);
      if (v < 0) {
        if (why) *why = "character " + std::to_string(i + 1) + " is not a hex digit";
        return false;
      }
      h.words[3 - i / 16] |= static_cast<std::uint64_t>(v) << (60 - 4 * (i % 16));
    }
    out = h;
    return true;
  } catch (...) {  // only std::string allocation can throw here
    return false;
  }
}

Hash256 Hash256::from_hex(std::string_view hex) {
  Hash256 h;
  std::string why;
  if (!try_from_hex(hex, h, &why)) throw Error(ErrorCode::bad_hash, "malformed PDQ hash: " + why);
  return h;
}

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::ok: return "ok";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::io_error: return "io_error";
    case ErrorCode::unsupported_format: return "unsupported_format";
    case ErrorCode::decode_error: return "decode_error";
    case ErrorCode::image_too_large: return "image_too_large";
    case ErrorCode::file_too_large: return "file_too_large";
    case ErrorCode::bad_hash: return "bad_hash";
    case ErrorCode::list_parse_error: return "list_parse_error";
    case ErrorCode::index_corrupt: return "index_corrupt";
    case ErrorCode::unsupported_isa: return "unsupported_isa";
    case ErrorCode::out_of_memory: return "out_of_memory";
    case ErrorCode::internal_error: return "internal_error";
    case ErrorCode::encrypted: return "encrypted";
    case ErrorCode::archive_limit: return "archive_limit";
    case ErrorCode::not_a_file: return "not_a_file";
    case ErrorCode::no_video_stream: return "no_video_stream";
    case ErrorCode::bad_frame_rate: return "bad_frame_rate";
    case ErrorCode::video_too_long: return "video_too_long";
    case ErrorCode::truncated_input: return "truncated_input";
    case ErrorCode::resource_limit: return "resource_limit";
  }
  return "unknown_error";
}

bool error_code_from_name(std::string_view name, ErrorCode& out) noexcept {
  // Codes are small and dense; 64 leaves room for the codes added later.
  if (name == "unknown_error") return false;  // what error_code_name says for a number no code has
  for (int c = 0; c < 64; ++c) {
    if (name == error_code_name(static_cast<ErrorCode>(c))) {
      out = static_cast<ErrorCode>(c);
      return true;
    }
  }
  return false;
}

}  // namespace pdqguard
