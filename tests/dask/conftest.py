"""Shared by the pdqguard.dask tests: the CLI and corpus from CTest, the test list,
and the helpers that read records and make a plain CLI run to compare with."""
import os
import subprocess

import pytest

CLI = os.environ.get("PDQGUARD_CLI", "")
CORPUS = os.environ.get("PDQGUARD_CORPUS_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
LIST = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,bridge-1,example\n"


@pytest.fixture(scope="module", autouse=True)
def _need_cli():
    if not CLI or not os.path.exists(CLI):
        pytest.skip("PDQGUARD_CLI (the built pdqguard binary) is needed")


def lines(path):
    with open(path, "rb") as f:
        return f.read().splitlines()


def plain(tmp_path, d, idx):
    """The records of a plain `pdqguard scan` of d, sorted."""
    out = tmp_path / "plain.jsonl"
    p = subprocess.run([CLI, "scan", "--index", str(idx), "-q", "--no-summary", "-o", str(out), str(d)],
                       capture_output=True)
    assert p.returncode == 1, p.stderr
    return sorted(lines(out))
