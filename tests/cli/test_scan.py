"""pdqguard scan/match/hash over a tree of good, damaged and special files."""
import csv
import io
import os
import zlib

import pytest

from conftest import CORPUS, dist, exif_image, expected_rows, need, png, png_chunk, read_jsonl, run, tree_inputs


def by_path(recs):
    out = {}
    for r in recs:
        assert r["path"] not in out, "two records for " + r["path"]
        out[r["path"]] = r
    return out


def check_match_records(t, recs, threshold=31, min_quality=50):
    """Every hashed record's matches equal a brute-force scan of the list."""
    for r in recs:
        if "hash" not in r:
            continue
        assert "matches" in r
        if r["quality"] < min_quality:
            assert r.get("low_quality") is True and r["matches"] == []
            continue
        assert "low_quality" not in r
        want = sorted((i, dist(r["hash"], h)) for i, h in t.list_hashes.items() if dist(r["hash"], h) <= threshold)
        got = sorted((m["id"], m["distance"]) for m in r["matches"])
        assert got == want, r["path"]
        for m in r["matches"]:
            assert m["list"] == "known.txt"
            assert m["hash"] == t.list_hashes[m["id"]]
            assert m["variant"] == "original"
            assert m["label"] == ""


def test_every_input_gets_exactly_one_record(tree):
    rc, recs, _, err = run(["scan", "--list", tree.list, "--threads", "2", tree.root])
    paths = by_path(recs)
    assert set(paths) == tree_inputs(tree)
    # Symlinks inside the tree are not followed and are counted in the summary.
    assert "Skipped symlinks:" in err and "3" in err.split("Skipped symlinks:")[1].split("\n")[0]
    assert "Inputs seen:         %d" % len(recs) in err
    # Matches and errors both happened: a match wins (exit 1).
    assert any(r.get("matches") for r in recs) and any("error" in r for r in recs)
    assert rc == 1


def test_hashes_and_matches_are_right(tree):
    rc, recs, _, _ = run(["scan", "--list", tree.list, "-t", "2", tree.root])
    paths = by_path(recs)
    for p, (h, q) in tree.expected.items():
        assert paths[p]["hash"] == h and paths[p]["quality"] == q, p
        assert paths[p]["format"] == "pnm"
    check_match_records(tree, recs)
    aaa = paths[str(tree.root / "good/nested/deeper/bridge-mods__aaa-orig.ppm")]
    assert {"list": "known.txt", "id": "2", "distance": 0} in [
        {k: m[k] for k in ("list", "id", "distance")} for m in aaa["matches"]]
    # JPEG/PNG: exactly the reference hash once decoders exist, else a clean refusal.
    rows = {r["relative_path"]: r for r in expected_rows("expected.csv")}
    for p, rel in tree.jpeg_png.items():
        r = paths[p]
        if "hash" in r:
            assert r["hash"] == rows[rel]["hash"] and r["format"] in ("jpeg", "png")
        else:
            assert r["error"] == "unsupported_format"


def test_error_records_name_the_problem(tree):
    rc, recs, _, _ = run(["scan", "--list", tree.list, "--max-pixels", "1000000", tree.root])
    paths = by_path(recs)
    bad = tree.root / "bad"
    for r in recs:
        if "error" in r:
            assert set(r) == {"path", "error", "message"} and r["message"]
    assert paths[str(bad / "zero.ppm")]["error"] == "decode_error"
    assert paths[str(bad / "truncated.ppm")]["error"] == "decode_error"
    assert paths[str(bad / "garbage.ppm")]["error"] == "decode_error"
    assert paths[str(bad / "notes.txt")]["error"] == "unsupported_format"
    assert paths[str(bad / "corrupt.jpg")]["error"] in ("decode_error", "unsupported_format")
    for p in tree.unsupported:
        assert paths[p]["error"] == "unsupported_format"
    assert paths[str(tree.fifo)]["error"] == "not_a_file"  # refused on the opened file, never read
    assert "FIFO" in paths[str(tree.fifo)]["message"]
    assert paths[str(tree.big)]["error"] == "image_too_large"
    unreadable = paths[str(tree.unreadable)]
    if os.geteuid() == 0:
        assert "hash" in unreadable  # root reads a mode-000 file: nothing to assert about EACCES
    else:
        assert unreadable["error"] == "io_error"


