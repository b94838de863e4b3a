"""The README's Quick start demo (scripts/demo.sh) on the bundled examples/sample-data:
it gives what the demo promises, with nothing from outside the repository — 4 matches
(the listed picture, a gray copy, a JPEG re-encode and, with --dihedral, a rotated PNG)
and 2 clean files."""
import os

from conftest import run

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "sample-data")
LIST = os.path.join(SAMPLE, "blocklist.csv")
IMAGES = os.path.join(SAMPLE, "images")
FLAGGED = ["sunny-shapes-gray.pgm", "sunny-shapes-reencoded.jpg", "sunny-shapes-rotated.png", "sunny-shapes.ppm"]


def scan(*extra):
    rc, recs, _, _ = run(["scan", "--list", LIST, *extra, IMAGES])
    return rc, {os.path.basename(r["path"]): r for r in recs}


def test_demo_scan_flags_the_copies_and_passes_the_other_picture():
    rc, by_name = scan("--dihedral")
    assert rc == 1
    assert sorted(by_name) == sorted(os.listdir(IMAGES))  # one record per file, no errors
    assert all("error" not in r for r in by_name.values())
    assert sorted(n for n, r in by_name.items() if r["matches"]) == FLAGGED
    original = by_name["sunny-shapes.ppm"]["matches"]
    assert len(original) == 1 and original[0]["id"] == "demo-1" and original[0]["distance"] == 0
    assert by_name["sunny-shapes-rotated.png"]["matches"][0]["variant"] != "original"


def test_the_rotated_copy_needs_dihedral():
    rc, by_name = scan()
    assert rc == 1
    assert sorted(n for n, r in by_name.items() if r["matches"]) == [n for n in FLAGGED if "rotated" not in n]
