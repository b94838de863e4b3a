// Fuzz target: sniffing, every image decoder (JPEG, PNG, PPM/PGM) and hashing of
// whatever decodes, through both entry points: decode_image + hash_decoded, and
// hash_image (JPEG rows streamed into the hasher). When both are run on an input
// (small images) they must agree exactly: a differential check of the streamed
// path. Limits are small so the fuzzer cannot ask for huge images.
#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

#include <cstdlib>
#include <new>
#include <optional>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pdqguard::DecodeOptions opts;
  opts.max_pixels = 1u << 18;  // bigger images take no other code path, only time
  opts.max_bytes = 8u << 20;
  const std::uint8_t last = size > 0 ? data[size - 1] : 0;
  opts.fast = (last & 1) != 0;  // exercise both decode modes
  // small thresholds, so that the small images allowed here get the scaled
  // decodes (and the scaled hashing geometry) too
  opts.fast_min_side = 8 + (last >> 4) * 16;
  opts.apply_exif_orientation = (last & 8) != 0;  // JPEG APP1 / PNG eXIf readers
  const std::span<const std::uint8_t> bytes(data, size);

  static pdqguard::Hasher hasher;
  std::optional<pdqguard::HashResult> decoded;
  std::optional<pdqguard::ErrorCode> decoded_error;
  int pixels = 0;
  if ((last & 2) == 0) {
    try {
      const pdqguard::DecodedImage img = pdqguard::decode_image(bytes, opts);
      const std::size_t need = static_cast<std::size_t>(img.width) * img.height * (img.gray ? 1 : 3);
      if (img.width <= 0 || img.height <= 0 || img.pixels.size() != need) std::abort();
      const pdqguard::DihedralResult d = pdqguard::hash_decoded(img, hasher);
      decoded = pdqguard::HashResult{d.hashes[0], d.quality, d.too_small};
      pixels = img.width * img.height;
    } catch (const pdqguard::Error& e) {
      decoded_error = e.code();  // refusing bad input with a coded error is expected
    }
  }
  // hash_image on every input of the second kind, and on small first-kind ones.
  if ((last & 2) == 0 && pixels > 65'536) return 0;
  pdqguard::DecodedImage info;
  try {
    // Dihedral mode blurs a 64x64 image that hash() takes as is: compare only
    // the plain hash, which follows the same rule on both paths.
    const bool dihedral = decoded == std::nullopt && (last & 4) != 0;
    const pdqguard::DihedralResult r = pdqguard::hash_image(bytes, hasher, info, opts, dihedral);
    if (decoded_error) std::abort();  // one path refused what the other accepted
    if (decoded && (decoded->hash != r.hashes[0] || decoded->quality != r.quality)) std::abort();
  } catch (const pdqguard::Error& e) {
    if (decoded && !decoded_error) std::abort();
    if (decoded_error && *decoded_error != e.code()) std::abort();
  }
  return 0;
}
