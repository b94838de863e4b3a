// Fuzz target: the WEBP decoder alone (see format_target.hpp).
#include "fuzz/format_target.hpp"

PDQGUARD_FORMAT_FUZZ_TARGET(pdqguard::detail::decode_webp(bytes, opts, img))
