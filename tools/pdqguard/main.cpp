// pdqguard: PDQ hashing and blocklist matching for images and video frames.
#include "commands.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) {
  CLI::App app{"pdqguard: PDQ perceptual hashes of images and frames, matched against blocklists"};
  app.require_subcommand(0, 1);
  std::function<int()> run;
  bool show_version = false;
  app.add_flag("--version", show_version, "Print versions and the active SIMD path");
  pdqguard::cli::add_hash_command(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : pdqguard::cli::kExitError;
  }
  try {
    if (show_version) {
      std::printf("pdqguard %s (library %s, SIMD path %s)\n", pdqguard::version(),
                  pdqguard::version(), pdqguard::isa_name(pdqguard::active_isa()));
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
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pdqguard: %s\n", e.what());
    return pdqguard::cli::kExitError;
  }
}
