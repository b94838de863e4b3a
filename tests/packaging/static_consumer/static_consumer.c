/* Packaging check: a C99 program linked against the *static* libpdqguard.a of an
 * installed pdqguard (tests/packaging/static_check.sh builds it with
 * `pkg-config --static` and with CMake's pdqguard::pdqguard_static).
 *   static_consumer SAMPLE_DIR EXPECTED_HEX
 * SAMPLE_DIR is examples/sample-data/images; EXPECTED_HEX the hash of
 * sunny-shapes.ppm (examples/sample-data/blocklist.csv). It decodes a PPM, a PNG
 * (libpng, zlib) and a JPEG (libjpeg), and creates a matcher (index files:
 * libxxhash), so that every private dependency must be on the link line. */
#include <pdqguard/pdqguard.h>

#include <stdio.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      fprintf(stderr, "static_consumer.c:%d: check failed: %s (%s)\n", __LINE__, #cond, \
              pdqg_last_error());                                                   \
      ++failures;                                                                   \
    }                                                                               \
  } while (0)

static int hash_of(const char* dir, const char* name, pdqg_result* r) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return pdqg_hash_file(NULL, path, 0, r);
}

int main(int argc, char** argv) {
  pdqg_result ppm, png, png_ref, jpg;
  pdqg_hash want;
  pdqg_matcher* m = NULL;
  char hex[PDQG_HEX_LENGTH + 1];
  if (argc != 3) {
    fprintf(stderr, "usage: static_consumer SAMPLE_DIR EXPECTED_HEX\n");
    return 2;
  }
  CHECK(pdqg_version_number() == PDQG_VERSION_NUMBER);
  CHECK(pdqg_hash_from_hex(argv[2], &want) == PDQG_OK);
  CHECK(hash_of(argv[1], "sunny-shapes.ppm", &ppm) == PDQG_OK);
  CHECK(pdqg_hash_distance(&ppm.hash, &want) == 0);
  /* the same pixels through libpng and zlib: the same hash */
  CHECK(hash_of(argv[1], "blue-shapes.png", &png) == PDQG_OK);
  CHECK(hash_of(argv[1], "blue-shapes.ppm", &png_ref) == PDQG_OK);
  CHECK(pdqg_hash_distance(&png.hash, &png_ref.hash) == 0);
  /* a JPEG re-encode through libjpeg: near the original */
  CHECK(hash_of(argv[1], "sunny-shapes-reencoded.jpg", &jpg) == PDQG_OK);
  CHECK(pdqg_hash_distance(&jpg.hash, &want) <= 31);
  CHECK(pdqg_matcher_create(&m) == PDQG_OK);
  pdqg_matcher_free(m);
  CHECK(pdqg_hash_to_hex(&ppm.hash, hex) == PDQG_OK);
  printf("%s %s\n", hex, pdqg_simd_path());
  return failures ? 1 : 0;
}
