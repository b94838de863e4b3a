"""Resource limits of the pdqguard CLI on hostile inputs.

Decompression bombs (PNG/JPEG/PGM headers claiming huge sizes, a PNG whose
IDAT inflates to 400 MB), a hash list with a billion-character line, lists above
--max-list-bytes and index files with overflowing counts run under `ulimit -v`:
each must give its documented error code (in the record, or on stderr with exit
status 2 for whole-run failures), never die from a signal, and stay inside the
address-space limit. Sanitizer builds reserve terabytes of shadow memory, so the
ulimit runs are skipped there (PDQGUARD_SANITIZED=1 from CMake, or the binary's
sanitizer runtime found by name); the same inputs still run without a ulimit.

Directory trees: 2000 levels deep (the CLI stops at --max-depth with an error
record), symlink loops (an error record, never an endless walk) and 20000 files
in one directory (one record each).
"""
import ctypes
import json
import os
import pathlib
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib

import pytest

from conftest import BIN, CORPUS, png, read_jsonl

# Address-space limit for the bounded runs, in KiB. The CLI's own footprint is
# about 60 MB of virtual memory (binary, libraries, two thread stacks; measured with
# `hash` on a small image); 256 MiB leaves room for the libraries' arenas while
# far below what the bombs would need if they were decoded (400 MB to 40 GB).
VMEM_KIB = 256 * 1024
# Peak resident memory allowed for the hostile inputs (release builds). The
# figure measured by wait4 includes the pytest process the child was forked
# from (~35 MB); the runs themselves add a few MB (45 MB for the 6000x6000 PNG).
PEAK_MIB = 128


def _sanitized():
    if os.environ.get("PDQGUARD_SANITIZED", "0") not in ("", "0", "OFF", "off"):
        return True
    with open(BIN, "rb") as f:
        data = f.read()
    return any(s in data for s in (b"__asan_init", b"__tsan_init", b"__msan_init"))


SANITIZED = _sanitized() if BIN and os.path.exists(BIN) else False


def run_limited(args, vmem_kib=VMEM_KIB, timeout=120):
    """Runs pdqguard under `ulimit -v` (none in sanitizer builds). Returns
    (returncode, records, stderr); the child's peak RSS in KiB is left in
    run_limited.peak_kib (from wait4, so it is this run's own)."""
    cmd = [BIN] + [str(a) for a in args]
    if not SANITIZED:
        cmd = ["bash", "-c", 'ulimit -v %d && exec "$@"' % vmem_kib, "pdqguard"] + cmd
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        run_limited.peak_kib = usage.ru_maxrss
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        errtext = err.read().decode("utf-8", "replace")
    recs = [json.loads(l) for l in text.splitlines() if l.startswith("{")]
    return p.returncode, recs, errtext


def finish_fifo(fifo, t):
    """Lets a FIFO writer thread finish even if pdqguard never opened the FIFO."""
    t.join(timeout=1)
    if t.is_alive():
        try:
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        except OSError:
            pass
        t.join(timeout=30)
    assert not t.is_alive()


def assert_clean_exit(rc, err, peak_mib=None):
    """Exited by itself (no signal, no abort, no sanitizer report); with
    `peak_mib`, its peak resident memory stayed below that (release builds)."""
    if peak_mib is not None and not SANITIZED:
        assert run_limited.peak_kib < peak_mib * 1024, "peak RSS %d KiB" % run_limited.peak_kib
    assert rc >= 0, "killed by signal %d: %s" % (-rc, err)
    assert rc in (0, 1, 2), err
    for bad in ("terminate called", "Aborted", "AddressSanitizer", "runtime error", "std::bad_alloc"):
        assert bad not in err, err


# ---------------------------------------------------------------------------
# Image bombs
# ---------------------------------------------------------------------------

