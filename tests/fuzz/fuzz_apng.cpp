// Fuzz target: APNG frames (chunk walk, per-frame libpng decode, disposal and
// blending on the native canvas), each frame checked for consistent sizes; the
// last one goes through the shared check (see format_target.hpp).
#include "fuzz/format_target.hpp"

PDQGUARD_FORMAT_FUZZ_TARGET({
  opts.max_animation_pixels = 1u << 22;
  (void)pdqguard::detail::apng_frames(bytes, opts, img, [](const pdqguard::DecodedImage& f, const pdqguard::FrameInfo&) {
    if (f.pixels.size() != static_cast<std::size_t>(f.width) * f.height * (f.gray ? 1 : 3)) std::abort();
    return true;
  });
})
