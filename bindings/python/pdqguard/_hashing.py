"""Hash values and hashing: Hash, HashResult, Hasher, hash_file/bytes/frame."""
from __future__ import annotations

import ctypes
import functools
import os
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _native
from ._errors import ArgumentError, Error, Status, _c_int, _c_path, _c_size, _c_text, _check
from ._handle import _NativeObject
from ._native import lib as _lib

#: What hash_file and Matcher.match_file take as a path.
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
#: A stride: one int for plane 0, or one per plane; 0 or None = packed rows.
Stride = Optional[Union[int, Sequence[Optional[int]]]]


# The canonical pixel-format names, in pdqg_format order, from the C API's one
# name table (pdqg_format_name); ffmpeg's names are accepted as aliases there too.
def _format_names() -> Tuple[str, ...]:
    names: List[str] = []
    while (name := _lib.pdqg_format_name(len(names)).decode()) != "unknown":
        names.append(name)
    return tuple(names)


FORMATS: Tuple[str, ...] = _format_names()
DIHEDRAL_NAMES: Tuple[str, ...] = tuple(_lib.pdqg_dihedral_name(i).decode() for i in range(8))


class Hash:
    """An immutable 256-bit PDQ hash. Construct from 64 hex digits (either case);
    `hex` gives the canonical lowercase text (ThreatExchange order)."""

    __slots__ = ("_value",)
    _value: int

    def __init__(self, hex_or_hash: Union[str, bytes, bytearray, "Hash"]):
        if isinstance(hex_or_hash, Hash):
            self._value = hex_or_hash._value
            return
        if isinstance(hex_or_hash, str):
            hex_or_hash = hex_or_hash.encode("ascii", "replace")
        if not isinstance(hex_or_hash, (bytes, bytearray)):
            raise TypeError("Hash() takes a 64-digit hex string")
        if b"\0" in hex_or_hash:  # C would stop reading at it
            raise Error(Status.BAD_HASH, "malformed PDQ hash: it contains a NUL byte")
        c = _native.Hash()
        _check(_lib.pdqg_hash_from_hex(bytes(hex_or_hash), ctypes.byref(c)))
        self._value = _words_to_int(c)

    @classmethod
    def from_hex(cls, text: Union[str, bytes]) -> "Hash":
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

    keep: Any
    size: int
    address: Optional[int]

    def __init__(self, obj: Any):
        self.keep = obj
        if isinstance(obj, bytes):
            self.size = len(obj)
            self.address = ctypes.cast(ctypes.c_char_p(obj), ctypes.c_void_p).value
            return
        if _is_numpy(obj) and obj.flags.c_contiguous:
            self.address = obj.__array_interface__["data"][0]
            self.size = obj.nbytes
            return
        mv = memoryview(obj)
        if not mv.contiguous:
            raise ArgumentError("buffer is not contiguous; pass strides or a contiguous copy")
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


# The C API's answers for the names seen so far (a memo, not a second table: every
# entry is what pdqg_format_from_name said); bounded, names are few.
_FORMAT_MEMO: Dict[str, int] = {}


def _format_number(fmt: object) -> int:
    """The pdqg_format of a name (canonical or ffmpeg alias), by the C API's table."""
    n = _FORMAT_MEMO.get(fmt, -1) if isinstance(fmt, str) else -1
    if n >= 0:
        return n
    n = _lib.pdqg_format_from_name(_c_text(fmt, "pixel format")) if isinstance(fmt, str) else -1
    if n >= 0 and len(_FORMAT_MEMO) < 64:
        _FORMAT_MEMO[fmt] = n  # type: ignore[index]
    if n < 0:
        raise ArgumentError(f"unknown pixel format {fmt!r} (expected one of {', '.join(FORMATS)}, "
                            "or ffmpeg's gray, rgb24, rgba, bgr24, bgra, yuv420p)")
    return n


def _canonical_format(fmt: object) -> str:
    return FORMATS[_format_number(fmt)]


