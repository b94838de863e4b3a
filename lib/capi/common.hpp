// Shared plumbing of the C API: error recording and the exception firewall.
#pragma once

#include <pdqguard/error.hpp>
#include <pdqguard/pdqguard.h>

#include <cstddef>
#include <new>
#include <string>

namespace pdqguard::capi {

/// A fixed-size, allocation-free message buffer (so recording an error can
/// never itself throw). Long messages are truncated.
struct ErrorSlot {
  static constexpr std::size_t kSize = 1024;
  char text[kSize] = {};
  void set(const char* msg) noexcept;
};

/// The calling thread's last error message (pdqg_last_error()).
ErrorSlot& thread_error() noexcept;

/// Records `msg` for this thread and, when non-null, in `slot`; returns `code`.
int fail(ErrorSlot* slot, ErrorCode code, const char* msg) noexcept;
inline int fail(ErrorSlot* slot, ErrorCode code, const std::string& msg) noexcept {
  return fail(slot, code, msg.c_str());
}

/// The error slot of a hasher handle (nullptr for nullptr): for calls that take
/// a hasher beside another handle (pdqg_matcher_query_frame), which record
/// their failures in it as every call made with a hasher does.
ErrorSlot* hasher_error_slot(pdqg_hasher* hasher) noexcept;

/// As fail(), with the message "<prefix>: <msg>" when prefix is non-null.
int fail_prefixed(ErrorSlot* slot, ErrorCode code, const char* prefix, const char* msg) noexcept;

/// Runs `body` (which returns an int status), turning every exception into a
/// status with its message recorded: pdqguard::Error keeps its code,
/// std::bad_alloc becomes out_of_memory, anything else internal_error.
/// `prefix`, when non-empty, starts the message (e.g. a file path).
template <class F>
int guard(ErrorSlot* slot, F&& body, const char* prefix = nullptr) noexcept {
  try {
    return body();
  } catch (const Error& e) {
    return fail_prefixed(slot, e.code(), prefix, e.what());
  } catch (const std::bad_alloc&) {
    return fail_prefixed(slot, ErrorCode::out_of_memory, prefix, "out of memory");
  } catch (const std::exception& e) {
    return fail_prefixed(slot, ErrorCode::internal_error, prefix, e.what());
  } catch (...) {
    return fail_prefixed(slot, ErrorCode::internal_error, prefix, "unknown exception");
  }
}

}  // namespace pdqguard::capi
