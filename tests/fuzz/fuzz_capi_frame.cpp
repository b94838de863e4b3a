// Fuzz target: the C API's raw-frame entry point. The input chooses format, size,
// strides and the buffer sizes the caller claims; the frame must be refused when
// inconsistent and never read outside the buffer (ASan checks the reads: the
// buffer is exactly as large as the input's pixel bytes).
#include <pdqguard/pdqguard.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 16) return 0;
  pdqg_frame f;
  std::memset(&f, 0, sizeof f);
  f.format = data[0] % 9 - 1;  // includes -1 and 7: invalid formats
  f.width = static_cast<int>((data[1] | (data[2] << 8)) % 600) - 2;
  f.height = static_cast<int>((data[3] | (data[4] << 8)) % 600) - 2;
  const std::size_t stride0 = (data[5] | (data[6] << 8)) % 2500;
  // The pixel buffer is the rest of the input, copied to an exact-size heap block.
  std::vector<std::uint8_t> pixels(data + 16, data + size);
  const std::size_t claimed = (data[7] & 1) ? pixels.size() : pixels.size() / (1 + (data[8] & 3));
  f.planes[0] = pixels.empty() ? nullptr : pixels.data();
  f.strides[0] = stride0;
  f.sizes[0] = claimed;
  if (data[9] & 1) {  // a chroma plane pointing into the same buffer
    f.planes[1] = pixels.empty() ? nullptr : pixels.data() + (pixels.size() / 2);
    f.strides[1] = (data[10] | (data[11] << 8)) % 1300;
    f.sizes[1] = pixels.size() - pixels.size() / 2;
  }
  pdqg_result r;
  const unsigned flags = (data[12] & 1) ? PDQG_FLAG_DIHEDRAL : 0u;
  const int st = pdqg_hash_frame(nullptr, &f, flags, &r);
  if (st != PDQG_OK && st != PDQG_INVALID_ARGUMENT) std::abort();
  if (st == PDQG_OK && (r.width != f.width || r.height != f.height)) std::abort();
  return 0;
}
