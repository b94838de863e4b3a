"""FFmpeg's libraries and libheif are loaded on first use (lib/dl), not at start-up.

They bring ~120 codec libraries whose loading was most of a short run's CPU time. A run
that meets no video or HEIF file must not load them; one that meets a video must, and
hash it. LD_DEBUG=libs makes the dynamic loader name every library it loads (stderr).
"""
import os
import pathlib
import subprocess

from conftest import BIN

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
JPEG = DATA / "images" / "bridge-mods" / "aaa-orig.jpg"
CLIP = DATA / "video" / "audio-first-mpeg4.mp4"


def loaded(args):
    env = dict(os.environ, LD_DEBUG="libs")
    p = subprocess.run([BIN] + [str(a) for a in args], capture_output=True, env=env, timeout=120)
    names = set()
    for line in p.stderr.decode("utf-8", "replace").splitlines():
        if "calling init: " in line:
            names.add(os.path.basename(line.split("calling init: ", 1)[1].strip()))
    return p.returncode, names, p.stdout.decode()


def codec_libs(names):
    return sorted(n for n in names if n.startswith(("libavformat", "libavcodec", "libswscale", "libheif", "libx265")))


def test_an_image_run_loads_no_codec_library():
    rc, names, out = loaded(["hash", "--no-summary", JPEG])
    assert rc == 0, out
    assert '"hash":' in out
    assert any(n.startswith("libjpeg") for n in names), sorted(names)  # the probe sees loads
    assert codec_libs(names) == []


def test_a_video_loads_ffmpeg_when_met_and_is_hashed():
    rc, names, out = loaded(["hash", "--no-summary", JPEG, CLIP])
    assert rc == 0, out
    assert out.count('"hash":') == 2
    libs = codec_libs(names)
    assert any(n.startswith("libavformat.so.") for n in libs), libs
    assert any(n.startswith("libavcodec.so.") for n in libs), libs
