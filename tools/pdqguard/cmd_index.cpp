// pdqguard index build|info|verify: placeholder until the matching library lands.
#include "commands.hpp"

#include <cstdio>

namespace pdqguard::cli {

void add_index_command(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand("index", "Build, describe and verify index files");
  cmd->callback([&run] {
    run = [] {
      std::fputs("pdqguard index: not available in this build (needs the matching library)\n", stderr);
      return 2;
    };
  });
}

}  // namespace pdqguard::cli
