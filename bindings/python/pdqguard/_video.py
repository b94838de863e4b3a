"""Video files (pdqg_video_*): decode in process, sample as vPDQ does, hash, match.

    frames = pdqguard.hash_video("clip.mp4")                 # one frame per second
    for f in frames:                                         # VideoFrame(frame, quality, hash, timestamp)
        print(f.frame, f.quality, f.hash, f.timestamp)
    print(frames.info.fps, frames.info.frames_decoded)
    with pdqguard.Matcher("known.csv") as m:
        for hit in pdqguard.match_video("clip.mp4", m):      # one per list entry: its nearest frame
            print(hit.id, hit.distance, hit.frame, hit.timestamp)
"""
from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from typing import List, Optional, Union

from . import _native
from ._errors import _c_int, _c_int64, _c_path, _c_text, _check
from ._hashing import DIHEDRAL_NAMES, Hash
from ._matching import Match, Matcher
from ._native import lib as _lib

P = ctypes.POINTER


class _Options(ctypes.Structure):
    _fields_ = [
        ("seconds_per_hash", ctypes.c_double),
        ("downsample", ctypes.c_int),
        ("reserved_", ctypes.c_int),
        ("max_pixels", ctypes.c_int64),
        ("max_bytes", ctypes.c_int64),
        ("max_frames", ctypes.c_int64),
        ("max_duration_seconds", ctypes.c_double),
    ]


class _Frame(ctypes.Structure):
    _fields_ = [
        ("frame_number", ctypes.c_int64),
        ("timestamp", ctypes.c_double),
        ("hash", _native.Hash),
        ("quality", ctypes.c_int),
        ("too_small", ctypes.c_int),
    ]


class _Info(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("fps", ctypes.c_double),
        ("duration", ctypes.c_double),
        ("frame_mod", ctypes.c_int),
        ("stream_index", ctypes.c_int),
        ("frames_decoded", ctypes.c_int64),
        ("frames_hashed", ctypes.c_int64),
        ("codec", ctypes.c_char * 32),
        ("container", ctypes.c_char * 64),
    ]


class _VideoMatch(ctypes.Structure):
    _fields_ = [
        ("match", _native.Match),
        ("frame_number", ctypes.c_int64),
        ("timestamp", ctypes.c_double),
    ]


for _name, _restype, _argtypes in (
        ("pdqg_video_hash_file", ctypes.c_int,
         [ctypes.c_char_p, P(_Options), P(P(_Frame)), P(ctypes.c_size_t), P(_Info)]),
        ("pdqg_video_hash_memory", ctypes.c_int,
         [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, P(_Options), P(P(_Frame)),
          P(ctypes.c_size_t), P(_Info)]),
        ("pdqg_video_frames_free", None, [P(_Frame)]),
        ("pdqg_video_match_file", ctypes.c_int,
         [ctypes.c_void_p, ctypes.c_char_p, P(_Options), ctypes.c_int, P(P(_VideoMatch)),
          P(ctypes.c_size_t), P(_Info)]),
        ("pdqg_video_matches_free", None, [P(_VideoMatch)])):
    _fn = getattr(_lib, _name)
    _fn.restype, _fn.argtypes = _restype, _argtypes


@dataclass(frozen=True)
class VideoFrame:
    """One hashed frame, as vPDQ records it (`pdqguard video hash` prints the same)."""
    frame: int
    """0-based decoder output counter."""
    quality: int
    hash: Hash
    timestamp: float
    """Seconds: frame / fps as vPDQ computes it."""


@dataclass(frozen=True)
class VideoInfo:
    """What was learnt about the video stream."""
    width: int
    height: int
    fps: float
    duration: float
    """Seconds the header claims; 0 when unknown."""
    frame_mod: int
    """Every frame_mod-th decoded frame was hashed (vPDQ's frameMod)."""
    stream_index: int
    frames_decoded: int
    frames_hashed: int
    codec: str
    container: str


class VideoHashes(list):
    """The hashed frames (a list of VideoFrame, in frame order) plus `info`."""

    def __init__(self, frames, info: VideoInfo):
        super().__init__(frames)
        self.info = info


@dataclass(frozen=True)
class VideoMatch(Match):
    """A list entry a video matched (a Match), with the frame that matched it."""
    frame: int = 0
    """The sampled frame that matched (0-based)."""
    timestamp: float = 0.0
    """Its time in seconds."""


