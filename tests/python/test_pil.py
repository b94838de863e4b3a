"""Issue #19: hash_frame takes what Python users hold. PIL images of every mode
hash as the canonical decode rules say (what hash_file does with the same file),
and Matcher.match never takes a path for a hash."""
import os
import warnings

import pytest

import pdqguard

Image = pytest.importorskip("PIL.Image")

FORMATS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "formats")


def test_pil_images_hash_as_the_files_do():
    # Each file beside its Pillow-decoded reference pixels (.ppm/.pgm): the modes
    # Pillow opens them in are P (palette), L, 1 (bilevel), RGB, RGBA.
    modes = set()
    for name in sorted(os.listdir(FORMATS_DIR)):
        ref = os.path.join(FORMATS_DIR, name + ".ppm")
        if not os.path.exists(ref):
            ref = os.path.join(FORMATS_DIR, name + ".pgm")
        if not os.path.exists(ref) or name.endswith((".ppm", ".pgm")):
            continue
        want = pdqguard.hash_file(ref)
        with Image.open(os.path.join(FORMATS_DIR, name)) as img:  # frame 0 of an animation
            modes.add(img.mode)
            got = pdqguard.hash_frame(img)
        assert (got.hash.hex, got.quality, got.width, got.height) == \
            (want.hash.hex, want.quality, want.width, want.height), (name, img.mode)
    assert {"P", "L", "1", "RGB", "RGBA"} <= modes


def gradient(w=64, h=48):
    img = Image.new("RGB", (w, h))
    img.putdata([((x * 4) % 256, (y * 5) % 256, (x * y) % 256) for y in range(h) for x in range(w)])
    return img


def test_every_mode_maps_as_documented():
    rgb = gradient()
    gray = rgb.convert("L")
    h_rgb = pdqguard.hash_frame(rgb).hash
    h_gray = pdqguard.hash_frame(gray).hash
    assert pdqguard.hash_frame(bytes(rgb.tobytes()), 64, 48, "rgb8").hash == h_rgb
    assert pdqguard.hash_frame(gray.tobytes(), 64, 48, "gray8").hash == h_gray
    # alpha dropped, not composited
    rgba = rgb.copy()
    rgba.putalpha(Image.new("L", rgb.size, 3))
    assert pdqguard.hash_frame(rgba).hash == h_rgb
    la = gray.copy()
    la.putalpha(Image.new("L", rgb.size, 7))
    assert la.mode == "LA" and pdqguard.hash_frame(la).hash == h_gray
    # palette -> RGB
    pal = rgb.quantize(64)
    assert pal.mode == "P"
    assert pdqguard.hash_frame(pal).hash == pdqguard.hash_frame(pal.convert("RGB")).hash
    # 16-bit gray keeps the high byte (Pillow's own convert("L") would clip instead)
    hi = Image.new("I;16", rgb.size)
    hi.putdata([v * 256 + 255 - v for v in gray.getdata()])
    assert pdqguard.hash_frame(hi).hash == h_gray
    as_i = hi.convert("I")
    assert as_i.mode == "I" and pdqguard.hash_frame(as_i).hash == h_gray
    # other colour spaces through Pillow's conversion to RGB
    for mode in ("CMYK", "YCbCr", "HSV"):
        img = rgb.convert(mode)
        assert pdqguard.hash_frame(img).hash == pdqguard.hash_frame(img.convert("RGB")).hash, mode
    bilevel = gray.convert("1")
    assert pdqguard.hash_frame(bilevel).hash == pdqguard.hash_frame(bilevel.convert("L")).hash
    with pytest.raises(ValueError):
        pdqguard.hash_frame(gray.convert("F"))
    with pytest.raises(ValueError):  # a PIL image decides its own format and size
        pdqguard.hash_frame(rgb, format="bgr8")
    with pytest.raises(ValueError):
        pdqguard.hash_frame(rgb, 10, 10)
    # and the Hasher, a Matcher and a Stream take them too
    assert pdqguard.Hasher().hash_frame(rgb, dihedral=True).dihedral["original"] == h_rgb
    with pdqguard.Stream(64, 48, "rgb8", seconds_per_hash=0) as s:
        assert s.push(rgb, 0.0).result.hash == h_rgb


def test_match_never_guesses_path_or_hash(tmp_path, corpus, image_rows):
    row = next(r for r in image_rows if r["hash"] and r["relative_path"].endswith(".jpg"))
    image = os.path.join(corpus, "images", row["relative_path"])
    lst = tmp_path / "list.csv"
    lst.write_text(f"id,hash\nlisted,{row['hash']}\n")
    m = pdqguard.Matcher(lists=lst)
    # A content-addressed upload: a file named by 64 hex digits (not the image's hash).
    name = "ab" * 32
    with open(image, "rb") as f, open(tmp_path / name, "wb") as g:
        g.write(f.read())
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        res = m.match(name)  # used to match the hash "abab..." instead of reading the file
        assert res.blocked and res.image is not None and res.hash.hex == row["hash"]
        assert m.match_file(name).blocked
        assert not m.match_hash(name).blocked  # explicitly the hash abab...
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with pytest.raises(pdqguard.Error) as e:
                m.match("cd" * 32)  # no such file: an error, never a hash query
        assert e.value.name == "io_error"
        assert any(issubclass(x.category, DeprecationWarning) for x in w)
    finally:
        os.chdir(old)
    assert m.match(pdqguard.Hash(row["hash"])).blocked
    assert m.match(pdqguard.Hash(row["hash"]), quality=10).gate == "below_quality"
    with pytest.raises(ValueError):
        m.match(image, quality=90)  # quality is for hash queries only
    with Image.open(image) as img:
        assert m.match(img).blocked
        assert m.match_frame(img).blocked
    with open(image, "rb") as f:
        assert m.match(f.read()).blocked
