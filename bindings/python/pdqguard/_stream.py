"""Live streams (pdqg_stream): frames pushed with timestamps, sampled, hashed, matched."""
from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import List, Optional

from . import _native
from ._errors import Error, Status, _check
from ._hashing import HashResult, _format_number, _make_frame, _result
from ._matching import Match, Matcher
from ._native import lib as _lib

STREAM_VERDICTS = ("unsampled", "skipped", "kept")


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


class Stream:
    """A live stream (pdqg_stream): frames of one format and size pushed with their
    timestamps (seconds, never decreasing); one in each `seconds_per_hash` (or, with
    `frames_per_hash`, vPDQ's counter rule) is hashed, optionally dropped when within
    `skip_distance` of the last kept sample, and matched against `matcher`. An
    unsampled frame is not read. One thread at a time per stream; many streams may
    share one Matcher.

        with pdqguard.Stream(1280, 720, "i420", seconds_per_hash=1, matcher=m) as s:
            for ts, frame in frames:          # frame: bytes of Y, U, V planes
                r = s.push(frame, ts)
                if r.matches: block(r)
    """

    def __init__(self, width: int, height: int, format: str = "i420", *,
                 seconds_per_hash: float = 1.0, frames_per_hash: int = 0,
                 skip_distance: int = -1, matcher: Optional["Matcher"] = None):
        self._h = None
        self.width, self.height, self.format = width, height, format
        self.matcher = matcher
        o = _native.StreamOptions()
        o.format = _format_number(format)
        o.width, o.height = width, height
        o.seconds_per_hash = float(seconds_per_hash)
        o.frames_per_hash = int(frames_per_hash)
        o.skip_distance = int(skip_distance)
        h = ctypes.c_void_p()
        _check(_lib.pdqg_stream_create(ctypes.byref(o), ctypes.byref(h)))
        self._h = h

    def close(self) -> None:
        if self._h is not None:
            _lib.pdqg_stream_free(self._h)
            self._h = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def push(self, data, timestamp: float, stride=None) -> StreamSample:
        """Offers the next frame (a numpy array or buffer(s), as Hasher.hash_frame
        takes them; `None` is accepted for a frame the stream will not sample)."""
        if self._h is None:
            raise Error(Status.INVALID_ARGUMENT, "the stream is closed")
        frame_p, keep = None, None
        if data is not None:
            frame, keep = _make_frame(data, self.width, self.height, self.format, stride)
            frame_p = ctypes.byref(frame)
        sample = _native.StreamSample()
        arr, count = ctypes.POINTER(_native.Match)(), ctypes.c_size_t()
        m = self.matcher._handle() if self.matcher is not None else None
        st = _lib.pdqg_stream_push(self._h, frame_p, float(timestamp), m, ctypes.byref(sample),
                                   ctypes.byref(arr), ctypes.byref(count))
        del keep
        if st != 0:
            _check(st, _lib.pdqg_stream_error(self._h))
        matches = self.matcher._collect(st, arr, count) if self.matcher is not None else []
        verdict = STREAM_VERDICTS[sample.verdict]
        result = _result(sample.result) if verdict != "unsampled" else None
        return StreamSample(verdict, sample.frame_number, sample.timestamp, result, matches)
