"""pdqguard hash/scan over WebP, GIF, TIFF and BMP files (issue 15): every file
is one record naming its real format, hashed as the Pillow pixels beside it."""
import os
import shutil

from conftest import run

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "formats")
FORMAT = {"webp": "webp", "gif": "gif", "tiff": "tiff", "bmp": "bmp"}


def test_hash_names_the_real_format_and_matches_pillow(tmp_path):
    files = sorted(f for f in os.listdir(DATA) if f.rsplit(".", 1)[-1] in FORMAT)
    assert len(files) >= 20
    # Content decides, not the name: copy each file under a misleading name too.
    for f in files:
        shutil.copy(os.path.join(DATA, f), tmp_path / (f + ".jpg"))
    rc, recs, _, err = run(["hash", tmp_path])
    assert rc == 0, err
    got = {os.path.basename(r["path"])[:-4]: r for r in recs}
    assert set(got) == set(files)
    refs = []
    for f in files:
        ref = os.path.join(DATA, f + ".ppm")
        refs.append(ref if os.path.exists(ref) else os.path.join(DATA, f + ".pgm"))
    rc, ref_recs, _, err = run(["hash"] + refs)
    assert rc == 0, err
    by_ref = {r["path"]: r for r in ref_recs}
    for f, ref in zip(files, refs):
        r = by_ref[ref]
        assert got[f]["format"] == FORMAT[f.rsplit(".", 1)[-1]], f
        assert got[f]["hash"] == r["hash"] and got[f]["quality"] == r["quality"], f


def make_animation(path, fmt, n=4):
    """n distinct 96x80 frames (each a different pattern), saved by Pillow; the
    frames as Pillow shows them are written beside as PNGs (path.K.png)."""
    from PIL import Image, ImageDraw
    frames = []
    for k in range(n):
        im = Image.new("RGB", (96, 80), ((40 * k) % 256, 90, 200 - 30 * k))
        d = ImageDraw.Draw(im)
        for j in range(6):
            x, y = (17 * j * (k + 1)) % 80, (11 * j + 23 * k) % 64
            d.ellipse((x, y, x + 20 + 3 * k, y + 14), fill=(250 - 40 * j, 30 * j + 20 * k, 60 * k % 256))
            d.rectangle((5 * j + 7 * k, 60 - 4 * j, 5 * j + 7 * k + 12, 70), fill=(20 * j, 255 - 50 * k, 128))
        frames.append(im)
    kw = {"lossless": True} if fmt == "WEBP" else {}
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:], duration=[100, 150, 200, 250][:n], loop=0, **kw)
    back = Image.open(path)
    pngs = []
    for k in range(n):
        back.seek(k)
        png = str(path) + f".{k}.png"
        back.convert("RGB").save(png)
        pngs.append(png)
    return pngs


def test_all_frames_hashes_and_matches_every_frame(tmp_path):
    for ext, fmt in (("gif", "GIF"), ("webp", "WEBP"), ("png", "PNG")):
        anim = tmp_path / f"anim.{ext}"
        pngs = make_animation(anim, fmt)
        rc, recs, _, err = run(["hash", "--no-summary"] + pngs)
        assert rc == 0, err
        by = {r["path"]: r for r in recs}
        frame_hash = [by[p]["hash"] for p in pngs]
        # The listed frame: the later frame of best quality (one below the
        # minimum quality would be gated, never matched).
        t = max((1, 2, 3), key=lambda k: by[pngs[k]]["quality"])
        assert by[pngs[t]]["quality"] >= 50
        lst = tmp_path / "list.txt"
        lst.write_text(frame_hash[t] + "\n")
        # Without --all-frames: frame 0 only, as HMA hashes it.
        rc, recs, _, err = run(["scan", "--no-summary", "--list", lst, anim])
        assert [r["hash"] for r in recs] == [frame_hash[0]]
        assert "frames_hashed" not in recs[0]
        assert all(m["distance"] > 0 for m in recs[0]["matches"])
        # --all-frames: one record, frame 0's hash, every frame matched; the list
        # entry is reported once, at its nearest frame (t, distance 0).
        rc, recs, _, err = run(["scan", "--no-summary", "--all-frames", "--list", lst, anim])
        assert rc == 1, err
        assert len(recs) == 1
        r = recs[0]
        assert r["format"] == ext and r["hash"] == frame_hash[0], ext
        assert r["frames_hashed"] == 4
        assert abs(r["duration"] - 0.7) < 1e-9
        assert len(r["matches"]) == 1
        m = r["matches"][0]
        assert (m["distance"], m["frame"]) == (0, t)
        assert abs(m["timestamp"] - [0, 0.1, 0.25, 0.45][t]) < 1e-9
        # --all-matches: every frame within the radius, each with its frame.
        rc, recs, _, _ = run(["scan", "--no-summary", "--all-frames", "--all-matches", "--list", lst, anim])
        ms = recs[0]["matches"]
        assert t in [x["frame"] for x in ms] and all("timestamp" in x for x in ms)
        # hash --all-frames: the record says how many frames were hashed.
        rc, recs, _, _ = run(["hash", "--no-summary", "--all-frames", anim])
        assert recs[0]["frames_hashed"] == 4 and recs[0]["hash"] == frame_hash[0]
        # CSV: the best match's frame and timestamp, columns aligned with the header.
        rc, _, out, _ = run(["scan", "--no-summary", "--all-frames", "-f", "csv", "--list", lst, anim])
        lines = out.splitlines()
        header = lines[0].split(",")
        row = dict(zip(header, lines[1].split(",")))
        assert len(lines[1].split(",")) == len(header)
        assert row["best_frame"] == str(t) and row["best_timestamp"] == "%.3f" % [0, 0.1, 0.25, 0.45][t]
    # A still image is unchanged by --all-frames.
    rc, recs, _, _ = run(["hash", "--no-summary", "--all-frames", os.path.join(DATA, "rgb24.bmp")])
    assert "frames_hashed" not in recs[0] and "hash" in recs[0]


def test_all_frames_samples_by_seconds_per_hash(tmp_path):
    """--all-frames with --seconds-per-hash hashes one frame per S seconds of the
    animation's timestamps (0, 0.1, 0.25, 0.45 s here), frame 0 always; without it,
    every frame."""
    for ext, fmt in (("gif", "GIF"), ("webp", "WEBP"), ("png", "PNG")):
        anim = tmp_path / f"anim.{ext}"
        pngs = make_animation(anim, fmt)
        rc, recs, _, err = run(["hash", "--no-summary"] + pngs)
        assert rc == 0, err
        lst = tmp_path / "every-frame.txt"
        lst.write_text("".join(r["hash"] + "\n" for r in recs))
        for s, want in (("0.2", [0, 2, 3]), ("0.3", [0, 3]), ("0", [0, 1, 2, 3])):
            rc, recs, _, err = run(["scan", "--no-summary", "--all-frames", "--all-matches", "--min-quality", "0",
                                    "--seconds-per-hash", s, "--list", lst, anim])
            assert rc == 1, err
            r = recs[0]
            assert r["frames_hashed"] == len(want), (ext, s, r)
            assert sorted({m["frame"] for m in r["matches"] if m["distance"] == 0}) == want, (ext, s, r["matches"])
