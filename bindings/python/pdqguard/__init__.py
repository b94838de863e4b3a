"""pdqguard: PDQ perceptual hashes and blocklist matching (ctypes over libpdqguard).

    import pdqguard
    r = pdqguard.hash_file("photo.jpg")            # HashResult
    print(r.hash.hex, r.quality)
    other = pdqguard.Hash("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
    print(r.hash.distance(other))

Hashes are bit-exact with facebook/ThreatExchange's PDQ C++ reference. Every
failure raises pdqguard.Error with a stable `code` (int), `name`
("decode_error", ...) and `message`. All functions release the GIL while the
library works, so threads hash in parallel. Module-level functions are
thread-safe; a Hasher object must be used by one thread at a time.

Matching against hash lists (plain hex lines, CSV/TSV with a hash column,
ThreatExchange `pdq <hash>` files) and/or an index file:

    m = pdqguard.Matcher(lists=["blocklist.csv"], threshold=31)
    res = m.match("upload.jpg")                    # or a Hash, hex, bytes, numpy array
    if res.blocked:
        for hit in res.matches:                    # Match(list, id, label, hash, distance, dihedral)
            print(hit.id, hit.label, hit.distance)
    m.reload()                                     # re-read the lists; safe while other threads match
"""
from __future__ import annotations

import ctypes
import enum
import os
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Union

from . import _native
from ._native import lib as _lib

__all__ = [
    "Error", "Status", "Hash", "HashResult", "Hasher", "FORMATS", "DIHEDRAL_NAMES",
    "hash_file", "hash_bytes", "hash_frame", "version", "simd_path", "set_simd_path",
    "Matcher", "Match", "MatchResult", "INDEX_KINDS",
]

__version__ = "0.1.0"


class Status(enum.IntEnum):
    """The C API's status codes (pdqg_status); the same numbers and names as the CLI."""
    OK = 0
    INVALID_ARGUMENT = 1
    IO_ERROR = 2
    UNSUPPORTED_FORMAT = 3
    DECODE_ERROR = 4
    IMAGE_TOO_LARGE = 5
    FILE_TOO_LARGE = 6
    BAD_HASH = 7
    LIST_PARSE_ERROR = 8
    INDEX_CORRUPT = 9
    UNSUPPORTED_ISA = 10
    OUT_OF_MEMORY = 11
    INTERNAL_ERROR = 12


class Error(Exception):
    """A pdqguard failure. `code` is the numeric status, `name` its stable
    snake_case name (e.g. "decode_error"), `message` the library's explanation."""

    def __init__(self, code: int, message: str):
        self.code = int(code)
        self.name = _lib.pdqg_status_name(self.code).decode()
        self.message = message
        super().__init__(f"{self.name}: {message}")

    @property
    def status(self) -> Optional[Status]:
        try:
            return Status(self.code)
        except ValueError:
            return None


def _check(status: int, message: Optional[bytes] = None) -> None:
    if status != 0:
        if message is None:
            message = _lib.pdqg_last_error()
        raise Error(status, (message or b"").decode("utf-8", "replace"))


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
    _check(_lib.pdqg_set_simd_path(name.encode()))


FORMATS = ("gray8", "rgb8", "rgba8", "bgr8", "bgra8", "i420", "nv12")
DIHEDRAL_NAMES = ("original", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1",
                  "flipminus1")
_CHANNELS = {"gray8": 1, "rgb8": 3, "rgba8": 4, "bgr8": 3, "bgra8": 4, "i420": 1, "nv12": 1}