def _packed_channels(fmt: str) -> int:
    """Bytes per pixel of a one-plane format (0 for planar ones), from the C API's
    frame geometry."""
    return _packed_channels_of(_format_number(fmt))


@functools.lru_cache(maxsize=None)  # one entry per pixel format
def _packed_channels_of(n: int) -> int:
    row, rows = ctypes.c_size_t(), ctypes.c_size_t()
    if _lib.pdqg_frame_plane_size(n, 1, 1, 1, ctypes.byref(row), ctypes.byref(rows)) == 0:
        return 0  # has a second plane
    _check(_lib.pdqg_frame_plane_size(n, 1, 1, 0, ctypes.byref(row), ctypes.byref(rows)))
    return row.value


def _is_numpy(obj: object) -> bool:
    return type(obj).__module__ == "numpy" and hasattr(obj, "__array_interface__")


def _is_pil(obj: object) -> bool:
    return (any(c.__module__.startswith("PIL.") for c in type(obj).__mro__)
            and hasattr(obj, "mode") and hasattr(obj, "tobytes"))


# One plane of a frame: (object keeping the memory alive, address, size, stride).
_Plane = Tuple[Any, Optional[int], int, int]


def _frame_from_numpy(arr: Any, fmt: Optional[str]) -> Tuple[str, int, int, List[_Plane]]:
    """(Frame parts) from a numpy uint8 array: (h, w) gray, (h, w, 3|4) colour.
    Row padding (a positive row stride larger than the row) is passed through."""
    import numpy as np  # only reached when numpy is installed
    if arr.dtype != np.uint8:
        raise ArgumentError(f"numpy array must be uint8, not {arr.dtype}")
    if arr.ndim == 2:
        fmt = fmt or "gray8"
        channels = 1
    elif arr.ndim == 3 and arr.shape[2] in (3, 4):
        channels = arr.shape[2]
        fmt = fmt or ("rgb8" if channels == 3 else "rgba8")
    else:
        raise ArgumentError(f"numpy array of shape {arr.shape}: expected (h, w), (h, w, 3) or (h, w, 4)")
    fmt = _canonical_format(fmt)
    if _packed_channels(fmt) != channels:
        raise ArgumentError(f"format {fmt!r} does not fit an array of shape {arr.shape}")
    h, w = arr.shape[0], arr.shape[1]
    inner_ok = arr.strides[1] == channels and (arr.ndim == 2 or arr.strides[2] == 1)
    if not inner_ok or arr.strides[0] < w * channels:
        arr = np.ascontiguousarray(arr)
    stride = arr.strides[0]
    size = stride * (h - 1) + w * channels if h > 0 else 0
    return fmt, w, h, [(arr, arr.__array_interface__["data"][0], size, stride)]


# Pillow's 16-bit gray modes and the byte order of their samples.
_PIL_GRAY16 = {"I;16": "little", "I;16L": "little", "I;16B": "big", "I;16N": sys.byteorder}


