#!/usr/bin/python3
"""Generates the small animations in this folder and what Pillow 9.4 (Debian's
python3-pil) shows for every frame, for decode_frames' byte-for-byte test
(tests/image/test_animation.cpp) - GIF, WebP and APNG:
- GIFs written byte by byte here (Pillow's writer would choose disposal and
  rectangles itself): every disposal mode (none, background, previous, and a
  frame without one, which keeps the last), transparency, frame offsets, local
  palettes, interlace, a gray (mode L) animation, frame 0 off the screen's
  corner; plus seeded random ones mixing all of it;
- animated WebPs from Pillow's writer (libwebp picks blend/dispose): with alpha,
  lossy, and odd durations;
- APNGs from Pillow's writer in RGBA, RGB, palette, L and LA, every disposal
  and blend op, with and without a default image.
For NAME: NAME.frames.ppm holds every frame (RGB; a gray frame as R=G=B) stacked
top to bottom, and frames.csv one row per frame: file, frame, gray (1 when Pillow's
frame is mode L), timestamp_ms, duration_ms (GIF: Pillow's info["duration"],
timestamps summed; WebP: Pillow's info["timestamp"] / info["duration"]).
Run from anywhere: python3 tests/data/formats/anim/make_anim.py (ANIM_SEEDS=300 makes
299 random GIFs instead of 8: all matched Pillow when decode_frames was written)."""
import csv
import os
import random

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def lzw(indices):
    """Uncompressed LZW (min code size 8, 9-bit codes, a clear code often enough
    that the code width never grows)."""
    clear, eoi = 256, 257
    codes = [clear]
    since = 0
    for i in indices:
        if since == 250:
            codes.append(clear)
            since = 0
        codes.append(i)
        since += 1
    codes.append(eoi)
    out = bytearray()
    acc = nbits = 0
    for c in codes:
        acc |= c << nbits
        nbits += 9
        while nbits >= 8:
            out.append(acc & 255)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 255)
    blocks = bytearray([8])
    for k in range(0, len(out), 255):
        chunk = out[k:k + 255]
        blocks += bytes([len(chunk)]) + chunk
    return bytes(blocks + b"\0")


def table(colors, bits):
    t = bytearray()
    for k in range(1 << bits):
        t += bytes(colors[k]) if k < len(colors) else b"\0\0\0"
    return bytes(t)


def gif(w, h, frames, global_pal=None, gbits=3, background=0):
    """frames: dicts with x, y, w, h, pix (row-major indices), and optional
    dispose, transparent, delay (cs), local (palette), lbits, interlace, gce."""
    out = bytearray(b"GIF89a" + w.to_bytes(2, "little") + h.to_bytes(2, "little"))
    if global_pal is not None:
        out += bytes([0xF0 | (gbits - 1), background, 0]) + table(global_pal, gbits)
    else:
        out += bytes([0x70, background, 0])
    for f in frames:
        if f.get("gce", True):
            flags = (f.get("dispose", 0) << 2) | (1 if f.get("transparent") is not None else 0)
            out += bytes([0x21, 0xF9, 4, flags]) + f.get("delay", 10).to_bytes(2, "little")
            out += bytes([f.get("transparent") or 0, 0])
        flags = 0
        if f.get("local") is not None:
            flags |= 0x80 | (f.get("lbits", 3) - 1)
        if f.get("interlace"):
            flags |= 0x40
        out += b"\x2C" + b"".join(v.to_bytes(2, "little") for v in (f["x"], f["y"], f["w"], f["h"]))
        out += bytes([flags])
        if f.get("local") is not None:
            out += table(f["local"], f.get("lbits", 3))
        rows = [f["pix"][r * f["w"]:(r + 1) * f["w"]] for r in range(f["h"])]
        if f.get("interlace"):
            order = [y for s, st in ((0, 8), (4, 8), (2, 4), (1, 2)) for y in range(s, f["h"], st)]
            rows = [rows[y] for y in order]
        out += lzw([i for r in rows for i in r])
    return bytes(out + b";")


