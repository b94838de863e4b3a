"""Scanning a dump on a Dask cluster: ``pdqguard.dask`` (issue #20).

    from pdqguard import dask as pdask
    summary = pdask.scan_to_jsonl(["/mnt/dump"], "results.jsonl", index="known.pdqi")
    df = pdask.scan(["/mnt/dump"], index="known.pdqi")     # a lazy Dask DataFrame

    python3 -m pdqguard.dask --index known.pdqi -o results.jsonl /mnt/dump
    python3 -m pdqguard.dask --scheduler tcp://10.0.0.1:8786 --list known.csv -o out.jsonl /mnt/dump

Where the record comes from (one home). Each record is written by the pdqguard CLI's
own pipeline: a Dask task hands its batch of paths to a ``pdqguard scan -t 1 -0 -``
process that the worker keeps running (one per worker thread), and returns the JSON
lines that process printed, unchanged. So a Dask run, a ``--shard`` run and a plain
``pdqguard scan`` give the same records by construction (archives, warnings, exact
non-UTF-8 paths, whatever the CLI learns later), and a decoder that crashes takes down
that child process, never the Dask worker. The C API has no function that renders the
CLI's record; giving it one would mean moving the CLI's engine into lib/.

What this module decides itself (and nothing else):
- the walk of directories (Python's os.scandir, mirroring the CLI's walk: hidden
  entries included, symbolic links inside directories skipped, anything that is not a
  directory or a symlink handed to the CLI, which makes the record: a file is hashed,
  a FIFO gets the CLI's "skipped" error record, a directory that cannot be read is
  handed over whole and gets the CLI's "cannot read directory" record);
- batching (``batch_size`` paths per task) and the exactly-once bookkeeping: a task
  only returns lines, the driver writes each finished batch once, so a task that Dask
  runs again after its worker died leaves no duplicate;
- the one record the CLI cannot write: an ``internal_error`` record for an input that
  killed the scanning process (or the Dask worker) every time it was tried.

``resume=True`` (``--resume``) follows the CLI's ``scan --resume`` by asking the CLI:
the CLI itself first opens the output for resuming (``pdqguard scan --resume OUT`` on no
input), so only a file that is pdqguard's JSON-lines output (or an empty or new file) is
ever appended to, a torn last line is cut off exactly as the CLI cuts it, and anything
else (a JPEG, a hash list, a CSV report, a device) is refused with the CLI's message,
untouched. The records are then read here, read-only: an input is done unless its record
is an error the library calls transient (``pdqg_status_is_transient``: io_error,
out_of_memory), which is scanned again (``pdqguard report``/``merge`` take the later
record); paths are compared as the CLI keys them (absolute, lexically normal: ``dump``,
``./dump/``, ``$PWD/dump`` name the same inputs).

The index file is opened by each scanning process itself (memory-mapped; on one node
the page cache holds it once), never pickled or sent through the scheduler: it must be
at the same path on every worker (a shared filesystem, or copied once per node).
``lists=`` are built into an index file once, by ``pdqguard index build``.

The pdqguard CLI is found as: the ``cli=`` argument; ``$PDQGUARD_CLI``; ``pdqguard`` on
the PATH (looked up on each worker).
"""
from __future__ import annotations

import base64
import json
import os
import posixpath
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from ._errors import is_transient, status_from_name

DEFAULT_BATCH_SIZE = 256
"""Paths per Dask task: bench/README.md ("Dask") measured the per-task cost of the
scheduler and of this module against the hashing time of a batch."""

# Options of `pdqguard scan` that this module sets itself, or that would leave inputs
# without a record (so a run could not be resumed or checked for missing inputs).
_REFUSED_OPTIONS = {
    "-o", "--output", "--resume", "-f", "--format", "--sort", "-t", "--threads", "--shard", "--raw",
    "--size", "--hashes", "-0", "--null", "-q", "--quiet", "--no-summary", "--matches-only",
    "--no-error-records", "--follow-symlinks", "--max-depth", "-l", "--list", "--index",
}

