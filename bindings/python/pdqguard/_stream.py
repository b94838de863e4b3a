"""Live streams (pdqg_stream): frames pushed with timestamps, sampled, hashed, matched."""
from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any, List, Optional

from . import _native
from ._errors import _c_int, _check
from ._handle import _NativeObject
from ._hashing import HashResult, Stride, _format_number, _make_frame, _result
from ._matching import Match, Matcher
from ._native import lib as _lib

STREAM_VERDICTS: "tuple[str, ...]" = ("unsampled", "skipped", "kept")


@dataclass(frozen=True)
class StreamSample:
    """What Stream.push did with one frame."""
    verdict: str
    """"unsampled" (not read), "skipped" (within skip_distance of the last kept
    sample) or "kept" (hashed, and matched when the stream has a matcher)."""
    frame_number: int
    """0-based count of the frames pushed before this one."""
    timestamp: float
    result: Optional[HashResult] = None
    """The hash and quality (skipped and kept frames)."""
    matches: List[Match] = field(default_factory=list)
    """Matches of a kept sample against the stream's matcher."""


class Stream(_NativeObject):
    """A live stream (pdqg_stream): frames of one format and size pushed with their
    timestamps (seconds, never decreasing); one in each `seconds_per_hash` (or, with
    `frames_per_hash`, vPDQ's counter rule) is hashed, optionally dropped when within
    `skip_distance` of the last kept sample, and matched against `matcher`. An
    unsampled frame is not read. Calls on one stream run one at a time (a lock:
    sharing one between threads is safe but serialised); many streams may share
    one Matcher.

        with pdqguard.Stream(1280, 720, "i420", seconds_per_hash=1, matcher=m) as s:
            for ts, frame in frames:          # frame: bytes of Y, U, V planes
                r = s.push(frame, ts)
                if r.matches: block(r)
    """

    _FREE, _ERROR, _NAME, _EXCLUSIVE = "pdqg_stream_free", "pdqg_stream_error", "Stream", True

    def __init__(self, width: int, height: int, format: str = "i420", *,
                 seconds_per_hash: float = 1.0, frames_per_hash: int = 0,
                 skip_distance: int = -1, matcher: Optional[Matcher] = None):
        self.width, self.height, self.format = width, height, format
        self.matcher = matcher
        o = _native.StreamOptions()
        o.format = _format_number(format)
        o.width, o.height = _c_int(width, "width"), _c_int(height, "height")
        o.seconds_per_hash = float(seconds_per_hash)
        o.frames_per_hash = _c_int(frames_per_hash, "frames_per_hash")
        o.skip_distance = _c_int(skip_distance, "skip_distance")
        h = ctypes.c_void_p()
        _check(_lib.pdqg_stream_create(ctypes.byref(o), ctypes.byref(h)))
        self._adopt(h)

    def push(self, data: Any, timestamp: float, stride: Stride = None) -> StreamSample:
        """Offers the next frame (a numpy array, PIL image or buffer(s), as
        Hasher.hash_frame takes them; `None` is accepted for a frame the stream
        will not sample)."""
        frame_p, keep = None, None
        if data is not None:
            frame, keep = _make_frame(data, self.width, self.height, self.format, stride)
            frame_p = ctypes.byref(frame)
        sample = _native.StreamSample()
        arr, count = ctypes.POINTER(_native.Match)(), ctypes.c_size_t()
        h = self._acquire()
        try:
            m = self.matcher._acquire() if self.matcher is not None else None
            try:
                st = _lib.pdqg_stream_push(h, frame_p, float(timestamp), m, ctypes.byref(sample),
                                           ctypes.byref(arr), ctypes.byref(count))
            finally:
                if self.matcher is not None:
                    self.matcher._release()
            if st != 0:
                _check(st, _lib.pdqg_stream_error(h))
        finally:
            self._release()
        del keep
        matches = self.matcher._collect(st, arr, count) if self.matcher is not None else []
        verdict = STREAM_VERDICTS[sample.verdict]
        result = _result(sample.result) if verdict != "unsampled" else None
        return StreamSample(verdict, sample.frame_number, sample.timestamp, result, matches)
