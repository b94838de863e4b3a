"""pdqguard: PDQ perceptual hashes and blocklist matching (ctypes over libpdqguard).

    import pdqguard
    r = pdqguard.hash_file("photo.jpg")            # HashResult
    print(r.hash.hex, r.quality)
    other = pdqguard.Hash("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
    print(r.hash.distance(other))

Hashes are bit-exact with facebook/ThreatExchange's PDQ C++ reference. Every
failure raises pdqguard.Error with a stable `code` (int), `name`
("decode_error", ...) and `message`; an argument refused before it reaches C
(an integer out of range, a path with a NUL byte) raises ArgumentError, which
is both a pdqguard.Error ("invalid_argument") and a ValueError. All functions
release the GIL while the library works, so threads hash in parallel.
Module-level functions and Matcher are thread-safe; calls on one Hasher or
Stream are serialised by a lock (give each thread its own for parallelism).

Matching against hash lists (plain hex lines, CSV/TSV with a hash column,
ThreatExchange `pdq <hash>` files) and/or an index file:

    m = pdqguard.Matcher(lists=["blocklist.csv"], threshold=31)
    res = m.match_file("upload.jpg")               # also match_hash, match_bytes, match_frame
    if res.blocked:
        for hit in res.matches:                    # Match(list, id, label, hash, distance, dihedral)
            print(hit.id, hit.label, hit.distance)
    m.reload()                                     # re-read the lists; safe while other threads match
"""
from __future__ import annotations

from ._native import lib as _lib

__all__ = [
    "Error", "ArgumentError", "Status", "Hash", "HashResult", "Hasher", "FORMATS", "DIHEDRAL_NAMES",
    "hash_file", "hash_bytes", "hash_frame", "version", "simd_path", "set_simd_path",
    "Matcher", "Match", "MatchResult", "INDEX_KINDS", "Stream", "StreamSample",
    "hash_video", "match_video", "VideoFrame", "VideoHashes", "VideoInfo", "VideoMatch",
]

__version__ = "0.1.0"

# The package is split by concern: _errors (Status, Error), _hashing (Hash,
# HashResult, Hasher, hash_*), _matching (Matcher, Match, MatchResult), _native
# (the ctypes declarations of pdqguard.h).
from ._errors import ArgumentError, Error, Status, _c_text, _check  # noqa: E402,F401
from ._hashing import (DIHEDRAL_NAMES, FORMATS, Hash, Hasher, HashResult, hash_bytes,  # noqa: E402
                       hash_file, hash_frame)
from ._matching import INDEX_KINDS, Match, Matcher, MatchResult  # noqa: E402
from ._stream import Stream, StreamSample  # noqa: E402
from ._video import VideoFrame, VideoHashes, VideoInfo, VideoMatch, hash_video, match_video  # noqa: E402


def version() -> str:
    """The loaded library's version text, e.g. "0.1.0"."""
    return _lib.pdqg_version_string().decode()


def simd_path() -> str:
    """The SIMD path hashing uses: "scalar", "avx2" or "avx512"."""
    name = _lib.pdqg_simd_path()
    if name is None:
        _check(Status.UNSUPPORTED_ISA)
    return name.decode()


def set_simd_path(name: str) -> None:
    """Forces a SIMD path for the whole process (tests, benchmarks). Not while other
    threads hash. Raises Error(unsupported_isa) when this CPU cannot run it."""
    _check(_lib.pdqg_set_simd_path(_c_text(name, "SIMD path name")))
