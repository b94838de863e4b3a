"""The lifetime of a native object (a pdqg_hasher, pdqg_matcher or pdqg_stream):
close(), context manager, and the guard every native call goes through so that
no Python program can crash the interpreter by sharing or closing one.

- Exclusive objects (Hasher, Stream: the C API allows one call at a time on
  them) hold a lock for the whole native call: threads sharing one are
  serialised instead of corrupting its scratch memory.
- Shared objects (Matcher: any number of threads may query at once) count the
  calls in flight; close() waits for them to end before freeing the handle.
A call after close() raises Error(invalid_argument).
"""
from __future__ import annotations

import ctypes
import threading
from typing import Any, Optional

from ._errors import Error, Status
from ._native import lib as _lib


class _NativeObject:
    """Base of Hasher, Matcher and Stream. A subclass names the C function that
    frees its handle (_FREE), itself (_NAME), and whether calls on one handle
    must be serialised (_EXCLUSIVE)."""

    _FREE = ""
    _NAME = ""
    _EXCLUSIVE = True

    _h: Optional[ctypes.c_void_p] = None

    def _adopt(self, handle: ctypes.c_void_p) -> None:
        """Takes ownership of a freshly created native handle."""
        self._cv = threading.Condition(threading.Lock())
        self._active = 0
        self._h = handle

    def _acquire(self) -> ctypes.c_void_p:
        """The handle, held for one native call; pair with _release()."""
        cv = self.__dict__.get("_cv")
        if cv is None:
            raise Error(Status.INVALID_ARGUMENT, f"this {self._NAME} is closed")
        with cv:
            if self._EXCLUSIVE:
                while self._active:
                    cv.wait()
            h = self._h
            if not h:
                raise Error(Status.INVALID_ARGUMENT, f"this {self._NAME} is closed")
            self._active += 1
            return h

    def _release(self) -> None:
        with self._cv:
            self._active -= 1
            if self._active == 0:
                self._cv.notify_all()

    def close(self) -> None:
        """Frees the native object, after the calls running on it have returned.
        Later calls raise Error(invalid_argument). Closing twice does nothing."""
        cv = self.__dict__.get("_cv")
        if cv is None:
            return
        with cv:
            while self._active:
                cv.wait()
            h, self._h = self._h, None
        if h:
            getattr(_lib, self._FREE)(h)

    def __del__(self) -> None:
        self.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