class Hash:
    """An immutable 256-bit PDQ hash. Construct from 64 hex digits (either case);
    `hex` gives the canonical lowercase text (ThreatExchange order)."""

    __slots__ = ("_value",)

    def __init__(self, hex_or_hash: Union[str, bytes, "Hash"]):
        if isinstance(hex_or_hash, Hash):
            self._value = hex_or_hash._value
            return
        if isinstance(hex_or_hash, str):
            hex_or_hash = hex_or_hash.encode("ascii", "replace")
        if not isinstance(hex_or_hash, (bytes, bytearray)):
            raise TypeError("Hash() takes a 64-digit hex string")
        c = _native.Hash()
        _check(_lib.pdqg_hash_from_hex(bytes(hex_or_hash), ctypes.byref(c)))
        self._value = _words_to_int(c)

    @classmethod
    def from_hex(cls, text: str) -> "Hash":
        return cls(text)

    @classmethod
    def _from_c(cls, c: _native.Hash) -> "Hash":
        h = cls.__new__(cls)
        h._value = _words_to_int(c)
        return h

    def _to_c(self) -> _native.Hash:
        c = _native.Hash()
        for i in range(4):
            c.words[i] = (self._value >> (64 * i)) & 0xFFFFFFFFFFFFFFFF
        return c

    @property
    def hex(self) -> str:
        """64 lowercase hex digits, most significant first."""
        return f"{self._value:064x}"

    def __str__(self) -> str:
        return self.hex

    def __repr__(self) -> str:
        return f"Hash('{self.hex}')"

    def __int__(self) -> int:
        return self._value

    def __bytes__(self) -> bytes:
        return self._value.to_bytes(32, "big")

    def distance(self, other: Union["Hash", str]) -> int:
        """Hamming distance 0..256 to another hash (or its hex text)."""
        if not isinstance(other, Hash):
            other = Hash(other)
        return bin(self._value ^ other._value).count("1")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hash) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _words_to_int(c: _native.Hash) -> int:
    # Bit k of the hash is bit k%64 of words[k/64]; as a number, words[3] is the
    # most significant, which is exactly the order the hex form spells.
    return c.words[0] | (c.words[1] << 64) | (c.words[2] << 128) | (c.words[3] << 192)


@dataclass(frozen=True)
class HashResult:
    """The hash of one image."""
    hash: Hash
    quality: int
    """0..100; below 50 is usually too flat to match on."""
    width: int
    height: int
    too_small: bool
    """A side below 5 pixels: the hash is all zeros and quality 0 (as the reference)."""
    dihedral: Optional[Dict[str, Hash]] = None
    """With dihedral=True: the 8 variants by name (DIHEDRAL_NAMES), "original" == hash."""


def _result(r: _native.Result) -> HashResult:
    dih = None
    if r.has_dihedral:
        dih = {name: Hash._from_c(r.dihedral[i]) for i, name in enumerate(DIHEDRAL_NAMES)}
    return HashResult(Hash._from_c(r.hash), r.quality, r.width, r.height, bool(r.too_small), dih)


# ---------------------------------------------------------------------------
# Buffers: getting a pointer to caller memory without copying it.


class _Pinned:
    """A read-only view of a buffer's bytes: address and size, kept alive."""

    def __init__(self, obj):
        self.keep = obj
        if isinstance(obj, bytes):
            self.size = len(obj)
            self.address = ctypes.cast(ctypes.c_char_p(obj), ctypes.c_void_p).value
            return
        np_iface = getattr(obj, "__array_interface__", None)
        if np_iface is not None and not isinstance(obj, memoryview):
            self.address = np_iface["data"][0]
            self.size = obj.nbytes
            return
        mv = memoryview(obj)
        if not mv.contiguous:
            raise ValueError("buffer is not contiguous; pass strides or a contiguous copy")
        mv = mv.cast("B") if mv.format != "B" or mv.ndim != 1 else mv
        self.size = mv.nbytes
        if self.size == 0:
            self.address = None
        elif mv.readonly:
            copy = bytes(mv)  # ctypes cannot address read-only memory without a copy
            self.keep = copy
            self.address = ctypes.cast(ctypes.c_char_p(copy), ctypes.c_void_p).value
        else:
            arr = (ctypes.c_char * self.size).from_buffer(mv)
            self.keep = (mv, arr)
            self.address = ctypes.addressof(arr)


def _format_number(fmt: str) -> int:
    try:
        return FORMATS.index(fmt)
    except ValueError:
        raise Error(Status.INVALID_ARGUMENT,
                    f"unknown pixel format {fmt!r} (expected one of {', '.join(FORMATS)})") from None


def _is_numpy(obj) -> bool:
    return type(obj).__module__ == "numpy" and hasattr(obj, "__array_interface__")


