#!/usr/bin/env python3
"""Per-call cost of the Python binding (not run by the tests; figures in bench/README.md):

    PDQGUARD_LIBRARY=build/lib/libpdqguard.so PYTHONPATH=bindings/python \\
        /usr/bin/python3 bindings/python/bench/overhead.py

hash_frame on a 512x512 gray8 frame in memory, and on a 4x4 one, which the library
answers at once (too small): that time is almost all call cost (argument checks,
ctypes, the C API entry, building the HashResult), an upper bound on what the binding
adds. Best of 5 rounds each, in CPU time of this process (time.process_time), so a
loaded machine inflates it less than wall time; the module function, a shared Hasher
(its lock) and a numpy array."""
import os
import time

import pdqguard

try:
    import numpy as np
except ImportError:  # the numpy rows are skipped
    np = None


def per_call(fn, calls):
    best = float("inf")
    for _ in range(5):
        t = time.process_time()  # CPU time: the shared machine's waits are not ours
        for _ in range(calls):
            fn()
        best = min(best, (time.process_time() - t) / calls)
    return best * 1e6


def frame(w, h):
    return bytes(((i * 7 + i // w) & 255) for i in range(w * h))


def main():
    print(f"load average {os.getloadavg()[0]:.1f}, SIMD path {pdqguard.simd_path()}")
    hasher = pdqguard.Hasher()
    big, tiny = frame(512, 512), frame(4, 4)
    rows = [
        ("hash_frame(bytes) gray8 512x512", lambda: pdqguard.hash_frame(big, 512, 512, "gray8"), 300),
        ("hash_frame(bytes) gray8 4x4", lambda: pdqguard.hash_frame(tiny, 4, 4, "gray8"), 20000),
        ("Hasher.hash_frame gray8 4x4", lambda: hasher.hash_frame(tiny, 4, 4, "gray8"), 20000),
    ]
    if np is not None:
        arr = np.frombuffer(tiny, dtype=np.uint8).reshape(4, 4)
        rows.append(("hash_frame(numpy) gray8 4x4", lambda: pdqguard.hash_frame(arr), 20000))
    lst = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples", "c",
                       "example-list.csv")
    if os.path.exists(lst):
        m = pdqguard.Matcher(lists=[lst])
        h = pdqguard.Hash("0" * 64)
        rows.append(("Matcher.match_hash (1-entry list)", lambda: m.match_hash(h), 20000))
    for name, fn, calls in rows:
        print(f"{name:36s} {per_call(fn, calls):9.2f} us per call")


if __name__ == "__main__":
    main()
