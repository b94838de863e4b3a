// Fuzz target: the HEIF/AVIF decoder (libheif) alone (see format_target.hpp).
#include "fuzz/format_target.hpp"

PDQGUARD_FORMAT_FUZZ_TARGET(pdqguard::detail::decode_heif(bytes, opts, img, pdqguard::ImageFormat::heif))
