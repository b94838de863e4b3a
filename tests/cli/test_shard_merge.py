"""--shard I/N, `pdqguard merge` and `pdqguard report` (issues #20 and #18)."""
import csv
import io
import json
import os
import shutil
import subprocess

import pytest

from conftest import BIN, CORPUS, run


@pytest.fixture
def dump(tmp_path):
    """The golden images plus a non-image and a non-UTF-8 name, and a 1-entry index."""
    d = tmp_path / "dump"
    shutil.copytree(os.path.join(CORPUS, "images"), d)
    (d / "not-an-image.txt").write_bytes(b"junk")
    latin1 = os.fsencode(str(d)) + b"/latin1-\xe9t\xe9.jpg"
    shutil.copy(d / "bridge-mods" / "aaa-orig.jpg", latin1)
    lst = tmp_path / "list.csv"
    lst.write_text("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,bridge-1,example\n")
    idx = tmp_path / "known.pdqi"
    subprocess.run([BIN, "index", "build", str(lst), "-o", str(idx)], check=True, capture_output=True)
    return tmp_path, d, idx


def lines(path):
    with open(path, "rb") as f:
        return f.read().splitlines()


def test_shards_partition_the_inputs_and_merge_to_the_plain_run(dump):
    tmp, d, idx = dump
    run(["scan", "--index", idx, "-q", "-o", tmp / "all.jsonl", d], check_rc=1)
    parts = []
    for i in range(3):
        out = tmp / f"part-{i}.jsonl"
        rc, _, _, err = run(["scan", "--index", idx, "-q", "--shard", f"{i}/3", "-o", out, d])
        assert rc in (0, 1, 2), err
        parts.append(out)
    every = [l for p in parts for l in lines(p)]
    assert sorted(every) == sorted(lines(tmp / "all.jsonl"))  # each input in exactly one shard
    assert all(lines(p) for p in parts)  # 16 inputs over 3 shards: none empty (stable hash)
    rc, _, _, err = run(["merge", *parts, "-o", tmp / "merged.jsonl", "--expect", d])
    assert rc == 1, err  # matched
    assert sorted(lines(tmp / "merged.jsonl")) == sorted(lines(tmp / "all.jsonl"))
    assert "Missing:             0" in err and "Doubled:             0" in err


def test_shard_key_is_relative_to_the_input_directory(dump, tmp_path):
    # The same dump under another root (another machine's mount point): same partition.
    tmp, d, idx = dump
    other = tmp_path / "elsewhere" / "mnt"
    shutil.copytree(d, other)
    for i in range(2):
        a = {os.path.relpath(r["path"], d) for r in run(["hash", "-q", "--shard", f"{i}/2", d])[1]
             if isinstance(r["path"], str)}
        b = {os.path.relpath(r["path"], other) for r in run(["hash", "-q", "--shard", f"{i}/2", str(other) + "/"])[1]
             if isinstance(r["path"], str)}
        assert a == b and a


def test_shard_rejects_bad_values(dump):
    _, d, idx = dump
    for bad in ["3/3", "1", "a/2", "-1/2", "0/0", "1/2/3"]:
        rc, _, _, err = run(["scan", "--index", idx, "--shard", bad, d])
        assert rc == 2 and "--shard" in err, bad
    rc, _, _, err = run(["scan", "--index", idx, "--shard", "0/2", "--hashes", "-"], stdin=b"")
    assert rc == 2 and "--shard" in err


