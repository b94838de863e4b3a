// Fuzz target: the GIF decoder alone (see format_target.hpp), every frame
// composited (disposal, transparency, palettes), each checked for consistent
// sizes; the last frame goes through the shared check. Frame 0 is also handed
// to a row consumer (what hash_image does: a palette canvas expanded a batch
// of rows at a time) and must hash exactly as the decoded frame 0 does.
#include "fuzz/format_target.hpp"

#include <pdqguard/hasher.hpp>

namespace {
struct HashRows final : pdqguard::detail::RowConsumer {
  pdqguard::Hasher* hasher = nullptr;
  pdqguard::Hash256 hash;
  bool called = false;
  void consume(pdqguard::PixelFormat format, int width, int height, pdqguard::RowSource& src) override {
    hash = hasher->hash_rows(format, width, height, src).hashes[0];
    called = true;
  }
  void consume_view(const pdqguard::FrameView& v) override {
    hash = hasher->hash(v).hash;
    called = true;
  }
};
}  // namespace

PDQGUARD_FORMAT_FUZZ_TARGET({
  opts.max_animation_pixels = 1u << 22;
  (void)pdqguard::detail::gif_frames(bytes, opts, img, [](const pdqguard::DecodedImage& f, const pdqguard::FrameInfo&) {
    if (f.pixels.size() != static_cast<std::size_t>(f.width) * f.height * (f.gray ? 1 : 3)) std::abort();
    return true;
  });
  // The animation decoded, so frame 0 decodes on both paths.
  static pdqguard::Hasher hasher;
  pdqguard::DecodedImage first;
  pdqguard::DecodedImage streamed;
  pdqguard::detail::decode_gif(bytes, opts, first);
  HashRows rows;
  rows.hasher = &hasher;
  pdqguard::detail::decode_gif(bytes, opts, streamed, &rows);
  if (!rows.called || !streamed.pixels.empty() || streamed.width != first.width ||
      streamed.height != first.height || streamed.gray != first.gray ||
      rows.hash != hasher.hash(first.view()).hash)
    std::abort();
})
