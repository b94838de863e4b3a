// Shared body of the per-format fuzz targets (fuzz_webp, fuzz_gif, ...): feed
// the bytes straight to one decoder (no sniffing, so mutated magic still
// reaches it), with small limits; a decoded image must have consistent sizes,
// anything else must be a coded pdqguard::Error.
#pragma once

#include "image/decoders.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <cstdlib>
#include <new>
#include <span>

#define PDQGUARD_FORMAT_FUZZ_TARGET(DECODE_CALL)                                              \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {        \
    pdqguard::DecodeOptions opts;                                                             \
    opts.max_pixels = 1u << 18;                                                               \
    opts.max_bytes = 8u << 20;                                                                \
    const std::span<const std::uint8_t> bytes(data, size);                                    \
    pdqguard::DecodedImage img;                                                               \
    try {                                                                                     \
      DECODE_CALL;                                                                            \
      const std::size_t need =                                                                \
          static_cast<std::size_t>(img.width) * img.height * (img.gray ? 1 : 3);             \
      if (img.width <= 0 || img.height <= 0 || img.pixels.size() != need ||                   \
          static_cast<std::uint64_t>(img.width) * img.height > opts.max_pixels)               \
        std::abort();                                                                         \
    } catch (const pdqguard::Error&) {                                                        \
    } catch (const std::bad_alloc&) {                                                         \
    }                                                                                         \
    return 0;                                                                                 \
  }
