// Fuzz target: the archive walker (libarchive) on in-memory bytes, with small
// limits; every visit must be either data within the member limit or a coded
// error with a path under the archive's name.
#include <pdqguard/archive.hpp>

#include <cstdlib>
#include <new>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pdqguard::ArchiveOptions o;
  o.max_depth = 3;
  o.max_total_bytes = 16u << 20;
  o.max_members = 1000;
  o.max_member_bytes = 4u << 20;
  o.max_path = 512;
  try {
    pdqguard::archive_walk_memory(std::span<const std::uint8_t>(data, size), "fuzz", o,
                                  [&](const pdqguard::ArchiveMember& m) {
                                    if (m.path.compare(0, 4, "fuzz") != 0) std::abort();
                                    if (m.error == pdqguard::ErrorCode::ok) {
                                      if (m.data.size() > o.max_member_bytes) std::abort();
                                    } else if (!m.data.empty() || m.message.empty()) {
                                      std::abort();
                                    }
                                  });
  } catch (const std::bad_alloc&) {
  }
  return 0;
}
