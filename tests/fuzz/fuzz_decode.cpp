// Fuzz target: sniffing, every image decoder (JPEG, PNG, PPM/PGM) and hashing of
// whatever decodes. Limits are small so the fuzzer cannot ask for huge images.
#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

#include <cstdlib>
#include <new>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pdqguard::DecodeOptions opts;
  opts.max_pixels = 4'000'000;
  opts.max_bytes = 8u << 20;
  opts.fast = size > 0 && (data[size - 1] & 1);  // exercise both decode modes
  try {
    const pdqguard::DecodedImage img = pdqguard::decode_image(std::span(data, size), opts);
    const std::size_t need = static_cast<std::size_t>(img.width) * img.height * (img.gray ? 1 : 3);
    if (img.width <= 0 || img.height <= 0 || img.pixels.size() != need) std::abort();
    (void)pdqguard::hash_frame(img.view());
  } catch (const pdqguard::Error&) {
    // Refusing bad input with a coded error is the expected outcome.
  }
  return 0;
}
