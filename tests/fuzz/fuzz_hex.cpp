// Fuzz target: Hash256 hex parsing and formatting must round-trip and never crash.
#include <pdqguard/hash.hpp>

#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  pdqguard::Hash256 h;
  std::string why;
  if (pdqguard::Hash256::try_from_hex(text, h, &why)) {
    // Accepted input must be 64 hex digits and round-trip (modulo case).
    if (size != 64) std::abort();
    pdqguard::Hash256 again;
    if (!pdqguard::Hash256::try_from_hex(h.to_hex(), again, nullptr) || !(again == h)) std::abort();
  } else if (why.empty()) {
    std::abort();  // a refusal must say why
  }
  return 0;
}
