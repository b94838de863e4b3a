"""The Python binding's hashing: files, bytes, frames (buffers and numpy), errors,
all checked against the shared corpus's reference values."""
import os
import threading

import pytest

import pdqguard
from conftest import DIHEDRAL_COLUMNS, FULL_CORPUS, need, read_pnm

try:
    import numpy as np
except ImportError:  # numpy is optional for the binding; the numpy tests skip
    np = None


def test_versions():
    assert pdqguard.version() == pdqguard.__version__
    assert pdqguard.simd_path() in ("scalar", "avx2", "avx512")


def test_raw_reference_vectors_files_bytes_frames(corpus, raw_rows):
    for row in raw_rows:
        path = os.path.join(corpus, "raw", row["relative_path"])
        r = pdqguard.hash_file(path, dihedral=True)
        assert r.hash.hex == row["hash"], path
        assert r.quality == int(row["quality"]), path
        assert (r.width, r.height) == (int(row["width"]), int(row["height"]))
        assert r.too_small == (r.width < 5 or r.height < 5)
        assert [r.dihedral[n].hex for n in pdqguard.DIHEDRAL_NAMES] == \
            [row[c] for c in DIHEDRAL_COLUMNS], path

        with open(path, "rb") as f:
            data = f.read()
        assert pdqguard.hash_bytes(data).hash == r.hash
        assert pdqguard.hash_bytes(bytearray(data)).hash == r.hash
        assert pdqguard.hash_bytes(memoryview(data)).hash == r.hash

        kind, w, h, pixels = read_pnm(path)
        fmt = "rgb8" if kind == b"P6" else "gray8"
        f = pdqguard.hash_frame(pixels, w, h, fmt, dihedral=True)
        assert f.hash == r.hash and f.quality == r.quality and f.dihedral == r.dihedral


@pytest.mark.skipif(np is None, reason="numpy not installed")
def test_numpy_frames(corpus, raw_rows):
    for row in raw_rows[:20]:
        path = os.path.join(corpus, "raw", row["relative_path"])
        kind, w, h, pixels = read_pnm(path)
        if kind == b"P6":
            rgb = np.frombuffer(pixels, dtype=np.uint8).reshape(h, w, 3)
            assert pdqguard.hash_frame(rgb).hash.hex == row["hash"]
            bgr = rgb[:, :, ::-1]  # a strided view: copied to a packed array
            assert pdqguard.hash_frame(bgr, format="bgr8").hash.hex == row["hash"]
            rgba = np.zeros((h, w + 3, 4), dtype=np.uint8)  # padded rows, passed as a stride
            rgba[:, :w, :3] = rgb
            rgba[:, :w, 3] = 9
            assert pdqguard.hash_frame(rgba[:, :w]).hash.hex == row["hash"]
        else:
            gray = np.frombuffer(pixels, dtype=np.uint8).reshape(h, w)
            assert pdqguard.hash_frame(gray).hash.hex == row["hash"]
            mirrored = gray[:, ::-1]  # a negative stride: hashed from a packed copy
            assert pdqguard.hash_frame(mirrored).hash == \
                pdqguard.hash_frame(mirrored.tobytes(), w, h, "gray8").hash
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_frame(np.zeros((8, 8), dtype=np.float32))
    assert e.value.name == "invalid_argument"
    with pytest.raises(pdqguard.Error):
        pdqguard.hash_frame(np.zeros((8, 8, 3), dtype=np.uint8), format="gray8")


