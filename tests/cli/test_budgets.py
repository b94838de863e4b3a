"""Issue 21 in the CLI: no small input costs a large machine, no special file
hangs a worker, and raw frames are held to --max-pixels.

The JPEG bombs are made here with Pillow (a small progressive file whose SOF is
patched to claim 10000x10000, or whose last scan is repeated until there are 496
scans); nothing big is committed. They run under `ulimit -v` (test_limits.py's
run_limited) and must end with a resource_limit record and a small peak RSS
(before: 825 MB and 20 s, and 12.9 s, on this machine).
"""
import os
import select
import signal
import subprocess
import sys
import threading
import time

import pytest

import json

from conftest import BIN, CORPUS
from test_limits import PEAK_MIB, SANITIZED, assert_clean_exit, run_limited

Image = pytest.importorskip("PIL.Image")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from jpeg_bombs import cmyk_bomb, scans_bomb  # noqa: E402  (shared with tests/gateway)


# ---------------------------------------------------------------------------
# JPEG bombs


def test_jpeg_bombs_are_refused_with_little_memory(tmp_path):
    bombs = {
        "cmyk.jpg": cmyk_bomb(),                     # 1 KB claiming 10000x10000 CMYK
        "scans.jpg": scans_bomb(496, 10000, 10000),  # 16 KB, 496 scans over 10000x10000
        "scans_fit.jpg": scans_bomb(496, 2000, 2000),  # the same over an image the file can fill
        "padded.jpg": cmyk_bomb(pad_to=800_000),     # long enough: its 800 MB of coefficients are not
    }
    for name, data in bombs.items():
        (tmp_path / name).write_bytes(data)
    assert len(bombs["cmyk.jpg"]) < 1500 and len(bombs["scans.jpg"]) < 20000
    rc, recs, err = run_limited(["hash", "--no-summary", "-t", "1", tmp_path])
    assert_clean_exit(rc, err, PEAK_MIB)
    by = {os.path.basename(r["path"]): r for r in recs}
    assert set(by) == set(bombs)
    for name, r in by.items():
        assert r.get("error") == "resource_limit", r
    assert "6250000 blocks" in by["cmyk.jpg"]["message"]
    assert "more than 8 a byte" in by["scans.jpg"]["message"]
    assert "scans visit more than" in by["scans_fit.jpg"]["message"]
    assert "800000000 bytes" in by["padded.jpg"]["message"]
    assert "268435456" in by["padded.jpg"]["message"]


@pytest.mark.skipif(SANITIZED, reason="ulimit -v cannot be used with sanitizer runtimes")
def test_jpeg_out_of_memory_is_not_a_decode_error(tmp_path):
    # The memory budget raised past what `ulimit -v` allows: libjpeg's
    # "Insufficient memory" must be out_of_memory (transient), not decode_error.
    bomb = tmp_path / "padded.jpg"
    bomb.write_bytes(cmyk_bomb(pad_to=800_000))
    rc, recs, err = run_limited(["hash", "--no-summary", "-t", "1", "--max-decode-memory", "2000000000", bomb])
    assert_clean_exit(rc, err)
    assert rc == 2 and len(recs) == 1
    assert recs[0]["error"] == "out_of_memory", recs[0]
    assert "Insufficient memory" in recs[0]["message"]


def test_decode_cpu_deadline(tmp_path):
    img = Image.effect_noise((1600, 1200), 60).convert("RGB")
    path = tmp_path / "noise.jpg"
    img.save(path, "JPEG", progressive=True, quality=90)
    rc, recs, err = run_limited(["hash", "--no-summary", "--max-decode-cpu-ms", "1", path])
    assert_clean_exit(rc, err)
    assert rc == 2 and recs[0]["error"] == "resource_limit"
    assert "more than 1 ms of CPU time" in recs[0]["message"]
    rc, recs, err = run_limited(["hash", "--no-summary", "--max-decode-cpu-ms", "600000", path])
    assert rc == 0 and "hash" in recs[0]