def _pil_pixels(img: Any) -> Tuple[str, bytes]:
    """(pixel format, packed pixels) of a PIL image, converted as the canonical
    decode rules of the reference corpus say (what hash_file does with the same
    file): gray stays gray, palettes are expanded to RGB, alpha is dropped,
    16-bit samples keep their high byte. Mode by mode:

      L                   -> gray8 as is
      1, LA               -> gray8 (Pillow's convert("L"): 1 becomes 0/255; alpha dropped)
      I;16, I;16L/B/N     -> gray8, the high byte of each sample
      I                   -> gray8, value >> 8 clamped to 0..255 (Pillow opens 16-bit
                             gray PNG/TIFF as I: this is their high byte)
      RGB                 -> rgb8 as is
      RGBA, RGBX          -> rgba8 as is (the library ignores the 4th byte: alpha
                             dropped, not composited)
      P, PA               -> rgb8 (palette expanded; a transparent entry keeps its RGB)
      RGBa, CMYK, YCbCr,
      LAB, HSV, others    -> rgb8 through Pillow's convert("RGB")
      F (float)           -> refused: no canonical 8-bit scaling; convert it yourself
    """
    mode = img.mode
    if mode == "L":
        return "gray8", img.tobytes()
    if mode == "RGB":
        return "rgb8", img.tobytes()
    if mode in ("RGBA", "RGBX"):
        return "rgba8", img.tobytes()
    if mode in ("1", "LA"):
        return "gray8", img.convert("L").tobytes()
    if mode in _PIL_GRAY16:
        data = img.tobytes()
        return "gray8", data[1::2] if _PIL_GRAY16[mode] == "little" else data[0::2]
    if mode == "I":
        return "gray8", _high_bytes_of_int32(img.tobytes())
    if mode == "F":
        raise ArgumentError("a PIL image of mode F (float) has no canonical 8-bit form: "
                            "convert it to L with your own scaling first")
    try:
        return "rgb8", img.convert("RGB").tobytes()
    except (ValueError, OSError) as e:
        raise ArgumentError(f"cannot convert a PIL image of mode {mode} to RGB: {e}") from None


def _high_bytes_of_int32(data: bytes) -> bytes:
    """Native int32 samples -> one byte each: value >> 8, clamped to 0..255."""
    try:
        import numpy as np
        return (np.clip(np.frombuffer(data, dtype=np.int32) >> 8, 0, 255)).astype(np.uint8).tobytes()
    except ImportError:
        mv = memoryview(data).cast("i")
        return bytes(0 if v < 0 else 255 if v > 0xFFFF else v >> 8 for v in mv)


def _plane_layout(fmt: str, w: int, h: int) -> List[Tuple[int, int]]:
    """(row bytes, rows) of each plane of a tightly packed frame: the library's
    frame geometry (pdqg_frame_plane_size), never restated here."""
    return list(_plane_layout_of(_format_number(fmt), w, h))


@functools.lru_cache(maxsize=256)  # a stream asks for the same geometry every frame
def _plane_layout_of(n: int, w: int, h: int) -> Tuple[Tuple[int, int], ...]:
    out = []
    row, rows = ctypes.c_size_t(), ctypes.c_size_t()
    for p in range(3):
        if _lib.pdqg_frame_plane_size(n, w, h, p, ctypes.byref(row), ctypes.byref(rows)) != 0:
            break
        out.append((row.value, rows.value))
    return tuple(out)


# ---------------------------------------------------------------------------
# Hashing


