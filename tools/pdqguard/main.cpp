// pdqguard: PDQ hashing and blocklist matching for images and video frames.
#include "commands.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <cstdio>
#include <exception>
#include <new>
#include <string>

namespace {
int run_main(int argc, char** argv) {
  CLI::App app{"pdqguard: PDQ perceptual hashes of images and frames, matched against blocklists"};
  app.require_subcommand(0, 1);
  app.footer(
      "Exit status (scan/match): 0 clean, 1 match found, 2 errors only, 130/143 interrupted.\n"
      "Run 'pdqguard SUBCOMMAND --help' for examples.");
  std::function<int()> run;
  bool show_version = false;
  app.add_flag("--version", show_version, "Print versions, the active SIMD path and the decoders");
  pdqguard::cli::add_hash_command(app, run);
  pdqguard::cli::add_scan_commands(app, run);
  pdqguard::cli::add_compare_command(app, run);
  pdqguard::cli::add_index_command(app, run);
  pdqguard::cli::add_video_commands(app, run);
  pdqguard::cli::add_report_command(app, run);
  pdqguard::cli::add_merge_command(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : pdqguard::cli::kExitError;
  }
  try {
    if (show_version) {
      std::fputs(pdqguard::cli::version_text().c_str(), stdout);
      return 0;
    }
    if (!run) {
      std::fputs(app.help().c_str(), stderr);
      return pdqguard::cli::kExitError;
    }
    return run();
  } catch (const pdqguard::Error& e) {
    std::fprintf(stderr, "pdqguard: %s: %s\n", e.code_name(), e.what());
    return pdqguard::cli::kExitError;
  } catch (const std::bad_alloc&) {
    throw;  // reported by main as out_of_memory
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pdqguard: %s\n", e.what());
    return pdqguard::cli::kExitError;
  }
}
}  // namespace

// Out of memory anywhere (e.g. under `ulimit -v`, before the commands' own handlers
// are reached) is reported and exits 2, never std::terminate's abort.
int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("pdqguard: out_of_memory: out of memory\n", stderr);
    return pdqguard::cli::kExitError;
  }
}
