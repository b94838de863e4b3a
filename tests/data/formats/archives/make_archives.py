#!/usr/bin/python3
"""Writes members.7z and members.tar.zst (lossy.webp and palette.gif of the
folder above, as dir/lossy.webp and palette.gif) with libarchive's writer
through python3-libarchive-c (Debian), for tests/cli/test_archives.py: no 7z or
zstd tool is needed to run the tests, only to regenerate these files.
Run from anywhere: python3 make_archives.py"""
import os

import libarchive

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)

for name, fmt, flt in (("members.7z", "7zip", None), ("members.tar.zst", "pax_restricted", "zstd")):
    with libarchive.file_writer(os.path.join(HERE, name), fmt, flt) as a:
        for member, src in (("dir/lossy.webp", "lossy.webp"), ("palette.gif", "palette.gif")):
            with open(os.path.join(SRC, src), "rb") as f:
                data = f.read()
            a.add_file_from_memory(member, len(data), data)
