/* Packaging check: a C99 program built against the *installed* pdqguard with
 * `pkg-config pdqguard` and -Wall -Wextra -Wpedantic -Werror.
 *   consumer FILE EXPECTED_HEX EXPECTED_QUALITY
 * Exits 0 only when the installed library agrees with the installed header and
 * hashes FILE to the expected values. */
#include <pdqguard/pdqguard.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "consumer.c:%d: check failed: %s\n", __LINE__, #cond); \
      ++failures;                                                          \
    }                                                                      \
  } while (0)

int main(int argc, char** argv) {
  pdqg_result r;
  pdqg_hash parsed;
  char hex[PDQG_HEX_LENGTH + 1];
  int st;
  if (argc != 4) {
    fprintf(stderr, "usage: consumer FILE EXPECTED_HEX EXPECTED_QUALITY\n");
    return 2;
  }
  CHECK(pdqg_version_number() == PDQG_VERSION_NUMBER);
  CHECK(strcmp(pdqg_version_string(), PDQG_VERSION_STRING) == 0);
  CHECK(pdqg_simd_path() != NULL);

  st = pdqg_hash_file(NULL, argv[1], 0, &r);
  CHECK(st == PDQG_OK);
  if (st == PDQG_OK) {
    CHECK(pdqg_hash_to_hex(&r.hash, hex) == PDQG_OK);
    CHECK(strcmp(hex, argv[2]) == 0);
    CHECK(r.quality == atoi(argv[3]));
    CHECK(pdqg_hash_from_hex(argv[2], &parsed) == PDQG_OK);
    CHECK(pdqg_hash_distance(&parsed, &r.hash) == 0);
    printf("%s %d %s (simd %s)\n", hex, r.quality, argv[1], pdqg_simd_path());
  }
  st = pdqg_hash_file(NULL, "/nonexistent/file.jpg", 0, &r);
  CHECK(st == PDQG_IO_ERROR);
  CHECK(strcmp(pdqg_status_name(st), "io_error") == 0);
  CHECK(strstr(pdqg_last_error(), "/nonexistent/file.jpg") != NULL);
  return failures ? 1 : 0;
}
