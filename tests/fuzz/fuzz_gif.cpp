// Fuzz target: the GIF decoder alone (see format_target.hpp), every frame
// composited (disposal, transparency, palettes), each checked for consistent
// sizes; the last frame goes through the shared check.
#include "fuzz/format_target.hpp"

PDQGUARD_FORMAT_FUZZ_TARGET({
  opts.max_animation_pixels = 1u << 22;
  (void)pdqguard::detail::gif_frames(bytes, opts, img, [](const pdqguard::DecodedImage& f, const pdqguard::FrameInfo&) {
    if (f.pixels.size() != static_cast<std::size_t>(f.width) * f.height * (f.gray ? 1 : 3)) std::abort();
    return true;
  });
})
