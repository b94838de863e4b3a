"""A minimal PEP 517 build backend for the pure-Python pdqguard package.

Standard library only, so `pip install ./bindings/python` works without network
access (pip's isolated build environment has nothing to download). It builds a
py3-none-any wheel of the `pdqguard/` package and an sdist of this folder.
Metadata comes from the few fields of pyproject.toml this project uses.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import zipfile

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGE = "pdqguard"


def _project() -> dict:
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - older Pythons
        tomllib = None
    path = os.path.join(_HERE, "pyproject.toml")
    if tomllib is not None:
        with open(path, "rb") as f:
            return tomllib.load(f)["project"]
    # Fallback: the simple `key = "value"` lines of [project].
    project, section = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line.strip("[]")
            elif section == "project" and "=" in line and line.split("=", 1)[1].strip().startswith('"'):
                key, value = line.split("=", 1)
                project[key.strip()] = value.strip().strip('"')
    return project


def _metadata() -> str:
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {p['name']}",
        f"Version: {p['version']}",
        f"Summary: {p.get('description', '')}",
        f"Requires-Python: {p.get('requires-python', '>=3')}",
        "Provides-Extra: numpy",
        "Requires-Dist: numpy ; extra == 'numpy'",
    ]
    lines += [f"Classifier: {c}" for c in p.get("classifiers", [])]
    readme = os.path.join(_HERE, "README.md")
    body = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as f:
            body = "\n" + f.read()
    return "\n".join(lines) + "\n" + body


def _package_files():
    root = os.path.join(_HERE, _PACKAGE)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            full = os.path.join(dirpath, name)
            yield full, os.path.relpath(full, _HERE).replace(os.sep, "/")


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _dist_name() -> str:
    p = _project()
    return f"{p['name']}-{p['version']}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist = _dist_name()
    info = f"{dist}.dist-info"
    wheel_name = f"{dist}-py3-none-any.whl"
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as z:
        def add(arcname: str, data: bytes) -> None:
            z.writestr(arcname, data)
            records.append(_record_line(arcname, data))

        for full, arcname in _package_files():
            with open(full, "rb") as f:
                add(arcname, f.read())
        add(f"{info}/METADATA", _metadata().encode())
        add(f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: pdqguard_build\n"
                             b"Root-Is-Purelib: true\nTag: py3-none-any\n")
        add(f"{info}/top_level.txt", f"{_PACKAGE}\n".encode())
        records.append(f"{info}/RECORD,,")
        z.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    dist = _dist_name()
    name = f"{dist}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        extra = ["pyproject.toml", "README.md", "_build/pdqguard_build.py"]
        files = [(os.path.join(_HERE, e), e) for e in extra if os.path.exists(os.path.join(_HERE, e))]
        for full, arcname in files + list(_package_files()):
            t.add(full, arcname=f"{dist}/{arcname}")
        pkg_info = _metadata().encode()
        ti = tarfile.TarInfo(f"{dist}/PKG-INFO")
        ti.size = len(pkg_info)
        t.addfile(ti, io.BytesIO(pkg_info))
    return name
