#!/usr/bin/env python3
"""Rebuilds this golden test set from the shared reference corpus.

    tests/data/make.py [CORPUS]        (default: ../shared/corpus beside the repository)

Copies the files listed below byte for byte, with their rows of expected.csv and
raw/expected.csv unchanged, and writes the derived EXIF files (see README.md).
"""
import csv
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../shared/corpus")

# images/: one file per decode rule (README.md says which rule each covers).
IMAGES = [
    "bridge-mods/aaa-orig.jpg",
    "bridge-mods/shrink-a-lot.jpg",
    "reg-test-input/dih/bridge-2-rotate-90.jpg",
    "misc-images/wee.jpg",
    "misc-images/small.jpg",
    "misc-images/modes/CMYK.jpg",
    "reg-test-input/labelme-subset/q0003.jpg",
    "reg-test-input/labelme-subset/q0746.jpg",
    "misc-images/modes/1.png",
    "misc-images/modes/P.png",
    "reg-test-input/pen-and-coaster.png",
]
# raw/: every synthetic vector but the two large ones, and the small decoded images.
RAW_SKIP = {"synthetic/size_3000x2000_gray.pgm", "synthetic/size_1500x1000_rgb.ppm"}
RAW_DECODED = {
    "decoded/bridge-mods__shrink-a-lot.ppm",
    "decoded/bridge-mods__square-128x128.ppm",
    "decoded/misc-images__small.ppm",
    "decoded/misc-images__wee.ppm",
    "decoded/reg-test-input__labelme-subset__q0003.ppm",
    "decoded/reg-test-input__labelme-subset__q0746.ppm",
}
# Derived: shrink-a-lot.jpg with its EXIF Orientation value (a big-endian SHORT at
# byte 48, the first IFD0 entry, tag 0x0112, value 1) set to 3, 6 and 8. Only that
# APP1 byte changes; the entropy-coded data, hence the decoded pixels and the
# reference's hash of the stored pixels, are those of the source row.
EXIF_SOURCE = "bridge-mods/shrink-a-lot.jpg"
EXIF_OFFSET = 48
EXIF_ORIENTATIONS = (3, 6, 8)


def read_rows(path):
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


def write_rows(path, fields, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def copy(src_root, rel, dst_root):
    dst = os.path.join(dst_root, rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(os.path.join(src_root, rel), dst)


def main():
    fields, rows = read_rows(os.path.join(CORPUS, "expected.csv"))
    by_rel = {r["relative_path"]: r for r in rows}
    out = [by_rel[rel] for rel in IMAGES]
    for rel in IMAGES:
        copy(os.path.join(CORPUS, "images"), rel, os.path.join(HERE, "images"))
    src = open(os.path.join(CORPUS, "images", EXIF_SOURCE), "rb").read()
    assert src[40:42] == b"\x01\x12" and src[EXIF_OFFSET:EXIF_OFFSET + 2] == b"\x00\x01", "unexpected EXIF layout"
    for o in EXIF_ORIENTATIONS:
        rel = f"derived/exif-rotn/shrink-a-lot-orientation-{o}.jpg"
        path = os.path.join(HERE, "images", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = bytearray(src)
        data[EXIF_OFFSET:EXIF_OFFSET + 2] = o.to_bytes(2, "big")
        with open(path, "wb") as f:
            f.write(data)
        row = dict(by_rel[EXIF_SOURCE], relative_path=rel)
        row["note"] = f"derived from {EXIF_SOURCE}: EXIF orientation {o} ignored (stored pixel order)"
        out.append(row)
    write_rows(os.path.join(HERE, "expected.csv"), fields, out)

    fields, rows = read_rows(os.path.join(CORPUS, "raw", "expected.csv"))
    keep = [r for r in rows if (r["relative_path"].startswith("synthetic/") and r["relative_path"] not in RAW_SKIP)
            or r["relative_path"] in RAW_DECODED]
    for r in keep:
        copy(os.path.join(CORPUS, "raw"), r["relative_path"], os.path.join(HERE, "raw"))
    write_rows(os.path.join(HERE, "raw", "expected.csv"), fields, keep)
    print(f"{len(out)} images, {len(keep)} raw vectors")


if __name__ == "__main__":
    main()