def _options(seconds_per_hash, downsample, max_pixels, max_bytes, max_frames, max_duration):
    o = _Options()  # every integer checked for its C type: never wrapped
    o.seconds_per_hash = float(seconds_per_hash)
    o.downsample = _c_int(downsample, "downsample")
    o.max_pixels = _c_int64(max_pixels or 0, "max_pixels")
    o.max_bytes = _c_int64(max_bytes or 0, "max_bytes")
    o.max_frames = _c_int64(max_frames or 0, "max_frames")
    o.max_duration_seconds = float(max_duration or 0)
    return o


def _info(i: _Info) -> VideoInfo:
    return VideoInfo(i.width, i.height, i.fps, i.duration, i.frame_mod, i.stream_index,
                     i.frames_decoded, i.frames_hashed, i.codec.decode("utf-8", "replace"),
                     i.container.decode("utf-8", "replace"))


def hash_video(video: Union[str, os.PathLike, bytes, bytearray, memoryview], *,
               seconds_per_hash: float = 1.0, downsample: int = 0,
               max_pixels: Optional[int] = None, max_bytes: Optional[int] = None,
               max_frames: Optional[int] = None, max_duration: Optional[float] = None,
               name: Optional[str] = None) -> VideoHashes:
    """Hashes a video file (a path) or a video held in memory (bytes-like; never
    written to disk; `name` is only a probing hint): one frame per
    `seconds_per_hash` seconds (0 = every frame) by vPDQ's rule, scaled to
    `downsample` x `downsample` first when given. Returns the VideoFrames, byte
    for byte what vPDQ's vpdq-hash-video writes, with `.info`. Limits left as
    None are the library's. Raises pdqguard.Error (io_error, unsupported_format,
    truncated_input, decode_error, no_video_stream, bad_frame_rate,
    image_too_large, file_too_large, video_too_long, invalid_argument)."""
    o = _options(seconds_per_hash, downsample, max_pixels, max_bytes, max_frames, max_duration)
    arr = P(_Frame)()
    n = ctypes.c_size_t()
    info = _Info()
    if isinstance(video, (bytes, bytearray, memoryview)):
        buf = bytes(video)
        st = _lib.pdqg_video_hash_memory(buf, len(buf), _c_text(name, "name") if name else None,
                                         ctypes.byref(o), ctypes.byref(arr), ctypes.byref(n),
                                         ctypes.byref(info))
    else:
        st = _lib.pdqg_video_hash_file(_c_path(video), ctypes.byref(o), ctypes.byref(arr),
                                       ctypes.byref(n), ctypes.byref(info))
    _check(st)
    try:
        frames = [VideoFrame(f.frame_number, f.quality, Hash._from_c(f.hash), f.timestamp)
                  for f in (arr[i] for i in range(n.value))]
    finally:
        _lib.pdqg_video_frames_free(arr)
    return VideoHashes(frames, _info(info))


def match_video(path: Union[str, os.PathLike], matcher: Matcher, *, seconds_per_hash: float = 1.0,
                downsample: int = 0, all_frames: bool = False,
                max_pixels: Optional[int] = None, max_bytes: Optional[int] = None,
                max_frames: Optional[int] = None, max_duration: Optional[float] = None
                ) -> List[VideoMatch]:
    """Hashes the video file at `path` as hash_video does and matches every sampled
    frame against `matcher` (its threshold, min_quality, max_matches and dihedral
    settings). Returns one VideoMatch per list entry, that of its nearest frame
    (lowest distance, then earliest frame), in the library's result order; with
    `all_frames`, every frame's matches in frame order. Raises pdqguard.Error."""
    o = _options(seconds_per_hash, downsample, max_pixels, max_bytes, max_frames, max_duration)
    arr = P(_VideoMatch)()
    n = ctypes.c_size_t()
    c_path = _c_path(path)
    h = matcher._acquire()  # the matcher stays open for the whole call
    try:
        st = _lib.pdqg_video_match_file(h, c_path, ctypes.byref(o), 1 if all_frames else 0,
                                        ctypes.byref(arr), ctypes.byref(n), None)
    finally:
        matcher._release()
    _check(st)
    try:
        out = []
        for i in range(n.value):
            v = arr[i]
            m = v.match
            out.append(VideoMatch(m.list.decode("utf-8", "replace"), m.id.decode("utf-8", "replace"),
                                  m.label.decode("utf-8", "replace"), Hash._from_c(m.hash),
                                  m.distance,
                                  DIHEDRAL_NAMES[m.dihedral] if 0 <= m.dihedral < 8 else str(m.dihedral),
                                  v.frame_number, v.timestamp))
        return out
    finally:
        _lib.pdqg_video_matches_free(arr)
