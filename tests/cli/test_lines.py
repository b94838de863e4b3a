"""Line inputs and --resume (issues 16, 18, 21): --resume never modifies a file that is
not pdqguard's JSON-lines output; resume recognises inputs named differently; numeric
options are range-checked; list formats load (RFC 4180 multi-line labels, ThreatExchange's
export); --hashes refuses a quality outside 0..100; --raw takes one input.

The --resume tests are named test_rerun_*: CTest's cli_e2e deselects names with "resume"
(those need the full corpus and run in the concurrency entry); these need no corpus."""
import hashlib
import json
import os
import stat

import pytest

from conftest import BIN, read_jsonl, run

H1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def pgm(path, seed):
    """A 64x64 gray image with structure (a distinct hash per seed)."""
    w = h = 64
    px = bytes(((x * (seed + 3) + y * (seed * 7 + 1) + (x * y) % (seed + 5)) * 5) & 255
               for y in range(h) for x in range(w))
    path.write_bytes(b"P5\n%d %d\n255\n" % (w, h) + px)


@pytest.fixture()
def dump(tmp_path):
    d = tmp_path / "dump"
    (d / "sub").mkdir(parents=True)
    for i in range(4):
        pgm(d / ("img%d.pgm" % i), i)
    pgm(d / "sub" / "deep.pgm", 9)
    return d


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def refused_untouched(args, victim):
    before = digest(victim)
    size = os.path.getsize(victim)
    rc, _, _, err = run(args, timeout=30)
    assert rc == 2, err
    assert "not resumed" in err and "left unchanged" in err, err
    assert digest(victim) == before and os.path.getsize(victim) == size
    return err


def test_rerun_refuses_a_jpeg_and_leaves_it_byte_identical(dump, tmp_path):
    victim = tmp_path / "victim.jpg"
    # JPEG markers, binary, no newline for a while: the old code cut it at its "torn line".
    victim.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 20 + b"\n" + b"\xff\xd9")
    refused_untouched(["hash", "--resume", victim, dump], victim)


def test_rerun_refuses_a_csv_list_typed_for_list(dump, tmp_path):
    victim = tmp_path / "known.csv"
    victim.write_text("hash,label\n" + H1 + ",cats\n" + "0" * 64 + ",last entry")  # no final newline
    refused_untouched(["scan", "--list", victim, "--resume", victim, dump], victim)
    plain = tmp_path / "known.txt"
    plain.write_text(H1 + "\n")
    refused_untouched(["hash", "--resume", plain, dump], plain)


def test_rerun_refuses_a_csv_output_and_foreign_json(dump, tmp_path):
    out = tmp_path / "out.csv"
    rc, _, _, err = run(["hash", "-f", "csv", "-o", out, dump])
    assert rc == 0, err
    refused_untouched(["hash", "--resume", out, dump], out)
    other = tmp_path / "other.jsonl"
    other.write_text('{"name": "a"}\n{"name": "b"}\n')
    refused_untouched(["hash", "--resume", other, dump], other)
    # pdqguard records followed by a line that is not one: refused too.
    mixed = tmp_path / "mixed.jsonl"
    rc, _, _, _ = run(["hash", "-o", mixed, dump])
    with open(mixed, "ab") as f:
        f.write(b"hash,label\n")
    refused_untouched(["hash", "--resume", mixed, dump], mixed)
    # A torn last line that is not the start of a record is not cut.
    torn = tmp_path / "torn.jsonl"
    rc, _, _, _ = run(["hash", "-o", torn, dump])
    with open(torn, "ab") as f:
        f.write(b"not a record")
    refused_untouched(["hash", "--resume", torn, dump], torn)


def test_rerun_refuses_a_one_line_json_file_without_newline(dump, tmp_path):
    """A foreign JSON file with no final newline is not a torn record: the old code
    cut any last line starting with '{"' and replaced the file's content."""
    for i, text in enumerate([b'{"name":"my-app","version":"1.0.0"}', b'{"name":"my-app",',
                              b'{"path": 1}', b'{"path":"x","hash":"00"}']):
        victim = tmp_path / ("cfg%d.json" % i)
        victim.write_bytes(text)
        refused_untouched(["hash", "--resume", victim, dump], victim)


