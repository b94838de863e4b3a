/* hash_file: print the PDQ hash and quality of image files with the pdqguard C API.
 *
 *   hash_file [--dihedral] FILE...
 *
 * Prints "HASH QUALITY FILE" per file (with --dihedral, the 8 dihedral hashes
 * follow on indented lines). Errors go to stderr as "FILE: status_name: message".
 * Exit status: 0 when every file was hashed, 2 when any failed. */
#include <pdqguard/pdqguard.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  unsigned flags = 0;
  int first = 1, failures = 0, i, d;
  pdqg_hasher* hasher = NULL;

  if (argc > 1 && strcmp(argv[1], "--dihedral") == 0) {
    flags |= PDQG_FLAG_DIHEDRAL;
    first = 2;
  }
  if (first >= argc) {
    fprintf(stderr, "usage: %s [--dihedral] FILE...\n", argv[0]);
    return 2;
  }
  /* One hasher reuses its scratch memory across files (optional: NULL works too). */
  if (pdqg_hasher_create(&hasher) != PDQG_OK) {
    fprintf(stderr, "%s\n", pdqg_last_error());
    return 2;
  }
  for (i = first; i < argc; ++i) {
    pdqg_result r;
    char hex[PDQG_HEX_LENGTH + 1];
    int st = pdqg_hash_file(hasher, argv[i], flags, &r);
    if (st != PDQG_OK) {
      /* The message already starts with the file name. */
      fprintf(stderr, "%s: %s\n", pdqg_status_name(st), pdqg_hasher_error(hasher));
      ++failures;
      continue;
    }
    pdqg_hash_to_hex(&r.hash, hex);
    printf("%s %d %s%s\n", hex, r.quality, argv[i], r.too_small ? " (too small to hash)" : "");
    for (d = 0; r.has_dihedral && d < 8; ++d) {
      pdqg_hash_to_hex(&r.dihedral[d], hex);
      printf("  %-10s %s\n", pdqg_dihedral_name(d), hex);
    }
  }
  pdqg_hasher_free(hasher);
  return failures ? 2 : 0;
}
