"""Hash values and hashing: Hash, HashResult, Hasher, hash_file/bytes/frame."""
from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Union

from . import _native
from ._errors import Error, Status, _check
from ._handle import _NativeObject
from ._native import lib as _lib


# The canonical pixel-format names, in pdqg_format order, from the C API's one
# name table (pdqg_format_name); ffmpeg's names are accepted as aliases there too.
def _format_names():
    names = []
    while (name := _lib.pdqg_format_name(len(names)).decode()) != "unknown":
        names.append(name)
    return tuple(names)


FORMATS = _format_names()
DIHEDRAL_NAMES = ("original", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1",
                  "flipminus1")


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
    """The pdqg_format of a name (canonical or ffmpeg alias), by the C API's table."""
    n = _lib.pdqg_format_from_name(fmt.encode()) if isinstance(fmt, str) else -1
    if n < 0:
        raise Error(Status.INVALID_ARGUMENT,
                    f"unknown pixel format {fmt!r} (expected one of {', '.join(FORMATS)}, "
                    "or ffmpeg's gray, rgb24, rgba, bgr24, bgra, yuv420p)")
    return n


def _canonical_format(fmt: str) -> str:
    return FORMATS[_format_number(fmt)]


def _packed_channels(fmt: str) -> int:
    """Bytes per pixel of a one-plane format (0 for planar ones), from the C API's
    frame geometry."""
    n = _format_number(fmt)
    row, rows = ctypes.c_size_t(), ctypes.c_size_t()
    if _lib.pdqg_frame_plane_size(n, 1, 1, 1, ctypes.byref(row), ctypes.byref(rows)) == 0:
        return 0  # has a second plane
    _check(_lib.pdqg_frame_plane_size(n, 1, 1, 0, ctypes.byref(row), ctypes.byref(rows)))
    return row.value


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
    fmt = _canonical_format(fmt)
    if _packed_channels(fmt) != channels:
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
        if _lib.pdqg_frame_plane_size(_format_number(fmt), w, h, p, ctypes.byref(row), ctypes.byref(rows)) != 0:
            break
        out.append((row.value, rows.value))
    return out


# ---------------------------------------------------------------------------
# Hashing


class Hasher(_NativeObject):
    """A reusable hasher with its own decoding limits and scratch memory (no
    allocation per frame in a stream). Use one per thread.

    max_pixels / max_bytes: refuse bigger images (image_too_large / file_too_large);
    fast_jpeg: decode JPEGs scaled (faster, hashes close to but not identical);
    exif_orientation: apply the EXIF orientation before hashing."""

    _PARAMS = {"max_pixels": 0, "max_bytes": 1, "fast_jpeg": 2, "exif_orientation": 3}
    _ATTR, _FREE, _NAME = "_h", "pdqg_hasher_free", "Hasher"

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
    frame, planes = _make_frame(data, width, height, fmt, stride)
    r = _native.Result()
    _call(handle, _lib.pdqg_hash_frame(handle, ctypes.byref(frame), _flags(dihedral),
                                       ctypes.byref(r)))
    del planes  # the buffers stay alive until the call has returned
    return _result(r)


def _make_frame(data, width, height, fmt, stride):
    """(pdqg_frame, the objects that keep its buffers alive) for a frame given as
    a numpy array or buffer(s), as Hasher.hash_frame takes it."""
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
        fmt = _canonical_format(fmt)  # validates the name (aliases allowed) before the layout uses it
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
    return frame, planes


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
