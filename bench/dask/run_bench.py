#!/usr/bin/python3
"""pdqguard.dask benchmark (issue #20): a LocalCluster against pdqguard scan on one tree.

usage: PYTHONPATH=bindings/python PDQGUARD_LIBRARY=build/lib/libpdqguard.so \
       bench/dask/run_bench.py BUILD_DIR TREE [--batch N] [--reps R] [--tasks N]

TREE: e.g. `bench/cli/gen_tree.py /tmp/pdqguard-dask-bench --files 10000` (it also writes
TREE.list.txt, a 1000-entry list that matches nothing). Page cache warmed first; records
go to a file in /tmp. Wall-clock times, best of R runs each:
  cli-1, cli-2      pdqguard scan -t 1 / -t 2
  dask-1, dask-2    pdqguard.dask.scan_to_jsonl on an already started LocalCluster of 1 / 2
                    single-threaded workers (cluster start-up not included; printed apart)
  task rate         no-op tasks through the same submit / as_completed window, 2 workers
Per-file overhead of Dask = (dask-1 - cli-1) / files, against cli-1 / files (the hashing).
"""
import os
import subprocess
import sys
import tempfile
import time


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def main():
    build, tree = sys.argv[1], sys.argv[2].rstrip("/")
    reps = arg("--reps", 2)
    ntasks = arg("--tasks", 3000)
    cli = os.path.join(build, "tools/pdqguard/pdqguard")
    os.environ["PDQGUARD_CLI"] = cli
    from pdqguard import dask as pdask
    import distributed

    batch = arg("--batch", pdask.DEFAULT_BATCH_SIZE)
    tmp = tempfile.mkdtemp(prefix="pdqguard-dask-bench-")
    idx = os.path.join(tmp, "list.pdqi")
    subprocess.run([cli, "index", "build", tree + ".list.txt", "-o", idx], check=True, capture_output=True)
    files = sum(len(f) for _, _, f in os.walk(tree))
    subprocess.run(["sh", "-c", f"cat $(find {tree} -type f) > /dev/null"], check=True)  # warm the page cache
    out = os.path.join(tmp, "out.jsonl")
    res = {}

    def best(name, fn):
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        res[name] = min(ts)
        print(f"{name:8s} {min(ts):8.2f} s  {files / min(ts):8.1f} files/s  (runs: {', '.join(f'{t:.2f}' for t in ts)})",
              flush=True)

    for t in (1, 2):
        best(f"cli-{t}", lambda: subprocess.run([cli, "scan", "--index", idx, "-q", "--no-summary", "-t", str(t),
                                                 "-o", out, tree], check=False))
    for n in (1, 2):
        t0 = time.perf_counter()
        with distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as c, distributed.Client(c) as client:
            print(f"LocalCluster({n}) start: {time.perf_counter() - t0:.2f} s", flush=True)
            best(f"dask-{n}", lambda: pdask.scan_to_jsonl([tree], out, index=idx, client=client, batch_size=batch))
            if n == 2:
                def noop(x):
                    return x
                t0 = time.perf_counter()
                ac = distributed.as_completed()
                sent = 0
                limit = 2 * sum(client.nthreads().values()) + 4
                while sent < min(limit, ntasks):
                    ac.add(client.submit(noop, sent, pure=False))
                    sent += 1
                for f in ac:
                    f.release()
                    if sent < ntasks:
                        ac.add(client.submit(noop, sent, pure=False))
                        sent += 1
                el = time.perf_counter() - t0
                res["rate"] = ntasks / el
                print(f"task rate {ntasks} no-op tasks in {el:.2f} s = {ntasks / el:.0f} tasks/s "
                      f"({1000 * el / ntasks:.2f} ms per task)", flush=True)
    per_file = res["cli-1"] / files
    over = (res["dask-1"] - res["cli-1"]) / files
    print(f"files {files}, batch {batch}, load average {os.getloadavg()[0]:.2f}")
    print(f"dask-2 / dask-1 = {res['dask-1'] / res['dask-2']:.2f}x (target >= 1.7x); "
          f"dask-2 / cli-2 = {100 * res['cli-2'] / res['dask-2']:.0f}% (target >= 85%)")
    print(f"per-file Dask overhead {1e3 * over:.3f} ms = {100 * over / per_file:.2f}% of {1e3 * per_file:.2f} ms hashing "
          f"(target <= 1%); one task per {batch} files costs {1e3 / res['rate']:.2f} ms of scheduler = "
          f"{100 * (1 / res['rate']) / (batch * per_file):.3f}% of a batch")


main()
