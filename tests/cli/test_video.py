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


# ---- videos in `pdqguard scan` / `hash` ------------------------------------------------

import csv
import io
import shutil
import subprocess
import zipfile

FFMPEG = shutil.which("ffmpeg")


def clip_frames():
    """The committed clip's every frame: {frame: (quality, hash, timestamp)}."""
    rows = [l.split(",") for l in CLIP_R0.read_text().splitlines()]
    return {int(f): (int(q), h, float(t)) for f, q, h, t in rows}


def ffmpeg(args, tmp_path, name):
    if not FFMPEG:
        pytest.skip("ffmpeg absent")
    out = tmp_path / name
    subprocess.run([FFMPEG, "-v", "error", "-y"] + [str(a) for a in args] + [str(out)], check=True,
                   timeout=120)
    return out


def write_list(path, entries):
    path.write_text("hash,id\n" + "".join(f"{h},{i}\n" for h, i in entries))
    return path


def test_scan_video_record_first_frame_and_nearest_frame_matches(tmp_path):
    every = clip_frames()
    lst = write_list(tmp_path / "known.csv", [(every[10][1], "f10"), (every[20][1], "f20")])
    rc, recs, _, err = run(["scan", "--list", lst, "-f", "jsonl", CLIP])
    assert rc == 1, err
    (r,) = recs
    assert (r["path"], r["format"], r["width"], r["height"]) == (str(CLIP), "mp4", 128, 96)
    assert (r["hash"], r["quality"]) == (every[0][1], every[0][0])  # the first hashed frame
    assert r["frames_hashed"] == 3 and r["duration"] == pytest.approx(3.0, abs=0.05)
    got = {m["id"]: m for m in r["matches"]}
    assert got["f10"]["frame"] == 10 and got["f10"]["timestamp"] == 1.0 and got["f10"]["distance"] == 0
    assert got["f20"]["frame"] == 20 and got["f20"]["timestamp"] == 2.0 and got["f20"]["distance"] == 0
    # A radius that takes every frame: one entry per (list, id), its nearest frame, unless
    # --all-matches (then one per frame and entry).
    rc, recs, _, _ = run(["scan", "--list", lst, "--threshold", "256", "-f", "jsonl", CLIP])
    ms = recs[0]["matches"]
    assert sorted(m["id"] for m in ms) == ["f10", "f20"]
    assert {m["id"]: m["frame"] for m in ms} == {"f10": 10, "f20": 20}
    assert [m["distance"] for m in ms] == [0, 0]
    rc, recs, _, _ = run(["scan", "--list", lst, "--threshold", "256", "--all-matches", "-f", "jsonl", CLIP])
    ms = recs[0]["matches"]
    assert sorted((m["id"], m["frame"]) for m in ms) == [(i, f) for i in ("f10", "f20") for f in (0, 10, 20)]
    # Every frame with --seconds-per-hash 0.
    rc, recs, _, _ = run(["scan", "--list", lst, "--seconds-per-hash", "0", "-f", "jsonl", CLIP])
    assert recs[0]["frames_hashed"] == 30