def test_explicit_special_inputs(tree):
    missing = str(tree.root / "does-not-exist.jpg")
    rc, recs, _, _ = run(["scan", "--list", tree.list, tree.dangling, missing, tree.fifo])
    paths = by_path(recs)
    assert paths[str(tree.dangling)]["error"] == "io_error"
    assert "dangling" in paths[str(tree.dangling)]["message"]
    assert paths[missing]["error"] == "io_error"
    assert paths[str(tree.fifo)]["error"] == "not_a_file"  # refused on the opened file, never read
    assert rc == 2


def test_follow_symlinks(tree):
    rc, recs, _, err = run(["hash", "--follow-symlinks", "-t", "2", tree.root / "good", tree.root / "loop"])
    paths = [r["path"] for r in recs]
    assert str(tree.root / "good" / "link.ppm") in paths
    # The loop (tree/loop -> tree/good) is entered once, not forever.
    assert len(paths) == len(set(paths))


def test_exit_statuses(tree):
    good = tree.root / "good" / "nested"
    assert run(["scan", "--list", tree.far_list, good], check_rc=0)[0] == 0
    assert run(["scan", "--list", tree.list, good])[0] == 1
    assert run(["scan", "--list", tree.far_list, tree.root / "bad"])[0] == 2
    assert run(["scan", "--list", tree.list, tree.root])[0] == 1  # match wins over errors
    assert run(["hash", good])[0] == 0
    assert run(["hash", tree.root / "bad"])[0] == 2
    assert run(["scan", "--list", tree.root / "no-such-list.txt", good])[0] == 2
    assert run(["scan", good])[0] == 2  # no list: usage error


def test_threads_give_the_same_records(tree):
    _, one, _, _ = run(["scan", "--list", tree.list, "-t", "1", "--sort", tree.root])
    _, two, out2, _ = run(["scan", "--list", tree.list, "-t", "2", "--sort", tree.root])
    _, two_unsorted, _, _ = run(["scan", "--list", tree.list, "-t", "2", tree.root])
    assert one == two  # --sort: same order too
    key = lambda r: r["path"]
    assert sorted(one, key=key) == sorted(two_unsorted, key=key)


def test_matches_only(tree):
    _, recs, _, _ = run(["scan", "--list", tree.list, "--matches-only", tree.root])
    assert recs and all(r.get("matches") or "error" in r for r in recs)
    _, all_recs, _, _ = run(["scan", "--list", tree.list, tree.root])
    assert len(recs) == sum(1 for r in all_recs if r.get("matches") or "error" in r)


def test_threshold_and_min_quality(tree):
    _, recs, _, _ = run(["scan", "--list", tree.list, "--threshold", "5", "--min-quality", "0", tree.root])
    check_match_records(tree, recs, threshold=5, min_quality=0)


def test_paths_from_stdin(tree):
    files = sorted(tree.expected)
    _, a, _, _ = run(["hash", "-"], stdin="\n".join(files).encode() + b"\n")
    _, b, _, _ = run(["hash", "-0", "-"], stdin=b"\0".join(f.encode() for f in files))
    assert sorted(r["path"] for r in a) == files
    assert sorted(r["path"] for r in b) == files
    for r in a:
        assert (r["hash"], r["quality"]) == tree.expected[r["path"]]


def test_csv_and_table_have_one_row_per_input(tree):
    _, _, out, _ = run(["scan", "--list", tree.list, "--format", "csv", tree.root])
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["input"] for r in rows} == tree_inputs(tree) and len(rows) == len(tree_inputs(tree))
    aaa = [r for r in rows if r["input"].endswith("bridge-mods__aaa-orig.ppm")][0]
    assert aaa["best_list"] == "known.txt" and aaa["best_id"] == "2" and aaa["best_distance"] == "0"
    _, _, out, _ = run(["scan", "--list", tree.list, "--format", "table", tree.root])
    lines = out.splitlines()
    assert len(lines) == len(tree_inputs(tree))
    assert any(": FOUND [known.txt/2" in l for l in lines)
    assert any(": ERROR decode_error:" in l for l in lines)


