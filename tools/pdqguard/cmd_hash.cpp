// pdqguard hash: decode and hash files, one JSON record per input.
#include "commands.hpp"
#include "records.hpp"

#include <pdqguard/image.hpp>

#include <memory>
#include <string>
#include <vector>

namespace pdqguard::cli {

namespace {
struct HashOptions {
  std::vector<std::string> inputs;
  bool dihedral = false;
  std::uint64_t max_pixels = DecodeOptions{}.max_pixels;
};

int run_hash(const HashOptions& o) {
  DecodeOptions dopts;
  dopts.max_pixels = o.max_pixels;
  Hasher hasher;
  bool failed = false;
  for (const std::string& path : o.inputs) {
    try {
      const DecodedImage img = decode_image_file(path, dopts);
      if (o.dihedral)
        write_record(dihedral_record(path, hasher.hash_dihedral(img.view()), img.width, img.height));
      else
        write_record(hash_record(path, hasher.hash(img.view()), img.width, img.height));
    } catch (const Error& e) {
      failed = true;
      write_record(error_record(path, e.code_name(), e.what()));
    } catch (const std::bad_alloc&) {
      failed = true;
      write_record(error_record(path, "out_of_memory", "out of memory while decoding"));
    } catch (const std::exception& e) {
      failed = true;
      write_record(error_record(path, "internal_error", e.what()));
    }
  }
  return failed ? kExitError : kExitClean;
}
}  // namespace

void add_hash_command(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<HashOptions>();
  CLI::App* cmd = app.add_subcommand("hash", "Hash image files; print one JSON record per input");
  cmd->footer(
      "Examples:\n"
      "  pdqguard hash photo.jpg\n"
      "  pdqguard hash --dihedral frames/*.ppm > hashes.jsonl\n"
      "Exit status: 0 all inputs hashed, 2 at least one input failed (an error record says why).");
  cmd->add_option("inputs", o->inputs, "Image files (JPEG, PNG, binary PPM/PGM)")->required();
  cmd->add_flag("--dihedral", o->dihedral, "Also print the 8 dihedral hashes");
  cmd->add_option("--max-pixels", o->max_pixels, "Refuse images above this many pixels")
      ->capture_default_str();
  cmd->callback([o, &run] { run = [o] { return run_hash(*o); }; });
}

}  // namespace pdqguard::cli