def pix(w, h, ncolors, seed):
    r = random.Random(seed)
    base = [r.randrange(ncolors) for _ in range(4)]
    return [base[((x // 3) + (y // 2)) % 4] if r.random() < 0.8 else r.randrange(ncolors)
            for y in range(h) for x in range(w)]


PAL = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (240, 240, 0), (0, 240, 240), (240, 0, 240),
       (90, 90, 90), (255, 255, 255)]
PAL2 = [(10, 20, 30), (250, 128, 0), (128, 0, 250), (0, 128, 64), (64, 0, 128), (128, 64, 0),
        (1, 2, 3), (99, 199, 49)]
GRAY = [(i, i, i) for i in range(8)]


def fr(x, y, w, h, seed, n=8, **kw):
    d = dict(x=x, y=y, w=w, h=h, pix=pix(w, h, n, seed))
    d.update(kw)
    return d


def fixed_gifs():
    g = {}
    g["dispose_none.gif"] = gif(20, 16, [
        fr(0, 0, 20, 16, 1, delay=7),
        fr(3, 2, 9, 7, 2, transparent=5, delay=13),
        fr(11, 8, 9, 8, 3, dispose=1, delay=20)], PAL)
    g["dispose_background.gif"] = gif(20, 16, [
        fr(0, 0, 20, 16, 4, dispose=2),
        fr(2, 3, 8, 6, 5, dispose=2, transparent=1),
        fr(10, 6, 7, 9, 6, dispose=2),
        fr(5, 5, 6, 6, 7, dispose=1)], PAL, background=4)
    g["dispose_previous.gif"] = gif(20, 16, [
        fr(0, 0, 20, 16, 8),
        fr(4, 4, 8, 8, 9, dispose=3, transparent=2),
        fr(8, 2, 10, 6, 10, dispose=3),
        fr(1, 9, 12, 6, 11, dispose=1, transparent=0)], PAL)
    g["frame0_transparent.gif"] = gif(18, 14, [
        fr(2, 1, 12, 10, 12, transparent=3, dispose=2),
        fr(5, 5, 10, 8, 13, transparent=3, dispose=3),
        fr(0, 0, 6, 6, 14)], PAL, background=6)
    g["local_palettes.gif"] = gif(21, 17, [
        fr(0, 0, 21, 17, 15, local=PAL2),
        fr(3, 3, 11, 9, 16, local=PAL, transparent=7, interlace=True),
        fr(7, 1, 13, 14, 17, dispose=2, local=PAL2, interlace=True),
        fr(0, 8, 9, 9, 18, transparent=2)], PAL)
    g["persisting_disposal.gif"] = gif(16, 16, [
        fr(0, 0, 16, 16, 19),
        fr(2, 2, 6, 6, 20, dispose=2, transparent=4),
        fr(8, 8, 6, 6, 21, gce=False),
        fr(4, 9, 7, 5, 22, dispose=0, transparent=1),
        fr(1, 1, 5, 5, 23, dispose=3)], PAL)
    g["frame0_offset.gif"] = gif(12, 10, [
        fr(6, 5, 10, 9, 24),  # frame 0 outside the screen: the canvas grows to 16x14
        fr(1, 1, 8, 8, 25, transparent=0, dispose=2)], PAL)
    g["gray.gif"] = gif(16, 12, [
        fr(0, 0, 16, 12, 26, transparent=2),
        fr(3, 2, 8, 6, 27, transparent=5, dispose=2),
        fr(6, 4, 9, 7, 28, dispose=3),
        fr(0, 0, 5, 5, 29, transparent=1)], GRAY)
    g["no_global_palette.gif"] = gif(14, 12, [
        fr(0, 0, 14, 12, 30, local=PAL),
        fr(2, 2, 7, 7, 31, local=PAL2, transparent=3, dispose=2),
        fr(5, 3, 8, 8, 32, local=PAL, dispose=3)], None)
    return g


def random_gif(seed):
    r = random.Random(seed)
    w, h = r.randint(8, 24), r.randint(8, 24)
    frames = []
    for k in range(r.randint(2, 6)):
        fw, fh = r.randint(1, w), r.randint(1, h)
        x, y = r.randint(0, w - fw), r.randint(0, h - fh)
        kw = dict(delay=r.randint(0, 50), interlace=r.random() < 0.3)
        d = r.choice([0, 0, 1, 2, 3])
        if d:
            kw["dispose"] = d
        if r.random() < 0.6:
            kw["transparent"] = r.randrange(8)
        if r.random() < 0.4:
            kw["local"] = r.choice([PAL, PAL2])
        if r.random() < 0.15:
            kw["gce"] = False
        frames.append(fr(x, y, fw, fh, seed * 100 + k, **kw))
    return gif(w, h, frames, PAL, background=r.randrange(8))


def webps():
    out = {}

    def frame(w, h, k, alpha):
        im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        px = im.load()
        for y in range(h):
            for x in range(w):
                inside = (x - 3 * k) ** 2 + (y - 2 * k) ** 2 < 40 + 10 * k
                a = 255 if (inside or not alpha) else (0 if (x + y) % 3 else 128)
                px[x, y] = ((x * 13 + k * 40) % 256, (y * 17) % 256, (x * y + k * 9) % 256, a)
        return im

    for name, alpha, lossless, durations in (("alpha.webp", True, True, [40, 70, 30, 100]),
                                             ("lossy.webp", False, False, [100, 100, 250])):
        frames = [frame(23, 19, k, alpha) for k in range(len(durations))]
        path = os.path.join(HERE, name)
        frames[0].save(path, save_all=True, append_images=frames[1:], duration=durations, loop=0,
                       lossless=lossless, quality=80)
        out[name] = None
    return out


def apngs():
    """Animated PNGs from Pillow's writer (it crops each frame to what changed,
    so frames have offsets), every mode, disposal and blend op."""
    def frame(w, h, k, mode):
        im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        px = im.load()
        for y in range(h):
            for x in range(w):
                inside = abs(x - 4 - 3 * k) + abs(y - 3 - 2 * k) < 6 + k
                a = 255 if inside else (0 if (x * y + k) % 4 == 0 else (37 * x + 11 * y + 50 * k) % 256)
                px[x, y] = ((x * 13 + k * 40) % 256, (y * 17 + 60 * k) % 256, (x * y + k * 9) % 256, a)
        if mode == "P":
            return im.convert("RGB")  # quantized below, all frames to one palette
        return im.convert(mode)

    specs = (
        ("apng_rgba_over.png", "RGBA", [0, 1, 2, 0, 2], [0, 1, 1, 1, 0], False),
        ("apng_rgba_default.png", "RGBA", [1, 2, 0, 1], [1, 0, 1, 1], True),
        ("apng_rgb.png", "RGB", [1, 0, 2, 0], [0, 1, 0, 1], False),
        ("apng_palette.png", "P", [0, 2, 0, 2], [0, 0, 1, 1], False),
        ("apng_gray.png", "L", [0, 2, 0, 2], [1, 0, 0, 1], False),
        ("apng_la.png", "LA", [0, 1, 2, 0], [0, 1, 1, 1], True),
    )
    out = {}
    for name, mode, disposal, blend, default in specs:
        n = len(disposal)
        frames = [frame(22, 17, k, mode) for k in range(n + (1 if default else 0))]
        if mode == "P":
            first = frames[0].quantize(64, dither=Image.Dither.NONE)
            frames = [first] + [f.quantize(palette=first, dither=Image.Dither.NONE) for f in frames[1:]]
        kw = dict(save_all=True, append_images=frames[1:], duration=[30 + 20 * k for k in range(n)], loop=0,
                  disposal=disposal, blend=blend, default_image=default)
        frames[0].save(os.path.join(HERE, name), "PNG", **kw)
        out[name] = None
    return out


def main():
    files = {}
    for name, data in fixed_gifs().items():
        files[name] = data
    for seed in range(1, int(os.environ.get("ANIM_SEEDS", "9"))):
        files[f"random{seed}.gif"] = random_gif(seed)
    for name, data in files.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    names = sorted(files) + sorted(webps()) + sorted(apngs())
    rows = []
    for name in names:
        path = os.path.join(HERE, name)
        im = Image.open(path)
        stack = []
        t = 0
        for k in range(getattr(im, "n_frames", 1)):
            im.seek(k)
            im.load()
            gray = im.mode in ("L", "1")
            stack.append(im.convert("RGB"))
            if name.endswith(".webp"):
                ts, dur = im.info["timestamp"], im.info["duration"]
            else:
                ts, dur = t, im.info.get("duration", 0)
                t += dur
            rows.append([name, k, int(gray), ts, dur])
        w, h = stack[0].size
        assert all(s.size == (w, h) for s in stack), name
        sheet = Image.new("RGB", (w, h * len(stack)))
        for k, s in enumerate(stack):
            sheet.paste(s, (0, h * k))
        sheet.save(path + ".frames.ppm")
    with open(os.path.join(HERE, "frames.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["file", "frame", "gray", "timestamp_ms", "duration_ms"])
        wr.writerows(rows)


if __name__ == "__main__":
    main()
