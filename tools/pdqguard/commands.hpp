// The pdqguard CLI: one function per subcommand, registered on a CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace pdqguard::cli {

/// Exit statuses, as clamscan: 0 clean, 1 something matched, 2 errors (a match
/// wins over errors: 1 when both happened). An interrupted run (SIGINT/SIGTERM)
/// exits 128 + the signal number (130, 143), whatever it found.
inline constexpr int kExitClean = 0;
inline constexpr int kExitMatch = 1;
inline constexpr int kExitError = 2;

/// Each adds one subcommand to `app`; when it is chosen, `run` is set to a
/// callback that runs it and returns the exit status.
void add_hash_command(CLI::App& app, std::function<int()>& run);
void add_scan_commands(CLI::App& app, std::function<int()>& run);  // scan and match
void add_compare_command(CLI::App& app, std::function<int()>& run);
void add_index_command(CLI::App& app, std::function<int()>& run);
void add_video_commands(CLI::App& app, std::function<int()>& run);  // video hash / match
void add_report_command(CLI::App& app, std::function<int()>& run);  // report (cmd_report.cpp)
void add_merge_command(CLI::App& app, std::function<int()>& run);   // merge (cmd_merge.cpp)

/// The --version text.
std::string version_text();

}  // namespace pdqguard::cli
