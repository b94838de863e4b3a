/* match_list: check image files against a hash list with the pdqguard C API.
 *
 *   match_list [-t THRESHOLD] [-d] LIST IMAGE...
 *
 * LIST is a hash list (plain hex lines, CSV/TSV with a hash column, or
 * ThreatExchange "pdq <hash>" lines). For each image prints one line
 *   "IMAGE: blocked (N matches)" followed by "  ID LABEL distance D [variant]",
 * or "IMAGE: clean" (or "IMAGE: not judged (too_small|below_quality, quality Q)":
 * the library's gate, which this program reports and never re-decides).
 * -d also tries rotated/flipped variants. Exit status: 0 = all clean,
 * 1 = something matched, 2 = errors (as clamscan). */
#include <pdqguard/pdqguard.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  int threshold = -1, dihedral = 0, i = 1, found = 0, errors = 0; /* -1: the library's default */
  pdqg_matcher* matcher = NULL;
  const char* list;
  int st;

  for (; i < argc && argv[i][0] == '-'; ++i) {
    if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
      threshold = atoi(argv[++i]);
    } else if (strcmp(argv[i], "-d") == 0) {
      dihedral = 1;
    } else {
      break;
    }
  }
  if (argc - i < 2) {
    fprintf(stderr, "usage: %s [-t THRESHOLD] [-d] LIST IMAGE...\n", argv[0]);
    return 2;
  }
  list = argv[i++];

  /* Create, set options, then load (TurboJPEG-style parameters). */
  if ((st = pdqg_matcher_create(&matcher)) != PDQG_OK ||
      (threshold >= 0 && (st = pdqg_matcher_set(matcher, PDQG_MATCHER_THRESHOLD, threshold)) != PDQG_OK) ||
      (st = pdqg_matcher_set(matcher, PDQG_MATCHER_DIHEDRAL, dihedral)) != PDQG_OK ||
      (st = pdqg_matcher_load(matcher, &list, 1, NULL)) != PDQG_OK) {
    fprintf(stderr, "%s: %s: %s\n", list, pdqg_status_name(st), pdqg_last_error());
    pdqg_matcher_free(matcher);
    return 2;
  }

  for (; i < argc; ++i) {
    pdqg_result r;
    pdqg_match* hits = NULL;
    size_t n = 0, k;
    int gate = PDQG_GATE_NONE;
    st = pdqg_hash_file(NULL, argv[i], dihedral ? PDQG_FLAG_DIHEDRAL : 0, &r);
    if (st == PDQG_OK) st = pdqg_matcher_query(matcher, &r, &hits, &n, &gate);
    if (st != PDQG_OK) {
      fprintf(stderr, "%s: %s\n", pdqg_status_name(st), pdqg_last_error());
      ++errors;
      continue;
    }
    if (n > 0) {
      ++found;
      printf("%s: blocked (%zu match%s)\n", argv[i], n, n == 1 ? "" : "es");
      for (k = 0; k < n; ++k)
        printf("  %s %s distance %d%s%s\n", hits[k].id, hits[k].label, hits[k].distance,
               hits[k].dihedral ? " " : "",
               hits[k].dihedral ? pdqg_dihedral_name(hits[k].dihedral) : "");
    } else if (gate != PDQG_GATE_NONE) {
      printf("%s: not judged (%s, quality %d)\n", argv[i], pdqg_gate_name(gate), r.quality);
    } else {
      printf("%s: clean\n", argv[i]);
    }
    pdqg_matches_free(hits);
  }
  pdqg_matcher_free(matcher);
  return errors ? 2 : found ? 1 : 0;
}