def _frame_from_numpy(arr, fmt: Optional[str]):
    """(Frame parts) from a numpy uint8 array: (h, w) gray, (h, w, 3|4) colour.
    Row padding (a positive row stride larger than the row) is passed through."""
    import numpy as np  # only reached when numpy is installed
    if arr.dtype != np.uint8:
        raise Error(Status.INVALID_ARGUMENT, f"numpy array must be uint8, not {arr.dtype}")
    if arr.ndim == 2:
        fmt = fmt or "gray8"
        channels = 1
    elif arr.ndim == 3 and arr.shape[2] in (3, 4):
        channels = arr.shape[2]
        fmt = fmt or ("rgb8" if channels == 3 else "rgba8")
    else:
        raise Error(Status.INVALID_ARGUMENT,
                    f"numpy array of shape {arr.shape}: expected (h, w), (h, w, 3) or (h, w, 4)")
    if _CHANNELS.get(fmt) != channels or fmt in ("i420", "nv12"):
        raise Error(Status.INVALID_ARGUMENT,
                    f"format {fmt!r} does not fit an array of shape {arr.shape}")
    h, w = arr.shape[0], arr.shape[1]
    inner_ok = arr.strides[1] == channels and (arr.ndim == 2 or arr.strides[2] == 1)
    if not inner_ok or arr.strides[0] < w * channels:
        arr = np.ascontiguousarray(arr)
    stride = arr.strides[0]
    size = stride * (h - 1) + w * channels if h > 0 else 0
    return fmt, w, h, [(arr, arr.ctypes.data, size, stride)]


def _plane_layout(fmt: str, w: int, h: int):
    """(row bytes, rows) of each plane of a tightly packed frame: the library's
    frame geometry (pdqg_frame_plane_size), never restated here."""
    out = []
    row, rows = ctypes.c_size_t(), ctypes.c_size_t()
    for p in range(3):
        if _lib.pdqg_frame_plane_size(FORMATS.index(fmt), w, h, p, ctypes.byref(row), ctypes.byref(rows)) != 0:
            break
        out.append((row.value, rows.value))
    return out


# ---------------------------------------------------------------------------
# Hashing


class Hasher:
    """A reusable hasher with its own decoding limits and scratch memory (no
    allocation per frame in a stream). Use one per thread.

    max_pixels / max_bytes: refuse bigger images (image_too_large / file_too_large);
    fast_jpeg: decode JPEGs scaled (faster, hashes close to but not identical);
    exif_orientation: apply the EXIF orientation before hashing."""

    _PARAMS = {"max_pixels": 0, "max_bytes": 1, "fast_jpeg": 2, "exif_orientation": 3}

    def __init__(self, *, max_pixels: Optional[int] = None, max_bytes: Optional[int] = None,
                 fast_jpeg: bool = False, exif_orientation: bool = False):
        handle = ctypes.c_void_p()
        _check(_lib.pdqg_hasher_create(ctypes.byref(handle)))
        self._h = handle
        for name, value in (("max_pixels", max_pixels), ("max_bytes", max_bytes),
                            ("fast_jpeg", fast_jpeg), ("exif_orientation", exif_orientation)):
            if value is not None:
                self._set(name, int(value))

    def _set(self, name: str, value: int) -> None:
        _check(_lib.pdqg_hasher_set(self._h, self._PARAMS[name], value),
               _lib.pdqg_hasher_error(self._h))

    def get(self, name: str) -> int:
        """The current value of a parameter ("max_pixels", "max_bytes", ...)."""
        v = ctypes.c_int64()
        _check(_lib.pdqg_hasher_get(self._h, self._PARAMS[name], ctypes.byref(v)))
        return v.value

    def close(self) -> None:
        if getattr(self, "_h", None):
            _lib.pdqg_hasher_free(self._h)
            self._h = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _handle(self):
        if not self._h:
            raise Error(Status.INVALID_ARGUMENT, "this Hasher is closed")
        return self._h

    def hash_file(self, path: Union[str, os.PathLike], *, dihedral: bool = False) -> HashResult:
        return _hash_file(self._handle(), path, dihedral)

    def hash_bytes(self, data, *, dihedral: bool = False) -> HashResult:
        return _hash_bytes(self._handle(), data, dihedral)

    def hash_frame(self, data, width: Optional[int] = None, height: Optional[int] = None,
                   format: Optional[str] = None, *, stride: Optional[Union[int, Sequence[int]]] = None,
                   dihedral: bool = False) -> HashResult:
        return _hash_frame(self._handle(), data, width, height, format, stride, dihedral)


