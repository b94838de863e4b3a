"""The progress line (issue 18): done/total, rate and ETA, the total counted ahead of
the workers. --progress draws it on a non-terminal stderr, one line a second.

To see a line from the middle of a run, deterministically: records go to a pipe
nobody reads yet, so once it is full the workers wait on it, the main walk waits on
the full queue, and the progress line (written straight to stderr) keeps coming. A
total in such a line cannot come from the main walk (it is not done): it is the
look-ahead count's.
"""
import os
import re
import subprocess
import threading

from conftest import BIN

LINE = re.compile(
    r"^pdqguard: progress: (\d+)(?:/(\d+)(\+)?)? files(?: \(([\d.]+)%\))?, ([\d.]+) files/s, "
    r"(?:(\d+) matched, )?(\d+) errors, ([^,]+?)(?:, ETA (.+))?$")


def seconds(text):
    """'25.61 s', '3m05s', '1h02m03s' -> seconds."""
    m = re.fullmatch(r"([\d.]+) s", text)
    if m:
        return float(m.group(1))
    m = re.fullmatch(r"(?:(\d+)h)?(\d+)m(\d+)s", text)
    assert m, text
    return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def mid_run_line(args, stdin_bytes=None, timeout=60):
    """Starts pdqguard ARGS --progress with stdout unread; returns the first progress
    line that shows progress (done > 0), the last line, and all records."""
    p = subprocess.Popen([BIN, *args, "--progress", "-t", "1"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if stdin_bytes is not None:
        threading.Thread(target=lambda: (p.stdin.write(stdin_bytes), p.stdin.close()), daemon=True).start()
    else:
        p.stdin.close()
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    try:
        first = None
        for line in p.stderr:
            m = LINE.match(line.rstrip("\n"))
            if m and int(m.group(1)) > 0:
                first = m
                break
        assert first, "no progress line with progress"
        records = p.stdout.read().splitlines()  # the workers go on
        lines = [LINE.match(l.rstrip("\n")) for l in p.stderr]
        p.wait()
    finally:
        timer.cancel()
    last = [m for m in lines if m][-1]
    return first, last, records


def junk_dump(tmp_path, n):
    d = tmp_path / "dump"
    (d / "sub").mkdir(parents=True)
    for i in range(n):
        # Not images: each gets a (long enough) error record, fast.
        (d / ("sub" if i % 2 else "") / f"file-{i:05d}-{'x' * 40}.jpg").write_bytes(b"not an image")
    return d


def check_eta(m):
    done, total = int(m.group(1)), int(m.group(2))
    rate, eta = float(m.group(5)), seconds(m.group(9))
    assert rate > 0
    # ETA = inputs left / rate; the printed rate is rounded to 0.1.
    expected = (total - done) / rate
    assert abs(eta - expected) <= 0.02 * expected + 1.0, (m.group(0), expected)
    assert abs(float(m.group(4)) - 100.0 * done / total) <= 0.051


def test_progress_total_and_eta_mid_run(tmp_path):
    n = 3000
    first, last, records = mid_run_line(["hash", junk_dump(tmp_path, n)])
    assert len(records) == n
    done = int(first.group(1))
    assert first.group(2) == str(n) and not first.group(3), first.group(0)  # the whole total, counted ahead
    assert done < n
    assert first.group(9), "no ETA: " + first.group(0)
    check_eta(first)
    # The last line: everything done, 100 %, nothing left.
    assert (last.group(1), last.group(2), last.group(4)) == (str(n), str(n), "100.0"), last.group(0)
    assert seconds(last.group(9)) == 0


def test_progress_counts_what_gets_a_record(tmp_path):
    """Symlinks (skipped) are not counted; a FIFO and an unreadable entry get a record
    and are; explicit file arguments count once each."""
    d = junk_dump(tmp_path, 1500)
    os.symlink(d / ("file-00000-" + "x" * 40 + ".jpg"), d / "link.jpg")
    os.mkfifo(d / "fifo.jpg")
    extra = tmp_path / "extra.jpg"
    extra.write_bytes(b"nope")
    first, last, records = mid_run_line(["hash", d, extra])
    assert len(records) == 1502
    assert first.group(2) == "1502", first.group(0)
    assert last.group(1) == last.group(2) == "1502"


def test_progress_raw_file_total_from_its_size(tmp_path):
    """--raw from a regular file: the total is its size in frames (a last, truncated
    frame gets a record too)."""
    frames = 20000
    raw = tmp_path / "frames.gray"
    raw.write_bytes(bytes(range(64)) * frames + b"\x00" * 10)
    first, last, records = mid_run_line(["hash", "--raw", "gray8", "--size", "8x8", raw])
    assert len(records) == frames + 1
    assert first.group(2) == str(frames + 1), first.group(0)
    check_eta(first)


def test_progress_without_total_for_paths_on_stdin(tmp_path):
    """Paths read from stdin cannot be counted ahead: no total, no ETA (until the end)."""
    d = junk_dump(tmp_path, 3000)
    paths = "".join(f"{p}\n" for p in sorted(str(p) for p in d.rglob("*.jpg")))
    first, last, records = mid_run_line(["hash", "-"], stdin_bytes=paths)
    assert len(records) == 3000
    assert first.group(2) is None and first.group(9) is None, first.group(0)
    assert last.group(1) == last.group(2) == "3000"


def test_no_progress_without_flag_when_not_a_terminal(tmp_path):
    d = junk_dump(tmp_path, 3)
    p = subprocess.run([BIN, "hash", d], capture_output=True, text=True)
    assert "progress" not in p.stderr
    p = subprocess.run([BIN, "hash", "--progress", "-q", d], capture_output=True, text=True)
    assert "progress" not in p.stderr


def test_size_help_says_how_to_get_the_geometry():
    """Issue 18: --help says where a raw stream's geometry comes from (ffprobe, rotation)
    and what happens when it does not fit."""
    for cmd in ("hash", "scan"):
        out = subprocess.run([BIN, cmd, "--help"], capture_output=True, text=True).stdout
        size = next(l for l in out.splitlines() if l.strip().startswith("--size"))
        assert "ffprobe -v error -select_streams v:0" in size
        assert "rotation" in size and "decode_error" in size
