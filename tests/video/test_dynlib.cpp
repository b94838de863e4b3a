// lib/dl: the codec libraries are loaded on first use. A library that cannot be
// loaded (or lacks a symbol) is an unsupported_format error naming it and what
// needed it, never a crash; the libraries pdqguard was built against load.
#include <doctest/doctest.h>

#include "dl/dynlib.hpp"
#include "video/libav.hpp"

#include <pdqguard/error.hpp>

#include <string>

using namespace pdqguard;

TEST_CASE("dl_open: a library that cannot be loaded is an unsupported_format error naming it") {
  try {
    detail::dl_open("libpdqguard-no-such-library.so.9", "video decoding");
    FAIL("dl_open of a missing library returned");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::unsupported_format);
    const std::string m = e.what();
    CHECK(m.find("video decoding needs libpdqguard-no-such-library.so.9") != std::string::npos);
    CHECK(m.find("cannot be loaded") != std::string::npos);
  }
}

TEST_CASE("dl_symbol: a symbol the library lacks is an unsupported_format error naming it") {
  void* h = detail::dl_open("libc.so.6", "a test");
  REQUIRE(h != nullptr);
  CHECK(detail::dl_symbol(h, "libc.so.6", "strlen", "a test") != nullptr);
  try {
    detail::dl_symbol(h, "libc.so.6", "pdqguard_no_such_symbol", "a test");
    FAIL("dl_symbol of a missing symbol returned");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::unsupported_format);
    CHECK(std::string(e.what()).find("pdqguard_no_such_symbol from libc.so.6") != std::string::npos);
  }
}

TEST_CASE("lav::api: every libav function pdqguard calls resolves") {
  const video::lav::Api& api = video::lav::api();
#define PDQGUARD_CHECK_RESOLVED(lib, fn) CHECK_MESSAGE(static_cast<bool>(api.fn), #fn);
  PDQGUARD_LIBAV_FUNCTIONS(PDQGUARD_CHECK_RESOLVED)
#undef PDQGUARD_CHECK_RESOLVED
  CHECK(std::string(video::lav::avcodec_get_name(AV_CODEC_ID_MPEG4)) == "mpeg4");
}