# A path no input can have (it is not an absolute path and starts with \x01): its
# record (the CLI's "cannot stat" error) marks the end of a batch in the child's output.
_END = b"\x01pdqguard-dask-end-of-batch\x01"
_END_JSON = b'{"path":"\\u0001pdqguard-dask-end-of-batch\\u0001'
_MEMBER_SEPARATOR = b"!/"  # archive members: "a.zip!/dir/x.jpg" (include/pdqguard/archive.hpp)

Path = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


class ScanError(RuntimeError):
    """The scan could not run at all (the CLI was not found, an option was refused, the
    index could not be opened): raised before or instead of writing records."""


# --------------------------------------------------------------------------- paths

def path_key(record: dict) -> Optional[bytes]:
    """The exact input path of a CLI record (its "path" field: a string, or
    {"bytes": base64} when the name is not UTF-8), or None (a frame or hash-line record)."""
    p = record.get("path")
    if isinstance(p, str):
        return p.encode("utf-8", "surrogateescape")
    if isinstance(p, dict) and isinstance(p.get("bytes"), str):
        return base64.b64decode(p["bytes"])
    return None


def _input_of(path: bytes) -> bytes:
    """The input an archive member's record belongs to ("a.zip!/x.jpg" -> "a.zip")."""
    i = path.find(_MEMBER_SEPARATOR)
    return path if i < 0 else path[:i]


def _path_json(path: bytes):
    try:
        return path.decode("utf-8")
    except UnicodeDecodeError:
        return {"bytes": base64.b64encode(path).decode("ascii")}


