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
