"""Issue #21, "Python and the C API": the binding cannot crash the interpreter or
silently change a value on its way into C. One Hasher shared by threads,
integers that do not fit their C type or their parameter's bounds, strings with
an embedded NUL, and calls on closed objects."""
import os
import threading

import pytest

import pdqguard
from conftest import read_pnm

def frames(corpus, raw_rows, n=4):
    """A few (pixels, w, h, expected hex) gray frames of different sizes."""
    out = []
    for row in raw_rows:
        if row["relative_path"].endswith(".pgm"):
            _, w, h, px = read_pnm(os.path.join(corpus, "raw", row["relative_path"]))
            out.append((px, w, h, row["hash"]))
        if len(out) == n:
            break
    assert len(out) == n
    return out


def test_one_hasher_shared_by_four_threads(corpus, raw_rows, image_rows):
    # Used to segfault: the C hasher's scratch memory is one thread's at a time.
    # Frames of different sizes make it resize while other threads would use it.
    work = frames(corpus, raw_rows)
    jpeg_row = next(r for r in image_rows if r["relative_path"].endswith(".jpg") and r["hash"])
    jpeg_path = os.path.join(corpus, "images", jpeg_row["relative_path"])
    with open(jpeg_path, "rb") as f:
        jpeg = f.read()
    hasher = pdqguard.Hasher()
    bad, done = [], []

    def run(k):
        n = 0
        for i in range(150):
            px, w, h, want = work[(i + k) % len(work)]
            got = hasher.hash_frame(px, w, h, "gray8").hash.hex
            if got != want:
                bad.append((w, h, got))
            if i % 10 == k:
                if hasher.hash_bytes(jpeg).hash.hex != jpeg_row["hash"]:
                    bad.append("bytes")
                if hasher.hash_file(jpeg_path).hash.hex != jpeg_row["hash"]:
                    bad.append("file")
            n += 1
        done.append(n)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad and done == [150] * 4
    # Errors stay with the call that made them, also on a shared hasher.
    with pytest.raises(pdqguard.Error) as e:
        hasher.hash_bytes(b"not an image")
    assert e.value.name == "unsupported_format"


def test_close_waits_for_running_calls_and_later_calls_fail(tmp_path):
    lst = tmp_path / "l.csv"
    lst.write_text("id,hash\na," + "0" * 64 + "\n")
    m = pdqguard.Matcher(lists=lst)
    stop, errors = threading.Event(), []

    def query():
        while not stop.is_set():
            try:
                m.match_hash("0" * 64)
            except pdqguard.Error as e:  # after close: invalid_argument, never a crash
                if e.name != "invalid_argument":
                    errors.append(e)
                return

    threads = [threading.Thread(target=query) for _ in range(3)]
    for t in threads:
        t.start()
    m.close()
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    with pytest.raises(pdqguard.Error):
        m.match_hash("0" * 64)
    h = pdqguard.Hasher()
    h.close()
    h.close()
    with pytest.raises(pdqguard.Error) as e:
        h.hash_frame(bytes(64), 8, 8, "gray8")
    assert e.value.name == "invalid_argument"


def test_integers_out_of_range_never_wrap(tmp_path):
    lst = tmp_path / "l.csv"
    lst.write_text("id,hash\nzero," + "0" * 64 + "\n")
    # Matcher parameters: bounds from pdqg_matcher_param_bounds (2**64 used to become 0).
    for name, value in (("threshold", 2**64), ("threshold", 257), ("threshold", -1),
                        ("min_quality", 2**32 + 50), ("max_matches", 2**63),
                        ("max_line_bytes", -1), ("max_list_bytes", 2**64 - 1)):
        with pytest.raises(ValueError) as e:
            pdqguard.Matcher(lists=lst, **{name: value})
        assert isinstance(e.value, pdqguard.Error) and e.value.name == "invalid_argument", name
    m = pdqguard.Matcher(lists=lst, min_quality=50)
    for bad in (2**64, 2**32 + 31, -(2**64)):
        with pytest.raises(ValueError):
            m.threshold = bad
    assert m.threshold == 31
    with pytest.raises(TypeError):
        m.threshold = 3.5
    # Hasher parameters: bounds from pdqg_hasher_param_bounds (2**64+1 used to become 1).
    lo, hi, default = pdqguard.Hasher.param_bounds("max_pixels")
    assert lo == 1 and hi >= 2**62 and default > 0
    for name, value in (("max_pixels", 2**64 + 1), ("max_pixels", 0), ("max_bytes", hi + 1)):
        with pytest.raises(ValueError):
            pdqguard.Hasher(**{name: value})
    h = pdqguard.Hasher(max_pixels=hi)
    assert h.get("max_pixels") == hi
    with pytest.raises(ValueError):
        h.set("fast_jpeg", 2)
    # A quality of 2**32+10 used to be 10 (and gated) after the wrap.
    with pytest.raises(ValueError):
        m.match_hash("0" * 64, quality=2**32 + 10)
    with pytest.raises(pdqguard.Error) as e:  # fits a C int, refused by the library
        m.match_hash("0" * 64, quality=-5)
    assert e.value.name == "invalid_argument"
    assert m.match_hash("0" * 64, quality=None).blocked
    # Frame sizes: 2**32+64 used to hash as 64.
    buf = bytes(64 * 64)
    for w, h_ in ((2**32 + 64, 64), (64, 2**32 + 64), (2**31, 64), (64, -(2**32) + 64)):
        with pytest.raises(ValueError):
            pdqguard.hash_frame(buf, w, h_, "gray8")
    with pytest.raises(ValueError):
        pdqguard.hash_frame(buf, 64, 64, "gray8", stride=2**64 + 64)
    with pytest.raises(ValueError):
        pdqguard.hash_frame(buf, 64, 64, "gray8", stride=-64)
    assert pdqguard.hash_frame(buf, 64, 64, "gray8", stride=64).width == 64
    with pytest.raises(ValueError):
        pdqguard.Stream(2**32 + 64, 64, "gray8")