class Hasher(_NativeObject):
    """A reusable hasher with its own decoding limits and scratch memory (no
    allocation per frame in a stream).

    max_pixels / max_bytes: refuse bigger images (image_too_large / file_too_large);
    max_decode_memory / max_decode_cpu_ms: per-input work budgets (resource_limit);
    fast_jpeg: decode JPEGs scaled (faster, hashes close to but not identical);
    exif_orientation: apply the EXIF orientation before hashing. Values outside
    Hasher.param_bounds(name) raise ArgumentError (a ValueError) before reaching C.

    Thread-safety: safe to share, but calls on one Hasher run one at a time (a
    lock; the C hasher's scratch memory allows no more). For parallel hashing
    give each thread its own Hasher, or use the module-level functions."""

    _PARAMS = {"max_pixels": 0, "max_bytes": 1, "fast_jpeg": 2, "exif_orientation": 3,
               "max_decode_memory": 4, "max_decode_cpu_ms": 5}
    _FREE, _ERROR, _NAME, _EXCLUSIVE = "pdqg_hasher_free", "pdqg_hasher_error", "Hasher", True
    _BOUNDS = "pdqg_hasher_param_bounds"

    def __init__(self, *, max_pixels: Optional[int] = None, max_bytes: Optional[int] = None,
                 fast_jpeg: bool = False, exif_orientation: bool = False,
                 max_decode_memory: Optional[int] = None, max_decode_cpu_ms: Optional[int] = None):
        values = {"max_pixels": max_pixels, "max_bytes": max_bytes, "fast_jpeg": fast_jpeg,
                  "exif_orientation": exif_orientation, "max_decode_memory": max_decode_memory,
                  "max_decode_cpu_ms": max_decode_cpu_ms}
        checked = {n: self._checked(n, v) for n, v in values.items() if v is not None}
        handle = ctypes.c_void_p()
        _check(_lib.pdqg_hasher_create(ctypes.byref(handle)))
        self._adopt(handle)
        for name, value in checked.items():
            self._set(name, value)

    def _set(self, name: str, value: int) -> None:
        self._run(_lib.pdqg_hasher_set, self._PARAMS[name], value)

    def set(self, name: str, value: int) -> None:
        """Sets a parameter ("max_pixels", "max_bytes", "fast_jpeg", "exif_orientation")."""
        self._set(name, self._checked(name, value))

    def get(self, name: str) -> int:
        """The current value of a parameter ("max_pixels", "max_bytes", ...)."""
        if name not in self._PARAMS:
            raise ArgumentError(f"unknown hasher parameter {name!r}")
        v = ctypes.c_int64()
        self._run(_lib.pdqg_hasher_get, self._PARAMS[name], ctypes.byref(v))
        return v.value

    def hash_file(self, path: PathLike, *, dihedral: bool = False) -> HashResult:
        return _hash_file(self, path, dihedral)

    def hash_bytes(self, data: Any, *, dihedral: bool = False) -> HashResult:
        return _hash_bytes(self, data, dihedral)

    def hash_frame(self, data: Any, width: Optional[int] = None, height: Optional[int] = None,
                   format: Optional[str] = None, *, stride: Stride = None,
                   dihedral: bool = False) -> HashResult:
        return _hash_frame(self, data, width, height, format, stride, dihedral)


def _flags(dihedral: bool) -> int:
    return 1 if dihedral else 0


def _call(hasher: Optional[Hasher], fn: Any, *args: Any) -> HashResult:
    """Runs one hashing call with the hasher's handle held (or NULL) and turns
    its status into a HashResult or an Error (with the hasher's message)."""
    r = _native.Result()
    if hasher is None:
        _check(fn(None, *args, ctypes.byref(r)))
        return _result(r)
    h = hasher._acquire()
    try:
        _check(fn(h, *args, ctypes.byref(r)), _lib.pdqg_hasher_error(h))
    finally:
        hasher._release()
    return _result(r)


def _hash_file(hasher: Optional[Hasher], path: PathLike, dihedral: bool) -> HashResult:
    return _call(hasher, _lib.pdqg_hash_file, _c_path(path), _flags(dihedral))


def _hash_bytes(hasher: Optional[Hasher], data: Any, dihedral: bool) -> HashResult:
    pinned = _Pinned(data)
    return _call(hasher, _lib.pdqg_hash_buffer, pinned.address, pinned.size, _flags(dihedral))


def _hash_frame(hasher: Optional[Hasher], data: Any, width: Optional[int], height: Optional[int],
                fmt: Optional[str], stride: Stride, dihedral: bool) -> HashResult:
    frame, planes = _make_frame(data, width, height, fmt, stride)
    try:
        return _call(hasher, _lib.pdqg_hash_frame, ctypes.byref(frame), _flags(dihedral))
    finally:
        del planes  # the buffers stay alive until the call has returned