def _crash_record(path: bytes, why: str) -> bytes:
    return json.dumps({"path": _path_json(path), "error": "internal_error", "message": why},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def walk(inputs: Iterable[Path], skipped: Optional[List[int]] = None) -> Iterator[bytes]:
    """Yields every input path (bytes, exact) under `inputs`, in the CLI's walk order
    rules (see the module's docstring). "-" reads NUL- or newline-separated paths from
    stdin. `skipped`, when given, gets [symbolic links skipped inside directories]."""
    links = 0
    for top in inputs:
        top_b = os.fsencode(top)
        if top_b == b"-":
            data = sys.stdin.buffer.read()
            names = data.split(b"\0") if b"\0" in data else data.splitlines()
            tops = [n for n in names if n]
        else:
            tops = [top_b]
        for t in tops:
            if not os.path.isdir(t):  # a file, a missing path, a FIFO...: the CLI decides
                yield t
                continue
            stack = [t]
            while stack:
                d = stack.pop()
                try:
                    with os.scandir(d) as it:
                        entries = list(it)
                except OSError:
                    yield d  # the CLI reports "cannot read directory: ..." for it
                    continue
                subdirs = []
                for e in entries:
                    if e.is_symlink():
                        links += 1
                        continue
                    if e.is_dir(follow_symlinks=False):
                        subdirs.append(e.path)
                    else:
                        yield e.path
                stack.extend(reversed(subdirs))
    if skipped is not None:
        skipped.append(links)


def batches(paths: Iterable[bytes], batch_size: int) -> Iterator[List[bytes]]:
    """Groups paths into lists of at most batch_size."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    b: List[bytes] = []
    for p in paths:
        b.append(p)
        if len(b) == batch_size:
            yield b
            b = []
    if b:
        yield b


# --------------------------------------------------------------------------- the CLI

def find_cli(cli: Optional[str] = None) -> str:
    """The pdqguard CLI to run: `cli`, $PDQGUARD_CLI, or `pdqguard` on the PATH."""
    c = cli or os.environ.get("PDQGUARD_CLI") or shutil.which("pdqguard")
    if not c:
        raise ScanError("the pdqguard CLI was not found: set PDQGUARD_CLI or put pdqguard on the PATH")
    return c


def scan_options(options: Dict[str, object]) -> List[str]:
    """`pdqguard scan` options from keyword arguments: threshold=10 -> --threshold=10,
    dihedral=True -> --dihedral (False/None: left out). The CLI checks them."""
    args = []
    for k, v in options.items():
        flag = "--" + k.replace("_", "-")
        if flag in _REFUSED_OPTIONS:
            raise ScanError(f"{flag} cannot be used here (this module sets it, or it would leave "
                            "inputs without a record)")
        if v is True:
            args.append(flag)
        elif v is not None and v is not False:
            args.append(f"{flag}={v}")
    return args


def _check_options(cli: str, index: str, args: Sequence[str], resume: Optional[str] = None) -> None:
    """Runs the CLI once on no input with these options: refuses bad options or an
    index that does not open before any task is sent. With `resume` (an output file),
    that run is `pdqguard scan --resume RESUME`: the CLI's own check of the file
    (pdqguard's JSON-lines output, or empty or new; anything else is refused untouched
    with the CLI's message) and its repair (a torn last line cut off, a missing file
    created), the one home of which file --resume may modify."""
    bad = [a for a in args if a.split("=", 1)[0] in _REFUSED_OPTIONS]
    if bad:
        raise ScanError(f"{bad[0]} cannot be used here (this module sets it, or it would leave "
                        "inputs without a record)")
    extra = ["--resume", resume] if resume is not None else []
    p = subprocess.run([cli, "scan", "--index", index, *args, *extra, "-q", "--no-summary", "-0", "-"],
                       input=b"", capture_output=True)
    if p.returncode != 0:
        raise ScanError(p.stderr.decode("utf-8", "replace").strip() or f"pdqguard exited {p.returncode}")


def build_index(lists: Sequence[Path], output: Path, cli: Optional[str] = None) -> str:
    """Builds the hash lists into one index file (`pdqguard index build`), once, for all
    workers; returns its path."""
    out = os.fsdecode(output)
    p = subprocess.run([find_cli(cli), "index", "build", *map(os.fsdecode, lists), "-o", out],
                       capture_output=True)
    if p.returncode != 0:
        raise ScanError(p.stderr.decode("utf-8", "replace").strip())
    return out


def _command(cli: str, index: str, args: Sequence[str]) -> List[str]:
    return [cli, "scan", "--index", index, *args, "--format", "jsonl", "-q", "--no-summary",
            "-t", "1", "-0", "-"]


def _describe(rc: int) -> str:
    if rc < 0:
        try:
            return f"signal {-rc} ({signal.Signals(-rc).name})"
        except ValueError:
            return f"signal {-rc}"
    return f"exit status {rc}"


def _scan_alone(cmd: List[str], path: bytes) -> List[bytes]:
    """One input in a process of its own: its records, or an internal_error record
    when the process dies on it."""
    p = subprocess.run(cmd, input=path + b"\0", capture_output=True)
    if p.returncode in (0, 1, 2) and p.stdout.endswith(b"\n"):
        return p.stdout.splitlines()
    if p.returncode == 2 and not p.stdout:
        raise ScanError(p.stderr.decode("utf-8", "replace").strip())
    return [_crash_record(path, f"pdqguard scan died on this input ({_describe(p.returncode)})")]


class _Child:
    """A `pdqguard scan -t 1 -0 -` process fed batch after batch (one per worker thread)."""

    def __init__(self, cmd: List[str]):
        self.cmd = cmd
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                  bufsize=0)

    def alive(self) -> bool:
        return self.p.poll() is None

    def close(self) -> None:
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.err.close()

    def run(self, paths: List[bytes]) -> Tuple[List[bytes], bool]:
        """Returns (lines, complete): complete is False when the process died."""
        data = b"".join(p + b"\0" for p in paths) + _END + b"\0"

        def feed():  # a separate thread: the child may fill stdout before it reads all paths
            try:
                self.p.stdin.write(data)
            except OSError:
                pass

        w = threading.Thread(target=feed, daemon=True)
        w.start()
        lines = []
        out = self.p.stdout
        buf = b""
        done = False
        while not done:
            chunk = out.read1(1 << 16) if hasattr(out, "read1") else os.read(out.fileno(), 1 << 16)
            if not chunk:
                break
            buf += chunk
            *whole, buf = buf.split(b"\n")
            for line in whole:
                if line.startswith(_END_JSON):
                    done = True
                    break
                lines.append(line)
        w.join()
        return lines, done


_local = threading.local()


def _child_for(cmd: List[str]) -> _Child:
    c = getattr(_local, "child", None)
    if c is not None and (c.cmd != cmd or not c.alive()):
        c.close()
        c = None
    if c is None:
        c = _local.child = _Child(cmd)
    return c


def scan_batch(paths: List[bytes], index: str, args: Sequence[str] = (), cli: Optional[str] = None) -> List[bytes]:
    """Runs on a worker: the CLI's JSON-lines records of `paths` (one or more per input:
    an archive gives one per member), in input order. When the scanning process dies,
    the inputs before the one it died on keep their records, and each remaining input is
    scanned again in a process of its own; one that kills that process too gets an
    internal_error record. Raises ScanError when the CLI cannot run at all."""
    cmd = _command(find_cli(cli), os.fsdecode(index), list(args))
    child = _child_for(cmd)
    lines, complete = child.run(paths)
    if complete:
        return lines
    rc = child.p.wait()
    child.err.seek(0)
    err = child.err.read().decode("utf-8", "replace").strip()
    child.close()
    _local.child = None
    if rc == 2 and not lines and err:
        raise ScanError(err)  # e.g. the index file cannot be opened on this worker
    # Records come in input order (one scanning thread): keep those of the inputs before
    # the last one that has records (that one may be a half-read archive), redo the rest
    # one process per input.
    pos = {p: i for i, p in enumerate(paths)}

    def position(line: bytes) -> int:
        k = path_key(json.loads(line)) or b""
        return pos.get(k, pos.get(_input_of(k), -1))

    at = [position(line) for line in lines]
    start = max(at, default=0)
    start = max(start, 0)
    kept = [line for line, i in zip(lines, at) if i < start]
    for p in paths[start:]:
        kept.extend(_scan_alone(cmd, p))
    return kept


# --------------------------------------------------------------------------- the driver

def _client(client=None, workers: Optional[int] = None):
    """(client, cluster-to-close): the given client, or a LocalCluster of `workers`
    single-threaded worker processes (default: one per core)."""
    if client is not None:
        return client, None
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                           processes=True, dashboard_address=None)
    return Client(cluster), cluster


_MAX_RECORD_LINE = 64 << 20
"""The CLI's kMaxResumeLineBytes (tools/pdqguard/resume.hpp): a longer line is not a record."""