def _flags(dihedral: bool) -> int:
    return 1 if dihedral else 0


def _call(handle, status: int) -> None:
    _check(status, _lib.pdqg_hasher_error(handle) if handle else None)


def _hash_file(handle, path, dihedral: bool) -> HashResult:
    r = _native.Result()
    _call(handle, _lib.pdqg_hash_file(handle, os.fsencode(path), _flags(dihedral), ctypes.byref(r)))
    return _result(r)


def _hash_bytes(handle, data, dihedral: bool) -> HashResult:
    pinned = _Pinned(data)
    r = _native.Result()
    _call(handle, _lib.pdqg_hash_buffer(handle, pinned.address, pinned.size, _flags(dihedral),
                                        ctypes.byref(r)))
    return _result(r)


def _hash_frame(handle, data, width, height, fmt, stride, dihedral) -> HashResult:
    if _is_numpy(data):
        fmt, w, h, planes = _frame_from_numpy(data, fmt)
        if (width is not None and width != w) or (height is not None and height != h):
            raise Error(Status.INVALID_ARGUMENT,
                        f"width/height {width}x{height} disagree with the array's {w}x{h}")
        width, height = w, h
    else:
        if width is None or height is None or fmt is None:
            raise Error(Status.INVALID_ARGUMENT,
                        "hash_frame of a buffer needs width, height and format")
        _format_number(fmt)  # validates the name before the layout uses it
        strides = list(stride) if isinstance(stride, (list, tuple)) else [stride or 0]
        layout = _plane_layout(fmt, width, height) if width > 0 and height > 0 else [(0, 0)]
        if isinstance(data, (list, tuple)):  # one buffer per plane
            buffers = [_Pinned(b) for b in data]
        else:  # one buffer: planes one after the other (packed, or with the given strides)
            whole = _Pinned(data)
            buffers, offset = [], 0
            for p, (row, rows) in enumerate(layout):
                s = strides[p] if p < len(strides) and strides[p] else row
                need = s * rows
                end = min(offset + need, whole.size)
                part = _Pinned.__new__(_Pinned)
                part.keep = whole
                part.address = (whole.address or 0) + offset if whole.address else None
                part.size = max(0, end - offset)
                buffers.append(part)
                offset += need
                if p == 0 and fmt not in ("i420", "nv12"):
                    break
        planes = []
        for p, b in enumerate(buffers):
            s = strides[p] if p < len(strides) and strides[p] else 0
            planes.append((b, b.address, b.size, s))
    frame = _native.Frame()
    frame.format = _format_number(fmt)
    frame.width = width
    frame.height = height
    if len(planes) > 3:
        raise Error(Status.INVALID_ARGUMENT, "a frame has at most 3 planes")
    for p, (_, address, size, s) in enumerate(planes):
        frame.planes[p] = address
        frame.sizes[p] = size if address else 0
        frame.strides[p] = s
    r = _native.Result()
    _call(handle, _lib.pdqg_hash_frame(handle, ctypes.byref(frame), _flags(dihedral),
                                       ctypes.byref(r)))
    del planes  # the buffers stay alive until the call has returned
    return _result(r)


def hash_file(path: Union[str, os.PathLike], *, dihedral: bool = False) -> HashResult:
    """Decodes an image file (JPEG, PNG, PPM/PGM) and hashes it. Raises Error with
    io_error, unsupported_format, decode_error, image_too_large or file_too_large."""
    return _hash_file(None, path, dihedral)


def hash_bytes(data, *, dihedral: bool = False) -> HashResult:
    """Hashes an encoded image held in memory (bytes, bytearray, memoryview...)."""
    return _hash_bytes(None, data, dihedral)


def hash_frame(data, width: Optional[int] = None, height: Optional[int] = None,
               format: Optional[str] = None, *, stride: Optional[Union[int, Sequence[int]]] = None,
               dihedral: bool = False) -> HashResult:
    """Hashes raw pixels.

    - numpy uint8 arrays: (h, w) is gray8, (h, w, 3) rgb8, (h, w, 4) rgba8 (pass
      format="bgr8"/"bgra8" for BGR order); width/height come from the shape.
    - bytes/bytearray/memoryview: give width, height and format (one of FORMATS).
      For i420/nv12 pass either one buffer with the planes one after another, or a
      list of plane buffers; `stride` is an int (plane 0) or a list per plane,
      0 or None meaning packed rows.
    The buffer sizes are checked against the geometry: nothing outside them is read.
    A frame below 5 pixels on a side gives the all-zero hash with too_small=True."""
    return _hash_frame(None, data, width, height, format, stride, dihedral)


