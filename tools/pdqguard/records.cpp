#include "records.hpp"

#include <cstdio>

namespace pdqguard::cli {

nlohmann::ordered_json error_record(const std::string& path, const char* code, const std::string& message) {
  return nlohmann::ordered_json{{"path", path}, {"error", code}, {"message", message}};
}

nlohmann::ordered_json hash_record(const std::string& path, const HashResult& r, int width, int height) {
  nlohmann::ordered_json j{{"path", path},   {"hash", r.hash.to_hex()}, {"quality", r.quality},
                   {"width", width}, {"height", height}};
  if (r.too_small) j["too_small"] = true;
  return j;
}

nlohmann::ordered_json dihedral_record(const std::string& path, const DihedralResult& r, int width,
                               int height) {
  HashResult first{r.hashes[0], r.quality, r.too_small};
  nlohmann::ordered_json j = hash_record(path, first, width, height);
  nlohmann::ordered_json d = nlohmann::ordered_json::object();
  for (int i = 0; i < 8; ++i)
    d[dihedral_name(static_cast<Dihedral>(i))] = r.hashes[static_cast<std::size_t>(i)].to_hex();
  j["dihedral"] = std::move(d);
  return j;
}

void write_record(const nlohmann::ordered_json& record) {
  // Invalid UTF-8 in file names is replaced rather than aborting the run.
  const std::string line =
      record.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace pdqguard::cli
