"""Shared fixtures of the Python binding tests. CTest sets PDQGUARD_LIBRARY (the built
libpdqguard.so), PYTHONPATH (bindings/python) and PDQGUARD_CORPUS_DIR: the golden set
tests/data (the default), or with PDQGUARD_TEST_DATA=corpus the full shared corpus, whose
absence ends the run with exit status 77 (CTest: skipped). Tests that need a file only
the full corpus has call need(...)."""
import csv
import os

import pytest

CORPUS = os.environ.get("PDQGUARD_CORPUS_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
FULL_CORPUS = os.environ.get("PDQGUARD_TEST_DATA") == "corpus"
DIHEDRAL_COLUMNS = ["dih_original", "dih_rot90", "dih_rot180", "dih_rot270", "dih_flipx",
                    "dih_flipy", "dih_flipplus1", "dih_flipminus1"]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def need(*rels):
    """Skips the calling test unless the data set has every file `rels` (under CORPUS)."""
    missing = [r for r in rels if not os.path.exists(os.path.join(CORPUS, r))]
    if missing:
        pytest.skip(f"needs {missing[0]} of the full shared corpus (runs in the *_corpus CTest entry)")


def pytest_sessionstart(session):
    if FULL_CORPUS and not os.path.isdir(CORPUS):
        pytest.exit(f"shared corpus not found at {CORPUS}: skipped", 77)


@pytest.fixture(scope="session")
def corpus():
    if not os.path.isdir(CORPUS):
        pytest.fail(f"test data not found at {CORPUS} (set PDQGUARD_CORPUS_DIR)")
    return CORPUS


@pytest.fixture(scope="session")
def raw_rows(corpus):
    rows = read_csv(os.path.join(corpus, "raw", "expected.csv"))
    assert len(rows) >= 30
    return rows


@pytest.fixture(scope="session")
def image_rows(corpus):
    rows = read_csv(os.path.join(corpus, "expected.csv"))
    assert len(rows) >= (40 if FULL_CORPUS else 14)
    return rows


def read_pnm(path):
    """(kind, width, height, pixel bytes) of a binary P5/P6 file with maxval 255."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1  # the single whitespace byte after maxval
    kind, w, h, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    assert maxval == 255
    channels = 3 if kind == b"P6" else 1
    return kind, w, h, data[pos:pos + w * h * channels]