def test_embedded_nul_is_refused(tmp_path, corpus, raw_rows):
    image = os.path.join(corpus, "raw", raw_rows[0]["relative_path"])
    assert pdqguard.hash_file(image).hash.hex == raw_rows[0]["hash"]
    for path in (image + "\0junk", os.fsencode(image) + b"\0junk"):
        with pytest.raises(ValueError) as e:  # used to hash `image`
            pdqguard.hash_file(path)
        assert e.value.name == "invalid_argument" and "NUL" in e.value.message
        with pytest.raises(ValueError):
            pdqguard.Hasher().hash_file(path)
    lst = tmp_path / "l.csv"
    lst.write_text("id,hash\na," + "0" * 64 + "\n")
    with pytest.raises(ValueError):
        pdqguard.Matcher(lists=str(lst) + "\0.bak")
    with pytest.raises(ValueError):
        pdqguard.Matcher(lists=[], index=str(lst) + "\0")
    with pytest.raises(ValueError):
        pdqguard.hash_frame(bytes(64), 8, 8, "gray8\0rgb")
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.Hash("0" * 64 + "\0junk")
    assert e.value.name == "bad_hash"


def test_argument_error_is_both_kinds():
    e = pdqguard.ArgumentError("x")
    assert isinstance(e, pdqguard.Error) and isinstance(e, ValueError)
    assert (e.code, e.name, e.status) == (1, "invalid_argument", pdqguard.Status.INVALID_ARGUMENT)
    # Every C status has a name; a code the Status enum lacks keeps its number.
    for s in pdqguard.Status:  # the C API's names (pdqg_status_name), 0..19
        assert pdqguard.Error(int(s), "").name == s.name.lower()
    future = pdqguard.Error(99, "from a newer library")
    assert future.code == 99 and future.status is None and future.name == "unknown_error"


def test_status_names_and_transient_statuses_come_from_the_library():
    from pdqguard import _errors
    for s in pdqguard.Status:
        assert _errors.status_from_name(s.name.lower()) == int(s)
    assert _errors.status_from_name("no_such_status") is None
    assert _errors.status_from_name("unknown_error") is None
    transient = {s for s in pdqguard.Status if _errors.is_transient(s)}
    assert transient == {pdqguard.Status.IO_ERROR, pdqguard.Status.OUT_OF_MEMORY}
    assert not _errors.is_transient(-1) and not _errors.is_transient(99)
    with pytest.raises(pdqguard.ArgumentError):
        _errors.is_transient(1 << 40)  # not a C int: refused, never wrapped


def test_video_arguments_are_checked_before_c(tmp_path):
    lst = tmp_path / "l.csv"
    lst.write_text("id,hash\na," + "0" * 64 + "\n")
    m = pdqguard.Matcher(lists=lst)
    for call in (lambda: pdqguard.hash_video("clip.mp4\0junk"),
                 lambda: pdqguard.hash_video("clip.mp4", max_frames=2**64),
                 lambda: pdqguard.hash_video("clip.mp4", downsample=2**32 + 64),
                 lambda: pdqguard.hash_video(b"\0\0\0 ftyp", name="a.mp4\0b"),
                 lambda: pdqguard.match_video("clip.mp4\0junk", m)):
        with pytest.raises(ValueError):
            call()
    m.close()
    with pytest.raises(pdqguard.Error) as e:  # a closed matcher is refused, not used
        pdqguard.match_video(str(tmp_path / "clip.mp4"), m)
    assert e.value.name == "invalid_argument"
