#!/usr/bin/python3
"""Times the common Python pipeline's decode + float luma (Pillow + numpy), single
thread, on the benchmark's JPEGs. pdqhash is not available on this machine, so the
PDQ core itself is not included: the figure is an upper bound on that pipeline's speed.

    PDQGUARD_BENCH_WRITE_DIR=/tmp/imgbench build/bench/image/bench_image --benchmark_filter=none
    /usr/bin/python3 bench/image/python_pipeline.py /tmp/imgbench
"""
import pathlib
import sys
import time

import numpy as np
from PIL import Image


def luma(path):
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=np.float32)
    # The pdqhash package's luma: R*0.299 + G*0.587 + B*0.114 per pixel.
    return rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114


def main():
    folder = pathlib.Path(sys.argv[1])
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    for path in sorted(folder.glob("*.jpg")):
        totals, decodes = [], []
        for _ in range(reps):
            t0 = time.process_time()
            luma(path)
            totals.append(time.process_time() - t0)
            t0 = time.process_time()
            with Image.open(path) as im:
                im.load()
            decodes.append(time.process_time() - t0)
        total = sorted(totals)[len(totals) // 2]
        dec = sorted(decodes)[len(decodes) // 2]
        print(f"{path.stem:20s} decode+luma {1.0 / total:7.2f} images/s (CPU {total * 1000:7.1f} ms); "
              f"decode only {1.0 / dec:7.2f} images/s")


if __name__ == "__main__":
    main()
