// The pdqguard CLI: one function per subcommand, registered on a CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace pdqguard::cli {

/// Exit statuses, as clamscan: 0 clean, 1 something matched, 2 errors.
inline constexpr int kExitClean = 0;
inline constexpr int kExitMatch = 1;
inline constexpr int kExitError = 2;

/// Adds the `hash` subcommand to `app`; the returned callback runs it and gives
/// the exit status.
void add_hash_command(CLI::App& app, std::function<int()>& run);

}  // namespace pdqguard::cli