def test_hash_records_keep_the_check_hashes_format(tree, tmp_path):
    out = tmp_path / "h.jsonl"
    corpus = os.environ["PDQGUARD_CORPUS"]
    run(["hash", "--dihedral", "-t", "2", "-o", out, os.path.join(corpus, "raw", "decoded")], check_rc=0)
    recs = read_jsonl(out)
    rows = {os.path.join(corpus, "raw", r["relative_path"]): r for r in expected_rows("raw/expected.csv")}
    assert len(recs) == 12
    for r in recs:
        row = rows[r["path"]]
        assert r["hash"] == row["hash"] and r["quality"] == int(row["quality"])
        assert r["dihedral"]["rot90"] == row["dih_rot90"]
        assert r["dihedral"]["flipminus1"] == row["dih_flipminus1"]


def test_hashes_input(tree):
    h = list(tree.list_hashes.values())
    text = "# comment\n%s\n\n%s,80\nnot-a-hash\n%s,10\n" % (h[0], h[1], h[2])
    rc, recs, _, _ = run(["match", "--list", tree.list, "--hashes", "-"], stdin=text.encode())
    assert [r["line"] for r in recs] == [2, 4, 5, 6] or sorted(r["line"] for r in recs) == [2, 4, 5, 6]
    lines = {r["line"]: r for r in recs}
    assert lines[2]["matches"][0]["distance"] == 0 and "quality" not in lines[2]
    assert lines[4]["quality"] == 80 and lines[4]["matches"][0]["id"] == "3"
    assert lines[5]["error"] == "bad_hash"
    assert lines[6]["low_quality"] is True and lines[6]["matches"] == []
    assert rc == 1


def test_help_has_examples():
    for sub in ("hash", "scan", "match", "compare", "index"):
        rc, _, out, _ = run([sub, "--help"])
        assert rc == 0 and "pdqguard" in out
    for sub in ("hash", "scan", "compare"):
        assert "Examples:" in run([sub, "--help"])[2]


def test_version():
    rc, _, out, _ = run(["--version"], check_rc=0)
    assert out.startswith("pdqguard ")
    assert "SIMD path: " in out and "libpng: " in out and "jpeg" in out


def test_apply_exif_orientation_jpeg_and_png(tmp_path):
    # JPEG: the corpus's files with orientation tags 1, 6 and 8. Ignoring the tag hashes
    # the stored pixels (expected.csv); applying it turns them, which changes the hash.
    files = [os.path.join(CORPUS, "images", exif_image(o)) for o in (1, 6, 8)]
    want = {r["relative_path"]: r["hash"] for r in expected_rows("expected.csv")}
    # Records come in completion order (several threads): put them in input order.
    def by_input(recs, inputs):
        at = by_path(recs)
        return [at[str(i)] for i in inputs]

    _, plain, _, _ = run(["hash"] + files, check_rc=0)
    _, turned, _, _ = run(["hash", "--apply-exif-orientation"] + files, check_rc=0)
    plain, turned = by_input(plain, files), by_input(turned, files)
    assert [r.get("exif_orientation") for r in plain] == [None, None, None]
    assert [r["hash"] for r in plain] == [want[exif_image(o)] for o in (1, 6, 8)]
    assert [r["exif_orientation"] for r in turned] == [1, 6, 8]
    assert turned[0]["hash"] == plain[0]["hash"]
    for a, b in zip(turned[1:], plain[1:]):
        assert dist(a["hash"], b["hash"]) > 64

    # PNG: a 40x24 gradient stored rotated (orientation 6 = display turned 90 degrees
    # clockwise), the tag in an eXIf chunk before or after IDAT; the upright image has no tag.
    w, h = 40, 24
    up = [[(x * 6 + y * y) % 256 for x in range(w)] for y in range(h)]
    # The stored pixels: `up` turned 90 degrees counter-clockwise (w rows of h pixels),
    # which orientation 6 turns back.
    stored = [[up[y][w - 1 - x] for y in range(h)] for x in range(w)]
    tag = b"MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"
    def gray_idat(rows):
        return zlib.compress(b"".join(b"\0" + bytes(r) for r in rows))

    (tmp_path / "up.png").write_bytes(png(w, h, gray_idat(up)))
    (tmp_path / "before.png").write_bytes(png(h, w, gray_idat(stored), before=png_chunk(b"eXIf", tag)))
    (tmp_path / "after.png").write_bytes(png(h, w, gray_idat(stored), after=png_chunk(b"eXIf", tag)))
    names = [tmp_path / n for n in ("up.png", "before.png", "after.png")]
    _, plain, _, _ = run(["hash"] + names, check_rc=0)
    _, turned, _, _ = run(["hash", "--apply-exif-orientation"] + names, check_rc=0)
    plain, turned = by_input(plain, names), by_input(turned, names)
    assert "exif_orientation" not in plain[1]
    assert plain[1]["hash"] != plain[0]["hash"]
    assert [r.get("exif_orientation") for r in turned] == [None, 6, 6]
    assert turned[1]["hash"] == turned[2]["hash"] == plain[0]["hash"]
    assert (turned[1]["width"], turned[1]["height"]) == (h, w)  # the header's size


