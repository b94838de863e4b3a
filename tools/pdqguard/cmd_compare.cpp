// pdqguard compare A B: the Hamming distance between two hashes, two image
// files, or a file and a hash (with --dihedral, the distance to each of the 8
// rotations/flips of the image side).
#include "commands.hpp"
#include "records.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <unistd.h>

namespace pdqguard::cli {

namespace {
struct CompareOptions {
  std::string a, b;
  bool dihedral = false;
  int threshold = kDefaultRadius;
  std::string format;
  DecodeOptions decode;
  bool read_special = false;
};

struct Side {
  std::string arg;
  bool is_file = false;
  Hash256 hash;
  std::optional<int> quality;
  std::optional<DihedralResult> dihedral;
};

Side load(const std::string& arg, const CompareOptions& o) {
  Side s;
  s.arg = arg;
  std::error_code ec;
  Hash256 h;
  if (!std::filesystem::exists(arg, ec) && Hash256::try_from_hex(arg, h)) {
    s.hash = h;
    return s;
  }
  if (!std::filesystem::exists(arg, ec) && arg.size() == 64)
    Hash256::from_hex(arg);  // throws bad_hash naming the problem
  s.is_file = true;
  const DecodedImage img = decode_image(read_file_bytes(arg, o.decode.max_bytes, o.read_special), o.decode);
  Hasher hasher;
  const DihedralResult d = hash_decoded(img, hasher, o.dihedral);
  s.hash = d.hashes[0];
  s.quality = d.quality;
  if (o.dihedral) s.dihedral = d;
  return s;
}

int run_compare(const CompareOptions& o) {
  Side a, b;
  try {
    a = load(o.a, o);
    b = load(o.b, o);
  } catch (const Error& e) {
    std::fprintf(stderr, "pdqguard compare: %s: %s\n", e.code_name(), e.what());
    return kExitError;
  }
  nlohmann::ordered_json j{{"a", a.arg}, {"b", b.arg}, {"hash_a", a.hash.to_hex()}, {"hash_b", b.hash.to_hex()}};
  if (a.quality) j["quality_a"] = *a.quality;
  if (b.quality) j["quality_b"] = *b.quality;
  const int d0 = distance(a.hash, b.hash);
  j["distance"] = d0;
  int best = d0;
  std::string best_variant = "original";
  if (o.dihedral) {
    // Rotate the image side: B's variants against A, else A's variants against B.
    const Side* img = b.dihedral ? &b : a.dihedral ? &a : nullptr;
    const Side* other = img == &b ? &a : &b;
    if (!img) {
      std::fprintf(stderr, "pdqguard compare: --dihedral needs at least one image file (two hashes cannot be rotated)\n");
      return kExitError;
    }
    nlohmann::ordered_json per = nlohmann::ordered_json::object();
    for (int v = 0; v < 8; ++v) {
      const int d = distance(other->hash, img->dihedral->hashes[static_cast<std::size_t>(v)]);
      per[dihedral_name(static_cast<Dihedral>(v))] = d;
      if (d < best) best = d, best_variant = dihedral_name(static_cast<Dihedral>(v));
    }
    j["rotated"] = img == &b ? "b" : "a";
    j["dihedral"] = std::move(per);
    j["best_variant"] = best_variant;
    j["best_distance"] = best;
  }
  j["threshold"] = o.threshold;
  j["match"] = best <= o.threshold;
  const bool table = o.format == "table" || (o.format.empty() && isatty(STDOUT_FILENO));
  if (table) {
    std::string s = "distance " + std::to_string(d0);
    if (o.dihedral) s += " (best " + std::to_string(best) + " with " + best_variant + ")";
    s += best <= o.threshold ? ": MATCH" : ": no match";
    s += " at threshold " + std::to_string(o.threshold) + "\n";
    write_line(s);
  } else {
    write_line(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
  }
  return best <= o.threshold ? kExitMatch : kExitClean;
}
}  // namespace

void add_compare_command(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* cmd = app.add_subcommand("compare", "Distance between two hashes, two images, or an image and a hash");
  cmd->footer(
      "Each of A and B is a 64-hex PDQ hash or an image file (a file of that name wins).\n"
      "Output: {\"a\",\"b\",\"hash_a\",\"hash_b\",[\"quality_a\",\"quality_b\"],\"distance\","
      "[\"rotated\",\"dihedral\":{variant:distance},\"best_variant\",\"best_distance\"],"
      "\"threshold\",\"match\"}\n"
      "Examples:\n"
      "  pdqguard compare a.jpg b.jpg\n"
      "  pdqguard compare --dihedral upload.png f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n"
      "Exit status: 1 within --threshold (a match), 0 not within, 2 an error.");
  cmd->add_option("a", o->a, "Hash or image file")->required();
  cmd->add_option("b", o->b, "Hash or image file")->required();
  cmd->add_flag("--dihedral", o->dihedral, "Distances to the 8 rotations/flips of the image side");
  cmd->add_option("--threshold", o->threshold, "Distance counted as a match (exit status 1)")
      ->capture_default_str()
      ->check(CLI::Range(kMinRadius, kMaxRadius));
  cmd->add_option("-f,--format", o->format, "jsonl (default when not a terminal) or table")
      ->check(CLI::IsMember({"jsonl", "table"}));
  cmd->add_flag("--fast", o->decode.fast, "JPEG: fast reduced-scale decode");
  cmd->add_option("--max-pixels", o->decode.max_pixels, "Refuse images above this many pixels")
      ->capture_default_str()
      ->check(CLI::Range(DecodeOptions::kMinLimit, DecodeOptions::kMaxLimit));
  cmd->add_flag("--apply-exif-orientation", o->decode.apply_exif_orientation, "JPEG/PNG: apply EXIF orientation");
  cmd->add_flag("--read-special", o->read_special,
                "Read a FIFO or device given as A or B (refused with not_a_file otherwise)");
  cmd->callback([o, &run] { run = [o] { return run_compare(*o); }; });
}

}  // namespace pdqguard::cli
