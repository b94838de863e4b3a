/*
 * pdqguard_testing.h — test and benchmark hooks of the pdqguard C library (C99).
 *
 * UNSTABLE, FOR TESTS. Nothing declared here is part of the stable C API of
 * pdqguard.h: a function may change or disappear in any release, without a
 * SONAME change. Production code should not include this header. The functions
 * are exported by the shared library (so that tests and the Python binding's
 * test helpers can reach them) and follow pdqguard.h's conventions (status
 * codes, pdqg_last_error()).
 */
#ifndef PDQGUARD_TESTING_H
#define PDQGUARD_TESTING_H

#include <pdqguard/pdqguard.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Forces the SIMD path ("scalar", "avx2", "avx512") for all later hashing and
 *  matching in the process, over PDQGUARD_ISA — for tests and benchmarks that
 *  prove the paths agree. pdqg_simd_path() then reports it.
 *  Errors: PDQG_INVALID_ARGUMENT (name NULL), PDQG_UNSUPPORTED_ISA (unknown
 *  name, or the CPU/build lacks it). NOT thread-safe: call it while no other
 *  thread hashes or matches. */
PDQGUARD_API int pdqg_set_simd_path(const char* name);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PDQGUARD_TESTING_H */