def resume_key(path: bytes, cwd: bytes) -> bytes:
    """An input path as the CLI's --resume keys it (tools/pdqguard/resume.cpp,
    normal_path): made absolute under `cwd` when relative, lexically normal (no
    filesystem access: "." and ".." segments and repeated slashes folded, a leading
    "//" is "/", no trailing slash). `dump/a.jpg`, `./dump/a.jpg` and
    `$PWD/dump//a.jpg` have the same key."""
    if not path.startswith(b"/"):
        path = cwd.rstrip(b"/") + b"/" + path
    k = posixpath.normpath(path)
    if k.startswith(b"//"):  # POSIX keeps "//" apart; std::filesystem (the CLI) does not
        k = k[1:]
    return k


def _done_by(record: dict) -> bool:
    """Whether a record finishes its input for --resume: not when its error is one the
    library calls transient (the CLI's retried_on_resume, through pdqg_status_is_transient)."""
    err = record.get("error")
    if not isinstance(err, str):
        return True
    code = status_from_name(err)
    return code is None or not is_transient(code)


def recorded_inputs(output: Path, cwd: Optional[bytes] = None) -> set:
    """The inputs (keys: resume_key under `cwd`, default the current directory) that
    already have a final record in a JSON-lines output, for --resume; an input whose
    record is a transient error (io_error, out_of_memory) is not among them, so it is
    scanned again. An archive counts as done when one of its members has a record.
    Read-only: the file must already have passed the CLI's check (scan_to_jsonl runs
    `pdqguard scan --resume` on it first); a missing file has no records. Raises
    ScanError for a line that is not a whole pdqguard record (a file changed since)."""
    cwd = os.getcwdb() if cwd is None else cwd
    done = set()
    try:
        f = open(output, "rb")
    except FileNotFoundError:
        return done
    with f:
        size = os.fstat(f.fileno()).st_size
        at = 0
        while at < size:  # what fstat saw, as the CLI reads it
            line = f.readline(_MAX_RECORD_LINE + 1)
            if not line:
                break
            at += len(line)
            try:
                if not line.endswith(b"\n"):
                    raise ValueError("no newline")
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("not an object")
            except ValueError:
                raise ScanError(f"{os.fsdecode(output)}: a line at byte {at - len(line)} is not a whole "
                                "pdqguard record (was the file changed after pdqguard checked it?)") from None
            k = path_key(rec)
            if k is not None and _done_by(rec):
                done.add(resume_key(k, cwd))
                done.add(resume_key(_input_of(k), cwd))
    return done


