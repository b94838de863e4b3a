"""JPEG bombs for the budget tests (tests/cli/test_budgets.py, tests/gateway): small
progressive files made with Pillow whose SOF is patched to claim a huge size, or whose
last scan is repeated until there are many scans. Nothing big is committed; Pillow
must be importable (callers skip without it)."""
import io
import struct

from PIL import Image


def _segments(b):
    """(start, end, marker) of each marker segment after SOI; an SOS segment
    runs to the end of its entropy-coded data."""
    out, i = [], 2
    while i < len(b):
        m = b[i + 1]
        if m == 0xD9:
            out.append((i, i + 2, m))
            break
        j = i + 2 + struct.unpack(">H", b[i + 2:i + 4])[0]
        if m == 0xDA:
            while not (b[j] == 0xFF and b[j + 1] != 0 and not 0xD0 <= b[j + 1] <= 0xD7):
                j += 1
        out.append((i, j, m))
        i = j
    return out


def _patch_size(b, w, h):
    b = bytearray(b)
    for s, _, m in _segments(bytes(b)):
        if m in (0xC0, 0xC1, 0xC2):
            b[s + 5:s + 7] = struct.pack(">H", h)
            b[s + 7:s + 9] = struct.pack(">H", w)
            return bytes(b)
    raise AssertionError("no SOF")


def _progressive(mode, size=(16, 16), color=90):
    f = io.BytesIO()
    Image.new(mode, size, color if mode == "L" else (10, 20, 30, 40)).save(
        f, "JPEG", progressive=True, quality=50, subsampling=0)
    return f.getvalue()


def cmyk_bomb(w=10000, h=10000, pad_to=0):
    b = _patch_size(_progressive("CMYK"), w, h)
    pad = b""
    while len(b) + len(pad) < pad_to:  # APP15 segments after SOI
        n = min(65533, pad_to - len(b) - len(pad))
        pad += b"\xff\xef" + struct.pack(">H", n + 2) + b"\0" * n
    return b[:2] + pad + b[2:]


def scans_bomb(nscans, w, h):
    b = _progressive("L")
    segs = _segments(b)
    sos = [k for k, s in enumerate(segs) if s[2] == 0xDA]
    j = sos[-1]
    while segs[j - 1][2] == 0xC4:  # the Huffman tables the last scan uses
        j -= 1
    unit = b[segs[j][0]:segs[sos[-1]][1]]
    body = b[:segs[sos[-1]][1]] + unit * (nscans - len(sos)) + b"\xff\xd9"
    return _patch_size(body, w, h)
