// pdqguard index build|info|verify: versioned, checksummed, memory-mapped index
// files built from hash lists (the format belongs to the matching library).
#include "commands.hpp"
#include "lists.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/index.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <unistd.h>

namespace pdqguard::cli {

namespace {
struct IndexOptions {
  ListOptions lists;
  std::string output;
  std::string file;
  int mih_substrings = 0;
  bool quiet = false;
};

nlohmann::ordered_json info_json(const IndexInfo& i) {
  nlohmann::ordered_json lists = nlohmann::ordered_json::array();
  for (const ListInfo& l : i.lists) lists.push_back({{"name", l.name}, {"entries", l.entries}});
  char cs[17];
  std::snprintf(cs, sizeof cs, "%016llx", static_cast<unsigned long long>(i.checksum));
  return nlohmann::ordered_json{{"format_version", i.format_version},
                                {"kind", index_kind_name(i.kind)},
                                {"description", i.description},
                                {"slots", i.slots},
                                {"entries", i.entries},
                                {"lists", std::move(lists)},
                                {"file_size", i.file_size},
                                {"checksum_xxh3", cs},
                                {"memory_bytes", i.memory_bytes}};
}

void print_json(nlohmann::ordered_json j) {
  const std::string s =
      j.dump(isatty(STDOUT_FILENO) ? 2 : -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

int run_build(const IndexOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  ListOptions lo = o.lists;
  lo.index.clear();
  lo.mih_substrings = o.mih_substrings;
  const std::shared_ptr<const Matcher> m = load_lists(lo, o.quiet).matcher;
  m->save(o.output);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::ordered_json j = info_json(index_file_info(o.output));
  j["path"] = o.output;
  j["build_seconds"] = s;
  print_json(std::move(j));
  return kExitClean;
}

}  // namespace

void add_index_command(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand("index", "Build, describe and verify index files");
  cmd->require_subcommand(1);
  cmd->footer(
      "Examples:\n"
      "  pdqguard index build known.csv extra.txt -o known.pdqi\n"
      "  pdqguard index info known.pdqi\n"
      "  pdqguard index verify known.pdqi && pdqguard scan --index known.pdqi /mnt/dump\n"
      "Exit status: 0 done / file sound, 2 an error (list_parse_error, io_error, index_corrupt).");

  auto b = std::make_shared<IndexOptions>();
  CLI::App* build = cmd->add_subcommand("build", "Parse hash lists and write an index file");
  build->footer(
      "Lists: plain hex lines, CSV/TSV with a header naming the hash column, HMA exports, "
      "python-threatexchange files. A malformed line refuses the list (--lenient: skipped and reported).\n"
      "Prints the new file's info as JSON.\nExample:\n  pdqguard index build known.csv -o known.pdqi");
  build->add_option("lists", b->lists.lists, "Hash list files")->required();
  build->add_option("-o,--output", b->output, "Index file to write (replaced atomically)")->required();
  build->add_option("--index-kind", b->lists.index_kind, "auto, flat, bktree or mih")->capture_default_str();
  build->add_option("--mih-substrings", b->mih_substrings, "mih/auto: substrings (0 = from the list size)")
      ->check(CLI::Range(kMinMihSubstrings, kMaxMihSubstrings));
  add_list_policy_options(build, b->lists);
  build->add_flag("-q,--quiet", b->quiet, "Do not list each skipped line");
  build->callback([b, &run] { run = [b] { return run_build(*b); }; });

  auto i = std::make_shared<IndexOptions>();
  CLI::App* info = cmd->add_subcommand("info", "Print an index file's header and lists as JSON (fast, no checksum)");
  info->footer("Example:\n  pdqguard index info known.pdqi");
  info->add_option("file", i->file, "Index file")->required();
  info->callback([i, &run] {
    run = [i] {
      nlohmann::ordered_json j = info_json(index_file_info(i->file));
      j["path"] = i->file;
      print_json(std::move(j));
      return kExitClean;
    };
  });

  auto v = std::make_shared<IndexOptions>();
  CLI::App* verify = cmd->add_subcommand(
      "verify", "Check an index file completely (header, checksum, structure); exit 0 if sound");
  verify->footer("Example:\n  pdqguard index verify known.pdqi || echo 'rebuild it'");
  verify->add_option("file", v->file, "Index file")->required();
  verify->callback([v, &run] {
    run = [v] {
      try {
        nlohmann::ordered_json j = info_json(verify_index_file(v->file));
        j["path"] = v->file;
        j["ok"] = true;
        print_json(std::move(j));
        return kExitClean;
      } catch (const Error& e) {
        print_json(nlohmann::ordered_json{{"path", v->file}, {"ok", false}, {"error", e.code_name()}, {"message", e.what()}});
        return kExitError;
      }
    };
  });
}

}  // namespace pdqguard::cli