def test_yuv_frames(corpus, raw_rows):
    gray_rows = [r for r in raw_rows if r["decoded_as"] == "gray" and int(r["width"]) >= 5][:6]
    assert gray_rows
    for row in gray_rows:
        _, w, h, y = read_pnm(os.path.join(corpus, "raw", row["relative_path"]))
        cw, ch = (w + 1) // 2, (h + 1) // 2
        u, v, uv = bytes([128]) * (cw * ch), bytes([64]) * (cw * ch), bytes([7]) * (2 * cw * ch)
        assert pdqguard.hash_frame(y + u + v, w, h, "i420").hash.hex == row["hash"]
        assert pdqguard.hash_frame([y, u, v], w, h, "i420").hash.hex == row["hash"]
        assert pdqguard.hash_frame(y + uv, w, h, "nv12").hash.hex == row["hash"]
        assert pdqguard.hash_frame([y], w, h, "nv12").hash.hex == row["hash"]
        # Y with padded rows, given as a stride.
        padded = b"".join(y[i * w:(i + 1) * w] + b"\xff" * 5 for i in range(h))
        assert pdqguard.hash_frame(padded, w, h, "gray8", stride=w + 5).hash.hex == row["hash"]


def test_jpeg_png_corpus(corpus, image_rows):
    hashed = refused = 0
    for row in image_rows:
        path = os.path.join(corpus, "images", row["relative_path"])
        if not row["hash"] and path.endswith(".webp"):
            assert pdqguard.hash_file(path).width == int(row["width"])  # decodes since issue 15
            refused += 1
            continue
        if not row["hash"]:
            with pytest.raises(pdqguard.Error) as e:
                pdqguard.hash_file(path)
            assert e.value.name == "unsupported_format"
            assert e.value.code == pdqguard.Status.UNSUPPORTED_FORMAT
            refused += 1
            continue
        r = pdqguard.hash_file(path, dihedral=True)
        assert r.hash.hex == row["hash"], path
        assert r.quality == int(row["quality"]), path
        assert r.dihedral["flipplus1"].hex == row["dih_flipplus1"], path
        hashed += 1
    assert hashed >= (40 if FULL_CORPUS else 14) and refused >= (5 if FULL_CORPUS else 0)


def test_errors_carry_code_and_message(tmp_path):
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_file(tmp_path / "missing.jpg")
    assert e.value.code == 2 and e.value.name == "io_error"
    assert "missing.jpg" in e.value.message
    assert e.value.status is pdqguard.Status.IO_ERROR

    (tmp_path / "notes.txt").write_text("hello, not an image")
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_file(tmp_path / "notes.txt")
    assert e.value.name == "unsupported_format"
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_bytes(b"")
    assert e.value.name == "decode_error"

    with pytest.raises(pdqguard.Error) as e:  # one byte short
        pdqguard.hash_frame(bytes(10 * 10 * 3 - 1), 10, 10, "rgb8")
    assert e.value.name == "invalid_argument" and "too small" in e.value.message
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_frame(bytes(300), 10, 10, "yuv444")
    assert e.value.name == "invalid_argument"
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_frame(bytes(300), 10, 10, "rgb8", stride=29)
    assert "stride" in e.value.message
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.set_simd_path("sse9")
    assert e.value.name == "unsupported_isa"

    tiny = pdqguard.hash_frame(bytes(16), 4, 4, "gray8")
    assert tiny.too_small and tiny.quality == 0 and tiny.hash.hex == "0" * 64


def test_hash_values():
    text = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    h = pdqguard.Hash(text)
    assert h.hex == text and str(h) == text and pdqguard.Hash(text.upper()) == h
    assert bytes(h).hex() == text
    assert len({h, pdqguard.Hash(text)}) == 1
    g = pdqguard.Hash("0" + text[1:])  # f -> 0: four bits
    assert h.distance(g) == 4 and g.distance(text) == 4 and h.distance(h) == 0
    for bad in ("abc", text + "0", text[:-1] + "g"):
        with pytest.raises(pdqguard.Error) as e:
            pdqguard.Hash(bad)
        assert e.value.name == "bad_hash" and e.value.code == 7