def test_merge_reports_doubled_and_missing_inputs(dump):
    tmp, d, idx = dump
    for i in range(2):
        run(["scan", "--index", idx, "-q", "--no-summary", "--shard", f"{i}/2", "-o", tmp / f"p{i}.jsonl", d])
    p0 = lines(tmp / "p0.jsonl")
    # Shard 0 given twice, shard 1 missing: doubled and missing inputs, exit 2 without matches.
    with open(tmp / "nomatch.jsonl", "wb") as f:
        f.write(b"".join(l + b"\n" for l in p0 if b'"matches":[]' in l or b'"error"' in l))
    rc, _, _, err = run(["merge", tmp / "nomatch.jsonl", tmp / "nomatch.jsonl", "-o", tmp / "m.jsonl", "--expect", d])
    assert rc == 2
    assert "doubled input" in err and "missing input" in err
    n = len(lines(tmp / "nomatch.jsonl"))
    assert f"Doubled:             {n} " in err
    assert len(lines(tmp / "m.jsonl")) == n  # each input once
    # A torn last line (a killed run) is left out and reported.
    with open(tmp / "torn.jsonl", "wb") as f:
        f.write(b"\n".join(p0) + b"\n" + b'{"path":"x.jpg","err')
    rc, _, _, err = run(["merge", tmp / "torn.jsonl", "-o", tmp / "m2.jsonl"])
    assert "torn" in err or "no newline" in err
    assert lines(tmp / "m2.jsonl") == p0
    # Refuses to overwrite one of its inputs.
    rc, _, _, err = run(["merge", tmp / "p0.jsonl", "-o", tmp / "p0.jsonl"])
    assert rc == 2 and "also an input" in err and lines(tmp / "p0.jsonl") == p0


def test_report_summary_and_csv_match_scan(dump):
    tmp, d, idx = dump
    run(["scan", "--index", idx, "-q", "--no-summary", "-o", tmp / "all.jsonl", d])
    run(["scan", "--index", idx, "-q", "--no-summary", "--format", "csv", "-o", tmp / "all.csv", d])
    # What the report must say, counted from the records themselves (the dump is the
    # golden set, or the full corpus when PDQGUARD_CORPUS points there).
    recs = [json.loads(l) for l in lines(tmp / "all.jsonl")]
    n_inputs = len(recs)
    n_matched = sum(1 for r in recs if r.get("matches"))
    errors = {}
    formats = {}
    for r in recs:
        if "error" in r:
            errors[r["error"]] = errors.get(r["error"], 0) + 1
        else:
            formats[r["format"]] = formats.get(r["format"], 0) + 1
    rc, _, out, err = run(["report", tmp / "all.jsonl"])
    assert rc == 1
    assert f"Inputs:              {n_inputs}" in out
    assert all(f"{k} {v}" in out for k, v in errors.items())
    assert all(f"{k} {v}" in out for k, v in formats.items())
    assert f"Matches by list:     list.csv {n_matched} inputs ({n_matched} entries)" in out
    rc, _, out, err = run(["report", "--format", "json", tmp / "all.jsonl"])
    j = json.loads(out)
    assert j["inputs"] == n_inputs and j["matched"] == n_matched and j["by_error"] == errors
    # CSV: exactly scan's CSV rows (same writer), whatever the record order.
    rc, _, out, err = run(["report", "--format", "csv", tmp / "all.jsonl"])
    with open(tmp / "all.csv", newline="", encoding="utf-8") as f:
        want = list(csv.reader(f))
    got = list(csv.reader(io.StringIO(out, newline="")))
    assert got[0] == want[0]
    assert sorted(map(tuple, got[1:])) == sorted(map(tuple, want[1:]))
    assert any("latin1-\\xe9t\\xe9.jpg" in row[0] for row in got)  # exact-path escape of the CSV writer
    assert "Inputs:" in err  # the summary on stderr


def test_report_counts_a_continued_job_once(dump):
    tmp, d, idx = dump
    out = tmp / "r.jsonl"
    run(["scan", "--index", idx, "-q", "--no-summary", "--shard", "0/2", "-o", out, d])
    run(["scan", "--index", idx, "-q", "--no-summary", "--resume", out, d])
    rc, _, text, _ = run(["report", out])
    n_inputs = len(run(["hash", "-q", d])[1])  # one record per input of the dump
    assert f"Inputs:              {n_inputs}" in text and "Doubled:             0" in text