def test_fast_mode_records_scale_and_stays_close():
    # 4032x3024 phone photos: --fast decodes them at 1/8 and says so in the record.
    need("images/reg-test-input/exif-rotn/exif-rotn-1.jpg")
    rows = [r for r in expected_rows("expected.csv") if r["relative_path"].startswith("reg-test-input/exif-rotn/")]
    assert len(rows) >= 4
    paths = [os.path.join(CORPUS, "images", r["relative_path"]) for r in rows]
    _, exact, _, _ = run(["hash"] + paths, check_rc=0)
    _, fast, _, _ = run(["hash", "--fast"] + paths, check_rc=0)
    exact = {r["path"]: r for r in exact}
    fast = {r["path"]: r for r in fast}
    assert sorted(fast) == sorted(paths)
    for row, path in zip(rows, paths):
        e, f = exact[path], fast[path]
        assert e["hash"] == row["hash"]
        assert "scale" not in e
        assert f["scale"] == "1/8"
        assert dist(f["hash"], row["hash"]) <= 10, f


def test_too_small_image_never_matches_even_at_min_quality_0(tmp_path):
    # Issue #16: `scan --min-quality 0` on a 4x4 image matched an all-zero list
    # entry (exit 1) while the C API did not. The library's one rule: an image
    # too small to hash never matches, whatever --min-quality is.
    img = tmp_path / "tiny.pgm"
    img.write_bytes(b"P5\n4 4\n255\n" + bytes(range(0, 160, 10)))
    lst = tmp_path / "zero.txt"
    lst.write_text("0" * 64 + " all-zero\n")
    for mq in ("0", "50"):
        rc, recs, _, err = run(["scan", "--list", lst, "--min-quality", mq, img])
        assert rc == 0, err
        assert len(recs) == 1 and recs[0]["matches"] == []
        assert recs[0]["too_small"] is True and recs[0]["low_quality"] is True
    # A --hashes line with the all-zero hash and quality 0 is a real hash: it matches at 0.
    rc, recs, _, _ = run(["scan", "--list", lst, "--min-quality", "0", "--hashes", "-"],
                         stdin=("0" * 64 + ",0\n").encode())
    assert rc == 1 and len(recs[0]["matches"]) == 1


def test_equal_distance_matches_are_ordered_by_list_then_id(tmp_path):
    # The library's result order (distance, list, id) reaches the CLI unchanged.
    lst = tmp_path / "order.csv"
    lst.write_text("id,hash\nb,%s\na,%s\n" % ("0" * 63 + "1", "8" + "0" * 63))
    rc, recs, _, _ = run(["scan", "--list", lst, "--hashes", "-"], stdin=("0" * 64 + "\n").encode())
    assert rc == 1
    assert [m["id"] for m in recs[0]["matches"]] == ["a", "b"]
