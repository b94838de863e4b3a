/* The C API headers (the stable one and the unstable test hooks) compile as
 * strict C99 (no C++ constructs, no extensions) and link against the shared
 * library from C; a few calls prove the link works. */
#include <pdqguard/pdqguard.h>
#include <pdqguard/pdqguard_testing.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  pdqg_frame f = {0};
  pdqg_result r;
  unsigned char px[8 * 8];
  int st, i;
  for (i = 0; i < 64; ++i) px[i] = (unsigned char)(i * 37);
  f.format = PDQG_FORMAT_GRAY8;
  f.width = 8;
  f.height = 8;
  f.planes[0] = px;
  f.sizes[0] = sizeof px;
  st = pdqg_hash_frame(NULL, &f, PDQG_FLAG_DIHEDRAL, &r);
  if (st != PDQG_OK || r.has_dihedral != 1 || pdqg_hash_distance(&r.hash, &r.dihedral[0]) != 0) {
    fprintf(stderr, "hash_frame: %s %s\n", pdqg_status_name(st), pdqg_last_error());
    return 1;
  }
  f.sizes[0] = sizeof px - 1;
  if (pdqg_hash_frame(NULL, &f, 0, &r) != PDQG_INVALID_ARGUMENT) return 1;
  if (strcmp(pdqg_status_name(PDQG_INVALID_ARGUMENT), "invalid_argument") != 0) return 1;
  if (pdqg_status_is_transient(PDQG_IO_ERROR) != 1 || pdqg_status_is_transient(PDQG_DECODE_ERROR) != 0) return 1;
  if (pdqg_set_simd_path("scalar") != PDQG_OK || strcmp(pdqg_simd_path(), "scalar") != 0) return 1;
  printf("C99 header OK, pdqguard %s (%u), simd %s\n", pdqg_version_string(),
         pdqg_version_number(), pdqg_simd_path());
  return 0;
}
