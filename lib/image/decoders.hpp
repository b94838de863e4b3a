// Internal: one decoder per format, called by decode_image after sniffing.
#pragma once

#include <pdqguard/image.hpp>

#include <span>

namespace pdqguard::detail {

/// Throws Error(image_too_large) when w*h exceeds opts.max_pixels. Call it from
/// the header, before allocating pixels.
void check_pixel_limit(std::uint64_t w, std::uint64_t h, const DecodeOptions& opts);

DecodedImage decode_pnm(std::span<const std::uint8_t> bytes, const DecodeOptions& opts);
DecodedImage decode_jpeg(std::span<const std::uint8_t> bytes, const DecodeOptions& opts);
DecodedImage decode_png(std::span<const std::uint8_t> bytes, const DecodeOptions& opts);

}  // namespace pdqguard::detail
