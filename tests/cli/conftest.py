"""Fixtures for the pdqguard CLI end-to-end tests.

PDQGUARD_BIN (the built binary) and PDQGUARD_CORPUS (the test data) come from CTest.
PDQGUARD_CORPUS is the golden set tests/data (in the repository), or with
PDQGUARD_TEST_DATA=corpus the full shared corpus: then a missing folder ends the run
with exit status 77, which CTest reports as skipped. Tests that need a file only the
full corpus has call need(...).
"""
import csv
import json
import os
import shutil
import struct
import subprocess
import zlib

import pytest

BIN = os.environ.get("PDQGUARD_BIN", "")
CORPUS = os.environ.get("PDQGUARD_CORPUS", "")
FULL_CORPUS = os.environ.get("PDQGUARD_TEST_DATA") == "corpus"


def need(*rels):
    """Skips the calling test (or fixture) unless the data set has every file `rels`."""
    missing = [r for r in rels if not os.path.exists(os.path.join(CORPUS, r))]
    if missing:
        pytest.skip(f"needs {missing[0]} of the full shared corpus (runs in the *_corpus CTest entries)")


def exif_image(o):
    """Path under images/ of a JPEG with EXIF orientation o (1, 6, 8): as tests/common/corpus.hpp."""
    if FULL_CORPUS:
        return f"reg-test-input/exif-rotn/exif-rotn-{o}.jpg"
    return "bridge-mods/shrink-a-lot.jpg" if o == 1 else f"derived/exif-rotn/shrink-a-lot-orientation-{o}.jpg"