def _make_frame(data: Any, width: Optional[int], height: Optional[int], fmt: Optional[str],
                stride: Stride) -> Tuple[_native.Frame, List[_Plane]]:
    """(pdqg_frame, the objects that keep its buffers alive) for a frame given as
    a numpy array, a PIL image or buffer(s), as Hasher.hash_frame takes it.
    Every integer is range-checked for the C type it becomes (never wrapped)."""
    plain = isinstance(data, (bytes, bytearray, memoryview, list, tuple))
    if not plain and _is_pil(data):
        pil_fmt, pixels = _pil_pixels(data)
        if fmt is not None and _canonical_format(fmt) != pil_fmt:
            raise ArgumentError(f"a PIL image of mode {data.mode} is hashed as {pil_fmt}, "
                                f"not {fmt!r}: leave format out")
        w, h = data.size
        if (width is not None and width != w) or (height is not None and height != h):
            raise ArgumentError(f"width/height {width}x{height} disagree with the image's {w}x{h}")
        data, width, height, fmt, stride = pixels, w, h, pil_fmt, None
    if not plain and _is_numpy(data):
        fmt, w, h, planes = _frame_from_numpy(data, fmt)
        if (width is not None and width != w) or (height is not None and height != h):
            raise ArgumentError(f"width/height {width}x{height} disagree with the array's {w}x{h}")
        width, height = w, h
        _c_int(width, "width")
        _c_int(height, "height")
    else:
        if width is None or height is None or fmt is None:
            raise ArgumentError("hash_frame of a buffer needs width, height and format")
        width, height = _c_int(width, "width"), _c_int(height, "height")
        fmt = _canonical_format(fmt)  # validates the name (aliases allowed) before the layout uses it
        raw = list(stride) if isinstance(stride, (list, tuple)) else [stride]
        if len(raw) > 3:
            raise ArgumentError("a frame has at most 3 planes, so at most 3 strides")
        strides = [_c_size(s or 0, f"stride of plane {p}") for p, s in enumerate(raw)]
        layout = _plane_layout(fmt, width, height) if width > 0 and height > 0 else [(0, 0)]
        if isinstance(data, (list, tuple)):  # one buffer per plane
            buffers = [_Pinned(b) for b in data]
        elif len(layout) == 1:  # one plane: the whole buffer
            buffers = [_Pinned(data)]
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
    if len(planes) > 3:
        raise ArgumentError("a frame has at most 3 planes")
    frame = _native.Frame()
    frame.format = _format_number(fmt)
    frame.width = width
    frame.height = height
    for p, (_, address, size, s) in enumerate(planes):
        frame.planes[p] = address
        frame.sizes[p] = size if address else 0
        frame.strides[p] = s
    return frame, planes


def hash_file(path: PathLike, *, dihedral: bool = False) -> HashResult:
    """Decodes an image file (JPEG, PNG, PPM/PGM, WebP, GIF, TIFF, BMP, HEIC, AVIF)
    and hashes it. Raises Error with io_error, not_a_file (a FIFO or device: never
    read), unsupported_format, decode_error, image_too_large, file_too_large or
    resource_limit; ArgumentError for a path with a NUL byte."""
    return _hash_file(None, path, dihedral)


def hash_bytes(data: Any, *, dihedral: bool = False) -> HashResult:
    """Hashes an encoded image held in memory (bytes, bytearray, memoryview...)."""
    return _hash_bytes(None, data, dihedral)


def hash_frame(data: Any, width: Optional[int] = None, height: Optional[int] = None,
               format: Optional[str] = None, *, stride: Stride = None,
               dihedral: bool = False) -> HashResult:
    """Hashes raw pixels.

    - PIL images (Pillow), any mode: converted as the canonical decode rules say
      (gray stays gray, palette -> RGB, alpha dropped, 16-bit -> high byte; see
      the mode table in _pil_pixels); width/height/format come from the image.
    - numpy uint8 arrays: (h, w) is gray8, (h, w, 3) rgb8, (h, w, 4) rgba8 (pass
      format="bgr8"/"bgra8" for BGR order); width/height come from the shape.
    - bytes/bytearray/memoryview: give width, height and format (one of FORMATS).
      For i420/nv12 pass either one buffer with the planes one after another, or a
      list of plane buffers; `stride` is an int (plane 0) or a list per plane,
      0 or None meaning packed rows.
    The buffer sizes are checked against the geometry: nothing outside them is read.
    Integers that do not fit the C types raise ArgumentError (a ValueError).
    A frame below 5 pixels on a side gives the all-zero hash with too_small=True."""
    return _hash_frame(None, data, width, height, format, stride, dihedral)
