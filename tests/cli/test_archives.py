"""pdqguard hash/scan descending into archives (issue 15): members hashed from
memory as "archive!/member", nested archives, limits, damage, encryption."""
import io
import json
import os
import re
import shutil
import struct
import tarfile
import zipfile

from conftest import run
from test_scan import by_path

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "formats")
FILES = ("lossy.webp", "palette.gif", "lzw.tiff", "rgb24.bmp")


def read(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def hashes_of_files():
    rc, recs, _, err = run(["hash", "--no-summary"] + [os.path.join(DATA, f) for f in FILES])
    assert rc == 0, err
    return {os.path.basename(r["path"]): r["hash"] for r in recs}


def make_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members:
            z.writestr(name, data)


def test_members_are_hashed_as_the_files_nested_and_with_odd_names(tmp_path):
    want = hashes_of_files()
    inner = tmp_path / "inner.zip"
    make_zip(inner, [("dir/" + f, read(f)) for f in FILES] + [("new\nline.bmp", read("rgb24.bmp"))])
    outer = tmp_path / "outer.tar.gz"
    with tarfile.open(outer, "w:gz") as t:
        t.add(inner, "inner.zip")
        t.add(os.path.join(DATA, "lzw.tiff"), "top/lzw.tiff")
        link = tarfile.TarInfo("evil-link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        t.addfile(link)
        dev = tarfile.TarInfo("dev-null")
        dev.type = tarfile.CHRTYPE
        t.addfile(dev)
    for fmt, suffix in (("w:bz2", ".bz2"), ("w:xz", ".xz"), ("w", "")):
        with tarfile.open(tmp_path / ("plain.tar" + suffix), fmt) as t:
            t.add(os.path.join(DATA, "palette.gif"), "palette.gif")
    rc, recs, out, err = run(["hash", "--no-summary", tmp_path])
    assert rc == 2, err  # the symlink and device records are errors
    p = by_path(recs)
    o = str(outer)
    for f in FILES:
        assert p[o + "!/inner.zip!/dir/" + f]["hash"] == want[f]
    assert p[o + "!/inner.zip!/new\nline.bmp"]["hash"] == want["rgb24.bmp"]
    assert p[o + "!/top/lzw.tiff"]["hash"] == want["lzw.tiff"]
    assert p[o + "!/top/lzw.tiff"]["format"] == "tiff"
    assert p[o + "!/evil-link"]["error"] == "not_a_file"
    assert p[o + "!/dev-null"]["error"] == "not_a_file"
    # The inner zip is also walked on its own (it is an input file too).
    assert p[str(inner) + "!/dir/lossy.webp"]["hash"] == want["lossy.webp"]
    for suffix in ("", ".bz2", ".xz"):
        assert p[str(tmp_path / ("plain.tar" + suffix)) + "!/palette.gif"]["hash"] == want["palette.gif"]
    assert len(out.splitlines()) == len(recs)  # the newline in a name is escaped, not a line
    # Depth limit: with 1 level the nested zip is a record, not opened.
    rc, recs, _, _ = run(["hash", "--no-summary", "--max-archive-depth", "1", outer])
    p = by_path(recs)
    assert p[o + "!/inner.zip"]["error"] == "archive_limit"
    assert p[o + "!/top/lzw.tiff"]["hash"] == want["lzw.tiff"]
    # --no-archives: the archive is one file record again.
    rc, recs, _, _ = run(["hash", "--no-summary", "--no-archives", outer])
    assert [r["path"] for r in recs] == [o] and recs[0]["error"] == "unsupported_format"


def test_scan_matches_a_member(tmp_path):
    want = hashes_of_files()
    lst = tmp_path / "known.txt"
    lst.write_text(want["palette.gif"] + "\n")
    z = tmp_path / "dump.zip"
    make_zip(z, [("a/palette.gif", read("palette.gif")), ("b/lzw.tiff", read("lzw.tiff"))])
    rc, recs, _, err = run(["scan", "--no-summary", "--list", lst, z])
    assert rc == 1, err
    p = by_path(recs)
    assert p[str(z) + "!/a/palette.gif"]["matches"][0]["distance"] == 0
    assert p[str(z) + "!/b/lzw.tiff"]["matches"] == []


def test_damaged_archive_keeps_the_members_before_the_damage(tmp_path):
    want = hashes_of_files()
    t = tmp_path / "cut.tar"
    with tarfile.open(t, "w") as tf:
        for f in FILES:
            tf.add(os.path.join(DATA, f), f)
    data = t.read_bytes()
    # Cut inside the last member's data.
    last = data.rfind(b"ustar") - 257
    t.write_bytes(data[: last + 512 + 100])
    rc, recs, _, err = run(["hash", "--no-summary", t])
    p = by_path(recs)
    for f in FILES[:-1]:
        assert p[str(t) + "!/" + f]["hash"] == want[f]
    errors = [r for r in recs if "error" in r]
    assert errors and all(r["error"] == "decode_error" for r in errors)
    assert rc == 2
    # Garbage after a zip signature: one error record for the archive.
    g = tmp_path / "garbage.zip"
    g.write_bytes(b"PK\x03\x04" + b"\xff" * 200)
    rc, recs, _, _ = run(["hash", "--no-summary", g])
    assert len(recs) == 1 and recs[0]["path"].startswith(str(g)) and recs[0]["error"] == "decode_error"


def test_zip_bomb_is_refused_and_limits_are_named(tmp_path):
    bomb = tmp_path / "bomb.zip"
    make_zip(bomb, [("zeros.bmp", b"\0" * (64 << 20)), ("ok.bmp", read("rgb24.bmp"))])
    assert bomb.stat().st_size < 200_000
    rc, recs, _, _ = run(["hash", "--no-summary", bomb])
    p = by_path(recs)
    assert p[str(bomb) + "!/zeros.bmp"]["error"] == "archive_limit"
    assert "ratio" in p[str(bomb) + "!/zeros.bmp"]["message"]
    assert "hash" in p[str(bomb) + "!/ok.bmp"]
    # A member larger than --max-bytes is refused from its stated size.
    rc, recs, _, _ = run(["hash", "--no-summary", "--max-bytes", "1000", bomb])
    assert by_path(recs)[str(bomb) + "!/ok.bmp"]["error"] == "file_too_large"
    # Member count and total bytes.
    many = tmp_path / "many.zip"
    make_zip(many, [(f"m{i}.bmp", read("rgb24.bmp")) for i in range(5)])
    rc, recs, _, _ = run(["hash", "--no-summary", "--max-archive-members", "3", many])
    assert sum("hash" in r for r in recs) == 3
    assert [r for r in recs if "error" in r][0]["error"] == "archive_limit"
    rc, recs, _, _ = run(["hash", "--no-summary", "--max-archive-bytes", "5000", many])
    assert sum("hash" in r for r in recs) == 1
    assert [r for r in recs if "error" in r][0]["error"] == "archive_limit"


def test_encrypted_member_gets_an_encrypted_record(tmp_path):
    z = tmp_path / "enc.zip"
    make_zip(z, [("plain.bmp", read("rgb24.bmp")), ("secret.bmp", read("rgb24.bmp"))], zipfile.ZIP_STORED)
    data = bytearray(z.read_bytes())
    # Set the "encrypted" flag (bit 0) of secret.bmp in its local and central headers.
    local = data.find(b"PK\x03\x04secret"[:4], data.find(b"secret.bmp") - 40)
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            name_len = struct.unpack_from("<H", data, pos + (26 if sig == b"PK\x03\x04" else 28))[0]
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + name_len] == b"secret.bmp":
                data[pos + flag_at] |= 1
            pos += 4
    assert local >= 0
    z.write_bytes(bytes(data))
    rc, recs, _, _ = run(["hash", "--no-summary", z])
    p = by_path(recs)
    assert "hash" in p[str(z) + "!/plain.bmp"]
    assert p[str(z) + "!/secret.bmp"]["error"] == "encrypted"


def test_7z_and_tar_zst_members_are_hashed(tmp_path):
    # Written by libarchive (tests/data/formats/archives/make_archives.py).
    want = hashes_of_files()
    for name in ("members.7z", "members.tar.zst"):
        path = os.path.join(DATA, "archives", name)
        rc, recs, _, err = run(["hash", "--no-summary", path])
        assert rc == 0, err
        p = by_path(recs)
        assert len(recs) == 2
        assert p[path + "!/dir/lossy.webp"]["hash"] == want["lossy.webp"]
        assert p[path + "!/dir/lossy.webp"]["format"] == "webp"
        assert p[path + "!/palette.gif"]["hash"] == want["palette.gif"]


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    # Python's zipfile states the sizes in the headers: the declared ratio refuses
    # the member before a byte is inflated. Its deflate data is then replaced by
    # garbage: had it been inflated, the record would be a decode_error.
    bomb = tmp_path / "bomb.zip"
    make_zip(bomb, [("zeros.bmp", b"\0" * (64 << 20)), ("ok.bmp", read("rgb24.bmp"))])
    data = bytearray(bomb.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", data, 26)
    start = 30 + name_len + extra_len
    data[start:start + 1000] = b"\xff" * 1000
    bomb.write_bytes(bytes(data))
    rc, recs, _, _ = run(["hash", "--no-summary", bomb])
    p = by_path(recs)
    rec = p[str(bomb) + "!/zeros.bmp"]
    assert rec["error"] == "archive_limit"
    assert "refused before inflating" in rec["message"] and "67108864" in rec["message"]
    assert "hash" in p[str(bomb) + "!/ok.bmp"]
    # With the ratio limit raised the member is inflated: the garbage shows.
    rc, recs, _, _ = run(["hash", "--no-summary", "--max-archive-ratio", "1000000", bomb])
    assert by_path(recs)[str(bomb) + "!/zeros.bmp"]["error"] == "decode_error"


def test_rerun_of_an_archive_adds_only_the_members_missing(tmp_path):
    """--resume walks an archive again (the archive has no record of its own), but
    a member already recorded is not recorded twice (it was: every member doubled)."""
    z = tmp_path / "dump.zip"
    make_zip(z, [(f, read(f)) for f in FILES])
    out = tmp_path / "out.jsonl"
    rc, _, _, err = run(["hash", "-o", out, z])
    assert rc == 0, err
    lines = open(out, "rb").read().splitlines(keepends=True)
    assert len(lines) == len(FILES)
    rc, _, _, err = run(["hash", "--resume", out, z])
    assert rc == 0, err
    assert open(out, "rb").read().splitlines(keepends=True) == lines  # nothing added
    # A run that recorded only some members (killed): the rest are added once.
    with open(out, "wb") as f:
        f.write(b"".join(lines[:2]))
    rc, _, _, err = run(["hash", "--resume", out, z])
    assert rc == 0, err
    paths = [json.loads(l)["path"] for l in open(out, "rb").read().splitlines()]
    assert sorted(paths) == sorted(str(z) + "!/" + f for f in FILES)


def test_archive_members_go_to_all_threads_in_archive_order(tmp_path):
    """A worker walks an archive and queues its members for every worker; several
    archives are walked side by side. With --sort the records come out in input
    order and each archive's members in its order, the same as with one worker,
    and an archive still counts as one input (summary and progress)."""
    inner = tmp_path / "inner.zip"
    make_zip(inner, [("n%d-%s" % (i, f), read(f)) for i in range(3) for f in FILES])
    members = [("m%02d-%s" % (i, f), read(f)) for i in range(6) for f in FILES]
    members.insert(5, ("notes.txt", b"not an image"))
    members.insert(11, ("inner.zip", open(inner, "rb").read()))
    z = tmp_path / "dump.zip"
    make_zip(z, members)
    tar = tmp_path / "second.tar.gz"
    with tarfile.open(tar, "w:gz") as t:
        for i in range(5):
            for f in FILES:
                info = tarfile.TarInfo("t%d-%s" % (i, f))
                data = read(f)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    gif = tmp_path / "plain.gif"
    shutil.copy(os.path.join(DATA, "palette.gif"), gif)
    outs = {}
    for t in ("1", "4"):
        rc, recs, out, err = run(["hash", "--sort", "-t", t, "--progress", z, gif, tar, gif])
        assert rc == 2, err  # notes.txt is an error record
        outs[t] = out
        assert re.search(r"^Inputs seen: +4$", err, re.M), err
        progress = [l for l in err.splitlines() if l.startswith("pdqguard: progress: ")]
        in_archives = len(recs) - 2  # all but the two plain files
        assert progress[-1].startswith("pdqguard: progress: 4/4 files (100.0%%), %d archive members" % in_archives), \
            progress
    assert outs["1"] == outs["4"]
    recs = [json.loads(l) for l in outs["4"].splitlines()]
    want = [str(z) + "!/" + n for n, _ in members if n != "inner.zip"]
    want[11:11] = [str(z) + "!/inner.zip!/n%d-%s" % (i, f) for i in range(3) for f in FILES]
    want += [str(gif)] + [str(tar) + "!/t%d-%s" % (i, f) for i in range(5) for f in FILES] + [str(gif)]
    assert [r["path"] for r in recs] == want
    assert recs[5]["error"] == "unsupported_format"
    want_hash = hashes_of_files()
    for r in recs:
        if "error" not in r:
            name = r["path"].rsplit("/", 1)[1]
            assert r["hash"] == want_hash[name.split("-", 1)[1] if "!/" in r["path"] else "palette.gif"]
    # Without --sort every record is still there once.
    rc, recs, _, err = run(["hash", "-t", "4", z, gif, tar, gif])
    assert sorted(r["path"] for r in recs) == sorted(want)


def test_sorted_archives_walked_side_by_side_with_threads(tmp_path):
    """A slow archive (large images), then two of 1,500 small members each, walked
    at once by the workers with --sort: later walkers wait while more than 64 per
    worker + 1,024 records are held behind the slow one (in most runs: seen with a
    debug print when this was written), and every record still comes out once,
    in order: the wait ends, nothing deadlocks."""
    big = b"P5\n1500 1000\n255\n" + bytes(1500 * 1000)
    make_zip(tmp_path / "slow.zip", [("%02d.pgm" % i, big) for i in range(40)])  # zeros: ratio ~1000
    paths = [str(tmp_path / "slow.zip") + "!/%02d.pgm" % i for i in range(40)]
    pgm = b"P5\n8 8\n255\n" + bytes(range(0, 256, 4))
    for name in ("a.zip", "b.zip"):
        make_zip(tmp_path / name, [("%04d.pgm" % i, pgm) for i in range(1500)], zipfile.ZIP_STORED)
        paths += [str(tmp_path / name) + "!/%04d.pgm" % i for i in range(1500)]
    for t in ("2", "3"):
        rc, recs, _, err = run(["hash", "--sort", "-t", t, "--max-archive-ratio", "100000"] +
                               [tmp_path / n for n in ("slow.zip", "a.zip", "b.zip")],
                               timeout=300)
        assert rc == 0, err
        assert [r["path"] for r in recs] == paths
