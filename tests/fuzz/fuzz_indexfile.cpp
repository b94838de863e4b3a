// Fuzz target: opening, verifying and querying index files from arbitrary bytes.
// The bytes go to an in-memory file (memfd) that Matcher::open maps as it maps a
// real file. When the first byte is odd, the input is instead read as edits to a
// small valid index (byte flips, truncation), which reaches deeper than random
// bytes; the checksum check is turned off for some runs so the structure checks
// themselves are exercised ("never read outside the file").
#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>
#include <pdqguard/index.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace {
const std::vector<std::uint8_t>& valid_index() {
  static const std::vector<std::uint8_t> bytes = [] {
    std::vector<pdqguard::Hash256> hs(64);
    for (std::uint64_t i = 0; i < hs.size(); ++i)
      hs[i].words = {i * 0x9E3779B97F4A7C15ull, i, ~i, i << 7};
    pdqguard::BuildOptions b;
    b.kind = pdqguard::IndexKind::mih;
    auto m = pdqguard::Matcher::build_from_hashes(hs, b);
    const std::string path = "/tmp/pdqguard-fuzz-index-" + std::to_string(getpid());
    m->save(path);
    std::vector<std::uint8_t> out = pdqguard::read_file_bytes(path, 1u << 30);
    unlink(path.c_str());
    return out;
  }();
  return bytes;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes;
  bool verify = true;
  if (size >= 1 && (data[0] & 1)) {
    bytes = valid_index();
    verify = (data[0] & 4) != 0;
    if ((data[0] & 2) && size >= 3) bytes.resize((data[1] | (data[2] << 8)) % (bytes.size() + 1));
    for (std::size_t i = 3; i + 2 < size && !bytes.empty(); i += 3)
      bytes[(data[i] | (data[i + 1] << 8)) % bytes.size()] ^= data[i + 2];
  } else {
    bytes.assign(data, data + size);
  }
  const int fd = memfd_create("pdqguard-fuzz", 0);
  if (fd < 0) return 0;
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + off, bytes.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    (void)pdqguard::index_file_info(path);
  } catch (const pdqguard::Error&) {
  }
  try {
    pdqguard::OpenOptions o;
    o.verify_checksum = verify;
    auto m = pdqguard::Matcher::open(path, o);
    pdqguard::Hash256 q;
    for (int r : {0, 31, 64}) (void)m->query(q, {r, 0, 0});
    if (m->slot_count() > 0) (void)m->query(m->slot_hash(0));
    (void)m->describe();
  } catch (const pdqguard::Error& e) {
    if (e.code() != pdqguard::ErrorCode::index_corrupt && e.code() != pdqguard::ErrorCode::io_error)
      std::abort();
  }
  close(fd);
  return 0;
}
