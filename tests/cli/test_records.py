"""Records as their readers meet them: exact paths (non-UTF-8 names), CSV that a
spreadsheet and Python's csv module read back, table lines a name cannot forge,
`| head`, and keeping error records out of the stream. See tools/pdqguard/README.md
("Paths in records")."""
import base64
import csv
import io
import json
import os
import shutil
import subprocess

import pytest

from conftest import BIN, CORPUS, run

SMALL = "raw/synthetic/size_5x5_rgb.ppm"


def small_image(dst):
    shutil.copy(os.path.join(CORPUS, SMALL), dst)


def path_of(rec):
    """The exact bytes a JSON record names (the documented scheme)."""
    p = rec["path"]
    if isinstance(p, dict):
        return base64.b64decode(p["bytes"])
    return p.encode("utf-8")


@pytest.fixture
def odd_names(tmp_path):
    """bad\\xff.jpg, bad\\xfe.jpg and a real bad\\u00fffd.jpg (valid UTF-8 of U+FFFD)."""
    d = tmp_path / "odd"
    d.mkdir()
    names = [b"bad\xff.ppm", b"bad\xfe.ppm", "bad\ufffd.ppm".encode(), b"latin1-\xe9t\xe9.ppm"]
    paths = [os.path.join(os.fsencode(d), n) for n in names]
    for p in paths:
        small_image(p)
    return d, paths


def test_non_utf8_paths_are_exact(odd_names):
    d, paths = odd_names
    rc, recs, out, err = run(["hash", d], check_rc=0)
    got = sorted(path_of(r) for r in recs)
    assert got == sorted(paths), got
    # Valid UTF-8 stays a plain string; the others use {"bytes": base64}.
    for r in recs:
        if path_of(r).endswith("bad\ufffd.ppm".encode()):
            assert isinstance(r["path"], str)
        else:
            assert set(r["path"]) == {"bytes"}


def test_resume_skips_exactly_the_recorded_non_utf8_paths(odd_names, tmp_path):
    d, paths = odd_names
    out = tmp_path / "out.jsonl"
    # First run: only two of the files (bad\xff and the latin-1 name).
    first = [paths[0], paths[3]]
    subprocess.run([BIN, "hash", "--resume", out, *first], check=True, capture_output=True)
    # Resume over the whole folder: the other two are scanned, the recorded two are not.
    p = subprocess.run([BIN, "hash", "--resume", out, d], capture_output=True)
    assert p.returncode == 0, p.stderr
    recs = [json.loads(l) for l in out.read_bytes().splitlines() if l.strip()]
    got = [path_of(r) for r in recs]
    assert sorted(got) == sorted(paths), got  # each exactly once
    assert b"Skipped (resume):" in p.stderr and b"2 already recorded" in p.stderr
