// JPEG decoding (libjpeg-turbo): not built yet; see the image-decoding issue.
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

namespace pdqguard::detail {
DecodedImage decode_jpeg(std::span<const std::uint8_t>, const DecodeOptions&) {
  throw Error(ErrorCode::unsupported_format, "JPEG decoding is not available in this build yet");
}
}  // namespace pdqguard::detail
