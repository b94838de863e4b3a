"""pdqguard.hash_video / match_video (the C API's pdqg_video_*).

The committed clip (tests/data/video: 128x96, 10 fps, 30 frames, its every-frame vPDQ
file next to it) and a clip generated with ffmpeg need nothing shared. With
PDQGUARD_VIDEO set (CTest's python_video_shared entry) the shared videos must give
../shared/video/expected/ref/{r0,r1,s128} exactly; that entry exits 77 (skipped) when
the folder is absent.
"""
import os
import pathlib
import shutil
import subprocess

import pytest

import pdqguard

SRC = pathlib.Path(os.environ.get("PDQGUARD_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CLIP = SRC / "tests" / "data" / "video" / "audio-first-mpeg4.mp4"
CLIP_R0 = CLIP.with_suffix(".r0.txt")
VIDEO = os.environ.get("PDQGUARD_VIDEO", "")


def vpdq_text(frames):
    return "".join(f"{f.frame},{f.quality},{f.hash},{f.timestamp:.3f}\n" for f in frames)


def test_hash_video_every_frame_equals_the_reference_file():
    frames = pdqguard.hash_video(CLIP, seconds_per_hash=0)
    assert vpdq_text(frames) == CLIP_R0.read_text()
    i = frames.info
    assert (i.width, i.height, i.fps, i.frame_mod, i.frames_decoded, i.frames_hashed) == (128, 96, 10.0, 1, 30, 30)
    assert i.codec == "mpeg4" and "mp4" in i.container


def test_hash_video_one_per_second_from_file_and_memory():
    every = CLIP_R0.read_text().splitlines()
    frames = pdqguard.hash_video(str(CLIP))
    assert [f.frame for f in frames] == [0, 10, 20]
    assert vpdq_text(frames) == "".join(every[n] + "\n" for n in (0, 10, 20))
    assert pdqguard.hash_video(CLIP.read_bytes(), name="clip.mp4") == frames
    assert isinstance(frames[0].hash, pdqguard.Hash) and frames[1].timestamp == 1.0


def test_hash_video_errors(tmp_path):
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_video(tmp_path / "missing.mp4")
    assert e.value.status == pdqguard.Status.IO_ERROR
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_video(b"hello, not a video\n")
    assert e.value.status == pdqguard.Status.UNSUPPORTED_FORMAT
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_video(CLIP, max_frames=5)
    assert e.value.status == pdqguard.Status.VIDEO_TOO_LONG
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.hash_video(CLIP, seconds_per_hash=-1)
    assert e.value.status == pdqguard.Status.INVALID_ARGUMENT


def test_match_video_nearest_frame_per_entry(tmp_path):
    every = pdqguard.hash_video(CLIP, seconds_per_hash=0)
    lst = tmp_path / "known.csv"
    lst.write_text(f"hash,id\n{every[10].hash},f10\n{every[20].hash},f20\n")
    with pdqguard.Matcher(str(lst)) as m:
        hits = pdqguard.match_video(CLIP, m)
        assert sorted((h.id, h.frame, h.timestamp, h.distance) for h in hits) == \
            [("f10", 10, 1.0, 0), ("f20", 20, 2.0, 0)]
        m.threshold = 256  # every sampled frame matches both entries
        assert len(pdqguard.match_video(CLIP, m)) == 2
        assert len(pdqguard.match_video(CLIP, m, all_frames=True)) == 6


def test_generated_clip_hashes_as_the_ffmpeg_program_converts(tmp_path):
    # A fresh testsrc clip (VP9 in WebM): every frame equals what the ffmpeg program's
    # own conversion, hashed as raw RGB, gives.
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        pytest.skip("ffmpeg absent")
    clip = tmp_path / "t.webm"
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=5", "-t", "2",
                    "-c:v", "libvpx-vp9", str(clip)], check=True, timeout=120)
    raw = subprocess.run([ffmpeg, "-v", "error", "-i", str(clip), "-f", "rawvideo", "-pix_fmt", "rgb24",
                          "-sws_flags", "area", "-"], check=True, capture_output=True, timeout=120).stdout
    frames = pdqguard.hash_video(clip, seconds_per_hash=0)
    size = 96 * 64 * 3
    assert len(frames) == len(raw) // size == 10
    for f in frames:
        r = pdqguard.hash_frame(raw[f.frame * size:(f.frame + 1) * size], 96, 64, "rgb8")
        assert (f.hash, f.quality) == (r.hash, r.quality)


def shared():
    if not VIDEO:
        pytest.skip("PDQGUARD_VIDEO not set (the python_video_shared entry sets it)")
    d = pathlib.Path(VIDEO)
    if not (d / "videos").is_dir():
        pytest.exit(f"shared video folder {d} absent: skipped", 77)
    return d


@pytest.mark.parametrize("mode,kw", [("r0", {"seconds_per_hash": 0}), ("r1", {}),
                                     ("s128", {"seconds_per_hash": 0, "downsample": 128})])
def test_shared_videos_reproduce_the_reference(mode, kw):
    d = shared()
    for v in sorted((d / "videos").iterdir()):
        if v.stem == "truncated-chair":
            with pytest.raises(pdqguard.Error) as e:
                pdqguard.hash_video(v, **kw)
            assert e.value.status == pdqguard.Status.TRUNCATED_INPUT
            continue
        want = (d / "expected" / "ref" / mode / (v.stem + ".txt")).read_text()
        assert vpdq_text(pdqguard.hash_video(v, **kw)) == want, (mode, v.name)
