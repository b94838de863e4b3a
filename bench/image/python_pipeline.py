#!/usr/bin/python3
"""Times the common Python pipeline against pdqguard, single thread, on the
benchmark's JPEGs.

The common pipeline is Pillow decode -> numpy RGB array -> the PDQ reference core
(the pdqhash package wraps facebook/ThreatExchange pdq/cpp). pdqhash is not
packaged in Debian and PyPI is not reachable here, so its core is stood in for by
pdqguard's *scalar* path called through the ctypes binding: it runs the
reference's algorithm with the reference's float operations in the reference's
order (same hashes, bit for bit), one full-frame float plane per pass, as the
reference does. "Pillow decode + luma" (numpy float luma) is kept as a lower
bound on that pipeline's cost that involves no stand-in at all.

    PDQGUARD_BENCH_WRITE_DIR=/tmp/imgbench build/bench/image/bench_image --benchmark_filter=none
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295:glibc.malloc.top_pad=268435456 \\
    PDQGUARD_LIBRARY=build/lib/libpdqguard.so PYTHONPATH=bindings/python \\
        taskset -c 1 /usr/bin/python3 bench/image/python_pipeline.py /tmp/imgbench 7

The malloc settings keep freed arrays in the heap: with glibc's defaults every
multi-megabyte numpy/Pillow array is a fresh mmap, and page faults on this VM
then cost more than the decode (0.3 MP decode + luma: 31 ms instead of 1.8 ms).
They only make the Python side faster; pdqguard reuses its buffers either way.
"""
import pathlib
import sys
import time

import numpy as np
from PIL import Image

import pdqguard


def pillow_rgb(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def pillow_luma(path):
    rgb = pillow_rgb(path).astype(np.float32)
    return rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114


def median_seconds(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return sorted(times)[len(times) // 2]


def main():
    folder = pathlib.Path(sys.argv[1])
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    best = pdqguard.simd_path()
    hasher = pdqguard.Hasher()
    print(f"pdqguard {pdqguard.version()}, fastest SIMD path here: {best}")
    for path in sorted(folder.glob("*.jpg")):
        pdqguard.set_simd_path("scalar")
        reference_like = hasher.hash_frame(pillow_rgb(path), format="rgb8")
        ref = median_seconds(lambda: hasher.hash_frame(pillow_rgb(path), format="rgb8"), reps)
        pdqguard.set_simd_path(best)
        ours = hasher.hash_file(path)
        if ours.hash != reference_like.hash:
            # Pillow and libjpeg-turbo may round differently; say so rather than hide it.
            print(f"  note: {path.name}: Pillow pixels hash {ours.hash.distance(reference_like.hash)} "
                  "bits away from pdqguard's decode")
        own = median_seconds(lambda: hasher.hash_file(path), reps)
        luma = median_seconds(lambda: pillow_luma(path), reps)
        dec = median_seconds(lambda: pillow_rgb(path), reps)
        print(f"{path.stem:20s} Pillow+reference core {1.0 / ref:7.2f}/s "
              f"(CPU {ref * 1000:7.1f} ms) | Pillow decode+luma {1.0 / luma:7.2f}/s | "
              f"Pillow decode only {1.0 / dec:7.2f}/s | pdqguard exact {1.0 / own:7.2f}/s "
              f"(CPU {own * 1000:6.1f} ms) = {ref / own:5.1f}x the Pillow+reference pipeline")


if __name__ == "__main__":
    main()