# ---------------------------------------------------------------------------
# Matching

INDEX_KINDS = ("auto", "flat", "bktree", "mih")


@dataclass(frozen=True)
class Match:
    """One list entry a query matched."""
    list: str
    """The list's name (its file name, or the value of a list column)."""
    id: str
    """The entry's id (its line number when the list has no id column)."""
    label: str
    hash: Hash
    """The list entry's hash."""
    distance: int
    """Hamming distance 0..256 to the (nearest variant of the) query."""
    dihedral: str
    """Which variant of the query matched ("original" unless dihedral matching is on)."""


@dataclass(frozen=True)
class MatchResult:
    """The answer to one query: the matches (nearest first) and what was queried.
    Iterating over it, len() and truth follow `matches`."""
    matches: List[Match]
    hash: Hash
    quality: Optional[int] = None
    """The image's quality; None for a hash queried without one."""
    image: Optional[HashResult] = None
    """The image's hashing result, for image queries."""
    gate: str = "none"
    """The library's verdict before searching: "none" (searched), "too_small"
    (an image below 5 pixels a side: never matches, whatever min_quality) or
    "below_quality" (quality known and below min_quality)."""

    @property
    def below_quality(self) -> bool:
        """True when the query was not searched (gate is not "none"): an image
        too flat or too small to be matched; no match says nothing about it."""
        return self.gate != "none"

    @property
    def blocked(self) -> bool:
        return bool(self.matches)

    def __iter__(self) -> Iterator[Match]:
        return iter(self.matches)

    def __len__(self) -> int:
        return len(self.matches)

    def __bool__(self) -> bool:
        return bool(self.matches)


def _is_hex_hash(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)