def test_hasher_limits_and_reuse(corpus, raw_rows):
    path = os.path.join(corpus, "raw", raw_rows[0]["relative_path"])
    w, h = int(raw_rows[0]["width"]), int(raw_rows[0]["height"])
    with pdqguard.Hasher(max_pixels=w * h - 1) as hasher:
        assert hasher.get("max_pixels") == w * h - 1
        with pytest.raises(pdqguard.Error) as e:
            hasher.hash_file(path)
        assert e.value.name == "image_too_large"
    with pdqguard.Hasher(max_bytes=100) as hasher:
        with pytest.raises(pdqguard.Error) as e:
            hasher.hash_file(path)
        assert e.value.name == "file_too_large"
    hasher = pdqguard.Hasher()
    for row in raw_rows[:8]:
        assert hasher.hash_file(os.path.join(corpus, "raw", row["relative_path"])).hash.hex == \
            row["hash"]
    hasher.close()
    with pytest.raises(pdqguard.Error):
        hasher.hash_file(path)
    with pytest.raises(pdqguard.Error):
        pdqguard.Hasher(max_bytes=0)


def test_threads_hash_in_parallel(corpus, raw_rows):
    rows = raw_rows[:12]
    errors = []

    def work():
        try:
            for row in rows:
                assert pdqguard.hash_file(os.path.join(corpus, "raw", row["relative_path"])).hash.hex \
                    == row["hash"]
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_fast_jpeg_is_close_to_exact(corpus, image_rows):
    # The corpus's phone photos (4032x3024) decode at 1/8 in fast mode; the hash
    # keeps the full-size geometry, so it stays within the reference's bar (10).
    need("images/reg-test-input/exif-rotn/exif-rotn-1.jpg")
    rows = [r for r in image_rows if r["relative_path"].startswith("reg-test-input/exif-rotn/")]
    assert len(rows) >= 4
    with pdqguard.Hasher(fast_jpeg=True) as fast:
        assert fast.get("fast_jpeg") == 1
        for row in rows:
            path = os.path.join(corpus, "images", row["relative_path"])
            r = fast.hash_file(path)
            d = bin(int(r.hash.hex, 16) ^ int(row["hash"], 16)).count("1")
            assert d <= 10, (path, d)
            assert abs(r.quality - int(row["quality"])) <= 5, path


def test_pixel_format_names_come_from_the_c_api_with_ffmpeg_aliases():
    # One name table (pdqg_format_name / pdqg_format_from_name): the binding restates none.
    assert pdqguard.FORMATS == ("gray8", "rgb8", "rgba8", "bgr8", "bgra8", "i420", "nv12")
    w, h = 37, 23
    rgb = bytes((i * 7) % 251 for i in range(w * h * 3))
    assert pdqguard.hash_frame(rgb, w, h, "rgb24").hash == pdqguard.hash_frame(rgb, w, h, "rgb8").hash
    y = rgb[: w * h]
    yuv = y + bytes(2 * ((w + 1) // 2) * ((h + 1) // 2))
    assert pdqguard.hash_frame(yuv, w, h, "yuv420p").hash == pdqguard.hash_frame(y, w, h, "gray8").hash
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_frame(rgb, w, h, "yuv444p")
    assert e.value.name == "invalid_argument"


def test_new_formats_hash_as_their_pillow_pixels():
    # Issue 15: WebP, GIF, TIFF and BMP through hash_file/hash_bytes (the C API's
    # decode entry point); each equals the hash of Pillow's pixels saved beside it.
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "formats")
    for name in ("alpha.webp", "anim.gif", "rgba_deflate.tiff", "rle8.bmp", "gray.tiff"):
        path = os.path.join(data, name)
        ref = path + ".ppm" if os.path.exists(path + ".ppm") else path + ".pgm"
        want = pdqguard.hash_file(ref)
        got = pdqguard.hash_file(path)
        assert got.hash.hex == want.hash.hex and got.quality == want.quality, name
        with open(path, "rb") as f:
            assert pdqguard.hash_bytes(f.read()).hash.hex == want.hash.hex, name
