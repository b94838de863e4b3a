// JSON-lines records printed by the CLI: one per input.
#pragma once

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace pdqguard::cli {

/// {"path", "error", "message"}
nlohmann::ordered_json error_record(const std::string& path, const char* code, const std::string& message);
/// {"path", "hash", "quality", "width", "height"[, "too_small"]}
nlohmann::ordered_json hash_record(const std::string& path, const HashResult& r, int width, int height);
/// hash_record plus "dihedral": {"original": ..., "rot90": ..., ...}
nlohmann::ordered_json dihedral_record(const std::string& path, const DihedralResult& r, int width,
                               int height);
/// Writes one record as a single line and flushes, so a killed run leaves whole lines.
void write_record(const nlohmann::ordered_json& record);

}  // namespace pdqguard::cli
