"""pdqguard.dask (issue #20): the Dask scan gives the CLI's records exactly once, also
when a worker is killed mid-run or an input kills the scanning process or the worker;
a Dask run, a sharded CLI run (merged) and a plain CLI run give the same records."""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile

import pytest

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from pdqguard import dask as pdask  # noqa: E402

from conftest import CLI, CORPUS, LIST, lines, plain  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes; a worker that dies is restarted by its nanny.
    The connect timeout is raised from 30 s: on a loaded machine a restarted worker
    (a new Python process importing distributed) took longer to register, its nanny
    gave up restarting it, and the run waited forever for a worker."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.comm.timeouts.connect": "180s"}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as c, distributed.Client(c) as client:
            yield client


def make_dump(root, copies=1):
    """The golden images (copies times), a non-image, a non-UTF-8 name, a zip archive
    with two images, a hidden file and a symlink (skipped inside directories)."""
    d = root / "dump"
    d.mkdir()
    for i in range(copies):
        shutil.copytree(os.path.join(CORPUS, "images"), d / f"c{i}")
    (d / "not-an-image.txt").write_bytes(b"junk")
    (d / ".hidden.jpg").write_bytes((d / "c0" / "bridge-mods" / "aaa-orig.jpg").read_bytes())
    shutil.copy(d / "c0" / "bridge-mods" / "aaa-orig.jpg", os.fsencode(str(d)) + b"/latin1-\xe9t\xe9.jpg")
    with zipfile.ZipFile(d / "pack.zip", "w") as z:
        z.write(d / "c0" / "bridge-mods" / "aaa-orig.jpg", "in/a.jpg")
        z.write(d / "c0" / "misc-images" / "small.jpg", "in/b.jpg")
    os.symlink(d / "c0", d / "link")
    lst = root / "list.csv"
    lst.write_text(LIST)
    idx = root / "known.pdqi"
    subprocess.run([CLI, "index", "build", str(lst), "-o", str(idx)], check=True, capture_output=True)
    return d, idx


def inputs_of(records):
    keys = [pdask.path_key(json.loads(l)) for l in records]
    assert None not in keys
    return keys


def test_dask_shard_and_plain_runs_give_the_same_records(tmp_path, cluster):
    d, idx = make_dump(tmp_path)
    want = plain(tmp_path, d, idx)
    assert any(b'"bytes":' in l for l in want) and any(b"pack.zip!/in/a.jpg" in l for l in want)
    # Dask, small batches so both workers take some.
    out = tmp_path / "dask.jsonl"
    stats = pdask.scan_to_jsonl([str(d)], str(out), index=str(idx), client=cluster, batch_size=3)
    assert sorted(lines(out)) == want
    assert stats["skipped"] == 0 and stats["crashed"] == 0 and stats["symlinks"] == 1
    # --shard I/N runs merged.
    parts = []
    for i in range(3):
        part = tmp_path / f"part-{i}.jsonl"
        subprocess.run([CLI, "scan", "--index", str(idx), "-q", "--no-summary", "--shard", f"{i}/3",
                        "-o", str(part), str(d)], capture_output=True)
        parts.append(str(part))
    merged = tmp_path / "merged.jsonl"
    p = subprocess.run([CLI, "merge", *parts, "-o", str(merged), "--expect", str(d)], capture_output=True)
    assert p.returncode == 1 and b"Missing:             0" in p.stderr, p.stderr
    assert sorted(lines(merged)) == want
    # The DataFrame: one row per record, the CLI's line unchanged.
    df = pdask.scan([str(d)], index=str(idx), client=cluster, batch_size=4).compute()
    assert sorted(r.encode() for r in df["record"]) == want
    assert set(df["path"]) == set(inputs_of(want))
    # scan options pass through (and reach the CLI): a lower threshold still matches at 0.
    out2 = tmp_path / "t0.jsonl"
    pdask.scan_to_jsonl([str(d)], str(out2), index=str(idx), client=cluster, threshold=0, dihedral=True)
    assert len(lines(out2)) == len(want)


