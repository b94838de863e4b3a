#include "archive_input.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <chrono>
#include <cstring>
#include <optional>

namespace pdqguard::cli {

namespace {
struct Stopped {};  // thrown through archive_walk_file when `proceed` refuses
}  // namespace

ArchiveExpansion expand_archive(const WorkItem& w, const ArchiveOptions& opts, BytePool& pool,
                                const ArchiveHandoff& h, std::shared_ptr<ArchiveCountdown>& countdown) {
  ArchiveExpansion x;
  std::uint8_t head[512];
  const std::size_t n = read_file_head(w.path, head);
  if (n == 0 || !is_archive(std::span<const std::uint8_t>(head, n))) return x;
  countdown = std::make_shared<ArchiveCountdown>();
  const auto give = [&](WorkItem&& item) {
    item.seq = w.seq;
    item.part = x.parts;
    item.kind = InputKind::file;
    item.archive = countdown;
    countdown->left.fetch_add(1, std::memory_order_relaxed);
    ++x.parts;
    // Full: hash a queued member here, then try again (if another worker took
    // one meanwhile, help() finds none and the next try has room).
    while (!h.try_push(item)) h.help();
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
      if (!h.wanted(m.path)) return;
      if (!h.proceed()) throw Stopped{};
      if (m.error != ErrorCode::ok) {
        give(error_item(m.path, error_code_name(m.error), m.message));
        return;
      }
      WorkItem item;
      item.path = m.path;
      // The memory budget: while it is spent, hash queued members here (they
      // give their buffers back), or wait for other workers to.
      for (;;) {
        item.member = pool.try_acquire(m.data.size());
        if (item.member.data() != nullptr) break;
        if (!h.help()) pool.wait_for_return(std::chrono::milliseconds(10));
        if (!h.proceed()) throw Stopped{};
      }
      if (!m.data.empty()) std::memcpy(item.member.data(), m.data.data(), m.data.size());
      give(std::move(item));
    });
  } catch (const Stopped&) {
    x.outcome = ArchiveExpansion::stopped;
    return x;
  } catch (const Error& e) {
    failed = error_item(w.path, e.code_name(), e.what());
  } catch (const std::bad_alloc&) {
    failed = error_item(w.path, "out_of_memory", "out of memory while reading the archive");
  }
  if (failed) give(std::move(*failed));
  x.outcome = ArchiveExpansion::walked;
  return x;
}

}  // namespace pdqguard::cli
