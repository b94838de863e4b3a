// Fuzz target: the WebP decoder alone (see format_target.hpp), every frame of
// an animation (libwebp's anim decoder), each checked for consistent sizes.
#include "fuzz/format_target.hpp"

PDQGUARD_FORMAT_FUZZ_TARGET({
  opts.max_animation_pixels = 1u << 22;
  opts.apply_exif_orientation = true;
  (void)pdqguard::detail::webp_frames(bytes, opts, img, [](const pdqguard::DecodedImage& f, const pdqguard::FrameInfo&) {
    if (f.pixels.size() != static_cast<std::size_t>(f.width) * f.height * (f.gray ? 1 : 3)) std::abort();
    return true;
  });
})
