// SIGINT/SIGTERM: the first one asks the run to stop (records in flight are
// finished, the summary is written); a second one exits at once.
#pragma once

#include <atomic>

namespace pdqguard::cli {

/// Installs the handlers (without SA_RESTART, so a blocking read of stdin returns).
void install_signal_handlers();
/// 0 while running; the signal number once SIGINT or SIGTERM arrived.
int stop_signal() noexcept;
/// Exit status for an interrupted run: 128 + signal number (130 SIGINT, 143 SIGTERM).
inline int interrupted_status(int sig) noexcept { return 128 + sig; }

}  // namespace pdqguard::cli
