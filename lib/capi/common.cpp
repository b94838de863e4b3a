// C API: versions, SIMD path, status names, error recording, hash values.
#include "capi/common.hpp"

#include <pdqguard/hash.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>
#include <pdqguard/pdqguard_testing.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

namespace pdqguard::capi {

static_assert(sizeof(pdqg_hash) == sizeof(Hash256), "pdqg_hash mirrors pdqguard::Hash256");
static_assert(static_cast<int>(ErrorCode::internal_error) == PDQG_INTERNAL_ERROR,
              "pdqg_status mirrors pdqguard::ErrorCode");
static_assert(static_cast<int>(ErrorCode::index_corrupt) == PDQG_INDEX_CORRUPT);
static_assert(static_cast<int>(ErrorCode::bad_hash) == PDQG_BAD_HASH);
static_assert(static_cast<int>(ErrorCode::truncated_input) == PDQG_TRUNCATED_INPUT);
static_assert(static_cast<int>(ErrorCode::resource_limit) == PDQG_RESOURCE_LIMIT);
static_assert(static_cast<int>(ErrorCode::resource_limit) + 1 == PDQG_STATUS_COUNT,
              "PDQG_STATUS_COUNT is one more than the last status");

void ErrorSlot::set(const char* msg) noexcept {
  if (msg == nullptr) msg = "";
  const std::size_t n = std::min(std::strlen(msg), kSize - 1);
  std::memcpy(text, msg, n);
  text[n] = '\0';
}

ErrorSlot& thread_error() noexcept {
  thread_local ErrorSlot slot;
  return slot;
}

int fail(ErrorSlot* slot, ErrorCode code, const char* msg) noexcept {
  thread_error().set(msg);
  if (slot != nullptr) slot->set(msg);
  return static_cast<int>(code);
}

int fail_prefixed(ErrorSlot* slot, ErrorCode code, const char* prefix, const char* msg) noexcept {
  if (prefix == nullptr || *prefix == '\0') return fail(slot, code, msg);
  char buf[ErrorSlot::kSize];
  const std::size_t plen = std::min(std::strlen(prefix), ErrorSlot::kSize / 2);
  std::memcpy(buf, prefix, plen);
  std::size_t n = plen;
  buf[n++] = ':';
  buf[n++] = ' ';
  const std::size_t mlen = std::min(std::strlen(msg), ErrorSlot::kSize - 1 - n);
  std::memcpy(buf + n, msg, mlen);
  buf[n + mlen] = '\0';
  return fail(slot, code, buf);
}

}  // namespace pdqguard::capi

using namespace pdqguard;
using pdqguard::capi::fail;
using pdqguard::capi::guard;

extern "C" {

unsigned pdqg_version_number(void) {
  // Parsed from the build's version text so it can never disagree with it.
  unsigned parts[3] = {0, 0, 0};
  int i = 0;
  for (const char* p = version(); *p != '\0' && i < 3; ++p) {
    if (*p == '.')
      ++i;
    else if (*p >= '0' && *p <= '9')
      parts[i] = parts[i] * 10 + static_cast<unsigned>(*p - '0');
    else
      break;
  }
  return parts[0] * 10000 + parts[1] * 100 + parts[2];
}

const char* pdqg_version_string(void) { return version(); }

const char* pdqg_simd_path(void) {
  const char* name = nullptr;
  guard(nullptr, [&] {
    name = isa_name(active_isa());
    return 0;
  });
  return name;
}

int pdqg_set_simd_path(const char* name) {
  if (name == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "SIMD path name is NULL");
  return guard(nullptr, [&] {
    force_isa(parse_isa(name));
    return 0;
  });
}

const char* pdqg_status_name(int status) { return error_code_name(static_cast<ErrorCode>(status)); }

int pdqg_status_is_transient(int status) { return is_transient(static_cast<ErrorCode>(status)) ? 1 : 0; }

const char* pdqg_last_error(void) { return capi::thread_error().text; }

int pdqg_hash_to_hex(const pdqg_hash* hash, char* out) {
  if (hash == nullptr || out == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "pdqg_hash_to_hex: NULL argument");
  Hash256 h;
  std::memcpy(h.words.data(), hash->words, sizeof hash->words);
  h.to_hex(out);
  out[PDQG_HEX_LENGTH] = '\0';
  return PDQG_OK;
}

int pdqg_hash_from_hex(const char* hex, pdqg_hash* out) {
  if (hex == nullptr || out == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "pdqg_hash_from_hex: NULL argument");
  // Look at most one character past 64 so a huge string is not scanned.
  const std::size_t n = strnlen(hex, PDQG_HEX_LENGTH + 1);
  if (n > PDQG_HEX_LENGTH)
    return fail(nullptr, ErrorCode::bad_hash,
                "malformed PDQ hash: expected 64 hex digits, got more");
  return guard(nullptr, [&] {
    const Hash256 h = Hash256::from_hex(std::string_view(hex, n));
    std::memcpy(out->words, h.words.data(), sizeof out->words);
    return 0;
  });
}

int pdqg_hash_distance(const pdqg_hash* a, const pdqg_hash* b) {
  if (a == nullptr || b == nullptr) return -1;
  int d = 0;
  for (int i = 0; i < 4; ++i) d += __builtin_popcountll(a->words[i] ^ b->words[i]);
  return d;
}

const char* pdqg_format_name(int format) {
  if (format < 0 || format > PDQG_FORMAT_NV12) return "unknown";
  return pixel_format_name(static_cast<PixelFormat>(format));
}

int pdqg_format_from_name(const char* name) {
  PixelFormat f{};
  if (name == nullptr || !parse_pixel_format(name, f)) return -1;
  return static_cast<int>(f);
}

// pdqg_image_format is ImageFormat's numbering (the decodable formats).
static_assert(PDQG_IMAGE_JPEG == static_cast<int>(ImageFormat::jpeg) &&
              PDQG_IMAGE_PNG == static_cast<int>(ImageFormat::png) &&
              PDQG_IMAGE_PNM == static_cast<int>(ImageFormat::pnm) &&
              PDQG_IMAGE_GIF == static_cast<int>(ImageFormat::gif) &&
              PDQG_IMAGE_WEBP == static_cast<int>(ImageFormat::webp) &&
              PDQG_IMAGE_TIFF == static_cast<int>(ImageFormat::tiff) &&
              PDQG_IMAGE_BMP == static_cast<int>(ImageFormat::bmp) &&
              PDQG_IMAGE_HEIF == static_cast<int>(ImageFormat::heif) &&
              PDQG_IMAGE_AVIF == static_cast<int>(ImageFormat::avif));

const char* pdqg_image_format_name(int image_format) {
  if (image_format <= PDQG_IMAGE_UNKNOWN || image_format > PDQG_IMAGE_AVIF) return "unknown";
  return image_format_name(static_cast<ImageFormat>(image_format));
}

const char* pdqg_dihedral_name(int dihedral) {
  return dihedral_name(static_cast<Dihedral>(dihedral));
}

}  // extern "C"