class Matcher:
    """A blocklist loaded from hash list files and/or an index file (written by
    `pdqguard index`), and the options queries use.

    lists: a path or a sequence of paths; index: a path or None (at least one;
    with both, the lists are added to the index's entries).
    threshold: distance within which an entry matches; min_quality: images
    below it match nothing; dihedral: also try the 7 rotated/flipped variants
    of image queries; index_kind: "auto", "flat", "bktree" or "mih" (all
    exact); max_matches: keep the first N in result order (0 = all); lenient:
    skip malformed list lines instead of refusing the list (the library's one
    default is strict); verify_checksum: check an index file's checksum when
    opening it; max_list_bytes: refuse a list file above this size
    (file_too_large, 0 = no limit); max_line_bytes: a longer list line is
    malformed (0 = no limit). An option left at None keeps the library's
    default; Matcher.param_bounds(name) reports every default and range (31 and
    50 for threshold and min_quality: PDQ's and ThreatExchange's advice).

    Thread-safety: match() may be called from any number of threads at once, also
    while another thread calls reload() or load(): the new list is swapped in
    atomically. Options may be changed at any time (they apply to later queries).
    Raises Error (io_error, list_parse_error, index_corrupt, ...) when loading fails.
    """

    # Parameter names and numbers, as the C API names them (pdqg_matcher_param_name).
    _PARAMS = {}
    for _p in range(64):
        _name = _lib.pdqg_matcher_param_name(_p)
        if _name is not None:
            _PARAMS[_name.decode()] = _p
    del _p, _name

    @classmethod
    def param_bounds(cls, name: str):
        """(lower, upper, default) of a parameter, as the library defines them."""
        lo, hi, df = ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64()
        _check(_lib.pdqg_matcher_param_bounds(cls._PARAMS[name], ctypes.byref(lo), ctypes.byref(hi),
                                              ctypes.byref(df)))
        return lo.value, hi.value, df.value

    def __init__(self, lists: Union[None, str, os.PathLike, Sequence] = None,
                 index: Union[None, str, os.PathLike] = None, *, threshold: Optional[int] = None,
                 min_quality: Optional[int] = None, dihedral: Optional[bool] = None,
                 index_kind: Optional[str] = None, max_matches: Optional[int] = None,
                 lenient: Optional[bool] = None, verify_checksum: Optional[bool] = None,
                 max_list_bytes: Optional[int] = None, max_line_bytes: Optional[int] = None):
        handle = ctypes.c_void_p()
        _check(_lib.pdqg_matcher_create(ctypes.byref(handle)))
        self._m = handle
        if index_kind is not None and index_kind not in INDEX_KINDS:
            self.close()
            raise Error(Status.INVALID_ARGUMENT,
                        f"unknown index kind {index_kind!r} (expected one of {', '.join(INDEX_KINDS)})")
        try:
            kind = None if index_kind is None else INDEX_KINDS.index(index_kind)
            for name, value in (("threshold", threshold), ("min_quality", min_quality),
                                ("dihedral", dihedral), ("index_kind", kind),
                                ("max_matches", max_matches), ("lenient", lenient),
                                ("verify_checksum", verify_checksum),
                                ("max_list_bytes", max_list_bytes), ("max_line_bytes", max_line_bytes)):
                if value is not None:
                    self._set(name, int(value))
            self.load(lists, index)
        except BaseException:
            self.close()
            raise

    # --- lifetime -------------------------------------------------------------

    def close(self) -> None:
        """Frees the native matcher. No match() may run on it any more."""
        if getattr(self, "_m", None):
            _lib.pdqg_matcher_free(self._m)
            self._m = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _handle(self):
        if not self._m:
            raise Error(Status.INVALID_ARGUMENT, "this Matcher is closed")
        return self._m

    # --- options and counts ---------------------------------------------------

    def _set(self, name: str, value: int) -> None:
        h = self._handle()
        _check(_lib.pdqg_matcher_set(h, self._PARAMS[name], value), _lib.pdqg_matcher_error(h))

    def _get(self, name: str) -> int:
        v = ctypes.c_int64()
        _check(_lib.pdqg_matcher_get(self._handle(), self._PARAMS[name], ctypes.byref(v)))
        return v.value

    threshold = property(lambda self: self._get("threshold"),
                         lambda self, v: self._set("threshold", int(v)))
    min_quality = property(lambda self: self._get("min_quality"),
                           lambda self, v: self._set("min_quality", int(v)))
    dihedral = property(lambda self: bool(self._get("dihedral")),
                        lambda self, v: self._set("dihedral", int(bool(v))))
    max_matches = property(lambda self: self._get("max_matches"),
                           lambda self, v: self._set("max_matches", int(v)))

    @property
    def entries(self) -> int:
        """List entries in the current list."""
        return self._get("entries")

    @property
    def hashes(self) -> int:
        """Distinct hashes in the current list."""
        return self._get("hashes")

    @property
    def generation(self) -> int:
        """Successful loads and reloads so far."""
        return self._get("generation")

    # --- loading --------------------------------------------------------------

    def load(self, lists=None, index=None) -> int:
        """Loads new sources and swaps them in atomically (on failure nothing
        changes); later reload() calls re-read them. Returns the entry count."""
        if lists is None:
            lists = []
        elif isinstance(lists, (str, bytes, os.PathLike)):
            lists = [lists]
        paths = [os.fsencode(p) for p in lists]
        arr = (ctypes.c_char_p * max(1, len(paths)))(*paths)
        h = self._handle()
        _check(_lib.pdqg_matcher_load(h, arr, len(paths),
                                      os.fsencode(index) if index is not None else None),
               _lib.pdqg_matcher_error(h))
        return self.entries

    def reload(self) -> int:
        """Re-reads the sources of the last load (e.g. after the list file changed)
        and swaps the new list in atomically; queries running on other threads are
        not disturbed. On failure the current list stays. Returns the entry count."""
        h = self._handle()
        _check(_lib.pdqg_matcher_reload(h), _lib.pdqg_matcher_error(h))
        return self.entries

    def reload_if_changed(self) -> bool:
        """Reloads only when a source file changed (size, time or inode) since the
        last load; returns True when it did. For a file watcher. On failure the
        current list stays and Error is raised."""
        h = self._handle()
        done = ctypes.c_int()
        _check(_lib.pdqg_matcher_reload_if_changed(h, ctypes.byref(done)), _lib.pdqg_matcher_error(h))
        return bool(done.value)

    # --- queries --------------------------------------------------------------

    def _collect(self, status: int, arr, count) -> List[Match]:
        _check(status)
        try:
            return [Match(m.list.decode("utf-8", "replace"), m.id.decode("utf-8", "replace"),
                          m.label.decode("utf-8", "replace"), Hash._from_c(m.hash), m.distance,
                          DIHEDRAL_NAMES[m.dihedral] if 0 <= m.dihedral < 8 else str(m.dihedral))
                    for m in (arr[i] for i in range(count.value))]
        finally:
            _lib.pdqg_matches_free(arr)

    def match_hash(self, hash: Union[Hash, str], quality: Optional[int] = None) -> MatchResult:
        """Matches a hash (or its hex text). A known `quality` below min_quality
        matches nothing; None means unknown (never gated)."""
        h = hash if isinstance(hash, Hash) else Hash(hash)
        r = _native.Result()
        r.hash = h._to_c()
        r.quality = -1 if quality is None else int(quality)
        matches, gate = self._query(r)
        return MatchResult(matches, h, quality, None, gate)

    def _query(self, r):
        """pdqg_matcher_query: the library applies every rule (gate, order, variants)."""
        arr, count, gate = ctypes.POINTER(_native.Match)(), ctypes.c_size_t(), ctypes.c_int()
        st = _lib.pdqg_matcher_query(self._handle(), ctypes.byref(r), ctypes.byref(arr),
                                     ctypes.byref(count), ctypes.byref(gate))
        matches = self._collect(st, arr, count)
        return matches, _lib.pdqg_gate_name(gate.value).decode()

    def match_result(self, result: HashResult) -> MatchResult:
        """Matches an image already hashed (hash it with dihedral=True for dihedral
        matching). Too-small or low-quality images match nothing."""
        r = _native.Result()
        r.hash = result.hash._to_c()
        r.quality = result.quality
        r.too_small = int(result.too_small)
        r.width, r.height = result.width, result.height
        if result.dihedral is not None:
            r.has_dihedral = 1
            for i, name in enumerate(DIHEDRAL_NAMES):
                r.dihedral[i] = result.dihedral[name]._to_c()
        matches, gate = self._query(r)
        return MatchResult(matches, result.hash, result.quality, result, gate)

    def match_file(self, path: Union[str, os.PathLike], hasher: Optional[Hasher] = None) -> MatchResult:
        """Hashes an image file and matches it."""
        d = self.dihedral
        r = hasher.hash_file(path, dihedral=d) if hasher else hash_file(path, dihedral=d)
        return self.match_result(r)

    def match_bytes(self, data, hasher: Optional[Hasher] = None) -> MatchResult:
        """Hashes an encoded image held in memory and matches it."""
        d = self.dihedral
        r = hasher.hash_bytes(data, dihedral=d) if hasher else hash_bytes(data, dihedral=d)
        return self.match_result(r)

    def match_frame(self, data, width: Optional[int] = None, height: Optional[int] = None,
                    format: Optional[str] = None, *, stride=None,
                    hasher: Optional[Hasher] = None) -> MatchResult:
        """Hashes raw pixels (as hash_frame) and matches them."""
        fn = hasher.hash_frame if hasher else hash_frame
        return self.match_result(fn(data, width, height, format, stride=stride,
                                    dihedral=self.dihedral))

    def match(self, query, *, quality: Optional[int] = None) -> MatchResult:
        """Matches whatever `query` is: a Hash; a HashResult; a str of 64 hex
        digits (a hash) or any other str / os.PathLike (an image file); bytes,
        bytearray or memoryview (an encoded image); a numpy array (raw pixels)."""
        if isinstance(query, Hash):
            return self.match_hash(query, quality)
        if isinstance(query, HashResult):
            return self.match_result(query)
        if isinstance(query, str) and _is_hex_hash(query):
            return self.match_hash(query, quality)
        if isinstance(query, (str, os.PathLike)):
            return self.match_file(query)
        if _is_numpy(query):
            return self.match_frame(query)
        if isinstance(query, (bytes, bytearray, memoryview)):
            return self.match_bytes(query)
        raise TypeError(f"cannot match a {type(query).__name__}")
