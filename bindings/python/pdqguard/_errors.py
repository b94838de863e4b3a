"""pdqguard's status codes, its exception types, and the argument checks made
before a value crosses into C (ctypes would silently wrap an int that does not
fit, and cut a string at its first NUL)."""
from __future__ import annotations

import ctypes
import enum
import operator
import os
from typing import NoReturn, Optional, Union

from ._native import lib as _lib


class Status(enum.IntEnum):
    """The C API's status codes (pdqg_status); the same numbers and names as the CLI.
    A code this list lacks (a newer library) still reaches Python as Error.code
    with its C name in Error.name; Error.status is then None."""
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
    ENCRYPTED = 13
    ARCHIVE_LIMIT = 14
    NOT_A_FILE = 15
    NO_VIDEO_STREAM = 16
    BAD_FRAME_RATE = 17
    VIDEO_TOO_LONG = 18
    TRUNCATED_INPUT = 19
    RESOURCE_LIMIT = 20


class Error(Exception):
    """A pdqguard failure. `code` is the numeric status, `name` its stable
    snake_case name (e.g. "decode_error"), `message` the library's explanation."""

    def __init__(self, code: int, message: str):
        self.code = int(code)
        self.name: str = _lib.pdqg_status_name(self.code).decode()
        self.message = message
        super().__init__(f"{self.name}: {message}")

    @property
    def status(self) -> Optional[Status]:
        """The code as a Status, or None for a code this binding does not list."""
        try:
            return Status(self.code)
        except ValueError:
            return None


class ArgumentError(Error, ValueError):
    """An argument the binding refuses before calling the library: an integer
    outside its parameter's bounds or outside the C type it is passed as, a
    string or path with an embedded NUL, an unknown name. Both a pdqguard.Error
    (name "invalid_argument", as the C API would say) and a ValueError."""

    def __init__(self, message: str):
        super().__init__(Status.INVALID_ARGUMENT, message)


def _check(status: int, message: Optional[bytes] = None) -> None:
    if status != 0:
        if message is None:
            message = _lib.pdqg_last_error()
        raise Error(status, (message or b"").decode("utf-8", "replace"))


def _fail(message: str) -> NoReturn:
    raise ArgumentError(message)


# --- integers -----------------------------------------------------------------

def _int_in(value: object, lower: int, upper: int, what: str) -> int:
    """`value` as an int (bools and objects with __index__ accepted; floats are
    not) when lower <= value <= upper; ArgumentError otherwise."""
    try:
        v = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{what} must be an integer, not {type(value).__name__}") from None
    if not lower <= v <= upper:
        _fail(f"{what} must be in {lower}..{upper}, not {v}")
    return v


def _bits(ctype) -> int:
    return 8 * ctypes.sizeof(ctype)


C_INT_MIN, C_INT_MAX = -(1 << (_bits(ctypes.c_int) - 1)), (1 << (_bits(ctypes.c_int) - 1)) - 1
C_SIZE_MAX = (1 << _bits(ctypes.c_size_t)) - 1


def _c_int(value: object, what: str) -> int:
    """A value passed as a C int: refused when it does not fit (never wrapped)."""
    return _int_in(value, C_INT_MIN, C_INT_MAX, what)


def _c_int64(value: object, what: str) -> int:
    """A value passed as a C int64_t: refused when it does not fit (never wrapped)."""
    return _int_in(value, -(1 << 63), (1 << 63) - 1, what)


def _c_size(value: object, what: str) -> int:
    """A value passed as a C size_t: 0..SIZE_MAX."""
    return _int_in(value, 0, C_SIZE_MAX, what)


# --- strings ------------------------------------------------------------------

def _c_path(path: Union[str, bytes, "os.PathLike"], what: str = "path") -> bytes:
    """A path as the bytes C receives; one with an embedded NUL is refused (C
    would read only up to it: "a.jpg\\0junk" would open a.jpg), as open() does."""
    b = os.fsencode(path)
    if b"\0" in b:
        _fail(f"{what} contains an embedded NUL byte: {os.fsdecode(b)!r}")
    return b


def _c_text(text: Union[str, bytes], what: str) -> bytes:
    """A name or hex text as NUL-terminated bytes; an embedded NUL is refused."""
    b = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
    if b"\0" in b:
        _fail(f"{what} contains an embedded NUL byte: {text!r}")
    return b


# --- the library's rules about statuses ---------------------------------------

_codes_by_name: Optional[dict] = None


def status_from_name(name: str) -> Optional[int]:
    """The status code whose pdqg_status_name() is `name` (e.g. a CLI record's
    "error" field, "io_error" -> 2), or None for a name no code has. The names
    come from the loaded library (codes are numbered from 0 without gaps), so a
    newer library's code is found even when Status lacks it. Thread-safe."""
    global _codes_by_name
    table = _codes_by_name
    if table is None:
        table = {}
        code = 0
        while code < 4096:
            n = _lib.pdqg_status_name(code).decode()
            if n == "unknown_error":
                break
            table[n] = code
            code += 1
        _codes_by_name = table
    return table.get(name)


def is_transient(status: int) -> bool:
    """Whether a failure with this status may pass when the same input is tried
    again (it came from the machine's state, not from the input): the library's
    one rule, pdqg_status_is_transient (out_of_memory and io_error). False for
    OK and for numbers that are not a status. The CLI's `scan --resume` and
    `python3 -m pdqguard.dask --resume` retry inputs whose recorded error is
    transient. Thread-safe."""
    return _lib.pdqg_status_is_transient(_c_int(status, "status")) != 0
