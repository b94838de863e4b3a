"""pdqguard video hash / video match, end to end.

The shared videos (PDQGUARD_VIDEO = shared/video) must give the vPDQ reference's files
byte for byte; tests over them are skipped when that folder is absent. The committed
clip (tests/data/video) needs nothing shared.
"""
import json
import os
import pathlib

import pytest

from conftest import run

VIDEO = os.environ.get("PDQGUARD_VIDEO", "")
DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "video"
CLIP = DATA / "audio-first-mpeg4.mp4"
CLIP_R0 = DATA / "audio-first-mpeg4.r0.txt"
MODES = {"r0": ["--seconds-per-hash", "0"], "r1": ["--seconds-per-hash", "1"],
         "s128": ["--seconds-per-hash", "0", "--downsample", "128"]}


def shared_videos():
    # The shared videos run once, in the full-corpus entry (cli_e2e_corpus), not again
    # in the golden-data one.
    if os.environ.get("PDQGUARD_TEST_DATA") != "corpus":
        pytest.skip("shared videos are tested in the full-data run")
    if not VIDEO or not os.path.isdir(os.path.join(VIDEO, "videos")):
        pytest.skip("shared video folder absent")
    d = pathlib.Path(VIDEO) / "videos"
    return sorted(p for p in d.iterdir() if p.stem != "truncated-chair")


@pytest.mark.parametrize("mode", sorted(MODES))
def test_video_hash_output_dir_reproduces_reference(tmp_path, mode):
    videos = shared_videos()
    out = tmp_path / mode
    rc, _, _, err = run(["video", "hash", "--format", "vpdq", "--output-dir", out, "--threads", "2"]
                        + MODES[mode] + videos, timeout=600)
    assert rc == 0, err
    for v in videos:
        want = (pathlib.Path(VIDEO) / "expected" / "ref" / mode / (v.stem + ".txt")).read_bytes()
        got = (out / (v.stem + ".txt")).read_bytes()
        assert got == want, (mode, v.name)


def test_video_hash_dash_o_writes_the_reference_file(tmp_path):
    shared_videos()
    v = pathlib.Path(VIDEO) / "videos" / "audio-first-doorknob.mp4"
    out = tmp_path / "a.txt"
    run(["video", "hash", "--format", "vpdq", "-o", out, v], check_rc=0)
    want = (pathlib.Path(VIDEO) / "expected" / "ref" / "r1" / "audio-first-doorknob.txt").read_bytes()
    assert out.read_bytes() == want


def test_video_hash_truncated_is_one_clean_error(tmp_path):
    shared_videos()
    bad = pathlib.Path(VIDEO) / "videos" / "truncated-chair.mp4"
    rc, recs, _, err = run(["video", "hash", "--format", "jsonl", bad, CLIP])
    assert rc == 2
    assert [r["ok"] for r in recs] == [False, True]
    assert recs[0]["error"] == "truncated_input" and recs[0]["path"] == str(bad)
    rc, _, out, err = run(["video", "hash", "--format", "vpdq", "-o", tmp_path / "t.txt", bad])
    assert rc == 2 and "truncated_input" in err and str(bad) in err


def test_video_hash_clip_every_frame_to_stdout():
    rc, _, out, err = run(["video", "hash", "--seconds-per-hash", "0", CLIP])
    assert rc == 0, err
    assert out == CLIP_R0.read_text()


def test_video_hash_clip_jsonl_record():
    rc, recs, _, err = run(["video", "hash", "--format", "jsonl", CLIP])
    assert rc == 0, err
    assert len(recs) == 1
    r = recs[0]
    assert r["ok"] is True and r["kind"] == "video" and r["codec"] == "mpeg4"
    assert (r["width"], r["height"], r["fps"], r["frame_mod"]) == (128, 96, 10.0, 10)
    assert r["frames_decoded"] == 30 and r["frames_hashed"] == 3
    every = [l.split(",") for l in CLIP_R0.read_text().splitlines()]
    assert [f["frame"] for f in r["frames"]] == [0, 10, 20]
    for f in r["frames"]:
        row = every[f["frame"]]
        assert f["hash"] == row[2] and f["quality"] == int(row[1])


def test_video_hash_bad_inputs_and_options(tmp_path):
    notvideo = tmp_path / "notes.mp4"
    notvideo.write_bytes(b"hello, not a video\n")
    missing = tmp_path / "missing.mp4"
    rc, recs, _, _ = run(["video", "hash", "--format", "jsonl", notvideo, missing, CLIP])
    assert rc == 2
    assert [r.get("error") for r in recs] == ["unsupported_format", "io_error", None]
    # vPDQ text is one file per video: several videos need --output-dir.
    rc, _, out, err = run(["video", "hash", CLIP, CLIP])
    assert rc == 2 and "--output-dir" in err and out == ""
    rc, _, _, err = run(["video", "hash", "--max-pixels", "1000", CLIP])
    assert rc == 2 and "image_too_large" in err


def test_video_match_clip_against_hash_files(tmp_path):
    # The clip's own vPDQ text, its ThreatExchange JSON form, a damaged file, and an
    # unrelated one: each target gets one record, in order.
    text = tmp_path / "clip.txt"
    run(["video", "hash", "--seconds-per-hash", "0", "-o", text, CLIP], check_rc=0)
    te = tmp_path / "clip.json"
    rows = [l.split(",") for l in text.read_text().splitlines()]
    te.write_text(json.dumps([f"{h},{q},{t}" for _, q, h, t in rows]))
    damaged = tmp_path / "damaged.txt"
    damaged.write_text(text.read_text().splitlines()[0] + "\n0,100,nothex,0.0\n")
    other = tmp_path / "other.txt"
    other.write_text("0,100," + "0" * 64 + ",0.000\n")
    rc, recs, _, err = run(["video", "match", "-f", "jsonl", "--seconds-per-hash", "0", CLIP,
                            text, te, damaged, other])
    assert rc == 1, err
    assert [r.get("target", r.get("path")) for r in recs] == [str(text), str(te), str(damaged), str(other)]
    for r in recs[:2]:
        assert r["query_percent"] == 100.0 and r["target_percent"] == 100.0 and r["match"] is True
        assert r["query_frames"] == r["target_frames"] > 0
    assert recs[2]["ok"] is False and recs[2]["error"] == "list_parse_error"
    assert "damaged.txt:2:" in recs[2]["message"]
    assert recs[3]["match"] is False and recs[3]["query_percent"] == 0.0
    # Thresholds are configurable: one sample per second (3 frames) against every frame
    # gives query 100 % but target 3/30 = 10 %.
    rc, recs, _, _ = run(["video", "match", "-f", "jsonl", CLIP, text, "--target-threshold", "50"])
    assert rc == 0 and recs[0]["query_percent"] == 100.0 and recs[0]["target_percent"] == 10.0
    assert recs[0]["match"] is False


def test_video_match_shared_against_published_hashes():
    shared_videos()
    te = pathlib.Path(VIDEO) / "expected" / "te-2022"
    v = pathlib.Path(VIDEO) / "videos" / "chair-19-sd-bar.mp4"
    rc, recs, _, err = run(["video", "match", "-f", "jsonl", "--seconds-per-hash", "0", v,
                            te / "chair-19-sd-bar.txt", te / "pattern-hd-no-bar.txt"], timeout=300)
    assert rc == 1, err
    assert recs[0]["query_percent"] == 100.0 and recs[0]["target_percent"] == 100.0
    assert recs[0]["match"] is True
    assert recs[1]["match"] is False
