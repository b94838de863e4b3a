// pdqguard hash: decode and hash inputs, one record per input.
#include "commands.hpp"
#include "engine.hpp"

#include <memory>

namespace pdqguard::cli {

void add_hash_command(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<EngineOptions>();
  o->command = "hash";
  CLI::App* cmd = app.add_subcommand("hash", "Hash images, videos (or raw frames); one record per input");
  cmd->footer(
      "Records (JSON lines): {\"path\",\"format\",\"hash\",\"quality\",\"width\",\"height\"} "
      "(+ \"too_small\", \"warnings\", \"dihedral\" when they apply), or an error record "
      "{\"path\",\"error\",\"message\"}. A video (recognised by content) gets one record: its "
      "first hashed frame's hash and quality, \"frames_hashed\" and \"duration\" (one frame per "
      "--seconds-per-hash; `pdqguard video hash` prints every hashed frame).\n"
      "Examples:\n"
      "  pdqguard hash photo.jpg\n"
      "  pdqguard hash --dihedral -t 4 photos/ > hashes.jsonl\n"
      "  find dump -name '*.jpg' -print0 | pdqguard hash -0 - > hashes.jsonl\n"
      "  ffmpeg -i clip.mp4 -f rawvideo -pix_fmt yuv420p - | pdqguard hash --raw yuv420p --size 1280x720 -\n"
      "  ffmpeg -i clip.mp4 -f rawvideo -pix_fmt rgb24 -sws_flags area - | pdqguard hash --raw rgb24 "
      "--size 1280x720 --fps 30 -   # vPDQ's sampling: one frame per second\n"
      "Exit status: 0 every input hashed, 2 at least one error record, 130/143 interrupted.");
  add_pipeline_options(cmd, *o);
  cmd->callback([o, &run] {
    if (o->inputs.empty() && o->raw_format.empty()) throw CLI::RequiredError("inputs");
    run = [o] { return run_engine(*o); };
  });
}

}  // namespace pdqguard::cli