def test_scan_dump_of_images_videos_and_bad_videos(tmp_path):
    d = tmp_path / "dump"
    d.mkdir()
    shutil.copy(CLIP, d / "clip.bin")  # recognised by content, not by name
    data = CLIP.read_bytes()
    (d / "cut.mp4").write_bytes(data[: len(data) // 3])
    (d / "notes.mp4").write_text("hello, not a video\n")
    (d / "empty.webm").write_bytes(b"\x1a\x45\xdf\xa3")  # EBML magic and nothing else
    img = pathlib.Path(__file__).resolve().parent.parent / "data" / "images"
    pic = next(p for p in sorted(img.rglob("*.jpg")))
    shutil.copy(pic, d / "pic.jpg")
    lst = write_list(tmp_path / "known.csv", [(clip_frames()[20][1], "f20")])
    rc, recs, _, err = run(["scan", "--list", lst, "-f", "jsonl", d])
    assert rc == 1, err
    by = {pathlib.Path(r["path"]).name: r for r in recs}
    assert len(recs) == 5
    assert by["clip.bin"]["frames_hashed"] == 3 and by["clip.bin"]["matches"][0]["frame"] == 20
    assert by["cut.mp4"]["error"] in ("truncated_input", "decode_error"), by["cut.mp4"]
    assert by["notes.mp4"]["error"] == "unsupported_format"  # not a video: the image path
    assert "error" in by["empty.webm"]
    assert by["pic.jpg"]["format"] == "jpeg" and "frames_hashed" not in by["pic.jpg"]
    # --no-videos: a video is just an undecodable file again.
    rc, recs, _, _ = run(["scan", "--list", lst, "--no-videos", "-f", "jsonl", d / "clip.bin"])
    assert rc == 2 and recs[0]["error"] == "unsupported_format"
    # Video limits as in `video hash`.
    for opt, val in (("--max-frames", "10"), ("--max-duration", "1"), ("--max-pixels", "1000"),
                     ("--max-video-bytes", "1000")):
        rc, recs, _, _ = run(["scan", "--list", lst, opt, val, "-f", "jsonl", CLIP])
        assert rc == 2 and recs[0]["error"] in ("video_too_long", "image_too_large", "file_too_large"), (opt, recs)


def test_scan_audio_only_and_zero_fps_files_get_one_error(tmp_path):
    audio = ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000", "-t", "1", "-c:a", "aac"],
                   tmp_path, "audio.m4a")
    lst = write_list(tmp_path / "known.csv", [(clip_frames()[0][1], "f0")])
    rc, recs, _, _ = run(["scan", "--list", lst, "-f", "jsonl", audio])
    assert rc == 2 and recs[0]["error"] == "no_video_stream" and recs[0]["path"] == str(audio)


def test_scan_video_inside_an_archive(tmp_path):
    z = tmp_path / "up.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.write(CLIP, "in/clip.mp4")
    lst = write_list(tmp_path / "known.csv", [(clip_frames()[10][1], "f10")])
    rc, recs, _, err = run(["scan", "--list", lst, "-f", "jsonl", z])
    assert rc == 1, err
    assert recs[0]["path"] == f"{z}!/in/clip.mp4" and recs[0]["frames_hashed"] == 3
    assert recs[0]["matches"][0]["frame"] == 10


def test_scan_video_list_scores_each_video(tmp_path):
    vl = tmp_path / "vlists"
    vl.mkdir()
    run(["video", "hash", "-o", vl / "clip.txt", CLIP], check_rc=0)
    (vl / "other.txt").write_text("0,100," + "0" * 64 + ",0.000\n")
    lst = write_list(tmp_path / "known.csv", [("f" * 64, "nothing")])
    rc, recs, _, err = run(["scan", "--list", lst, "--video-list", vl / "clip.txt", "--video-list",
                            vl / "other.txt", "-f", "jsonl", CLIP])
    assert rc == 1, err
    (r,) = recs
    assert r["matches"] == []
    assert r["video_matches"] == [{"list": str(vl / "clip.txt"), "id": "clip.txt", "query_percent": 100.0,
                                   "target_percent": 100.0, "query_frames": 3, "target_frames": 3}]
    # A directory stands for its files; --video-list alone (no image list) works too.
    rc, recs, _, err = run(["scan", "--video-list", vl, "-f", "jsonl", CLIP])
    assert rc == 1 and [m["id"] for m in recs[0]["video_matches"]] == ["clip.txt"]
    assert "video lists: 2 video(s), 4 kept frames" in err and "Matched:             1" in err, err
    # Every frame against one per second: target 3/30 = 10 %, below a 50 % target threshold.
    every = tmp_path / "every.txt"
    run(["video", "hash", "--seconds-per-hash", "0", "-o", every, CLIP], check_rc=0)
    rc, recs, _, _ = run(["scan", "--video-list", every, "-f", "jsonl", CLIP])
    assert rc == 1 and recs[0]["video_matches"][0]["target_percent"] == 10.0
    rc, recs, _, _ = run(["scan", "--video-list", every, "--video-target-threshold", "50", "-f", "jsonl", CLIP])
    assert rc == 0 and recs[0]["video_matches"] == []
    # A bad list file stops the run before scanning.
    bad = tmp_path / "bad.txt"
    bad.write_text("0,100,nothex,0.0\n")
    rc, recs, _, err = run(["scan", "--video-list", bad, CLIP])
    assert rc == 2 and recs == [] and "list_parse_error" in err


def test_scan_video_csv_and_table_print_the_frame(tmp_path):
    every = clip_frames()
    lst = write_list(tmp_path / "known.csv", [(every[20][1], "f20")])
    vl = tmp_path / "clip.txt"
    run(["video", "hash", "-o", vl, CLIP], check_rc=0)
    img = tmp_path / "bad.mp4"
    img.write_text("nope")
    rc, _, out, _ = run(["scan", "--list", lst, "--video-list", vl, "--sort", "-f", "csv", CLIP, img])
    rows = list(csv.reader(io.StringIO(out)))
    head = rows[0]
    assert all(len(r) == len(head) for r in rows), rows
    rec = dict(zip(head, rows[1]))
    assert (rec["best_id"], rec["best_frame"], rec["best_timestamp"]) == ("f20", "20", "2.000")
    assert rec["matches"] == "known.csv/f20:0:original@20"
    assert rec["video_matches"] == f"{vl}/clip.txt:100.0:100.0"
    assert dict(zip(head, rows[2]))["error"] == "unsupported_format"
    rc, _, out, _ = run(["scan", "--list", lst, "-f", "table", CLIP])
    assert "FOUND [known.csv/f20 distance 0 frame 20 at 2.000 s]" in out


def test_scan_video_dihedral_finds_a_rotated_copy(tmp_path):
    rotated = ffmpeg(["-i", CLIP, "-an", "-vf", "transpose=1", "-c:v", "mpeg4", "-q:v", "2"], tmp_path,
                     "rot.mp4")
    lst = write_list(tmp_path / "known.csv", [(clip_frames()[10][1], "f10")])
    rc, recs, _, _ = run(["scan", "--list", lst, "--threshold", "20", "-f", "jsonl", rotated])
    assert rc == 0 and recs[0]["matches"] == []
    rc, recs, _, err = run(["scan", "--list", lst, "--threshold", "20", "--dihedral", "-f", "jsonl", rotated])
    assert rc == 1, err
    (m,) = recs[0]["matches"]
    assert m["frame"] == 10 and m["variant"] != "original"
    assert (recs[0]["width"], recs[0]["height"]) == (96, 128)


def test_raw_stream_sampled_as_vpdq(tmp_path):
    # The clip's frames, converted by the ffmpeg program as vPDQ converts them, piped in
    # as raw RGB at 10 fps: one per second gives video hash's frames 0, 10, 20.
    raw = ffmpeg(["-i", CLIP, "-map", "0:v", "-f", "rawvideo", "-pix_fmt", "rgb24", "-sws_flags", "area"],
                 tmp_path, "clip.rgb")
    every = clip_frames()
    rc, recs, _, err = run(["hash", "--sort", "--raw", "rgb24", "--size", "128x96", "--fps", "10", "-f",
                            "jsonl", raw])
    assert rc == 0, err
    assert [(r["frame"], r["hash"], r["timestamp"]) for r in recs] == \
        [(f, every[f][1], every[f][2]) for f in (0, 10, 20)]
    rc, recs, _, _ = run(["hash", "--sort", "--raw", "rgb24", "--size", "128x96", "--fps", "10",
                          "--seconds-per-hash", "0.5", "-f", "jsonl", raw])
    assert [r["frame"] for r in recs] == [0, 5, 10, 15, 20, 25]
    rc, recs, _, _ = run(["hash", "--sort", "--raw", "rgb24", "--size", "128x96", "-f", "jsonl", raw])
    assert len(recs) == 30 and "timestamp" not in recs[0]
    rc, _, _, err = run(["hash", "--raw", "rgb24", "--size", "128x96", "--seconds-per-hash", "1", raw])
    assert rc == 2 and "--fps" in err
    rc, _, _, err = run(["hash", "--fps", "10", CLIP])
    assert rc == 2 and "--raw" in err


def test_video_hash_output_dir_same_stem_never_overwrites(tmp_path):
    # a/clip.mp4 and b/clip.mp4 (and a file whose stem is already clip-2): each its own
    # file, named in input order whatever the threads.
    paths = []
    for sub, name in (("a", "clip.mp4"), ("b", "clip.mp4"), ("c", "clip-2.mp4")):
        (tmp_path / sub).mkdir()
        shutil.copy(CLIP, tmp_path / sub / name)
        paths.append(tmp_path / sub / name)
    out = tmp_path / "out"
    for sph in ("0", "1"):  # the two runs write different texts into the same names
        run(["video", "hash", "--output-dir", out, "--threads", "3", "--seconds-per-hash", sph] + paths,
            check_rc=0)
    assert sorted(p.name for p in out.iterdir()) == ["clip-2-2.txt", "clip-2.txt", "clip.txt"]
    one = (out / "clip.txt").read_text()
    assert len(one.splitlines()) == 3
    assert (out / "clip-2.txt").read_text() == one and (out / "clip-2-2.txt").read_text() == one
    rc, _, _, err = run(["video", "hash", "--max-frames", "5", CLIP])
    assert rc == 2 and "video_too_long" in err


def test_raw_stream_sampled_progress_total_counts_the_samples(tmp_path):
    # 95 whole 8x8 frames and a cut one at 10 fps, one per second: frames 0, 10, ..., 90
    # and the truncated frame's error are the records, and the total says 11, not 96.
    raw = tmp_path / "f.gray"
    raw.write_bytes(bytes(range(64)) * 95 + b"\x00" * 10)
    p = subprocess.run([os.environ["PDQGUARD_BIN"], "hash", "--progress", "--no-summary", "--sort", "--raw", "gray8",
                        "--size", "8x8", "--fps", "10", "-f", "jsonl", str(raw)],
                       capture_output=True, text=True, timeout=60)
    recs = [json.loads(l) for l in p.stdout.splitlines()]
    assert [r["frame"] for r in recs if "error" not in r] == list(range(0, 91, 10))
    assert recs[-1]["error"] == "decode_error"
    assert "11/11 files" in p.stderr.strip().splitlines()[-1], p.stderr
