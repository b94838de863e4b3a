// Headroom for reporting out-of-memory. Under a tight memory limit (`ulimit -v`,
// a cgroup) an allocation can fail half-way through rendering a record, and some
// code on the unwinding path (nlohmann::json's destructor) allocates in a
// noexcept function, which would abort the process. A reserve block is kept;
// the first failing allocation frees it (a std::new_handler) and is retried, so
// the record in progress completes and the run goes on to report the problem.
#pragma once

namespace pdqguard::cli {

/// Allocates the reserve (if not held) and installs the new-handler. Cheap when
/// already armed; call once per record so the reserve is back after an episode.
/// Thread-safe. Never throws (without memory it stays disarmed).
void oom_reserve_arm() noexcept;

}  // namespace pdqguard::cli
