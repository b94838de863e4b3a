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
    """bad\\xff.jpg, bad\\xfe.jpg and a real bad\\ufffd.jpg (valid UTF-8 of U+FFFD)."""
    d = tmp_path / "odd"
    d.mkdir()
    names = [b"bad\xff.ppm", b"bad\xfe.ppm", "bad\ufffd.ppm".encode(), b"latin1-\xe9t\xe9.ppm",
             # Three lengths in a row: every base64 padding (none, =, ==) is written and read back.
             b"pad\x80.ppm", b"pad\x80a.ppm", b"pad\x80ab.ppm"]
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
    # First run: all but bad\xfe and the real U+FFFD name.
    first = [paths[0], paths[3], *paths[4:]]
    subprocess.run([BIN, "hash", "--resume", out, *first], check=True, capture_output=True)
    # Resume over the whole folder: the other two are scanned, the recorded five are not.
    p = subprocess.run([BIN, "hash", "--resume", out, d], capture_output=True)
    assert p.returncode == 0, p.stderr
    recs = [json.loads(l) for l in out.read_bytes().splitlines() if l.strip()]
    got = [path_of(r) for r in recs]
    assert sorted(got) == sorted(paths), got  # each exactly once
    assert b"Skipped (resume):" in p.stderr and b"5 already recorded" in p.stderr

SMALL_HASH = "61d83c0f9627c1f0ce733c0f695ac3f0318c3e0f61d83c0f9e27c1f0ce733c0f"


def formula_free(cell):
    """What a spreadsheet would not take as a formula: OWASP's leading quote."""
    return not cell or cell[0] not in "=+-@\t\r"


@pytest.fixture
def csv_tree(tmp_path):
    d = tmp_path / "csv"
    d.mkdir()
    names = ['=HYPERLINK("evil.invalid","click").ppm', "+1.ppm", "-2.ppm", "@sum.ppm",
             'a,b "c"\nd.ppm', "plain.ppm", "'=quoted.ppm", "'plain.ppm"]
    for n in names:
        small_image(d / n)
    (d / "zero.ppm").write_bytes(b"")  # an error row
    (d / "=err.txt").write_bytes(b"not an image")
    lst = tmp_path / "known.csv"
    lst.write_text('hash,id,label\n' + SMALL_HASH + ',"=1+2","@label, with ""quotes"""\n')
    return d, names, lst


@pytest.mark.parametrize("cmd", ["hash", "scan"])
def test_csv_rows_aligned_safe_and_round_trip(csv_tree, cmd):
    d, names, lst = csv_tree
    # Relative names, as `find . | pdqguard` or a shell glob gives them: the cell starts with '='.
    args = [cmd, "--format", "csv", "--sort"] + (["--list", lst] if cmd == "scan" else [])
    args += sorted(os.listdir(d))
    p = subprocess.run([BIN] + [str(a) for a in args], capture_output=True, cwd=d)
    assert p.returncode in (1, 2), p.stderr
    rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == len(names) + 2
    for row in body:
        assert len(row) == len(header), row  # error rows too
    byname = {}
    for row in body:
        rec = dict(zip(header, row))
        for k in ("input", "best_list", "best_id", "best_label", "matches", "error", "message"):
            assert formula_free(rec.get(k, "")), (k, rec)
        inp = rec["input"]
        if inp.startswith("'"):  # reversible: a cell starting with ' always had one added
            inp = inp[1:]
        byname[os.path.basename(inp)] = rec
    for n in names + ["zero.ppm", "=err.txt"]:
        assert n in byname, (n, list(byname))  # commas, quotes, newlines survive
    assert byname["zero.ppm"]["error"] and byname["zero.ppm"]["hash"] == ""
    if cmd == "scan":
        rec = byname["plain.ppm"]
        assert rec["match_count"] == "1"
        assert rec["best_id"] == "'=1+2"
        assert rec["best_label"] == "'@label, with \"quotes\""
        assert byname["zero.ppm"]["match_count"] == "" and byname["zero.ppm"]["best_id"] == ""


def test_table_escapes_control_characters(tmp_path):
    d = tmp_path / "tbl"
    d.mkdir()
    fake = "x.ppm: FOUND [known.csv:1 distance 0]\nreal.ppm"
    esc = "erase\x1b[2K\x1b[1A\r.ppm"
    for n in (fake, esc):
        small_image(d / n)
    (d / "bad\nline.ppm").write_bytes(b"")  # an error record
    lst = tmp_path / "known.csv"
    lst.write_text('hash,id,label\n' + SMALL_HASH + ',"id\x1b[31m","label\x1b[2KFOUND\x07"\n')
    p = subprocess.run([BIN, "scan", "--format", "table", "--list", lst, d], capture_output=True)
    out = p.stdout.decode("utf-8")
    lines = out.splitlines()
    assert len(lines) == 3, out  # one line per input, whatever the names
    for bad in ("\x1b", "\r", "\x07"):
        assert bad not in out
    assert any("x.ppm: FOUND [known.csv:1 distance 0]\\nreal.ppm: FOUND" in l for l in lines), out
    assert any("erase\\x1b[2K\\x1b[1A\\r.ppm: FOUND" in l for l in lines), out
    assert any('id\\x1b[31m "label\\x1b[2KFOUND\\x07"' in l for l in lines), out
    assert any("bad\\nline.ppm: ERROR" in l for l in lines), out


def test_closed_pipe_exits_quietly_like_a_unix_filter(tmp_path):
    # `pdqguard hash - < paths | head -1`: far more than a pipe buffer of records.
    img = tmp_path / "a.ppm"
    small_image(img)
    paths = tmp_path / "paths.txt"
    paths.write_text((str(img) + "\n") * 5000)
    with open(paths, "rb") as stdin:
        p = subprocess.Popen([BIN, "hash", "--format", "jsonl", "-"], stdin=stdin,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = p.stdout.readline()
        p.stdout.close()  # the reader goes away, as `head -1` does
        err = p.stderr.read().decode()
        rc = p.wait(timeout=120)
    assert first.startswith(b"{")
    assert "Broken pipe" not in err and "writing records failed" not in err, err
    assert err == "", err  # quiet: no summary either
    assert rc == -13  # ended by SIGPIPE: a shell shows 141, as for `yes | head -1`


def test_no_error_records_keeps_errors_out_of_the_stream(tmp_path):
    d = tmp_path / "mixed"
    d.mkdir()
    small_image(d / "good.ppm")
    (d / "zero.ppm").write_bytes(b"")
    (d / "notes.txt").write_bytes(b"not an image")
    lst = tmp_path / "known.txt"
    lst.write_text(SMALL_HASH + "\n")
    # clamscan -i: only matches on stdout; the errors are still in the summary and the status.
    rc, recs, out, err = run(["scan", "--list", lst, "--matches-only", "--no-error-records",
                              "--format", "jsonl", d])
    assert rc == 1
    assert [os.path.basename(r["path"]) for r in recs] == ["good.ppm"], out
    assert "Errors:              2" in err, err
    # Without matches: hash records stay, error records go; errors still give status 2.
    rc, recs, out, err = run(["hash", "--no-error-records", "--format", "csv", d])
    assert rc == 2
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) == 2 and rows[1][0].endswith("good.ppm"), out
    assert "Errors:              2" in err, err
