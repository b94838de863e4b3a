"""Writes the gateway benchmark's workload into DIR: 640x480.jpg (the corpus bridge
photo, resized) and list.csv (100,000 seeded random hashes plus the bridge planted).
usage: make_workload.py SOURCE_JPEG DIR"""
import random
import sys

from PIL import Image

src, work = sys.argv[1], sys.argv[2]
Image.open(src).convert("RGB").resize((640, 480)).save(f"{work}/640x480.jpg", quality=90)
rng = random.Random(7)
with open(f"{work}/list.csv", "w") as f:
    f.write("id,hash,label\nplanted,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,bridge\n")
    for i in range(100000):
        f.write(f"r{i},{rng.getrandbits(256):064x},random\n")