def test_resume_retry_of_a_transient_error_replaces_it(dump):
    # --resume retries an input whose record is a transient error (is_transient:
    # io_error, out_of_memory) and appends its new record: report and merge take the
    # later record, and do not count the input as doubled.
    tmp, d, idx = dump
    out = tmp / "r.jsonl"
    run(["scan", "--index", idx, "-q", "--no-summary", "-o", out, d])
    recs = [json.loads(l) for l in lines(out)]
    victim = next(r for r in recs if "error" not in r and isinstance(r["path"], str))
    others = [r for r in recs if r is not victim]
    err_rec = {"path": victim["path"], "error": "io_error", "message": "read failed"}
    with open(tmp / "t.jsonl", "w") as f:
        for r in others + [err_rec]:
            f.write(json.dumps(r) + "\n")
    rc, _, _, err = run(["scan", "--index", idx, "-q", "--no-summary", "--resume", tmp / "t.jsonl", d])
    after = [json.loads(l) for l in lines(tmp / "t.jsonl")]
    assert after[-2] == err_rec and after[-1]["path"] == victim["path"] and "hash" in after[-1]
    rc, _, text, _ = run(["report", "--format", "json", tmp / "t.jsonl"])
    j = json.loads(text)
    assert j["inputs"] == len(recs) and j["doubled"] == 0 and j["retried"] == 1
    assert j["by_error"].get("io_error", 0) == sum(1 for r in recs if r.get("error") == "io_error")
    rc, _, _, err = run(["merge", tmp / "t.jsonl", "-o", tmp / "m.jsonl"])
    assert "Doubled:             0" in err, err
    merged = [json.loads(l) for l in lines(tmp / "m.jsonl")]
    assert len(merged) == len(recs)
    assert [r for r in merged if r.get("path") == victim["path"]] == [after[-1]]
    rc, _, csv_out, _ = run(["report", "--format", "csv", tmp / "t.jsonl"])
    rows = [r for r in csv.reader(io.StringIO(csv_out, newline="")) if r[0] == victim["path"]]
    assert len(rows) == 1 and rows[0][4] == victim["hash"]
    # Not a retry: an input recorded twice with a final record first is still doubled.
    with open(tmp / "d.jsonl", "w") as f:
        for r in recs + [err_rec]:
            f.write(json.dumps(r) + "\n")
    rc, _, text, _ = run(["report", "--format", "json", tmp / "d.jsonl"])
    assert json.loads(text)["doubled"] == 1 and rc in (1, 2)


FFMPEG = shutil.which("ffmpeg")
CLIP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "video", "audio-first-mpeg4.mp4")


@pytest.mark.parametrize("lists", ["images", "image-list-video", "video-list-only", "both"])
def test_report_csv_round_trip_equals_scan_csv(dump, lists):
    # scan -> JSONL -> report --format csv gives scan --format csv's rows, for images,
    # a video matched by an image list (frame columns) and by a video list.
    tmp, d, idx = dump
    shutil.copy(CLIP, d / "clip.mp4")
    vl = tmp / "clip.txt"
    run(["video", "hash", "-o", vl, CLIP], check_rc=0)
    opts = {"images": ["--index", idx], "image-list-video": ["--index", idx, "--threshold", "256"],
            "video-list-only": ["--video-list", vl], "both": ["--index", idx, "--video-list", vl]}[lists]
    rc_scan, _, _, _ = run(["scan", *opts, "-q", "--no-summary", "-o", tmp / "s.jsonl", d])
    run(["scan", *opts, "-q", "--no-summary", "--format", "csv", "-o", tmp / "s.csv", d])
    rc, _, out, err = run(["report", "--format", "csv", tmp / "s.jsonl"])
    with open(tmp / "s.csv", newline="", encoding="utf-8") as f:
        want = list(csv.reader(f))
    got = list(csv.reader(io.StringIO(out, newline="")))
    assert got[0] == want[0]
    assert sorted(map(tuple, got[1:])) == sorted(map(tuple, want[1:]))
    assert rc == rc_scan
    clip = next(dict(zip(want[0], r)) for r in want[1:] if r[0].endswith("clip.mp4"))
    if lists == "image-list-video":
        assert clip["best_frame"] != ""
    if lists in ("video-list-only", "both"):
        assert clip["video_matches"].endswith("clip.txt:100.0:100.0")
        rc, _, text, _ = run(["report", "--format", "json", tmp / "s.jsonl"])
        assert rc == 1 and json.loads(text)["matched"] >= 1
