"""--resume after an interrupted run, raw frame streams, compare."""
import os
import signal
import subprocess
import time

import numpy as np
import pytest

from conftest import BIN, CORPUS, dist, expected_rows, need, read_jsonl, run


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """Many paths (hard links to one large file) so a 1-thread scan takes a few seconds."""
    need("raw/synthetic/size_1500x1000_rgb.ppm")
    d = tmp_path_factory.mktemp("many")
    src = d / "src.ppm"
    with open(os.path.join(CORPUS, "raw/synthetic/size_1500x1000_rgb.ppm"), "rb") as f:
        src.write_bytes(f.read())
    tree = d / "tree"
    paths = set()
    for i in range(48):
        sub = tree / ("d%02d" % (i % 7))
        sub.mkdir(parents=True, exist_ok=True)
        p = sub / ("f%03d.ppm" % i)
        os.link(src, p)
        paths.add(str(p))
    (tree / "d00" / "broken.ppm").write_bytes(b"P6\n5 5\n255\n")
    paths.add(str(tree / "d00" / "broken.ppm"))
    return tree, paths


def interrupted_run(args, out, sig, wait_records=3):
    p = subprocess.Popen([BIN] + [str(a) for a in args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(out) and open(out, "rb").read().count(b"\n") >= wait_records:
            break
        time.sleep(0.02)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    return p.returncode, err.decode()


@pytest.mark.parametrize("sig,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_resume_after_interrupt_loses_and_duplicates_nothing(many, tmp_path, sig, status):
    tree, paths = many
    out = tmp_path / "out.jsonl"
    rc, err = interrupted_run(["hash", "--threads", "1", "--resume", out, tree], out, sig)
    assert rc == status, err
    assert "Interrupted:" in err and "summary" in err
    first = read_jsonl(out)  # every line is whole JSON
    assert 3 <= len(first) < len(paths)
    # Simulate a torn last line (a crash mid-write): resume must cut it, not keep it.
    with open(out, "ab") as f:
        f.write(b'{"path":"' + sorted(paths)[-1].encode() + b'","hash":"00')
    rc, _, _, err = run(["hash", "--threads", "2", "--resume", out, tree])
    # The exit status covers the inputs this run processed: 2 if broken.ppm was
    # left for it, 0 if the interrupted run had already recorded its error.
    broken_done = any(r["path"].endswith("broken.ppm") for r in first)
    assert rc == (0 if broken_done else 2), err
    assert "torn last line" in err
    recs = read_jsonl(out)
    got = [r["path"] for r in recs]
    assert len(got) == len(set(got)), "duplicated records"
    assert set(got) == paths, "lost records"
    h = {r["hash"] for r in recs if "hash" in r}
    assert len(h) == 1
    # A third run finds nothing left to do.
    rc, _, _, err = run(["hash", "--resume", out, tree])
    assert "Inputs seen:         0" in err and len(read_jsonl(out)) == len(paths)


def frames(n, w, h, seed):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        yy, xx = np.mgrid[0:h, 0:w]
        base = (np.sin(xx / (3 + i)) * 60 + np.cos(yy / (5 + 2 * i)) * 60 + 128)
        rgb = np.stack([base, base[::-1, :], base[:, ::-1]], axis=-1) + rng.integers(0, 30, (h, w, 3))
        out.append(np.clip(rgb, 0, 255).astype(np.uint8))
    return out


def write_pnm(path, arr):
    if arr.ndim == 2:
        path.write_bytes(b"P5\n%d %d\n255\n" % (arr.shape[1], arr.shape[0]) + arr.tobytes())
    else:
        path.write_bytes(b"P6\n%d %d\n255\n" % (arr.shape[1], arr.shape[0]) + arr.tobytes())


def file_hashes(tmp_path, arrays, prefix):
    paths = []
    for i, a in enumerate(arrays):
        p = tmp_path / ("%s%d.%s" % (prefix, i, "pgm" if a.ndim == 2 else "ppm"))
        write_pnm(p, a)
        paths.append(str(p))
    _, recs, _, _ = run(["hash", "--sort", "-t", "1"] + paths, check_rc=0)
    return [(r["hash"], r["quality"]) for r in recs]


def raw_hashes(fmt, w, h, data, extra=()):
    rc, recs, _, _ = run(["hash", "--raw", fmt, "--size", "%dx%d" % (w, h), "--sort", "-t", "2", *extra, "-"],
                         stdin=data)
    return rc, recs


def test_raw_rgb_family_equals_files(tmp_path):
    w, h = 97, 61
    fr = frames(4, w, h, 1)
    want = file_hashes(tmp_path, fr, "rgb")
    for fmt, conv in (("rgb24", lambda a: a), ("bgr24", lambda a: a[:, :, ::-1]),
                      ("rgba", lambda a: np.concatenate([a, np.full(a.shape[:2] + (1,), 7, np.uint8)], -1))):
        rc, recs = raw_hashes(fmt, w, h, b"".join(np.ascontiguousarray(conv(a)).tobytes() for a in fr))
        assert rc == 0
        assert [r["frame"] for r in recs] == [0, 1, 2, 3]
        assert [(r["hash"], r["quality"]) for r in recs] == want, fmt


def test_raw_luma_formats_equal_gray_files(tmp_path):
    w, h = 80, 45  # odd chroma height: (h+1)/2 rows
    ys = [f[:, :, 0].copy() for f in frames(3, w, h, 2)]
    want = file_hashes(tmp_path, ys, "y")
    cw, ch = (w + 1) // 2, (h + 1) // 2
    chroma = bytes(range(256)) * (cw * ch * 2 // 256 + 1)
    for fmt in ("gray8", "yuv420p", "nv12"):
        extra = b"" if fmt == "gray8" else chroma[: 2 * cw * ch]
        rc, recs = raw_hashes(fmt, w, h, b"".join(y.tobytes() + extra for y in ys))
        assert rc == 0 and [(r["hash"], r["quality"]) for r in recs] == want, fmt


def test_raw_takes_the_c_api_names_and_ffmpegs_as_aliases(tmp_path):
    # One set of pixel-format names everywhere (the library's parse_pixel_format):
    # the C API's canonical names and ffmpeg's -pix_fmt names give the same hashes.
    w, h = 33, 21
    fr = frames(2, w, h, 3)
    rgb = b"".join(a.tobytes() for a in fr)
    y = b"".join(a[:, :, 0].tobytes() + bytes(2 * ((w + 1) // 2) * ((h + 1) // 2)) for a in fr)
    for canonical, alias, data in (("rgb8", "rgb24", rgb), ("i420", "yuv420p", y)):
        rc1, a = raw_hashes(canonical, w, h, data)
        rc2, b = raw_hashes(alias, w, h, data)
        assert rc1 == rc2 == 0 and len(a) == 2
        assert [r["hash"] for r in a] == [r["hash"] for r in b], canonical
    rc, _, _, err = run(["hash", "--raw", "yuv444p", "--size", "8x8", "-"], stdin=b"")
    assert rc == 2 and "i420" in err and "yuv420p" in err


def test_raw_truncated_last_frame_is_an_error_record():
    w, h = 16, 16
    rc, recs = raw_hashes("gray8", w, h, bytes(range(256)) * 2 + b"\x01" * 10)
    assert rc == 2
    assert [r.get("frame") for r in recs] == [0, 1, 2]
    assert recs[2]["error"] == "decode_error" and "truncated" in recs[2]["message"]


def test_raw_scan_matches_frames(tmp_path):
    w, h = 97, 61
    fr = frames(3, w, h, 3)
    want = file_hashes(tmp_path, fr, "m")
    lst = tmp_path / "frames.txt"
    lst.write_text(want[1][0] + "\n")
    rc, recs, _, _ = run(["scan", "--list", lst, "--raw", "rgb24", "--size", "%dx%d" % (w, h), "--sort", "-"],
                         stdin=b"".join(a.tobytes() for a in fr))
    assert rc == 1
    assert [len(r["matches"]) > 0 for r in recs] == [dist(want[i][0], want[1][0]) <= 31 for i in range(3)]
    assert recs[1]["matches"][0]["distance"] == 0


def test_compare():
    need("raw/decoded/bridge-mods__aaa-orig.ppm")
    rows = {r["relative_path"]: r for r in expected_rows("raw/expected.csv")}
    a = os.path.join(CORPUS, "raw/decoded/bridge-mods__aaa-orig.ppm")
    b = os.path.join(CORPUS, "raw/decoded/bridge-mods__shrink-a-lot.ppm")
    ha = rows["decoded/bridge-mods__aaa-orig.ppm"]["hash"]
    hb = rows["decoded/bridge-mods__shrink-a-lot.ppm"]["hash"]
    rc, recs, _, _ = run(["compare", a, b])
    assert recs[0]["distance"] == dist(ha, hb) and rc == (1 if dist(ha, hb) <= 31 else 0)
    rc, recs, _, _ = run(["compare", a, ha])
    assert recs[0]["distance"] == 0 and rc == 1
    rc, recs, _, _ = run(["compare", "--threshold", "0", ha, hb])
    assert recs[0]["distance"] == dist(ha, hb) and rc == 0
    # --dihedral: the distance from the hash to each variant of the image.
    rot = rows["decoded/bridge-mods__aaa-orig.ppm"]["dih_rot90"]
    rc, recs, _, _ = run(["compare", "--dihedral", rot, a])
    r = recs[0]
    assert r["dihedral"]["rot90"] == 0 and r["best_variant"] == "rot90" and r["distance"] == dist(rot, ha)
    for v in ("rot180", "flipx", "flipminus1"):
        assert r["dihedral"][v] == dist(rot, rows["decoded/bridge-mods__aaa-orig.ppm"]["dih_" + v])
    assert run(["compare", "--dihedral", ha, hb])[0] == 2
    assert run(["compare", "nothex", ha])[0] == 2
