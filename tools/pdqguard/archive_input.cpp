#include "archive_input.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <cstring>
#include <optional>

namespace pdqguard::cli {

namespace {
struct Stopped {};  // thrown through archive_walk_file when `submit` refuses
}  // namespace

ArchiveExpansion expand_archive(const WorkItem& w, const ArchiveOptions& opts, BytePool& pool,
                                const std::function<bool(const std::string& path)>& wanted,
                                const std::function<bool(WorkItem&&)>& submit,
                                std::shared_ptr<ArchiveCountdown>& countdown) {
  std::uint8_t head[512];
  const std::size_t n = read_file_head(w.path, head);
  if (n == 0 || !is_archive(std::span<const std::uint8_t>(head, n))) return ArchiveExpansion::not_an_archive;
  countdown = std::make_shared<ArchiveCountdown>();
  const auto give = [&](WorkItem&& item) {
    item.kind = InputKind::file;
    item.archive = countdown;
    countdown->left.fetch_add(1, std::memory_order_relaxed);
    if (!submit(std::move(item))) throw Stopped{};
  };
  const auto error_item = [](const std::string& path, const char* code, std::string message) {
    WorkItem e;
    e.path = path;
    e.error = code;
    e.message = std::move(message);
    return e;
  };
  std::optional<WorkItem> failed;  // the whole archive's error, if the walk throws one
  try {
    archive_walk_file(w.path, opts, [&](const ArchiveMember& m) {
      if (!wanted(m.path)) return;
      if (m.error != ErrorCode::ok) {
        give(error_item(m.path, error_code_name(m.error), m.message));
        return;
      }
      WorkItem item;
      item.path = m.path;
      item.member = pool.acquire(m.data.size());
      if (!m.data.empty()) std::memcpy(item.member.data(), m.data.data(), m.data.size());
      give(std::move(item));
    });
  } catch (const Stopped&) {
    return ArchiveExpansion::stopped;
  } catch (const Error& e) {
    failed = error_item(w.path, e.code_name(), e.what());
  } catch (const std::bad_alloc&) {
    failed = error_item(w.path, "out_of_memory", "out of memory while reading the archive");
  }
  if (failed) try {
    give(std::move(*failed));
  } catch (const Stopped&) {
    return ArchiveExpansion::stopped;
  }
  return ArchiveExpansion::walked;
}

}  // namespace pdqguard::cli