class _Progress:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.t0 = time.monotonic()
        self.last = 0.0

    def show(self, done: int, total: Optional[int], records: int, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.last < 0.25):
            return
        self.last = now
        el = now - self.t0
        rate = done / el if el > 0 else 0.0
        line = f"{done}{'/' + str(total) if total is not None else ''} inputs, {rate:.1f} files/s, {records} records"
        if total is not None and rate > 0:
            line += f", ~{(total - done) / rate:.0f} s left"
        sys.stderr.write("\r\x1b[K" + line + ("\n" if final else ""))
        sys.stderr.flush()


def scan_to_jsonl(inputs: Iterable[Path], output: Path, lists: Sequence[Path] = (), index: Optional[Path] = None,
                  client=None, batch_size: int = DEFAULT_BATCH_SIZE, resume: bool = False, progress: bool = False,
                  workers: Optional[int] = None, cli: Optional[str] = None, max_in_flight: Optional[int] = None,
                  **options) -> dict:
    """Scans `inputs` on the cluster and writes every input's records to `output` (JSON
    lines, the CLI's records) exactly once: each finished batch is appended whole, a
    batch whose worker died is run again by Dask, a batch that Dask gives up on
    (KilledWorker) is split into one task per input, an input given up on again is run
    alone (nothing else in flight, so no innocent input shares the blame), and an input
    that kills its worker even alone gets an internal_error record. `resume=True` appends to `output`, skipping inputs already
    recorded there, as the CLI's `scan --resume` does: the CLI checks the file first
    (only its own JSON-lines output, or an empty or new file, is appended to; anything
    else raises ScanError with the CLI's message and is left unchanged), an input whose
    record is a transient error is scanned again, and paths match however they are
    spelled (`dump` and `./dump`). `options` are `pdqguard scan` options (threshold=10, dihedral=True).
    Returns counts: inputs, records, batches, skipped (resume), crashed (inputs that got
    an internal_error record from this module), symlinks (skipped), seconds."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    t0 = time.monotonic()
    cli_path = find_cli(cli)
    args = scan_options(options)
    if index is None:
        if not lists:
            raise ScanError("give lists= (hash list files) or index= (a built index file)")
        index = build_index(lists, os.fsdecode(output) + ".pdqi", cli_path)
    elif lists:
        raise ScanError("give lists= or index=, not both (build the lists into the index first)")
    index = os.path.abspath(os.fsdecode(index))
    # --resume: the CLI checks (and repairs) the output before anything here reads it.
    _check_options(cli_path, index, args, os.fsdecode(output) if resume else None)
    cwd = os.getcwdb()
    done_before = recorded_inputs(output, cwd) if resume else set()
    cl, cluster = _client(client, workers)
    stats = {"inputs": 0, "records": 0, "batches": 0, "skipped": 0, "crashed": 0, "symlinks": 0}
    try:
        links: List[int] = []
        pending_paths = walk(inputs, links)

        def fresh():
            for p in pending_paths:
                if done_before and resume_key(p, cwd) in done_before:
                    stats["skipped"] += 1
                    continue
                yield p

        work = batches(fresh(), batch_size)
        limit = max_in_flight or max(4, 2 * sum(cl.nthreads().values()))
        ac = as_completed(raise_errors=False)
        inflight = {}
        quarantine: List[bytes] = []
        total = None
        prog = _Progress(progress)
        walked = 0

        def submit(batch: List[bytes], alone: bool = False):
            f = cl.submit(scan_batch, batch, index, args, cli, pure=False)
            inflight[f.key] = (batch, alone)
            ac.add(f)

        def refill():
            nonlocal total, walked
            if quarantine:  # an input suspected of killing workers runs with nothing else
                if not inflight:
                    submit([quarantine.pop()], alone=True)
                return
            while total is None and len(inflight) < limit:
                b = next(work, None)
                if b is None:
                    total = walked
                    return
                walked += len(b)
                stats["batches"] += 1
                submit(b)

        mode = "ab" if resume else "wb"
        with open(output, mode) as out:
            refill()
            for f in ac:
                batch, alone = inflight.pop(f.key)
                lines: List[bytes] = []
                exc = f.exception() if f.status == "error" else None
                if exc is None:
                    # A finished task's result lives on its worker: when that worker dies
                    # before the result is fetched, Dask runs the task again, and that
                    # run can end in KilledWorker too. It is handled as if reported here.
                    try:
                        lines = f.result()
                    except KilledWorker as e:
                        exc = e
                if exc is not None:
                    if not isinstance(exc, KilledWorker):
                        raise exc
                    # Dask gave up on this task after its workers died (allowed-failures).
                    # Every task assigned to a dying worker is marked, so a batch is split
                    # into one task per input, an input marked again runs alone, and only
                    # an input that kills workers while alone gets the blame.
                    if len(batch) > 1:
                        for p in batch:
                            submit([p])
                    elif not alone:
                        quarantine.append(batch[0])
                    else:
                        lines = [_crash_record(batch[0], "the Dask worker died every time it scanned this input "
                                                         f"({type(exc).__name__})")]
                        stats["crashed"] += 1
                    if not lines:
                        f.release()
                        refill()
                        continue
                if lines:
                    out.write(b"".join(l + b"\n" for l in lines))
                    out.flush()
                stats["records"] += len(lines)
                stats["inputs"] += len(batch)
                stats["crashed"] += sum(1 for l in lines if b'"error":"internal_error","message":"pdqguard scan died' in l)
                f.release()
                refill()
                prog.show(stats["inputs"], total, stats["records"])
        prog.show(stats["inputs"], total, stats["records"], final=True)
        stats["symlinks"] = links[0] if links else 0
    finally:
        if cluster is not None:
            cl.close()
            cluster.close()
    stats["seconds"] = time.monotonic() - t0
    return stats


def _batch_frame(batch: List[bytes], index: str, args: Sequence[str], cli: Optional[str]):
    import pandas as pd
    lines = scan_batch(batch, index, args, cli)
    return pd.DataFrame({"path": [path_key(json.loads(l)) for l in lines],
                         "record": [l.decode("utf-8") for l in lines]})


def _bag_frame(paths, index: str, args: Sequence[str], cli: Optional[str]):
    return _batch_frame([os.fsencode(p) for p in paths], index, args, cli)


def scan(inputs: Union[Iterable[Path], "dask.bag.Bag"], lists: Sequence[Path] = (), index: Optional[Path] = None,
         client=None, batch_size: int = DEFAULT_BATCH_SIZE, cli: Optional[str] = None, **options):
    """A lazy Dask DataFrame of the CLI's records of `inputs` (paths, directories or
    "-"; or a dask.bag.Bag of paths, taken as they are): one row per record, columns
    `path` (the exact input path, bytes; an archive member's own path) and `record`
    (the CLI's JSON line, unchanged: json.loads it, or pd.json_normalize the column).
    The walk happens now, on the client; batches run when the frame is computed (a
    worker killed mid-run is retried by Dask; an input that crashes the scanning process
    gets an internal_error record). For the exactly-once file output with resume, use
    scan_to_jsonl. `lists=` are built into `<tempdir>/lists.pdqi` (local clusters) —
    on a real cluster build the index on a shared path and pass index=. `client` is
    accepted for symmetry with scan_to_jsonl: the frame is computed by the current
    (default) client, as any Dask collection."""
    import dask
    import dask.dataframe as dd
    import pandas as pd

    cli_path = find_cli(cli)
    args = scan_options(options)
    if index is None:
        if not lists:
            raise ScanError("give lists= (hash list files) or index= (a built index file)")
        index = build_index(lists, os.path.join(tempfile.mkdtemp(prefix="pdqguard-dask-"), "lists.pdqi"), cli_path)
    index = os.path.abspath(os.fsdecode(index))
    _check_options(cli_path, index, args)
    meta = pd.DataFrame({"path": pd.Series([], dtype=object), "record": pd.Series([], dtype=object)})
    if hasattr(inputs, "map_partitions") and hasattr(inputs, "to_delayed"):  # a Bag of paths
        parts = [dask.delayed(_bag_frame)(d, index, args, cli) for d in inputs.to_delayed()]
    else:
        parts = [dask.delayed(_batch_frame)(b, index, args, cli) for b in batches(walk(inputs), batch_size)]
    if not parts:
        return dd.from_pandas(meta, npartitions=1)
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


# --------------------------------------------------------------------------- command line

def main(argv: Optional[Sequence[str]] = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(
        prog="python3 -m pdqguard.dask",
        description="Scan files and directories on a Dask cluster with the pdqguard CLI's records "
                    "(JSON lines, one or more per input, each input exactly once).",
        epilog="Other pdqguard scan options are passed on to every worker's pdqguard scan; give "
               "their values with '=' (--threshold=10, --min-quality=60); flags as they are "
               "(--dihedral, --fast). Not accepted: --matches-only and --no-error-records (every input "
               "keeps its record, so a run can be resumed and checked: filter the output afterwards), "
               "--follow-symlinks, --max-depth, --sort, --format, --threads, --shard.\n"
               "Exit status: as pdqguard scan: 0 clean, 1 something matched, 2 errors only.")
    ap.add_argument("inputs", nargs="*", help="files, directories (walked), - for paths on stdin")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (default: a LocalCluster here)")
    ap.add_argument("--workers", type=int, help="LocalCluster: worker processes, one thread each (default: cores)")
    ap.add_argument("-l", "--list", action="append", default=[], help="hash list file (repeatable); built into OUT.pdqi once")
    ap.add_argument("--index", help="a built index file, at the same path on every worker")
    ap.add_argument("-o", "--output", required=True, help="JSON-lines output file")
    ap.add_argument("--resume", action="store_true", help="append to OUTPUT, skipping inputs already recorded there (as pdqguard scan "
                         "--resume: only pdqguard's own JSON-lines output, or an empty or new file, is "
                         "touched; inputs with a transient error are scanned again)")
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="paths per task (default %(default)s)")
    ap.add_argument("--cli", help="the pdqguard CLI on the workers (default: $PDQGUARD_CLI or pdqguard on the PATH)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress line and no summary")
    ns, passthrough = ap.parse_known_args(argv)
    if not ns.inputs:
        ap.error("give at least one input")
    if bool(ns.list) == bool(ns.index):
        ap.error("give --list FILE (repeatable) or --index FILE")
    try:
        cli_path = find_cli(ns.cli)
        client = None
        if ns.scheduler:
            from distributed import Client
            client = Client(ns.scheduler)
        index = ns.index
        if ns.list:
            index = build_index(ns.list, ns.output + ".pdqi", cli_path)
        opts = {}
        for a in passthrough:  # already checked by the CLI: --name[=value]
            name, eq, value = a.partition("=")
            opts[name.lstrip("-").replace("-", "_")] = value if eq else True
        stats = scan_to_jsonl(ns.inputs, ns.output, index=index, client=client, batch_size=ns.batch_size,
                              resume=ns.resume, progress=not ns.quiet and sys.stderr.isatty(),
                              workers=ns.workers, cli=ns.cli, **opts)
    except ScanError as e:
        print(f"pdqguard.dask: {e}", file=sys.stderr)
        return 2
    if client is not None:
        client.close()
    # The job's summary and status: `pdqguard report` over the output (one home).
    rep = subprocess.run([cli_path, "report", ns.output], capture_output=True)
    if not ns.quiet:
        sys.stderr.write(rep.stdout.decode("utf-8", "replace"))
        sys.stderr.write(f"{'Skipped (resume):':<20} {stats['skipped']} already recorded\n" if ns.resume else "")
        sys.stderr.write(f"{'This run:':<20} {stats['inputs']} inputs in {stats['batches']} batches, "
                         f"{stats['seconds']:.2f} s, {stats['inputs'] / max(stats['seconds'], 1e-9):.1f} files/s\n")
    return rep.returncode


if __name__ == "__main__":
    # Run as pdqguard.dask (not __main__) so that tasks refer to importable functions.
    from pdqguard.dask import main as _main
    sys.exit(_main())
