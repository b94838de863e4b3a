"""Matching: Matcher (a blocklist loaded through the C API), Match, MatchResult.
Every rule (gate, order, variants, defaults) is the library's; nothing is
re-decided here."""
from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Union

from . import _native
from ._errors import Error, Status, _check
from ._handle import _NativeObject
from ._hashing import (DIHEDRAL_NAMES, Hash, Hasher, HashResult, _is_numpy, hash_bytes, hash_file,
                       hash_frame)
from ._native import lib as _lib


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
    malformed (0 = no limit). An option left at None keeps the library's
    default; Matcher.param_bounds(name) reports every default and range (31 and
    50 for threshold and min_quality: PDQ's and ThreatExchange's advice).

    Thread-safety: match() may be called from any number of threads at once, also
    while another thread calls reload() or load(): the new list is swapped in
    atomically. Options may be changed at any time (they apply to later queries).
    Raises Error (io_error, list_parse_error, index_corrupt, ...) when loading fails.
    """

    _ATTR, _FREE, _NAME = "_m", "pdqg_matcher_free", "Matcher"

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
