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
from typing import Any, Dict, Optional, Tuple

from ._errors import ArgumentError, Error, Status, _check, _int_in
from ._native import lib as _lib


class _NativeObject:
    """Base of Hasher, Matcher and Stream. A subclass names the C functions that
    free its handle (_FREE) and read its error message (_ERROR), itself (_NAME),
    and whether calls on one handle must be serialised (_EXCLUSIVE)."""

    _FREE = ""
    _ERROR = ""
    _NAME = ""
    _EXCLUSIVE = True
    _BOUNDS = ""  # the C API's param-bounds getter of the subclass's parameters
    _PARAMS: Dict[str, int] = {}  # parameter names and numbers

    @classmethod
    def param_bounds(cls, name: str) -> Tuple[int, int, int]:
        """(lower, upper, default) of a parameter, as the library defines them
        (pdqg_hasher_param_bounds / pdqg_matcher_param_bounds)."""
        if name not in cls._PARAMS:
            raise ArgumentError(f"unknown {cls._NAME} parameter {name!r} "
                                f"(expected one of {', '.join(cls._PARAMS)})")
        lo, hi, df = ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64()
        _check(getattr(_lib, cls._BOUNDS)(cls._PARAMS[name], ctypes.byref(lo), ctypes.byref(hi),
                                          ctypes.byref(df)))
        return lo.value, hi.value, df.value

    @classmethod
    def _checked(cls, name: str, value: object) -> int:
        """`value` for parameter `name`, refused (ArgumentError) outside its bounds."""
        lo, hi, _ = cls.param_bounds(name)
        return _int_in(value, lo, hi, name)

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

    def _run(self, fn: Any, *args: Any, own_message: bool = True) -> None:
        """Calls fn(handle, *args) with the handle held; a failed status raises
        Error with the object's own message (_ERROR), or with the calling
        thread's (pdqg_last_error) when own_message is False."""
        h = self._acquire()
        try:
            st = fn(h, *args)
            if st != 0:
                _check(st, getattr(_lib, self._ERROR)(h) if own_message else None)
        finally:
            self._release()

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