def run(args, stdin=None, check_rc=None, timeout=120):
    """Runs pdqguard; returns (rc, parsed JSON records, raw stdout, stderr)."""
    p = subprocess.run([BIN] + [str(a) for a in args], input=stdin, capture_output=True, timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    recs = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    if check_rc is not None:
        assert p.returncode == check_rc, p.stderr.decode()
    return p.returncode, recs, out, p.stderr.decode("utf-8", "replace")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def dist(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def png_chunk(kind, data):
    """One PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def png(width, height, idat, color_type=0, before=b"", after=b""):
    """An 8-bit PNG: IHDR, the encoded chunks `before`, one IDAT of `idat`, `after`, IEND."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + before + png_chunk(b"IDAT", idat) + after +
            png_chunk(b"IEND", b""))


def expected_rows(name):
    with open(os.path.join(CORPUS, name)) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session", autouse=True)
def _check_env():
    if not BIN or not os.path.exists(BIN):
        pytest.exit("PDQGUARD_BIN must name the built pdqguard binary", 2)
    if FULL_CORPUS and not os.path.isdir(CORPUS):
        pytest.exit(f"shared corpus not found at {CORPUS}: skipped", 77)
    if not CORPUS or not os.path.isdir(CORPUS):
        pytest.exit("PDQGUARD_CORPUS must name the test data (tests/data or shared/corpus)", 2)


class Tree:
    """A scan tree: good files, damaged files, special files, and a list."""


@pytest.fixture(scope="session")
def tree(tmp_path_factory):
    need("raw/synthetic/size_1500x1000_rgb.ppm", "images/misc-images/c.png", "raw/decoded/bridge-mods__aaa-orig.ppm")
    root = tmp_path_factory.mktemp("scan")
    t = Tree()
    t.root = root / "dump"
    good = t.root / "good" / "nested" / "deeper"
    good.mkdir(parents=True)
    bad = t.root / "bad"
    bad.mkdir()
    t.expected = {}  # path -> (hash, quality) for files whose hash is known exactly
    # Decoded corpus images (PPM/PGM): known hashes from raw/expected.csv.
    for row in expected_rows("raw/expected.csv"):
        rel = row["relative_path"]
        if not rel.startswith("decoded/"):
            continue
        dst = good / os.path.basename(rel)
        shutil.copy(os.path.join(CORPUS, "raw", rel), dst)
        t.expected[str(dst)] = (row["hash"], int(row["quality"]))
    # A hidden file and a large one (refused under a small --max-pixels).
    hidden = t.root / "good" / ".hidden.pgm"
    shutil.copy(os.path.join(CORPUS, "raw/synthetic/noise_129x257_gray.pgm"), hidden)
    t.big = t.root / "good" / "size_1500x1000_rgb.ppm"
    shutil.copy(os.path.join(CORPUS, "raw/synthetic/size_1500x1000_rgb.ppm"), t.big)
    for row in expected_rows("raw/expected.csv"):
        for name in ("noise_129x257_gray.pgm", "size_1500x1000_rgb.ppm"):
            if row["relative_path"].endswith(name):
                dst = hidden if name.startswith("noise") else t.big
                t.expected[str(dst)] = (row["hash"], int(row["quality"]))
    # JPEG/PNG from the corpus: hashed once the image decoders are in.
    t.jpeg_png = {}
    for rel in ("bridge-mods/aaa-orig.jpg", "misc-images/c.png"):
        dst = t.root / "good" / os.path.basename(rel)
        shutil.copy(os.path.join(CORPUS, "images", rel), dst)
        t.jpeg_png[str(dst)] = rel
    # Unsupported formats (a Lab-colour TIFF: WebP decodes since issue 15).
    t.unsupported = []
    for rel in ("misc-images/modes/LAB.tiff",):
        dst = bad / os.path.basename(rel)
        shutil.copy(os.path.join(CORPUS, "images", rel), dst)
        t.unsupported.append(str(dst))
    # Damaged files.
    (bad / "zero.ppm").write_bytes(b"")
    (bad / "truncated.ppm").write_bytes(b"P6\n100 100\n255\n" + b"\x80" * 1000)
    (bad / "garbage.ppm").write_bytes(b"P6\nnot a header at all\n")
    (bad / "notes.txt").write_bytes(b"hello, not an image\n")
    jpg = open(os.path.join(CORPUS, "images/bridge-mods/aaa-orig.jpg"), "rb").read()
    (bad / "corrupt.jpg").write_bytes(jpg[:200] + b"\x00" * 200)
    # Special files: a FIFO (reading it would block) and a file nobody may read.
    t.fifo = bad / "pipe.fifo"
    os.mkfifo(t.fifo)
    t.unreadable = bad / "unreadable.ppm"
    shutil.copy(os.path.join(CORPUS, "raw/synthetic/size_5x5_rgb.ppm"), t.unreadable)
    os.chmod(t.unreadable, 0)
    # Symlinks inside the tree are skipped (not followed) by default.
    os.symlink(str(good / "bridge-mods__aaa-orig.ppm"), t.root / "good" / "link.ppm")
    os.symlink(str(t.root / "good"), t.root / "loop")
    os.symlink(str(root / "nowhere"), bad / "dangling.ppm")
    t.dangling = bad / "dangling.ppm"
    # A list made from corpus hashes (a comment first, so ids are line numbers, not ordinals).
    rows = {r["relative_path"]: r for r in expected_rows("raw/expected.csv")}
    t.list = root / "known.txt"
    t.list_hashes = {}
    lines = ["# known material (test list)"]
    for rel in ("decoded/bridge-mods__aaa-orig.ppm", "decoded/reg-test-input__pen-and-coaster.ppm",
                "synthetic/noise_257x129_rgb.ppm"):
        lines.append(rows[rel]["hash"])
        t.list_hashes[str(len(lines))] = rows[rel]["hash"]
    t.list.write_text("\n".join(lines) + "\n")
    # A list nothing in the tree is near.
    t.far_list = root / "far.txt"
    t.far_list.write_text("0" * 64 + "\n")
    return t


def tree_inputs(t):
    """Every non-symlink entry under the tree (what must get one record each)."""
    out = set()
    for d, dirs, files in os.walk(t.root):
        for n in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            p = os.path.join(d, n)
            if not os.path.islink(p):
                out.add(p)
    return out
