"""`pip install ./bindings/python` works offline, and the installed package finds the
library through PDQGUARD_LIBRARY or next to its own files."""
import os
import shutil
import subprocess
import sys

import pytest

SOURCE = os.environ.get("PDQGUARD_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
LIBRARY = os.environ.get("PDQGUARD_LIBRARY")
LIBRARY = os.path.abspath(LIBRARY) if LIBRARY else None

PROBE = ("import pdqguard, sys; r = pdqguard.hash_file(sys.argv[1]); "
         "print(pdqguard.__file__); print(r.hash.hex, r.quality)")


def pip_install(target):
    """`pip install ./bindings/python` into `target`, offline."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet",
         "--disable-pip-version-check", "--no-cache-dir", "--target", str(target),
         os.path.join(SOURCE, "bindings", "python")],
        capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    pip_install(target)
    assert (target / "pdqguard" / "__init__.py").exists()
    assert list(target.glob("pdqguard-*.dist-info/RECORD"))
    return target


def run_probe(target, image, env_library):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PDQGUARD_LIBRARY")}
    env["PYTHONPATH"] = str(target)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if env_library:
        env["PDQGUARD_LIBRARY"] = env_library
    return subprocess.run([sys.executable, "-c", PROBE, image], capture_output=True, text=True,
                          env=env, cwd=str(target), timeout=60)


@pytest.mark.skipif(not LIBRARY, reason="PDQGUARD_LIBRARY not set")
def test_pip_install_offline_and_library_lookup(installed, corpus, raw_rows):
    row = raw_rows[0]
    image = os.path.join(corpus, "raw", row["relative_path"])

    proc = run_probe(installed, image, LIBRARY)  # 1. the environment variable
    assert proc.returncode == 0, proc.stderr
    where, result = proc.stdout.splitlines()
    assert where.startswith(str(installed))  # the installed copy, not the source tree
    assert result == f"{row['hash']} {row['quality']}"

    proc = run_probe(installed, image, "/nonexistent/libpdqguard.so")  # no silent fallback
    assert proc.returncode != 0 and "PDQGUARD_LIBRARY" in proc.stderr

    shutil.copy(LIBRARY, installed / "pdqguard" / "libpdqguard.so.0")  # 2. next to the package
    proc = run_probe(installed, image, None)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1] == f"{row['hash']} {row['quality']}"


@pytest.mark.skipif(not LIBRARY, reason="PDQGUARD_LIBRARY not set")
def test_found_in_the_install_prefix_without_environment(tmp_path, corpus, raw_rows):
    # `cmake --install` put libpdqguard.so.0 in <prefix>/lib (or lib/<multiarch>),
    # pip put the package in <prefix>/lib/python3/dist-packages: no PDQGUARD_LIBRARY,
    # no LD_LIBRARY_PATH, no ldconfig run, and it is found.
    import sysconfig
    row = raw_rows[0]
    image = os.path.join(corpus, "raw", row["relative_path"])
    for libdir in ("lib", os.path.join("lib", sysconfig.get_config_var("MULTIARCH") or "")):
        prefix = tmp_path / libdir.replace(os.sep, "_") / "prefix"
        site = prefix / "lib" / "python3" / "dist-packages"
        pip_install(site)
        assert (site / "pdqguard" / "py.typed").exists()  # PEP 561: type hints are shipped
        (prefix / libdir).mkdir(parents=True, exist_ok=True)
        shutil.copy(LIBRARY, prefix / libdir / "libpdqguard.so.0")
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PDQGUARD_LIBRARY", "LD_LIBRARY_PATH")}
        env.update(PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
        probe = PROBE + "; print(pdqguard._native.lib._name)"
        proc = subprocess.run([sys.executable, "-c", probe, image], capture_output=True, text=True,
                              env=env, cwd=str(tmp_path), timeout=60)
        assert proc.returncode == 0, proc.stderr
        where, result, loaded = proc.stdout.splitlines()
        assert result == f"{row['hash']} {row['quality']}"
        import ctypes.util
        if not ctypes.util.find_library("pdqguard"):  # else a system-wide copy may win
            assert loaded == str(prefix / libdir / "libpdqguard.so.0")
