// Thin C shims for the Go binding (see shim.h). No logic: each calls one C API
// function and, on failure, copies the calling thread's message.
#include "shim.h"

#include <stdlib.h>
#include <string.h>


// pdqg_last_error() is per OS thread and a goroutine may move between threads
// between two cgo calls, so each shim reads the message on the thread that
// failed and hands a malloc'd copy back (freed by Go).
char* pdqgo_err(int st) { return st == PDQG_OK ? NULL : strdup(pdqg_last_error()); }

int pdqgo_hash_file(pdqg_hasher* h, const char* path, unsigned flags, pdqg_result* out,
                           char** err) {
  int st = pdqg_hash_file(h, path, flags, out);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_hash_buffer(pdqg_hasher* h, const void* data, size_t size, unsigned flags,
                             pdqg_result* out, char** err) {
  int st = pdqg_hash_buffer(h, data, size, flags, out);
  *err = pdqgo_err(st);
  return st;
}

// The frame is assembled here, in C memory: cgo forbids passing Go memory that
// holds Go pointers (a pdqg_frame pointing at Go slices).
int pdqgo_hash_frame(pdqg_hasher* h, int format, int width, int height,
                            const uint8_t* p0, size_t s0, size_t z0,
                            const uint8_t* p1, size_t s1, size_t z1,
                            const uint8_t* p2, size_t s2, size_t z2,
                            unsigned flags, pdqg_result* out, char** err) {
  pdqg_frame f;
  memset(&f, 0, sizeof f);
  f.format = format;
  f.width = width;
  f.height = height;
  f.planes[0] = p0; f.strides[0] = s0; f.sizes[0] = z0;
  f.planes[1] = p1; f.strides[1] = s1; f.sizes[1] = z1;
  f.planes[2] = p2; f.strides[2] = s2; f.sizes[2] = z2;
  int st = pdqg_hash_frame(h, &f, flags, out);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_hash_from_hex(const char* hex, pdqg_hash* out, char** err) {
  int st = pdqg_hash_from_hex(hex, out);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_frame_plane_size(int format, int width, int height, int plane,
                                  size_t* row_bytes, size_t* rows, char** err) {
  int st = pdqg_frame_plane_size(format, width, height, plane, row_bytes, rows);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_frame_packed_size(int format, int width, int height, size_t* bytes, char** err) {
  int st = pdqg_frame_packed_size(format, width, height, bytes);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_hasher_set(pdqg_hasher* h, int param, int64_t value, char** err) {
  int st = pdqg_hasher_set(h, param, value);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_matcher_open(const char* const* lists, size_t n, const char* index,
                              pdqg_matcher** out, char** err) {
  int st = pdqg_matcher_open(lists, n, index, out);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_matcher_load(pdqg_matcher* m, const char* const* lists, size_t n,
                              const char* index, char** err) {
  int st = pdqg_matcher_load(m, lists, n, index);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_matcher_reload(pdqg_matcher* m, int if_changed, int* reloaded, char** err) {
  int st = if_changed ? pdqg_matcher_reload_if_changed(m, reloaded) : pdqg_matcher_reload(m);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_matcher_set(pdqg_matcher* m, int param, int64_t value, char** err) {
  int st = pdqg_matcher_set(m, param, value);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_matcher_query(const pdqg_matcher* m, const pdqg_result* q, pdqg_match** matches,
                               size_t* count, int* gate, char** err) {
  int st = pdqg_matcher_query(m, q, matches, count, gate);
  *err = pdqgo_err(st);
  return st;
}

int pdqgo_param_bounds(int matcher, int param, int64_t* lo, int64_t* hi, int64_t* def,
                              char** err) {
  int st = matcher ? pdqg_matcher_param_bounds(param, lo, hi, def)
                   : pdqg_hasher_param_bounds(param, lo, hi, def);
  *err = pdqgo_err(st);
  return st;
}

pdqg_match* pdqgo_match_at(pdqg_match* m, size_t i) { return m + i; }
