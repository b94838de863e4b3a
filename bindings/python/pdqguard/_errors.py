"""pdqguard's status codes and its one exception type."""
from __future__ import annotations

import enum
from typing import Optional

from ._native import lib as _lib


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
    ENCRYPTED = 13
    ARCHIVE_LIMIT = 14
    NOT_A_FILE = 15
    NO_VIDEO_STREAM = 16
    BAD_FRAME_RATE = 17
    VIDEO_TOO_LONG = 18
    TRUNCATED_INPUT = 19


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
