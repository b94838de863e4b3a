"""The lifetime of a native object (a pdqg_hasher or pdqg_matcher): close(),
context manager, and the check that it is still open."""
from __future__ import annotations

from ._errors import Error, Status
from ._native import lib as _lib


class _NativeObject:
    """Base of Hasher and Matcher. A subclass names the attribute holding its
    handle (_ATTR), the C function that frees it (_FREE) and itself (_NAME)."""

    _ATTR = ""
    _FREE = ""
    _NAME = ""

    def close(self) -> None:
        """Frees the native object. No call may run on it any more."""
        h = getattr(self, self._ATTR, None)
        if h:
            getattr(_lib, self._FREE)(h)
            setattr(self, self._ATTR, None)

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _handle(self):
        h = getattr(self, self._ATTR, None)
        if not h:
            raise Error(Status.INVALID_ARGUMENT, f"this {self._NAME} is closed")
        return h
