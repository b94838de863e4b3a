"""Issue 21 through Python: hash_file never blocks on or reads a special file (a
FIFO nobody writes, /dev/zero), and the decode budgets are Hasher parameters whose
refusals are Error(resource_limit)."""
import os
import threading

import pytest

import pdqguard


def _with_timeout(fn, seconds=20):
    """Runs fn in a thread; fails (instead of hanging the suite) if it blocks."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked"
    return out


def test_hash_file_refuses_a_fifo_and_dev_zero(tmp_path):
    fifo = tmp_path / "upload.jpg"
    os.mkfifo(fifo)
    for call in (lambda: pdqguard.hash_file(fifo), lambda: pdqguard.Hasher().hash_file(fifo)):
        out = _with_timeout(call)
        e = out.get("error")
        assert isinstance(e, pdqguard.Error), out
        assert e.name == "not_a_file" and e.status == pdqguard.Status.NOT_A_FILE
        assert "FIFO" in e.message
    e = _with_timeout(lambda: pdqguard.hash_file("/dev/zero")).get("error")
    assert isinstance(e, pdqguard.Error) and e.name == "not_a_file"


def test_decode_budgets_are_hasher_parameters():
    webp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "formats", "lossy.webp")
    h = pdqguard.Hasher()
    assert h.get("max_decode_memory") == 256 << 20
    assert h.get("max_decode_cpu_ms") == 0
    h.hash_file(webp)
    tight = pdqguard.Hasher(max_decode_memory=16)
    assert tight.get("max_decode_memory") == 16
    with pytest.raises(pdqguard.Error) as info:
        tight.hash_file(webp)
    assert info.value.name == "resource_limit" and info.value.code == pdqguard.Status.RESOURCE_LIMIT == 20
    assert "max_decode_memory" in info.value.message
