// Fuzz target: the GIF decoder alone (see format_target.hpp).
#include "fuzz/format_target.hpp"

PDQGUARD_FORMAT_FUZZ_TARGET(pdqguard::detail::decode_gif(bytes, opts, img))
