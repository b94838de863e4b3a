#!/usr/bin/python3
"""Generates a reproducible tree of photo-like JPEGs of mixed sizes for the CLI scan benchmark.

usage: gen_tree.py OUT_DIR [--files N] [--seed S]
Sizes (share of files): 640x480 (60%), 1280x720 (25%), 1920x1080 (10%), 3000x2000 (5%);
baseline JPEG at quality 75..95, 100 files per folder. Needs Debian python3-pil and python3-numpy.
Also writes OUT_DIR.list.txt: the hashes of nothing in the tree (random), so every file is
hashed and matched against a 1000-entry list.
"""
import os
import random
import sys

import numpy as np
from PIL import Image

SIZES = [((640, 480), 60), ((1280, 720), 25), ((1920, 1080), 10), ((3000, 2000), 5)]


def base_image(w, h, rng):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)
    for c in range(3):
        for _ in range(4):
            fx, fy, ph = rng.uniform(0.002, 0.03), rng.uniform(0.002, 0.03), rng.uniform(0, 6.28)
            img[:, :, c] += np.sin(xx * fx + yy * fy + ph) * rng.uniform(20, 50)
    img += 128 + rng.normal(0, 8, (h, w, 3)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def main():
    out = sys.argv[1]
    n = int(sys.argv[sys.argv.index("--files") + 1]) if "--files" in sys.argv else 3000
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    rng = np.random.default_rng(seed)
    r = random.Random(seed)
    bases = {size: [base_image(size[0] + 64, size[1] + 64, rng) for _ in range(4)] for size, _ in SIZES}
    sizes = [s for s, share in SIZES for _ in range(share)]
    for i in range(n):
        size = sizes[r.randrange(len(sizes))]
        b = bases[size][r.randrange(4)]
        x, y = r.randrange(64), r.randrange(64)
        img = b[y:y + size[1], x:x + size[0]]
        d = os.path.join(out, "d%03d" % (i // 100))
        os.makedirs(d, exist_ok=True)
        Image.fromarray(img).save(os.path.join(d, "img%05d.jpg" % i), quality=r.randrange(75, 96))
    with open(out.rstrip("/") + ".list.txt", "w") as f:
        for _ in range(1000):
            f.write("%064x\n" % r.getrandbits(256))


main()