def test_budget_options_are_validated(tmp_path):
    for args in (["--max-decode-memory", "0"], ["--max-decode-memory", "-1"],
                 ["--max-decode-cpu-ms", "-5"], ["--max-decode-cpu-ms", "abc"]):
        p = subprocess.run([BIN, "hash", *args, str(tmp_path)], capture_output=True, text=True, timeout=30)
        assert p.returncode == 2, (args, p.stdout, p.stderr)


# ---------------------------------------------------------------------------
# Special files


class HeldFifo:
    """A FIFO whose writer end is held open (and never written), so a reader
    that opens it blocking and reads waits forever: what hung a worker."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.rfd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # lets the writer open without waiting
        self.wfd = os.open(path, os.O_WRONLY)

    def close(self):
        os.close(self.wfd)
        os.close(self.rfd)


def read_jsonl(text):
    return [json.loads(l) for l in text.splitlines() if l.startswith("{")]


def _run(args, timeout=60, **kw):
    return subprocess.run([BIN] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, **kw)


def test_fifo_in_a_scanned_dir_and_as_an_argument(tmp_path):
    src = os.path.join(CORPUS, "images", "bridge-mods", "aaa-orig.jpg")
    (tmp_path / "a.jpg").write_bytes(open(src, "rb").read())
    fifo = HeldFifo(tmp_path / "held.jpg")
    try:
        for args in (["hash", "--no-summary", tmp_path], ["hash", "--no-summary", fifo.path, tmp_path / "a.jpg"]):
            p = _run(args)
            recs = read_jsonl(p.stdout)
            by = {os.path.basename(r["path"]): r for r in recs}
            assert by["held.jpg"]["error"] == "not_a_file", p.stdout
            assert "FIFO" in by["held.jpg"]["message"]
            assert "hash" in by["a.jpg"]
            assert p.returncode == 2
    finally:
        fifo.close()


def test_compare_and_dev_zero_are_refused(tmp_path):
    fifo = HeldFifo(tmp_path / "held.jpg")
    try:
        p = _run(["compare", fifo.path, "0" * 64])
        assert p.returncode == 2 and "not_a_file" in p.stderr and "FIFO" in p.stderr
    finally:
        fifo.close()
    p = _run(["hash", "--no-summary", "/dev/zero"], timeout=30)
    recs = read_jsonl(p.stdout)
    assert recs[0]["error"] == "not_a_file" and "character device" in recs[0]["message"]
    # /proc/kmsg is a "regular" file of size 0 that blocks readers (as root; others
    # cannot open it): read non-blocking, an io_error either way, never a hang.
    if os.path.exists("/proc/kmsg"):
        p = _run(["hash", "--no-summary", "/proc/kmsg"], timeout=30)
        assert read_jsonl(p.stdout)[0]["error"] == "io_error", p.stdout


def test_video_hash_refuses_a_fifo(tmp_path):
    # VideoHasher opened its file with fopen, which blocks on a FIFO without a writer.
    fifo = HeldFifo(tmp_path / "clip.mp4")
    try:
        p = _run(["video", "hash", fifo.path], timeout=30)
        assert p.returncode == 2 and "not_a_file" in p.stdout + p.stderr, (p.stdout, p.stderr)
    finally:
        fifo.close()


def test_read_special_reads_a_fifo(tmp_path):
    jpg = open(os.path.join(CORPUS, "images", "bridge-mods", "aaa-orig.jpg"), "rb").read()
    fifo = tmp_path / "stream.jpg"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as f:
            f.write(jpg)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    p = _run(["hash", "--no-summary", "--read-special", fifo])
    t.join(10)
    recs = read_jsonl(p.stdout)
    assert p.returncode == 0 and recs[0]["format"] == "jpeg", (p.stdout, p.stderr)
    ref = read_jsonl(_run(["hash", "--no-summary",
                           os.path.join(CORPUS, "images", "bridge-mods", "aaa-orig.jpg")]).stdout)
    assert recs[0]["hash"] == ref[0]["hash"]


def test_read_special_waits_for_a_fifo_writer_that_comes_late(tmp_path):
    # Before: the FIFO was opened before its writer, the first read saw no
    # writer and returned end of input, and the record was an empty-input error.
    # Now the read waits for the writer (here 0.5 s late) and hashes its image.
    src = os.path.join(CORPUS, "images", "bridge-mods", "aaa-orig.jpg")
    jpg = open(src, "rb").read()
    fifo = tmp_path / "late.jpg"
    os.mkfifo(fifo)

    def feed():
        time.sleep(0.5)
        with open(fifo, "wb") as f:  # blocks until pdqguard has opened it
            f.write(jpg)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    p = _run(["hash", "--no-summary", "--read-special", fifo])
    t.join(10)
    recs = read_jsonl(p.stdout)
    assert p.returncode == 0 and len(recs) == 1, (p.stdout, p.stderr)
    assert "error" not in recs[0] and recs[0]["format"] == "jpeg", recs[0]
    ref = read_jsonl(_run(["hash", "--no-summary", src]).stdout)
    assert recs[0]["hash"] == ref[0]["hash"]


def test_sigint_ends_a_run_with_a_held_fifo(tmp_path):
    # Before: the worker blocked in open()/read() of the FIFO, SIGINT did not end
    # the run and the FIFO got no record. Now it is refused at once, and SIGINT
    # during the run still ends it promptly.
    fifo = HeldFifo(tmp_path / "held.jpg")
    try:
        proc = subprocess.Popen([BIN, "hash", "--no-summary", "-t", "1", "-"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdin.write((str(fifo.path) + "\n").encode())
        proc.stdin.flush()
        # The record comes at once (each is written as it is made); waiting for it
        # rather than sleeping a fixed time keeps a loaded machine from sending
        # SIGINT before the input was even read.
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "no record within 20 s: the FIFO blocked its worker"
        first = proc.stdout.readline()
        proc.send_signal(signal.SIGINT)  # stdin is still open: only SIGINT ends the run
        out, err = proc.communicate(timeout=20)
        recs = read_jsonl((first + out).decode())
        assert [r["error"] for r in recs] == ["not_a_file"], (first, out, err)
        assert proc.returncode == 130, err
    finally:
        fifo.close()


# ---------------------------------------------------------------------------
# Raw frames


def test_raw_frames_are_held_to_max_pixels(tmp_path):
    p = _run(["hash", "--raw", "gray8", "--size", "64x48", "--max-pixels", "1000", "-"], input="")
    assert p.returncode == 2 and "image_too_large" in p.stderr and "64x48" in p.stderr
    # 65535x65535 RGBA (17 GB a frame) under `ulimit -v 2000000`: refused by the
    # pixel limit before any buffer; with the limit raised, a clean out_of_memory.
    # Under a sanitizer there is no `ulimit -v` (its shadow memory needs the address
    # space), so the out-of-memory case would really try 17 GB: only the refusal runs.
    limit = "" if SANITIZED else "ulimit -v 2000000 && "
    cases = [([], "image_too_large")]
    if not SANITIZED:
        cases.append((["--max-pixels", "5000000000"], "out_of_memory"))
    for extra, code in cases:
        cmd = limit + 'exec "$@" < /dev/zero'
        q = subprocess.run(["bash", "-c", cmd, "pdqguard", BIN, "hash", "--raw", "rgba", "--size",
                            "65535x65535", *extra, "-"], capture_output=True, text=True, timeout=60)
        assert q.returncode == 2, q.stderr
        assert code in q.stderr, q.stderr
        for bad in ("terminate called", "Aborted", "std::bad_alloc"):
            assert bad not in q.stderr
