"""Loading libpdqguard and the ctypes declarations of the C API (pdqguard.h).

Internal: the public API is in pdqguard/__init__.py. The library is looked up,
first found wins:

1. the path in the environment variable PDQGUARD_LIBRARY (and only there: an
   explicit choice is never silently replaced by another library);
2. a libpdqguard.so* file next to this package's files;
3. the system loader (LD_LIBRARY_PATH, the ld.so cache, /lib, /usr/lib):
   libpdqguard.so.<major>, then what ctypes.util.find_library("pdqguard") names;
4. the library directories of the prefix this package is installed under (a
   package in <prefix>/lib/python3*/site-packages looks in <prefix>/lib,
   <prefix>/lib/<multiarch>, <prefix>/lib64), then of sys.prefix,
   sys.base_prefix, /usr/local and /usr: so `cmake --install` to /usr/local
   plus `pip install` works without ldconfig or PDQGUARD_LIBRARY;
5. libpdqguard.so (the development symlink) through the loader.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import sys
import sysconfig
from typing import Iterator, List

# The C API major version this binding is written for (the SONAME's number).
ABI_MAJOR = 0

c_int_p = ctypes.POINTER(ctypes.c_int)


class Hash(ctypes.Structure):
    _fields_ = [("words", ctypes.c_uint64 * 4)]


class Frame(ctypes.Structure):
    _fields_ = [
        ("format", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("planes", ctypes.c_void_p * 3),
        ("strides", ctypes.c_size_t * 3),
        ("sizes", ctypes.c_size_t * 3),
    ]


class Result(ctypes.Structure):
    _fields_ = [
        ("hash", Hash),
        ("quality", ctypes.c_int),
        ("too_small", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("has_dihedral", ctypes.c_int),
        ("reserved_", ctypes.c_int),
        ("dihedral", Hash * 8),
    ]


class Match(ctypes.Structure):
    _fields_ = [
        ("list", ctypes.c_char_p),
        ("id", ctypes.c_char_p),
        ("label", ctypes.c_char_p),
        ("hash", Hash),
        ("distance", ctypes.c_int),
        ("dihedral", ctypes.c_int),
    ]


class StreamOptions(ctypes.Structure):
    _fields_ = [
        ("format", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("seconds_per_hash", ctypes.c_double),
        ("frames_per_hash", ctypes.c_int),
        ("skip_distance", ctypes.c_int),
    ]


class StreamSample(ctypes.Structure):
    _fields_ = [
        ("verdict", ctypes.c_int),
        ("reserved_", ctypes.c_int),
        ("frame_number", ctypes.c_int64),
        ("timestamp", ctypes.c_double),
        ("result", Result),
    ]


def _prefix_lib_dirs(prefix: str) -> List[str]:
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    dirs = [os.path.join(prefix, "lib", multiarch)] if multiarch else []
    return dirs + [os.path.join(prefix, "lib"), os.path.join(prefix, "lib64")]


def _install_prefix(here: str) -> str:
    """<prefix> of a package installed in <prefix>/lib[64]/pythonX[.Y]/{site,dist}-packages/
    ("" when the package is not laid out so, e.g. run from the source tree)."""
    parts = here.split(os.sep)
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] in ("lib", "lib64") and i + 2 < len(parts) and parts[i + 1].startswith("python"):
            return os.sep.join(parts[:i]) or os.sep
    return ""


def _candidates() -> Iterator[str]:
    env = os.environ.get("PDQGUARD_LIBRARY")
    if env:
        yield env
        return  # an explicit choice is never silently replaced by another library
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "libpdqguard.so*"))):
        yield path
    soname = f"libpdqguard.so.{ABI_MAJOR}"
    yield soname
    found = ctypes.util.find_library("pdqguard")
    if found and found != soname:
        yield found
    prefixes = [_install_prefix(here), sys.prefix, sys.base_prefix, "/usr/local", "/usr"]
    seen = set()
    for prefix in prefixes:
        for d in _prefix_lib_dirs(prefix) if prefix else []:
            path = os.path.join(d, soname)
            if path not in seen and os.path.exists(path):
                seen.add(path)
                yield path
    yield "libpdqguard.so"


def _load() -> ctypes.CDLL:
    errors = []
    for name in _candidates():
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append(f"{name}: {e}")
    raise ImportError(
        "pdqguard: cannot load libpdqguard (set PDQGUARD_LIBRARY to its path, or put it "
        "next to the package, on the loader path or in <prefix>/lib):\n  " + "\n  ".join(errors))


def _declare(lib: ctypes.CDLL) -> None:
    P = ctypes.POINTER
    sigs = {
        "pdqg_version_number": (ctypes.c_uint, []),
        "pdqg_version_string": (ctypes.c_char_p, []),
        "pdqg_simd_path": (ctypes.c_char_p, []),
        "pdqg_set_simd_path": (ctypes.c_int, [ctypes.c_char_p]),
        "pdqg_status_name": (ctypes.c_char_p, [ctypes.c_int]),
        "pdqg_status_is_transient": (ctypes.c_int, [ctypes.c_int]),
        "pdqg_last_error": (ctypes.c_char_p, []),
        "pdqg_hash_to_hex": (ctypes.c_int, [P(Hash), ctypes.c_char_p]),
        "pdqg_hash_from_hex": (ctypes.c_int, [ctypes.c_char_p, P(Hash)]),
        "pdqg_hash_distance": (ctypes.c_int, [P(Hash), P(Hash)]),
        "pdqg_format_name": (ctypes.c_char_p, [ctypes.c_int]),
        "pdqg_format_from_name": (ctypes.c_int, [ctypes.c_char_p]),
        "pdqg_dihedral_name": (ctypes.c_char_p, [ctypes.c_int]),
        "pdqg_hasher_create": (ctypes.c_int, [P(ctypes.c_void_p)]),
        "pdqg_hasher_free": (None, [ctypes.c_void_p]),
        "pdqg_hasher_set": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, ctypes.c_int64]),
        "pdqg_hasher_get": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, P(ctypes.c_int64)]),
        "pdqg_hasher_error": (ctypes.c_char_p, [ctypes.c_void_p]),
        "pdqg_hash_frame": (ctypes.c_int, [ctypes.c_void_p, P(Frame), ctypes.c_uint, P(Result)]),
        "pdqg_hash_buffer": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                            ctypes.c_uint, P(Result)]),
        "pdqg_hash_file": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint,
                                          P(Result)]),
        "pdqg_matcher_create": (ctypes.c_int, [P(ctypes.c_void_p)]),
        "pdqg_matcher_free": (None, [ctypes.c_void_p]),
        "pdqg_matcher_set": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, ctypes.c_int64]),
        "pdqg_matcher_get": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, P(ctypes.c_int64)]),
        "pdqg_matcher_load": (ctypes.c_int, [ctypes.c_void_p, P(ctypes.c_char_p), ctypes.c_size_t,
                                             ctypes.c_char_p]),
        "pdqg_matcher_reload": (ctypes.c_int, [ctypes.c_void_p]),
        "pdqg_matcher_error": (ctypes.c_char_p, [ctypes.c_void_p]),
        "pdqg_matcher_query_hash": (ctypes.c_int, [ctypes.c_void_p, P(Hash), ctypes.c_int,
                                                   P(P(Match)), P(ctypes.c_size_t)]),
        "pdqg_matcher_query_result": (ctypes.c_int, [ctypes.c_void_p, P(Result), P(P(Match)),
                                                     P(ctypes.c_size_t)]),
        "pdqg_matcher_query": (ctypes.c_int, [ctypes.c_void_p, P(Result), P(P(Match)),
                                              P(ctypes.c_size_t), P(ctypes.c_int)]),
        "pdqg_matcher_reload_if_changed": (ctypes.c_int, [ctypes.c_void_p, P(ctypes.c_int)]),
        "pdqg_matcher_param_bounds": (ctypes.c_int, [ctypes.c_int, P(ctypes.c_int64), P(ctypes.c_int64),
                                                     P(ctypes.c_int64)]),
        "pdqg_matcher_param_name": (ctypes.c_char_p, [ctypes.c_int]),
        "pdqg_hasher_param_bounds": (ctypes.c_int, [ctypes.c_int, P(ctypes.c_int64), P(ctypes.c_int64),
                                                    P(ctypes.c_int64)]),
        "pdqg_gate_name": (ctypes.c_char_p, [ctypes.c_int]),
        "pdqg_frame_plane_size": (ctypes.c_int, [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                                 P(ctypes.c_size_t), P(ctypes.c_size_t)]),
        "pdqg_frame_packed_size": (ctypes.c_int, [ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                                  P(ctypes.c_size_t)]),
        "pdqg_matches_free": (None, [P(Match)]),
        "pdqg_stream_create": (ctypes.c_int, [P(StreamOptions), P(ctypes.c_void_p)]),
        "pdqg_stream_free": (None, [ctypes.c_void_p]),
        "pdqg_stream_push": (ctypes.c_int, [ctypes.c_void_p, P(Frame), ctypes.c_double,
                                            ctypes.c_void_p, P(StreamSample), P(P(Match)),
                                            P(ctypes.c_size_t)]),
        "pdqg_stream_error": (ctypes.c_char_p, [ctypes.c_void_p]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


lib = _load()
_declare(lib)

_major = lib.pdqg_version_number() // 10000
if _major != ABI_MAJOR:
    raise ImportError(f"pdqguard: loaded {lib._name} has version "
                      f"{lib.pdqg_version_string().decode()}, this binding needs {ABI_MAJOR}.x")
