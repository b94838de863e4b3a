// Internal: shared libraries loaded when first needed (dlopen), not when the
// process starts. FFmpeg's libraries and libheif bring ~120 further libraries
// (every codec they were built with); loading them costs a process most of its
// start-up (~125 ms of CPU on the project's VMs, ~7x all the other libraries),
// which every short CLI run paid even when it met no video or HEIF file.
#pragma once

namespace pdqguard::detail {

/// Opens the shared library `soname` (e.g. "libavformat.so.59"), once per
/// process (RTLD_NOW | RTLD_LOCAL; never closed), and returns its handle.
/// `what` names what needs it, for the message. Throws
/// Error(unsupported_format) naming the library and dlerror()'s reason when it
/// cannot be loaded. Thread-safe.
void* dl_open(const char* soname, const char* what);

/// The address of `symbol` in the library `handle` (from dl_open of
/// `soname`). Throws Error(unsupported_format) when the library lacks it.
/// Thread-safe.
void* dl_symbol(void* handle, const char* soname, const char* symbol, const char* what);

}  // namespace pdqguard::detail
