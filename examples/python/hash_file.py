#!/usr/bin/env python3
"""Print the PDQ hash and quality of image files with the pdqguard Python binding.

    PDQGUARD_LIBRARY=build/lib/libpdqguard.so python3 examples/python/hash_file.py FILE...

Prints "HASH QUALITY FILE" per file; errors go to stderr as "FILE: name: message".
Exit status: 0 when every file was hashed, 2 when any failed.
"""
import sys

import pdqguard


def main(paths):
    failures = 0
    for path in paths:
        try:
            r = pdqguard.hash_file(path)
        except pdqguard.Error as e:
            print(f"{path}: {e.name}: {e.message}", file=sys.stderr)
            failures += 1
            continue
        note = " (too small to hash)" if r.too_small else ""
        print(f"{r.hash.hex} {r.quality} {path}{note}")
    return 2 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} FILE...")
    sys.exit(main(sys.argv[1:]))
