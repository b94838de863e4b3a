/* shim.h — C shims of the Go binding over pdqguard.h.
 * pdqg_last_error() is per OS thread and a goroutine may move between threads
 * between two cgo calls, so each shim calls one pdqg_ function and, when it
 * fails, stores a malloc'd copy of the message in *err (NULL on success; the
 * Go side frees it). Frames are assembled in C memory because cgo forbids
 * passing Go memory that holds Go pointers (a pdqg_frame pointing at slices). */
#ifndef PDQGUARD_GO_SHIM_H
#define PDQGUARD_GO_SHIM_H
#include <pdqguard/pdqguard.h>

char* pdqgo_err(int st);
int pdqgo_hash_file(pdqg_hasher* h, const char* path, unsigned flags, pdqg_result* out,
                           char** err);
int pdqgo_hash_buffer(pdqg_hasher* h, const void* data, size_t size, unsigned flags,
                             pdqg_result* out, char** err);
int pdqgo_hash_frame(pdqg_hasher* h, int format, int width, int height,
                            const uint8_t* p0, size_t s0, size_t z0,
                            const uint8_t* p1, size_t s1, size_t z1,
                            const uint8_t* p2, size_t s2, size_t z2,
                            unsigned flags, pdqg_result* out, char** err);
int pdqgo_hash_from_hex(const char* hex, pdqg_hash* out, char** err);
int pdqgo_frame_plane_size(int format, int width, int height, int plane,
                                  size_t* row_bytes, size_t* rows, char** err);
int pdqgo_frame_packed_size(int format, int width, int height, size_t* bytes, char** err);
int pdqgo_hasher_set(pdqg_hasher* h, int param, int64_t value, char** err);
int pdqgo_matcher_open(const char* const* lists, size_t n, const char* index,
                              pdqg_matcher** out, char** err);
int pdqgo_matcher_load(pdqg_matcher* m, const char* const* lists, size_t n,
                              const char* index, char** err);
int pdqgo_matcher_reload(pdqg_matcher* m, int if_changed, int* reloaded, char** err);
int pdqgo_matcher_set(pdqg_matcher* m, int param, int64_t value, char** err);
int pdqgo_matcher_query(const pdqg_matcher* m, const pdqg_result* q, pdqg_match** matches,
                               size_t* count, int* gate, char** err);
int pdqgo_param_bounds(int matcher, int param, int64_t* lo, int64_t* hi, int64_t* def,
                              char** err);
pdqg_match* pdqgo_match_at(pdqg_match* m, size_t i);

#endif