def zero_rows_deflated(width, height):
    """zlib stream of `height` rows of (filter 0, `width` zero bytes), built in
    pieces so the 400 MB of zeros never exist at once."""
    c = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_RLE)  # RLE: as small, several times faster
    row = b"\x00" * (width + 1)
    block = row * max(1, (1 << 20) // len(row))
    rows_per_block = len(block) // len(row)
    parts = []
    left = height
    while left >= rows_per_block:
        parts.append(c.compress(block))
        left -= rows_per_block
    parts.append(c.compress(row * left))
    parts.append(c.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    d = tmp_path_factory.mktemp("bombs")
    files = {}
    # 1. A PNG header claiming 100000 x 100000 (10^10 pixels), with a token IDAT.
    files["png_header"] = d / "claims_100000x100000.png"
    files["png_header"].write_bytes(png(100000, 100000, zlib.compress(b"\x00" * 100001)))
    # 2. A zlib bomb: 20000 x 20000 gray, all zero: ~400 KB that inflate to 400 MB.
    files["png_bomb"] = d / "bomb_20000x20000.png"
    files["png_bomb"].write_bytes(png(20000, 20000, zero_rows_deflated(20000, 20000)))
    # 3. A JPEG whose SOF claims 65000 x 65000: a real corpus JPEG with its frame header patched.
    jpg = bytearray(open(os.path.join(CORPUS, "images/bridge-mods/aaa-orig.jpg"), "rb").read())
    i = 2
    while i < len(jpg):
        assert jpg[i] == 0xFF
        marker, length = jpg[i + 1], struct.unpack(">H", jpg[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            jpg[i + 5:i + 9] = struct.pack(">HH", 65000, 65000)
            break
        i += 2 + length
    else:
        raise AssertionError("no SOF marker in the corpus JPEG")
    files["jpeg_header"] = d / "claims_65000x65000.jpg"
    files["jpeg_header"].write_bytes(bytes(jpg))
    # 4. A PGM header claiming 10^10 pixels.
    files["pgm_header"] = d / "claims_huge.pgm"
    files["pgm_header"].write_bytes(b"P5\n100000 100000\n255\n" + b"\x00" * 1000)
    return files


def test_bomb_files_are_small(bombs):
    assert os.path.getsize(bombs["png_bomb"]) < 1 << 20
    assert os.path.getsize(bombs["png_header"]) < 1 << 10


@pytest.mark.parametrize("name", ["png_header", "png_bomb", "jpeg_header", "pgm_header"])
def test_image_bombs_refused_from_the_header_in_bounded_memory(bombs, name):
    rc, recs, err = run_limited(["hash", "-t", "2", bombs[name]])
    assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
    assert rc == 2
    assert len(recs) == 1 and recs[0]["path"] == str(bombs[name])
    assert recs[0]["error"] == "image_too_large", recs[0]
    assert "pixels" in recs[0]["message"]


def test_png_bomb_allowed_by_max_pixels_fails_cleanly_or_decodes(bombs):
    # With the pixel limit raised, the 400 MB bomb no longer fits under the
    # address-space limit: the decoder must report out_of_memory, not abort.
    if SANITIZED:
        pytest.skip("needs the address-space limit (without it this decodes 400 MB)")
    rc, recs, err = run_limited(["hash", "-t", "1", "--max-pixels", "1000000000", bombs["png_bomb"]])
    assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
    assert len(recs) == 1
    assert recs[0].get("error") == "out_of_memory", recs[0]
    assert rc == 2


def test_png_bomb_within_the_pixel_limit_decodes_in_bounded_memory(tmp_path):
    # 6000 x 6000 gray zeros (36 MB decoded from ~36 KB): within the default
    # limit, decoded and hashed under the same address-space limit.
    p = tmp_path / "bomb_6000.png"
    p.write_bytes(png(6000, 6000, zero_rows_deflated(6000, 6000)))
    assert os.path.getsize(p) < 100_000
    rc, recs, err = run_limited(["hash", "-t", "1", p], vmem_kib=VMEM_KIB * 2)
    assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
    assert rc == 0, recs
    assert recs[0]["width"] == 6000 and recs[0]["quality"] == 0  # flat: quality 0


# ---------------------------------------------------------------------------
# Hash lists: a billion-character line, --max-list-bytes, --max-line-bytes
# ---------------------------------------------------------------------------

H1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def feed_fifo(path, head, fill_bytes, tail):
    """Writes head, fill_bytes of 'a' and tail into the FIFO `path` from a thread
    (nothing touches the disk); stops quietly when the reader goes away."""
    def writer():
        try:
            with open(path, "wb", buffering=0) as f:
                f.write(head)
                chunk = b"a" * (1 << 20)
                left = fill_bytes
                while left > 0:
                    n = min(left, len(chunk))
                    f.write(chunk[:n])
                    left -= n
                f.write(tail)
        except (BrokenPipeError, OSError):
            pass
    t = threading.Thread(target=writer, daemon=True)
    t.start()
    return t


@pytest.fixture
def small_image(tmp_path):
    p = tmp_path / "img.pgm"
    shutil.copy(os.path.join(CORPUS, "raw/synthetic/noise_129x257_gray.pgm"), p)
    return p


def test_list_with_a_billion_character_line_lenient(tmp_path, small_image):
    # 10^9 bytes in one line, through a FIFO: skipped and named as FILE:LINE, the
    # hash after it still loaded, the memory bounded.
    fifo = tmp_path / "billion.txt"
    os.mkfifo(fifo)
    t = feed_fifo(fifo, (H1 + "\n").encode(), 1_000_000_000, ("\n" + H1 + " after\n").encode())
    rc, recs, err = run_limited(["scan", "--lenient", "--list", fifo, "-t", "2", small_image], timeout=300)
    finish_fifo(fifo, t)
    assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
    assert "billion.txt:2: line longer than 65536 bytes (max_line_bytes)" in err
    assert "1 malformed line(s) skipped" in err
    assert "2 entries" in err
    assert rc == 0 and len(recs) == 1 and recs[0]["matches"] == []


def test_list_with_a_billion_character_line_strict(tmp_path, small_image):
    fifo = tmp_path / "billion.txt"
    os.mkfifo(fifo)
    t = feed_fifo(fifo, (H1 + "\n").encode(), 1_000_000_000, b"\n")
    rc, recs, err = run_limited(["scan", "--strict", "--list", fifo, small_image], timeout=300)
    finish_fifo(fifo, t)
    assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
    assert rc == 2 and recs == []
    assert "list_parse_error" in err and "billion.txt:2: line longer than 65536 bytes" in err


def test_list_line_limit_option(tmp_path, small_image):
    lst = tmp_path / "labels.txt"
    lst.write_text(H1 + " " + "x" * 200 + "\n" + H1 + " short\n")
    rc, _, err = run_limited(["scan", "--lenient", "--list", lst, "--max-line-bytes", "100", small_image])
    assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
    assert rc == 0 and "labels.txt:1: line longer than 100 bytes" in err and "1 entries" in err
    rc, _, err = run_limited(["scan", "--strict", "--list", lst, "--max-line-bytes", "100", small_image])
    assert rc == 2 and "list_parse_error" in err and "labels.txt:1:" in err
    rc, _, err = run_limited(["scan", "--strict", "--list", lst, small_image])  # default 64 KiB: fine
    assert rc == 0 and "2 entries" in err
    out = tmp_path / "x.pdqi"
    rc, _, err = run_limited(["index", "build", "--strict", "--max-line-bytes", "100", lst, "-o", out])
    assert rc == 2 and "list_parse_error" in err and not out.exists()


def test_list_above_max_list_bytes(tmp_path, small_image):
    # A sparse 5 GiB list (no disk used): refused from its size before reading,
    # under the default 4 GiB limit.
    big = tmp_path / "huge.txt"
    with open(big, "wb") as f:
        f.truncate(5 << 30)
    rc, recs, err = run_limited(["scan", "--list", big, small_image], timeout=30)
    assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
    assert rc == 2 and recs == []
    assert "file_too_large" in err and "5368709120 bytes" in err and "max_list_bytes" in err
    # The option, on a regular file and on a FIFO (counted while reading).
    small = tmp_path / "small.txt"
    small.write_text((H1 + "\n") * 10)  # 650 bytes
    rc, _, err = run_limited(["scan", "--list", small, "--max-list-bytes", "600", small_image])
    assert rc == 2 and "file_too_large" in err
    rc, _, err = run_limited(["scan", "--list", small, "--max-list-bytes", "650", small_image])
    assert rc == 0
    fifo = tmp_path / "stream.txt"
    os.mkfifo(fifo)
    t = feed_fifo(fifo, b"", 0, (H1 + "\n").encode() * 100)
    rc, _, err = run_limited(["index", "build", "--max-list-bytes", "1000", fifo, "-o", tmp_path / "s.pdqi"])
    finish_fifo(fifo, t)
    assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
    assert rc == 2 and "file_too_large" in err


def test_hashes_input_with_a_huge_line(tmp_path):
    # --hashes: a 100 MB line is one bad_hash record, not 100 MB of memory.
    lst = tmp_path / "l.txt"
    lst.write_text(H1 + "\n")
    fifo = tmp_path / "hashes.txt"
    os.mkfifo(fifo)
    t = feed_fifo(fifo, (H1 + "\n").encode(), 100_000_000, ("\n" + H1 + "\n").encode())
    rc, recs, err = run_limited(["scan", "--list", lst, "--hashes", fifo], timeout=120)
    finish_fifo(fifo, t)
    assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
    recs.sort(key=lambda r: r["line"])  # output order follows completion without --sort
    assert [r["line"] for r in recs] == [1, 2, 3]
    assert recs[1]["error"] == "bad_hash" and "longer than" in recs[1]["message"]
    assert recs[0]["matches"] and recs[2]["matches"]
    assert rc == 1


# ---------------------------------------------------------------------------
# Index files with overflowing counts
# ---------------------------------------------------------------------------

def _xxh3():
    try:
        lib = ctypes.CDLL("libxxhash.so.0")
    except OSError:
        return None
    f = lib.XXH3_64bits
    f.restype = ctypes.c_uint64
    f.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lambda b: f(bytes(b), len(b))


def reseal(b, xxh3):
    """Recomputes the payload and header checksums (lib/index/file.cpp layout)."""
    struct.pack_into("<Q", b, 24, xxh3(b[128:]))
    struct.pack_into("<Q", b, 32, 0)
    struct.pack_into("<Q", b, 32, xxh3(b[:128]))


def test_index_with_overflowing_counts(tmp_path, small_image):
    xxh3 = _xxh3()
    lst = tmp_path / "l.txt"
    lst.write_text("".join("%064x\n" % (i * 0x9E3779B97F4A7C15 ** 3 % (1 << 256)) for i in range(1, 300)))
    good = tmp_path / "good.pdqi"
    subprocess.run([BIN, "index", "build", "--index-kind", "mih", lst, "-o", good], check=True,
                   capture_output=True)
    data = bytearray(good.read_bytes())
    if xxh3 is not None:
        copy = bytearray(data)
        reseal(copy, xxh3)
        assert copy == data  # the forgery below passes both checksums
    n_sections = struct.unpack_from("<I", data, 44)[0]
    rows = {struct.unpack_from("<I", data, 128 + 24 * i)[0]: 128 + 24 * i for i in range(n_sections)}
    forgeries = {
        # entries x 16 bytes wraps 2^64 to 0
        "entries_wrap": lambda b: (struct.pack_into("<Q", b, 56, 1 << 60), struct.pack_into("<Q", b, 48, 0)),
        # slots x 32 bytes wraps 2^64 to 0
        "slots_wrap": lambda b: struct.pack_into("<Q", b, 48, 1 << 59),
        # the entries section's offset + bytes wraps past 2^64
        "offset_wrap": lambda b: struct.pack_into("<Q", b, rows[3] + 8, (1 << 64) - 8),
        # a section reaching 2^64 - 1 bytes
        "bytes_huge": lambda b: struct.pack_into("<Q", b, rows[5] + 16, (1 << 64) - 1),
        # 4 billion sections
        "sections": lambda b: struct.pack_into("<I", b, 44, 0xFFFFFFFF),
    }
    for name, edit in forgeries.items():
        b = bytearray(data)
        edit(b)
        if xxh3 is not None:
            reseal(b, xxh3)
        bad = tmp_path / (name + ".pdqi")
        bad.write_bytes(bytes(b))
        rc, recs, err = run_limited(["scan", "--index", bad, small_image])
        assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
        assert rc == 2 and recs == [] and "index_corrupt" in err, (name, err)
        if xxh3 is not None:
            assert "checksum" not in err, (name, err)  # caught by the structure checks
        rc, recs, err = run_limited(["index", "verify", bad])
        assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
        assert rc == 2 and recs[0]["ok"] is False and recs[0]["error"] == "index_corrupt", name
        rc, recs, err = run_limited(["index", "info", bad])
        assert_clean_exit(rc, err, peak_mib=PEAK_MIB)
        assert rc == 2 and "index_corrupt" in err, name


# ---------------------------------------------------------------------------
# Directory trees
# ---------------------------------------------------------------------------

@pytest.fixture
def tree_tmp(tmp_path):
    """A scratch directory for big trees: on tmpfs (/dev/shm) when there is one,
    where 2000 mkdirs take milliseconds instead of seconds on a busy disk."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
        d = tempfile.mkdtemp(prefix="pdqguard-limits-", dir="/dev/shm")
        try:
            yield pathlib.Path(d)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    else:
        yield tmp_path


def make_deep_tree(root, levels, name="d"):
    """root/d/d/.../d (`levels` directories), one empty file f<depth> per level
    (hard links of one file: creating inodes is slow on a busy disk), made
    relative to an open directory descriptor so no path reaches PATH_MAX."""
    os.mkdir(root)
    empty = os.path.join(root, "f0")
    open(empty, "wb").close()
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(levels):
            if i:
                os.link(empty, "f%d" % i, dst_dir_fd=fd)
            os.mkdir(name, dir_fd=fd)
            nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
    finally:
        os.close(fd)


def remove_deep_tree(root, name="d"):
    """Removes make_deep_tree's tree from the top, level by level, with short paths
    (rm -rf takes seconds on 2000 levels): lift root/d/d to root/n, empty and remove
    root/d, rename root/n to root/d."""
    def unlink_files(d):
        for e in os.listdir(d):
            if e != name:
                os.unlink(os.path.join(d, e))
    top = os.path.join(root, name)
    unlink_files(root)
    while os.path.isdir(top):
        child = os.path.isdir(os.path.join(top, name))
        if child:
            os.rename(os.path.join(top, name), os.path.join(root, "n"))
        unlink_files(top)
        os.rmdir(top)
        if child:
            os.rename(os.path.join(root, "n"), top)
    os.rmdir(root)


def test_deep_tree_stops_at_max_depth_with_an_error_record(tree_tmp):
    root = tree_tmp / "deep"
    make_deep_tree(root, 2000)
    try:
        rc, recs, err = run_limited(["hash", "-t", "2", root], timeout=120)
        assert_clean_exit(rc, err)
        paths = [r["path"] for r in recs]
        assert len(paths) == len(set(paths))
        # Files at depths 0..256 (the default --max-depth) each get one record
        # (zero bytes: decode_error); the directory at depth 257 one io_error record.
        files = [r for r in recs if os.path.basename(r["path"]).startswith("f")]
        assert len(files) == 257
        assert all(r["error"] == "decode_error" for r in files)
        deep = [r for r in recs if r not in files]
        assert len(deep) == 1
        assert deep[0]["error"] == "io_error" and "--max-depth" in deep[0]["message"]
        assert deep[0]["path"] == str(root) + "/d" * 257
        assert len(recs) == 258
        assert rc == 2
        # A smaller limit, and 0 = only the files directly in the input.
        rc, recs, err = run_limited(["hash", "--max-depth", "3", root])
        assert sorted(os.path.basename(r["path"]) for r in recs) == ["d", "f0", "f1", "f2", "f3"]
        rc, recs, err = run_limited(["hash", "--max-depth", "0", root])
        assert sorted(os.path.basename(r["path"]) for r in recs) == ["d", "f0"]
    finally:
        remove_deep_tree(root)


def test_deep_tree_with_a_raised_max_depth_reaches_every_level(tree_tmp):
    # --max-depth above the tree's depth: all 400 levels walked, one record per file.
    # (Deeper trees work too but cost O(depth^2) path lookups in the kernel.)
    root = tree_tmp / "deep"
    make_deep_tree(root, 400)
    try:
        rc, recs, err = run_limited(["hash", "-t", "2", "--max-depth", "1000", root], timeout=120)
        assert_clean_exit(rc, err)
        paths = [r["path"] for r in recs]
        assert len(paths) == len(set(paths)) == 400
        assert {os.path.basename(p) for p in paths} == {"f%d" % i for i in range(400)}
        assert all(r["error"] == "decode_error" for r in recs)
    finally:
        remove_deep_tree(root)


def test_symlink_loops_give_error_records(tmp_path):
    root = tmp_path / "loops"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "x.pgm").write_bytes(b"")
    os.symlink("../..", root / "a" / "b" / "up")       # a directory cycle
    os.symlink("self2", root / "self1")                 # a symlink cycle
    os.symlink("self1", root / "self2")
    # Not followed (default): skipped and counted, nothing else.
    rc, recs, err = run_limited(["hash", root])
    assert_clean_exit(rc, err)
    assert [os.path.basename(r["path"]) for r in recs] == ["x.pgm"]
    assert "Skipped symlinks:    3" in err
    # Followed: every loop is reported, the walk ends, each file once.
    rc, recs, err = run_limited(["hash", "--follow-symlinks", root], timeout=60)
    assert_clean_exit(rc, err)
    by = {}
    for r in recs:
        assert r["path"] not in by
        by[r["path"]] = r
    assert [p for p in by if p.endswith("x.pgm")] == [str(root / "a/b/x.pgm")]
    loop = by[str(root / "a/b/up")]
    assert loop["error"] == "io_error" and "already walked" in loop["message"]
    for s in ("self1", "self2"):
        assert by[str(root / s)]["error"] == "io_error" and "loop" in by[str(root / s)]["message"]
    assert len(by) == 4
    # A symlink loop given on the command line.
    rc, recs, err = run_limited(["hash", root / "self1"])
    assert recs[0]["error"] == "io_error" and "loop" in recs[0]["message"]


def test_wide_directory_one_record_per_file(tree_tmp):
    root = tree_tmp / "wide"
    root.mkdir()
    n = 20000
    open(root / "00000.jpg", "wb").close()
    for i in range(1, n):  # hard links: 20000 new inodes take seconds on a busy disk
        os.link(root / "00000.jpg", root / ("%05d.jpg" % i))
    rc, recs, err = run_limited(["hash", "-t", "2", root], timeout=120)
    assert_clean_exit(rc, err)
    paths = [r["path"] for r in recs]
    assert len(paths) == n and len(set(paths)) == n
    assert all(r["error"] == "decode_error" for r in recs)
    assert "Inputs seen:         %d" % n in err
    assert rc == 2


def test_overlong_path_on_stdin_is_an_error_record(small_image):
    from conftest import run
    rc, recs, _, err = run(["hash", "-"], stdin=b"/" + b"x" * 100_000 + b"\n" + str(small_image).encode() + b"\n")
    assert len(recs) == 2
    recs.sort(key=lambda r: "error" not in r)  # output order follows completion without --sort
    assert recs[0]["error"] == "io_error" and "longer than 65536 bytes" in recs[0]["message"]
    assert len(recs[0]["path"]) <= 4096 + 3
    assert recs[1]["path"] == str(small_image) and "hash" in recs[1]
    assert rc == 2


def test_any_address_space_limit_gives_a_result_or_out_of_memory(small_image, tmp_path):
    # From "too small to load the libraries" up to "enough": every run either
    # works or says out_of_memory (exit 2); none aborts or dies from a signal.
    if SANITIZED:
        pytest.skip("sanitizer runtimes cannot run under ulimit -v")
    lst = tmp_path / "l.txt"
    lst.write_text(H1 + "\n")
    worked = 0
    # (Up to 48 MB in steps, then larger: the libraries the video and format support
    # link take address space to load: libav* with its codec libraries ~200 MB,
    # libheif's codecs (x265, libde265, aom, dav1d) ~50 MB.)
    for kib in list(range(6000, 48001, 3000)) + [96000, 192000, 384000]:
        for args in (["hash", "-t", "4", small_image], ["scan", "--list", lst, "-t", "4", small_image]):
            rc, recs, err = run_limited(args, vmem_kib=kib)
            if rc == 127 and "error while loading shared libraries" in err:
                continue  # the dynamic loader itself did not fit
            assert_clean_exit(rc, err)
            if rc == 0:
                worked += 1
                assert recs[0]["path"] == str(small_image) and "hash" in recs[0]
            else:
                assert rc == 2
                assert "out_of_memory" in err or any(r.get("error") == "out_of_memory" for r in recs), err
    assert worked > 0
