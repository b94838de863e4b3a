#!/usr/bin/python3
"""Generates the small WebP/GIF/TIFF/BMP test files in this folder with Pillow
9.4 (Debian's python3-pil), plus for each one the pixels Pillow decodes for
frame 0 as a binary PPM (RGB) or PGM (gray) beside it: NAME.EXT -> NAME.EXT.pnm.
The canonical rule (README "Decoding"): gray (L, 1) stays gray, palettes are
expanded to RGB, alpha is dropped as stored. Patterns are synthetic.
expected.csv holds each file's hash and quality: the hash of the Pillow pixels,
computed by `pdqguard hash` (argument 1: the built binary) on those PPM/PGM.
Run from anywhere: python3 tests/data/formats/make.py build/tools/pdqguard/pdqguard"""
import csv
import json
import os
import struct
import subprocess
import sys

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))


def pattern(w, h, seed=0):
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = ((x * 7 + seed * 31) % 256, (y * 11 + x * 3) % 256, ((x ^ y) * 5 + seed) % 256)
    d = ImageDraw.Draw(im)
    d.ellipse((w // 5, h // 5, w * 3 // 4, h * 3 // 4), fill=(250, 40 + seed, 30))
    return im


def with_alpha(im):
    a = Image.new("L", im.size)
    ap = a.load()
    for y in range(im.size[1]):
        for x in range(im.size[0]):
            ap[x, y] = 0 if (x + y) % 5 == 0 else (x * 9) % 256
    out = im.copy()
    out.putalpha(a)
    return out


def canonical(path):
    im = Image.open(path)
    im.seek(0)
    im.load()
    if im.mode in ("L", "1"):
        im = im.convert("L")
    elif im.mode in ("RGBA", "RGBX", "RGBa"):
        im = im.convert("RGB") if im.mode != "RGBA" else Image.merge("RGB", im.split()[:3])
    elif im.mode == "P":
        im = im.convert("RGB") if "transparency" not in im.info else Image.merge("RGB", im.convert("RGBA").split()[:3])
    elif im.mode == "LA":
        im = im.split()[0]
    else:
        im = im.convert("RGB")
    im.save(path + (".pgm" if im.mode == "L" else ".ppm"))


def bmp_raw(path, w, h, bits, compression, pixel_rows, palette=b"", masks=b""):
    """A BMP with a 40-byte header (+ masks) written by hand, rows bottom-up."""
    data = b"".join(pixel_rows)
    off = 14 + 40 + len(masks) + len(palette)
    hdr = struct.pack("<IiiHHIIiiII", 40, w, h, 1, bits, compression, len(data), 2835, 2835,
                      len(palette) // 4, 0)
    with open(path, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", off + len(data), 0, 0, off) + hdr + masks + palette + data)


def main():
    files = []

    def save(im, name, **kw):
        p = os.path.join(HERE, name)
        im.save(p, **kw)
        files.append(p)

    a = pattern(37, 29, 1)
    b = pattern(64, 5, 2)
    c = pattern(9, 61, 3)
    # WebP
    save(a, "lossy.webp", quality=80)
    save(c, "lossless.webp", lossless=True)
    save(with_alpha(a), "alpha.webp", lossless=True, exact=True)
    frames = [pattern(33, 21, s) for s in (4, 5, 6)]
    save(frames[0], "anim.webp", save_all=True, append_images=frames[1:], duration=100, loop=0)
    # GIF
    save(a.quantize(64), "palette.gif")
    save(b.convert("L"), "gray.gif")
    t = pattern(40, 24, 7).quantize(16)
    t.info["transparency"] = 3
    save(t, "transparent.gif", transparency=3)
    gframes = [pattern(30, 20, s).quantize(32) for s in (8, 9, 10)]
    save(gframes[0], "anim.gif", save_all=True, append_images=gframes[1:], duration=80, loop=0)
    # taller than one batch of rows (frame 0 is hashed 64 rows at a time)
    save(pattern(23, 150, 12).quantize(100), "tall.gif")
    # TIFF
    save(a, "raw.tiff")
    save(c, "lzw.tiff", compression="tiff_lzw")
    save(with_alpha(b), "rgba_deflate.tiff", compression="tiff_adobe_deflate")
    save(a.convert("L"), "gray.tiff", compression="packbits")
    save(c.convert("1"), "bilevel.tiff", compression="group4")
    save(a.quantize(16), "palette.tiff")
    save(pattern(48, 32, 11), "jpeg.tiff", compression="jpeg")
    # BMP
    save(a, "rgb24.bmp")
    save(c.quantize(200), "pal8.bmp")
    save(b.convert("L"), "gray8.bmp")
    save(a.convert("1"), "bilevel.bmp")
    w, h = 13, 7
    p = os.path.join(HERE, "bgrx32.bmp")
    rows = [bytes(v for x in range(w) for v in ((x * 19) % 256, (y * 37) % 256, (x * y * 5) % 256, 99)) for y in range(h)]
    bmp_raw(p, w, h, 32, 0, rows)
    files.append(p)
    p = os.path.join(HERE, "rgb555.bmp")
    rows = []
    for y in range(h):
        r = b"".join(struct.pack("<H", ((x * 3) % 32) | ((y * 4) % 32) << 5 | ((x + y) % 32) << 10) for x in range(w))
        rows.append(r + b"\0" * (-len(r) % 4))
    bmp_raw(p, w, h, 16, 0, rows)
    files.append(p)
    p = os.path.join(HERE, "rgb565.bmp")
    masks = struct.pack("<III", 0xF800, 0x07E0, 0x001F)
    rows = []
    for y in range(h):
        r = b"".join(struct.pack("<H", ((x * 3) % 32) | ((y * 9) % 64) << 5 | ((x + y) % 32) << 11) for x in range(w))
        rows.append(r + b"\0" * (-len(r) % 4))
    bmp_raw(p, w, h, 16, 3, rows, masks=masks)
    files.append(p)
    p = os.path.join(HERE, "rle8.bmp")
    pal = b"".join(bytes(((i * 40) % 256, (i * 90) % 256, (255 - i * 30) % 256, 0)) for i in range(6))
    rle = b""
    for y in range(h):
        rle += bytes([5, y % 6, 0, 4, 1, 2, 3, 4, 4, (y + 1) % 6]) + b"\0\0"
    rle += b"\0\1"
    bmp_raw(p, w, h, 8, 1, [rle], palette=pal)
    files.append(p)
    for f in files:
        canonical(f)
    if len(sys.argv) > 1:
        refs = {}
        for f in files:
            ref = f + ".ppm" if os.path.exists(f + ".ppm") else f + ".pgm"
            refs[ref] = f
        out = subprocess.run([sys.argv[1], "hash"] + sorted(refs), capture_output=True, check=True)
        recs = {r["path"]: r for r in map(json.loads, out.stdout.decode().splitlines())}
        with open(os.path.join(HERE, "expected.csv"), "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["relative_path", "format", "hash", "quality"])
            for ref in sorted(refs):
                name = os.path.basename(refs[ref])
                ext = name.rsplit(".", 1)[1]
                w.writerow([name, ext, recs[ref]["hash"], recs[ref]["quality"]])


if __name__ == "__main__":
    main()
