#!/usr/bin/env python3
"""Check image files against a hash list with the pdqguard Python binding.

    PDQGUARD_LIBRARY=build/lib/libpdqguard.so python3 examples/python/match_list.py LIST IMAGE...

Prints "IMAGE: blocked" with the matching entries, "IMAGE: clean", or, when the
library's gate stopped the query, "IMAGE: too flat to judge" / "IMAGE: too small to
judge". Exit status: 0 = all clean, 1 = something matched, 2 = errors.
"""
import sys

import pdqguard


def main(list_path, images):
    matcher = pdqguard.Matcher(lists=[list_path], dihedral=True)  # threshold: the library's default (31)
    found = errors = 0
    for image in images:
        try:
            result = matcher.match_file(image)
        except pdqguard.Error as e:
            print(f"{image}: {e.name}: {e.message}", file=sys.stderr)
            errors += 1
            continue
        if result.blocked:
            found += 1
            print(f"{image}: blocked")
            for m in result.matches:
                print(f"  {m.id} {m.label} distance {m.distance} ({m.dihedral})")
        elif result.gate == "too_small":
            print(f"{image}: too small to judge")
        elif result.gate == "below_quality":
            print(f"{image}: too flat to judge (quality {result.quality})")
        else:
            print(f"{image}: clean")
    return 2 if errors else 1 if found else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} LIST IMAGE...")
    try:
        sys.exit(main(sys.argv[1], sys.argv[2:]))
    except pdqguard.Error as e:  # the list itself could not be loaded
        print(f"{sys.argv[1]}: {e.name}: {e.message}", file=sys.stderr)
        sys.exit(2)
