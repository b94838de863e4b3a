"""pdqguard.dask --resume is the CLI's `scan --resume` (issues #20/#21): the CLI checks and
repairs the output before the driver reads it (a foreign file is refused, untouched),
inputs whose record is a transient error are scanned again, and paths are keyed as
the CLI keys them. A cluster of its own (test_dask.py kills workers)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from pdqguard import dask as pdask  # noqa: E402

from conftest import CLI, CORPUS, LIST, lines, plain  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c, distributed.Client(c) as client:
        yield client


def small_dump(root):
    """dir/ with three images (one matches LIST), list.csv and its index."""
    d = root / "dir"
    d.mkdir()
    for name in ("aaa-orig.jpg", "shrink-a-lot.jpg"):
        shutil.copy(os.path.join(CORPUS, "images", "bridge-mods", name), d / name)
    shutil.copy(os.path.join(CORPUS, "images", "misc-images", "small.jpg"), d / "small.jpg")
    lst = root / "list.csv"
    lst.write_text(LIST)
    idx = root / "known.pdqi"
    subprocess.run([CLI, "index", "build", str(lst), "-o", str(idx)], check=True, capture_output=True)
    return d, idx


def cli_resume(path, *inputs, cwd=None):
    """The CLI's own `scan --resume PATH` on `inputs` (a list file beside PATH); on no
    input (paths from an empty stdin) it only checks and repairs PATH."""
    lst = os.path.join(os.path.dirname(os.path.abspath(str(path))), "cli-list.csv")
    with open(lst, "w") as f:
        f.write(LIST)
    return subprocess.run([CLI, "scan", "--list", lst, "-q", "--no-summary", "--resume", str(path),
                           *(map(str, inputs) if inputs else ["-0", "-"])], input=b"", capture_output=True, cwd=cwd)


@pytest.mark.parametrize("kind", ["jpeg", "csv"])
def test_resume_refuses_a_file_that_is_not_pdqguard_output(tmp_path, cluster, kind):
    d, idx = small_dump(tmp_path)
    if kind == "jpeg":
        victim = tmp_path / "victim.jpg"
        shutil.copy(d / "aaa-orig.jpg", victim)
    else:
        victim = tmp_path / "list.csv"  # a hash list, torn last line included
        victim.write_bytes(LIST.encode() + b"0" * 64 + b",x")
    before = victim.read_bytes()
    with pytest.raises(pdask.ScanError, match="not resumed"):
        pdask.scan_to_jsonl([str(d)], str(victim), index=str(idx), client=cluster, resume=True)
    assert victim.read_bytes() == before
    # The command line: the CLI's message, exit status 2, the file untouched.
    p = subprocess.run([sys.executable, "-m", "pdqguard.dask", "--scheduler", cluster.scheduler.address,
                        "--index", str(idx), "-o", str(victim), "--resume", str(d)], capture_output=True, timeout=120)
    assert p.returncode == 2 and b"not resumed" in p.stderr and b"left unchanged" in p.stderr, p.stderr
    assert victim.read_bytes() == before


@pytest.mark.parametrize("tail,ok", [(b'{"path":"tor', True), (b"garbage, not a record", False)])
def test_resume_repairs_a_torn_last_line_as_the_cli_does(tmp_path, cluster, tail, ok):
    d, idx = small_dump(tmp_path)
    want = plain(tmp_path, d, idx)
    out = tmp_path / "out.jsonl"
    out.write_bytes(want[0] + b"\n" + tail)
    cli_copy = tmp_path / "cli.jsonl"
    shutil.copy(out, cli_copy)
    p = cli_resume(cli_copy)  # no input: the CLI's check and repair only
    assert (p.returncode == 0) == ok, p.stderr
    if not ok:
        before = out.read_bytes()
        with pytest.raises(pdask.ScanError, match="not the beginning of a pdqguard record"):
            pdask.scan_to_jsonl([str(d)], str(out), index=str(idx), client=cluster, resume=True)
        assert out.read_bytes() == before == cli_copy.read_bytes()
        return
    stats = pdask.scan_to_jsonl([str(d)], str(out), index=str(idx), client=cluster, resume=True)
    assert out.read_bytes().startswith(cli_copy.read_bytes())  # the CLI's cut, then the new records
    assert sorted(lines(out)) == want and stats["skipped"] == 1


def test_resume_rescans_an_input_whose_error_is_transient(tmp_path, cluster):
    d, idx = small_dump(tmp_path)
    want = plain(tmp_path, d, idx)
    records = [json.loads(l) for l in want]
    redo, keep = records[0]["path"], records[1]["path"]
    old = [json.dumps({"path": redo, "error": "io_error", "message": "Input/output error (simulated)"}).encode(),
           json.dumps({"path": keep, "error": "decode_error", "message": "not transient (simulated)"}).encode()]
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(l + b"\n" for l in old + want[2:]))
    stats = pdask.scan_to_jsonl([str(d)], str(out), index=str(idx), client=cluster, resume=True)
    assert stats["inputs"] == 1 and stats["skipped"] == len(want) - 1
    got = lines(out)
    assert got[: len(want)] == old + want[2:] and got[len(want):] == [want[0]]
    # merge (and report) take the retry's record in place of the transient error.
    merged = tmp_path / "merged.jsonl"
    p = subprocess.run([CLI, "merge", str(out), "-o", str(merged)], capture_output=True)
    assert b"Doubled:             0" in p.stderr, p.stderr
    assert sorted(lines(merged)) == sorted([want[0], old[1]] + want[2:])


def test_transient_errors_are_the_clis_for_every_status(tmp_path):
    """The driver's rule (through pdqg_status_is_transient) against the CLI's --resume,
    for every status name the library has."""
    from pdqguard import _errors
    names = [n for n in (_errors._lib.pdqg_status_name(c).decode() for c in range(64)) if n != "unknown_error"]
    assert "io_error" in names and "resource_limit" in names
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(json.dumps({"path": f"/nonexistent/{n}", "error": n, "message": "m"}).encode() + b"\n"
                             for n in names))
    n_before = len(lines(out))
    p = cli_resume(out, *[f"/nonexistent/{n}" for n in names])
    assert p.returncode == 2, p.stderr
    retried_by_cli = {json.loads(l)["path"].rsplit("/", 1)[1] for l in lines(out)[n_before:]}
    retried_here = {n for n in names if not pdask._done_by({"path": "x", "error": n})}
    assert retried_here == retried_by_cli == {"io_error", "out_of_memory"}
    assert {n for n in names if _errors.is_transient(_errors.status_from_name(n))} == retried_by_cli


def test_resume_keys_paths_as_the_cli_does(tmp_path):
    """Each spelling of a recorded path: the CLI's --resume skips it exactly when the
    driver's key is the same."""
    d = tmp_path / "dir"
    d.mkdir()
    shutil.copy(os.path.join(CORPUS, "images", "misc-images", "small.jpg"), d / "a.jpg")
    out = tmp_path / "out.jsonl"
    (tmp_path / "list.csv").write_text(LIST)
    p = subprocess.run([CLI, "scan", "--list", "list.csv", "-q", "--no-summary", "-o", str(out), "dir/a.jpg"],
                       cwd=tmp_path, capture_output=True)
    assert p.returncode == 0, p.stderr
    cwd = os.fsencode(str(tmp_path))
    recorded = pdask.resume_key(b"dir/a.jpg", cwd)
    spellings = ["dir/a.jpg", "./dir/a.jpg", "dir//a.jpg", "dir/./a.jpg", "dir/../dir/a.jpg", str(d / "a.jpg"),
                 "/" + str(d / "a.jpg"), "../" + tmp_path.name + "/dir/a.jpg"]
    for s in spellings:
        copy = tmp_path / "copy.jsonl"
        shutil.copy(out, copy)
        p = cli_resume(copy, s, cwd=tmp_path)
        cli_skipped = len(lines(copy)) == 1
        assert cli_skipped, (s, p.stderr)
        assert pdask.resume_key(os.fsencode(s), cwd) == recorded, s
    assert pdask.resume_key(b"dir/b.jpg", cwd) != recorded


def test_resume_with_another_spelling_of_the_same_directory_rescans_nothing(tmp_path, cluster, monkeypatch):
    d, idx = small_dump(tmp_path)
    monkeypatch.chdir(tmp_path)
    # A first run by the CLI with `dir` (relative), then Dask runs with other spellings.
    out = tmp_path / "out.jsonl"
    p = subprocess.run([CLI, "scan", "--index", str(idx), "-q", "--no-summary", "-o", str(out), "dir"],
                       capture_output=True)
    assert p.returncode == 1, p.stderr
    before = out.read_bytes()
    for spelling in ["./dir", "dir/", str(d), "/" + str(d), str(d) + "/./"]:
        stats = pdask.scan_to_jsonl([spelling], str(out), index=str(idx), client=cluster, resume=True)
        assert stats["inputs"] == 0 and stats["skipped"] == 3, spelling
        assert out.read_bytes() == before, spelling