def test_rerun_cuts_a_torn_record_and_a_record_missing_its_newline(dump, tmp_path):
    out = tmp_path / "out.jsonl"
    rc, _, _, err = run(["hash", "-o", out, dump])
    assert rc == 0, err
    lines = open(out, "rb").read().splitlines(keepends=True)
    assert len(lines) == 5
    for tail in (lines[-1][:25], lines[-1].rstrip(b"\n")):  # cut mid-record; only "\n" lost
        with open(out, "wb") as f:
            f.write(b"".join(lines[:-1]) + tail)
        rc, _, _, err = run(["hash", "--resume", out, dump])
        assert rc == 0, err
        recs = read_jsonl(out)
        assert len(recs) == 5 and len({json.dumps(r["path"]) for r in recs}) == 5


@pytest.mark.parametrize("dev", ["/dev/urandom", "/dev/zero", "/dev/null"])
def test_rerun_refuses_devices_at_once(dump, dev):
    rc, _, _, err = run(["hash", "--resume", dev, dump], timeout=30)
    assert rc == 2 and "not a regular file" in err, err


def test_rerun_refuses_a_fifo_without_blocking(dump, tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    rc, _, _, err = run(["hash", "--resume", fifo, dump], timeout=30)
    assert rc == 2 and "FIFO" in err, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    d = tmp_path / "adir"
    d.mkdir()
    rc, _, _, err = run(["hash", "--resume", d, dump], timeout=30)
    assert rc == 2 and "directory" in err, err


def test_rerun_accepts_new_empty_and_own_output(dump, tmp_path):
    new = tmp_path / "new.jsonl"
    rc, _, _, err = run(["hash", "--resume", new, dump])
    assert rc == 0, err
    assert len(read_jsonl(new)) == 5
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    rc, _, _, err = run(["hash", "--resume", empty, dump])
    assert rc == 0, err
    assert len(read_jsonl(empty)) == 5
    # Its own output: nothing redone, nothing appended.
    before = digest(new)
    rc, _, _, err = run(["hash", "--resume", new, dump])
    assert rc == 0, err
    assert digest(new) == before
    assert "5 inputs already recorded" in err


@pytest.mark.parametrize("second", ["./dump", "dump/", "./dump//", "ABS", "x/../dump"])
def test_rerun_recognises_inputs_named_differently(dump, tmp_path, second):
    """A first run on `dump`, a resume on ./dump, dump/, an absolute path...: nothing redone."""
    out = tmp_path / "out.jsonl"
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        (tmp_path / "x").mkdir(exist_ok=True)
        rc, _, _, err = run(["hash", "--resume", out, "dump/img0.pgm", "dump/img1.pgm"])
        assert rc == 0, err
        arg = str(dump) if second == "ABS" else second
        rc, _, _, err = run(["hash", "--resume", out, arg])
        assert rc == 0, err
    finally:
        os.chdir(cwd)
    recs = read_jsonl(out)
    assert len(recs) == 5, recs  # 2 from the first run + the 3 others, no duplicates
    assert {r["path"] for r in recs[:2]} == {"dump/img0.pgm", "dump/img1.pgm"}  # paths as given
    assert "Skipped (resume):" in err and "2 already recorded" in err, err


def test_rerun_retries_transient_errors_only(dump, tmp_path):
    out = tmp_path / "out.jsonl"
    rc, _, _, _ = run(["hash", "-o", out, dump])
    recs = read_jsonl(out)
    keep = [r for r in recs if not r["path"].endswith(("img0.pgm", "img1.pgm"))]
    lines = [json.dumps(r) for r in keep]
    lines.append(json.dumps({"path": str(dump / "img0.pgm"), "error": "io_error", "message": "EIO"}))
    lines.append(json.dumps({"path": str(dump / "img1.pgm"), "error": "decode_error", "message": "x"}))
    out.write_text("\n".join(lines) + "\n")
    rc, _, _, err = run(["hash", "--resume", out, dump])
    assert rc == 0, err
    assert "1 with a transient error" in err, err
    recs = read_jsonl(out)
    img0 = [r for r in recs if r["path"].endswith("img0.pgm")]
    img1 = [r for r in recs if r["path"].endswith("img1.pgm")]
    assert len(img0) == 2 and "hash" in img0[1]  # retried: a new record follows the old one
    assert len(img1) == 1 and img1[0]["error"] == "decode_error"  # not transient: kept


def test_rerun_cuts_a_torn_record_and_redoes_it(dump, tmp_path):
    out = tmp_path / "out.jsonl"
    run(["hash", "--resume", out, dump / "img0.pgm"])
    good = open(out, "rb").read()
    with open(out, "ab") as f:
        f.write(b'{"path":"' + str(dump / "img1.pgm").encode() + b'","hash":"00')
    rc, _, _, err = run(["hash", "--resume", out, dump])
    assert rc == 0 and "torn last line was cut off" in err, err
    data = open(out, "rb").read()
    assert data.startswith(good)
    assert len(read_jsonl(out)) == 5


@pytest.mark.parametrize("opt,val", [
    ("--max-line-bytes", "-1"), ("--max-line-bytes", str(2**64 - 1)), ("--max-list-bytes", "-1"),
    ("--threads", "-1"), ("--threads", "100000000"), ("--threshold", "999"), ("--threshold", "-5"),
    ("--min-quality", "101"), ("--max-pixels", "0"), ("--max-pixels", "-1"), ("--max-bytes", "0"),
    ("--max-bytes", str(2**64 - 1)),
])
def test_numeric_options_out_of_range_are_refused(dump, tmp_path, opt, val):
    lst = tmp_path / "k.txt"
    lst.write_text(H1 + "\n")
    rc, _, out, err = run(["scan", "--list", lst, opt, val, dump])
    assert rc == 2, err
    assert opt in err and "range" in err, err
    assert out == ""


@pytest.mark.parametrize("args", [
    ["hash", "--max-archive-depth", "65"], ["hash", "--max-archive-bytes", "0"],
    ["hash", "--max-archive-members", "-1"], ["hash", "--max-archive-ratio", "nan"],
    ["hash", "--max-archive-ratio", "0"], ["hash", "--max-depth", "-1"],
    ["compare", "--threshold", "999"], ["compare", "--max-pixels", "0"],
    ["index", "build", "--mih-substrings", "99", "-o", "x.pdqi"],
    ["video", "hash", "--threads", "0"], ["video", "hash", "--downsample", "70000"],
    ["video", "hash", "--max-duration", "inf"], ["video", "hash", "--max-pixels", "0"],
    ["video", "match", "--distance", "300", "a"], ["video", "match", "--min-quality", "-1", "a"],
])
def test_other_numeric_options_out_of_range_are_refused(tmp_path, args):
    x = tmp_path / "x.pgm"
    pgm(x, 1)
    args = [str(tmp_path / a) if a == "x.pdqi" else a for a in args]
    rc, _, out, err = run(args + [x, x] if args[0] in ("compare", "video") else args + [x])
    assert rc == 2, err
    assert out == ""
    assert ("range" in err or "must be" in err), err
    assert not (tmp_path / "x.pdqi").exists()


def test_max_line_bytes_zero_means_no_limit(dump, tmp_path):
    lst = tmp_path / "k.txt"
    lst.write_text(H1 + " " + "x" * 100000 + "\n")
    rc, _, _, err = run(["scan", "--list", lst, "--max-line-bytes", "0", dump])
    assert rc == 0, err
    assert "1 entries" in err


def test_raw_with_two_inputs_is_refused(tmp_path):
    a = tmp_path / "a.raw"
    a.write_bytes(b"\x80" * 64)
    rc, recs, _, err = run(["hash", "--raw", "gray8", "--size", "8x8", a, a])
    assert rc == 2 and "one input" in err, err
    assert recs == []


def test_hashes_quality_outside_0_100_refuses_the_line(tmp_path):
    lst = tmp_path / "k.txt"
    lst.write_text(H1 + "\n")
    src = "\n".join([H1 + ",999", H1 + ",-5", H1 + ",abc", H1 + ",80", H1 + ",10", H1]) + "\n"
    rc, recs, _, err = run(["scan", "--list", lst, "--hashes", "-"], stdin=src.encode())
    assert rc == 1, err
    by = {r["line"]: r for r in recs}
    for n in (1, 2, 3):
        assert by[n]["error"] == "bad_hash" and "0..100" in by[n]["message"], by[n]
    assert len(by[4]["matches"]) == 1 and by[4]["quality"] == 80
    assert by[5].get("low_quality") is True and by[5]["matches"] == []  # gated, not dropped
    assert len(by[6]["matches"]) == 1


def test_list_csv_with_a_multiline_quoted_label(dump, tmp_path):
    rc, recs, _, _ = run(["hash", dump / "img2.pgm"])
    h = recs[0]["hash"]
    lst = tmp_path / "ml.csv"
    lst.write_bytes(("id,hash,label\r\nA1," + h + ",\"line one\r\nline two, \"\"quoted\"\"\"\r\nA2," + H1 +
                     ",plain\r\n").encode())
    rc, recs, _, err = run(["scan", "--list", lst, dump / "img2.pgm"])
    assert rc == 1, err
    m = recs[0]["matches"]
    assert len(m) == 1 and m[0]["id"] == "A1" and m[0]["label"] == 'line one\nline two, "quoted"'
    assert "2 entries" in err
    open_q = tmp_path / "open.csv"
    open_q.write_text("hash,label\n" + h + ",\"never closed\n")
    rc, _, _, err = run(["scan", "--list", open_q, dump / "img2.pgm"])
    assert rc == 2 and "open.csv:2:" in err and "unterminated" in err, err


def test_list_threatexchange_export(dump, tmp_path):
    rc, recs, _, _ = run(["hash", dump / "img3.pgm"])
    h = recs[0]["hash"]
    lst = tmp_path / "te.csv"
    lst.write_text("collab,signal_type,signal_str,category,tags\n"
                   "Sample Collab,pdq," + h + ",adult,\"tag1 tag2\"\n"
                   "Sample Collab,video_md5,d41d8cd98f00b204e9800998ecf8427e,adult,\n"
                   "Other,pdq," + H1 + ",,\n")
    rc, recs, _, err = run(["scan", "--list", lst, dump / "img3.pgm"])
    assert rc == 1, err
    m = recs[0]["matches"]
    assert len(m) == 1 and m[0]["list"] == "Sample Collab" and m[0]["label"] == "adult"
    assert "1 of another signal type ignored" in err, err


def test_help_says_list_takes_one_file_per_flag():
    rc, _, out, err = run(["scan", "--help"])
    assert rc == 0
    assert "--list FILE (repeatable)" in out, out
    assert "--list TEXT ..." not in out


def test_records_of_a_live_stream_are_not_held_back(tmp_path):
    """Records of hash lines and raw frames share write(2)s when they come fast,
    but one is written as soon as the workers run out of input: each record must
    arrive while its input's writer is still waiting, before the next input."""
    import select
    import subprocess
    lst = tmp_path / "k.txt"
    lst.write_text(H1 + "\n")
    frame = bytes(range(64))
    for args, inputs in ((["scan", "--list", lst, "--hashes", "-"], [(H1 + "\n").encode()] * 3),
                         (["hash", "--raw", "gray8", "--size", "8x8", "-"], [frame] * 3)):
        p = subprocess.Popen([BIN] + [str(a) for a in args] + ["--no-summary"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for n, data in enumerate(inputs):
                p.stdin.write(data)
                p.stdin.flush()
                ready, _, _ = select.select([p.stdout], [], [], 20)
                assert ready, f"{args[0]}: no record {n} while the input stays open"
                rec = json.loads(p.stdout.readline())
                assert rec.get("line", rec.get("frame")) in (n, n + 1), rec
        finally:
            p.stdin.close()
            p.wait(timeout=30)
        assert p.returncode in (0, 1), p.stderr.read()