def test_command_line_and_resume(tmp_path, cluster):
    d, idx = make_dump(tmp_path)
    want = plain(tmp_path, d, idx)
    out = tmp_path / "out.jsonl"
    # A first run that stopped: half of the records, and a torn last line.
    with open(out, "wb") as f:
        f.write(b"".join(l + b"\n" for l in want[: len(want) // 2]) + b'{"path":"tor')
    env = dict(os.environ)
    p = subprocess.run([sys.executable, "-m", "pdqguard.dask", "--scheduler", cluster.scheduler.address,
                        "--list", str(tmp_path / "list.csv"),
                        "-o", str(out), "--resume", "--batch-size", "2", str(d)], capture_output=True, env=env,
                       timeout=300)
    assert p.returncode == 1, p.stderr  # matched, as pdqguard scan
    assert sorted(lines(out)) == want
    assert b"Doubled:             0" in p.stderr and b"Skipped (resume):" in p.stderr
    # Options the module sets itself, or that would leave inputs without a record, are refused.
    p = subprocess.run([sys.executable, "-m", "pdqguard.dask", "--index", str(idx), "-o", str(tmp_path / "x.jsonl"),
                        "--matches-only", str(d)], capture_output=True, timeout=120)
    assert p.returncode == 2 and b"--matches-only" in p.stderr
    p = subprocess.run([sys.executable, "-m", "pdqguard.dask", "--index", str(idx), "-o", str(tmp_path / "x.jsonl"),
                        "--threshold=999", str(d)], capture_output=True, timeout=120)
    assert p.returncode == 2 and b"threshold" in p.stderr


def worker_pids(client):
    return set(client.run(os.getpid).values())


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(tmp_path, cluster):
    d, idx = make_dump(tmp_path, copies=12)
    want = plain(tmp_path, d, idx)
    out = tmp_path / "dask.jsonl"
    result = {}

    def run():
        result["stats"] = pdask.scan_to_jsonl([str(d)], str(out), index=str(idx), client=cluster, batch_size=4)

    before = worker_pids(cluster)
    t = threading.Thread(target=run)
    t.start()
    deadline = time.monotonic() + 60
    while (not out.exists() or len(lines(out)) < 8) and time.monotonic() < deadline:
        time.sleep(0.005)
    n_at_kill = len(lines(out))
    victim = sorted(before)[0]
    os.kill(victim, signal.SIGKILL)
    t.join(timeout=240)
    assert not t.is_alive()
    assert n_at_kill < len(want), "the run ended before the kill: make it longer"
    got = lines(out)
    keys = inputs_of(got)
    assert len(keys) == len(set(keys)), "an input was doubled"
    assert sorted(got) == want  # none lost, none doubled, the same records
    assert victim not in worker_pids(cluster)  # the worker really died (and was replaced)


POISON_CLI = r'''#!/usr/bin/env python3
# A pdqguard CLI stand-in: forwards stdin to the real CLI; a path containing "poison"
# first kills MODE: "worker" = the Dask worker (our parent), "self" = this process (a
# decoder crash: SIGSEGV).
import os, signal, subprocess, sys
MODE = "@MODE@"
real = subprocess.Popen(["@CLI@"] + sys.argv[1:], stdin=subprocess.PIPE)
while True:
    chunk = os.read(0, 1 << 16)
    if b"poison" in chunk:
        os.kill(os.getppid() if MODE == "worker" else os.getpid(), signal.SIGKILL if MODE == "worker" else signal.SIGSEGV)
    if not chunk:
        break
    real.stdin.write(chunk)
    real.stdin.flush()
real.stdin.close()
sys.exit(real.wait())
'''


@pytest.mark.parametrize("mode", ["self", "worker"])
def test_an_input_that_kills_the_scan_ends_as_one_error_record(tmp_path, cluster, mode):
    d, idx = make_dump(tmp_path)
    shutil.copy(d / "c0" / "bridge-mods" / "aaa-orig.jpg", d / "c0" / "poison.jpg")
    cli = tmp_path / "poison-cli"
    cli.write_text(POISON_CLI.replace("@MODE@", mode).replace("@CLI@", CLI))
    cli.chmod(0o755)
    out = tmp_path / "dask.jsonl"
    stats = pdask.scan_to_jsonl([str(d)], str(out), index=str(idx), client=cluster, batch_size=5, cli=str(cli))
    got = lines(out)
    poison = [json.loads(l) for l in got if b"poison" in l]
    assert len(poison) == 1 and poison[0]["error"] == "internal_error", poison
    assert stats["crashed"] == 1
    # Every other input has exactly its plain-run record.
    (d / "c0" / "poison.jpg").unlink()
    want = plain(tmp_path, d, idx)
    assert sorted(l for l in got if b"poison" not in l) == want


def test_command_line_starts_a_local_cluster(tmp_path):
    d, idx = make_dump(tmp_path)
    out = tmp_path / "out.jsonl"
    p = subprocess.run([sys.executable, "-m", "pdqguard.dask", "--workers", "1", "--index", str(idx), "-o", str(out),
                        str(d / "c0" / "bridge-mods")], capture_output=True, timeout=300)
    assert p.returncode == 1, p.stderr
    assert len(lines(out)) == 2 and b"Matched:             2" in p.stderr
