"""Matching: Matcher (a blocklist loaded through the C API), Match, MatchResult.
Every rule (gate, order, variants, defaults) is the library's; nothing is
re-decided here."""
from __future__ import annotations

import ctypes
import os
import warnings
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import _native
from ._errors import ArgumentError, Error, Status, _c_int, _c_path, _check
from ._handle import _NativeObject
from ._hashing import (DIHEDRAL_NAMES, Hash, Hasher, HashResult, PathLike, Stride, _is_numpy,
                       _is_pil, hash_bytes, hash_file, hash_frame)
from ._native import lib as _lib


# ---------------------------------------------------------------------------
# Matching

INDEX_KINDS: Tuple[str, ...] = ("auto", "flat", "bktree", "mih")


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


class Matcher(_NativeObject):
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
    malformed (0 = no limit); allow_empty: accept a list with 0 entries (refused
    by default: an empty blocklist blocks nothing); settle_ms: reload_if_changed()
    waits until the files have been unchanged this long (default 2000);
    max_shrink_percent: refuse a reload that loses more than this percentage of
    the entries (default 50, 100 = no check). An option left at None keeps the library's
    default; Matcher.param_bounds(name) reports every default and range (31 and
    50 for threshold and min_quality: PDQ's and ThreatExchange's advice); a
    value outside them raises ArgumentError (a ValueError) before reaching C.

    Queries say what they are given: match_hash (a Hash or hex text),
    match_file (a path), match_bytes (an encoded image in memory), match_frame
    (pixels: numpy array, PIL image, raw buffer), match_result (a HashResult).
    match() dispatches on the type only (see there); it never looks at a
    string's contents.

    Thread-safety: queries may run from any number of threads at once, also
    while another thread calls reload() or load(): the new list is swapped in
    atomically. Options may be changed at any time (they apply to later queries).
    close() waits for running queries. Raises Error (io_error, list_parse_error,
    index_corrupt, ...) when loading fails.
    """

    _FREE, _ERROR, _NAME, _EXCLUSIVE = "pdqg_matcher_free", "pdqg_matcher_error", "Matcher", False
    _BOUNDS = "pdqg_matcher_param_bounds"

    # Parameter names and numbers, as the C API names them (pdqg_matcher_param_name).
    _PARAMS: Dict[str, int] = {}
    for _p in range(64):
        _name = _lib.pdqg_matcher_param_name(_p)
        if _name is not None:
            _PARAMS[_name.decode()] = _p
    del _p, _name

    def __init__(self, lists: Union[None, PathLike, Sequence[PathLike]] = None,
                 index: Optional[PathLike] = None, *, threshold: Optional[int] = None,
                 min_quality: Optional[int] = None, dihedral: Optional[bool] = None,
                 index_kind: Optional[str] = None, max_matches: Optional[int] = None,
                 lenient: Optional[bool] = None, verify_checksum: Optional[bool] = None,
                 max_list_bytes: Optional[int] = None, max_line_bytes: Optional[int] = None,
                 allow_empty: Optional[bool] = None, settle_ms: Optional[int] = None,
                 max_shrink_percent: Optional[int] = None):
        if index_kind is not None and index_kind not in INDEX_KINDS:
            raise ArgumentError(f"unknown index kind {index_kind!r} "
                                f"(expected one of {', '.join(INDEX_KINDS)})")
        kind = None if index_kind is None else INDEX_KINDS.index(index_kind)
        options = {"threshold": threshold, "min_quality": min_quality, "dihedral": dihedral,
                   "index_kind": kind, "max_matches": max_matches, "lenient": lenient,
                   "verify_checksum": verify_checksum, "max_list_bytes": max_list_bytes,
                   "max_line_bytes": max_line_bytes, "allow_empty": allow_empty,
                   "settle_ms": settle_ms, "max_shrink_percent": max_shrink_percent}
        checked = {n: self._checked(n, v) for n, v in options.items() if v is not None}
        handle = ctypes.c_void_p()
        _check(_lib.pdqg_matcher_create(ctypes.byref(handle)))
        self._adopt(handle)
        try:
            for name, value in checked.items():
                self._set(name, value)
            self.load(lists, index)
        except BaseException:
            self.close()
            raise

    # --- options and counts ---------------------------------------------------

    def _set(self, name: str, value: int) -> None:
        self._run(_lib.pdqg_matcher_set, self._PARAMS[name], value)

    def set(self, name: str, value: int) -> None:
        """Sets a parameter by its C API name (see param_bounds for its range)."""
        self._set(name, self._checked(name, value))

    def _get(self, name: str) -> int:
        if name not in self._PARAMS:
            raise ArgumentError(f"unknown matcher parameter {name!r}")
        v = ctypes.c_int64()
        self._run(_lib.pdqg_matcher_get, self._PARAMS[name], ctypes.byref(v), own_message=False)
        return v.value

    get = _get

    threshold = property(lambda self: self._get("threshold"),
                         lambda self, v: self.set("threshold", v))
    min_quality = property(lambda self: self._get("min_quality"),
                           lambda self, v: self.set("min_quality", v))
    dihedral = property(lambda self: bool(self._get("dihedral")),
                        lambda self, v: self.set("dihedral", bool(v)))
    max_matches = property(lambda self: self._get("max_matches"),
                           lambda self, v: self.set("max_matches", v))

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

    def load(self, lists: Union[None, PathLike, Sequence[PathLike]] = None,
             index: Optional[PathLike] = None) -> int:
        """Loads new sources and swaps them in atomically (on failure nothing
        changes); later reload() calls re-read them. Returns the entry count."""
        if lists is None:
            lists = []
        elif isinstance(lists, (str, bytes, os.PathLike)):
            lists = [lists]
        paths = [_c_path(p, "list path") for p in lists]
        index_b = _c_path(index, "index path") if index is not None else None
        arr = (ctypes.c_char_p * max(1, len(paths)))(*paths)
        self._run(_lib.pdqg_matcher_load, arr, len(paths), index_b)
        return self.entries

    def reload(self) -> int:
        """Re-reads the sources of the last load (e.g. after the list file changed)
        and swaps the new list in atomically; queries running on other threads are
        not disturbed. On failure the current list stays. Returns the entry count."""
        self._run(_lib.pdqg_matcher_reload)
        return self.entries

    def reload_if_changed(self) -> bool:
        """Reloads only when a source file changed (size, time or inode) since the
        last load; returns True when it did. For a file watcher. On failure the
        current list stays and Error is raised."""
        done = ctypes.c_int()
        self._run(_lib.pdqg_matcher_reload_if_changed, ctypes.byref(done))
        return bool(done.value)

    # --- queries --------------------------------------------------------------

    def _collect(self, status: int, arr: Any, count: ctypes.c_size_t) -> List[Match]:
        _check(status)
        try:
            return [Match(m.list.decode("utf-8", "replace"), m.id.decode("utf-8", "replace"),
                          m.label.decode("utf-8", "replace"), Hash._from_c(m.hash), m.distance,
                          DIHEDRAL_NAMES[m.dihedral] if 0 <= m.dihedral < 8 else str(m.dihedral))
                    for m in (arr[i] for i in range(count.value))]
        finally:
            _lib.pdqg_matches_free(arr)

    def match_hash(self, hash: Union[Hash, str, bytes], quality: Optional[int] = None) -> MatchResult:
        """Matches a hash (or its 64 hex digits). A known `quality` (0..100) below
        min_quality matches nothing; None means unknown (never gated). Another
        quality raises Error(invalid_argument), from the library."""
        h = hash if isinstance(hash, Hash) else Hash(hash)
        r = _native.Result()
        r.hash = h._to_c()
        r.quality = -1 if quality is None else _c_int(quality, "quality")
        matches, gate = self._query(r)
        return MatchResult(matches, h, quality, None, gate)

    def _query(self, r: _native.Result) -> Tuple[List[Match], str]:
        """pdqg_matcher_query: the library applies every rule (gate, order, variants)."""
        arr, count, gate = ctypes.POINTER(_native.Match)(), ctypes.c_size_t(), ctypes.c_int()
        h = self._acquire()
        try:
            st = _lib.pdqg_matcher_query(h, ctypes.byref(r), ctypes.byref(arr), ctypes.byref(count),
                                         ctypes.byref(gate))
        finally:
            self._release()
        matches = self._collect(st, arr, count)
        return matches, _lib.pdqg_gate_name(gate.value).decode()

    def match_result(self, result: HashResult) -> MatchResult:
        """Matches an image already hashed (hash it with dihedral=True for dihedral
        matching). Too-small or low-quality images match nothing."""
        r = _native.Result()
        r.hash = result.hash._to_c()
        r.quality = _c_int(result.quality, "quality")
        r.too_small = int(bool(result.too_small))
        r.width, r.height = _c_int(result.width, "width"), _c_int(result.height, "height")
        if result.dihedral is not None:
            r.has_dihedral = 1
            for i, name in enumerate(DIHEDRAL_NAMES):
                r.dihedral[i] = result.dihedral[name]._to_c()
        matches, gate = self._query(r)
        return MatchResult(matches, result.hash, result.quality, result, gate)

    def match_file(self, path: PathLike, hasher: Optional[Hasher] = None) -> MatchResult:
        """Hashes an image file and matches it. A path is always a path, whatever
        its name looks like (a 64-hex file name is a file)."""
        d = self.dihedral
        r = hasher.hash_file(path, dihedral=d) if hasher else hash_file(path, dihedral=d)
        return self.match_result(r)

    def match_bytes(self, data: Any, hasher: Optional[Hasher] = None) -> MatchResult:
        """Hashes an encoded image held in memory and matches it."""
        d = self.dihedral
        r = hasher.hash_bytes(data, dihedral=d) if hasher else hash_bytes(data, dihedral=d)
        return self.match_result(r)

    def match_frame(self, data: Any, width: Optional[int] = None, height: Optional[int] = None,
                    format: Optional[str] = None, *, stride: Stride = None,
                    hasher: Optional[Hasher] = None) -> MatchResult:
        """Hashes raw pixels (as hash_frame: numpy array, PIL image, buffer) and
        matches them."""
        fn = hasher.hash_frame if hasher else hash_frame
        return self.match_result(fn(data, width, height, format, stride=stride,
                                    dihedral=self.dihedral))

    def match(self, query: Any, *, quality: Optional[int] = None) -> MatchResult:
        """Matches `query` by its type alone, never by its contents:

        - Hash -> match_hash(query, quality); HashResult -> match_result
        - str, os.PathLike -> match_file: a str is ALWAYS a path. (Earlier versions
          took a str of 64 hex digits as a hash, so a content-addressed file
          named by its digest was never read. That guess is gone: pass a Hash,
          or call match_hash, for hex text. A 64-hex str that names no file
          raises Error(io_error) and a DeprecationWarning saying so.)
        - bytes, bytearray, memoryview -> match_bytes (an encoded image)
        - numpy array, PIL image -> match_frame (pixels)
        Prefer the explicit match_* methods in new code."""
        if isinstance(query, Hash):
            return self.match_hash(query, quality)
        if quality is not None:
            raise ArgumentError("quality applies to hash queries only (a Hash, or match_hash)")
        if isinstance(query, HashResult):
            return self.match_result(query)
        if isinstance(query, (str, os.PathLike)):
            try:
                return self.match_file(query)
            except Error as e:
                if (e.status == Status.IO_ERROR and isinstance(query, str) and _is_hex_hash(query)
                        and not os.path.exists(query)):
                    warnings.warn("Matcher.match(str) takes a str as a file path; for hex text "
                                  "use match_hash() or pass a pdqguard.Hash",
                                  DeprecationWarning, stacklevel=2)
                raise
        if _is_numpy(query) or _is_pil(query):
            return self.match_frame(query)
        if isinstance(query, (bytes, bytearray, memoryview)):
            return self.match_bytes(query)
        raise TypeError(f"cannot match a {type(query).__name__}")
