#!/usr/bin/python3
"""Generates WebP (lossless, EXIF chunk) and TIFF (Orientation tag 274) files
for every EXIF orientation 1..8, and beside each what Pillow 9.4 gives:
- NAME.pillow.ppm: Image.open(NAME) (WebP: as stored; TIFF: Pillow applies
  the Orientation tag when it loads a TIFF, TiffImagePlugin.load_end);
- NAME.upright.ppm (WebP only): after ImageOps.exif_transpose, what
  DecodeOptions::apply_exif_orientation must give (for a TIFF, exif_transpose
  would turn Pillow's already turned pixels a second time).
13x9 pixels: the sides differ so a transposition is seen.
Run from anywhere: python3 make_orientation.py"""
import os

from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))


def pattern():
    im = Image.new("RGB", (13, 9))
    px = im.load()
    for y in range(9):
        for x in range(13):
            px[x, y] = (x * 19 % 256, y * 27 % 256, (x * 7 + y * 3) * 5 % 256)
    return im


def main():
    im = pattern()
    for o in range(1, 9):
        for ext in ("webp", "tiff"):
            name = os.path.join(HERE, f"orient{o}.{ext}")
            if ext == "webp":
                exif = Image.Exif()
                exif[0x0112] = o
                im.save(name, lossless=True, exif=exif.tobytes())
            else:
                im.save(name, tiffinfo={274: o})
            back = Image.open(name)
            back.load()
            back.convert("RGB").save(name + ".pillow.ppm")
            if ext == "webp":
                ImageOps.exif_transpose(back).convert("RGB").save(name + ".upright.ppm")


if __name__ == "__main__":
    main()
