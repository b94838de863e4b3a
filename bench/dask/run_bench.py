#!/usr/bin/python3
"""pdqguard.dask benchmark (issue #20): a LocalCluster against pdqguard scan on one tree.

usage: PYTHONPATH=bindings/python PDQGUARD_LIBRARY=build/lib/libpdqguard.so \\
       bench/dask/run_bench.py BUILD_DIR TREE [--dirs K] [--batch N] [--reps R] [--tasks N]

TREE: `bench/cli/gen_tree.py /tmp/pdqguard-dask-bench --files 10000` (100 files per folder;
it also writes TREE.list.txt, a 1000-entry list that matches nothing). --dirs K scans only
the first K folders. Page cache warmed first; records go to a file in /tmp. For each
configuration, best of R runs: wall time, and CPU seconds of every process involved
(the CLI; for Dask the client with its scheduler, the nannies, the workers and their
pdqguard processes), so that the overhead can be told apart from other jobs' load:
  cli-1, cli-2      pdqguard scan -t 1 / -t 2
  dask-1, dask-2    pdqguard.dask.scan_to_jsonl on an already started LocalCluster of 1 / 2
                    single-threaded workers (cluster start-up printed apart)
  task rate         no-op tasks through the same submit / as_completed window, 2 workers
"""
import os
import resource
import subprocess
import sys
import tempfile
import time

import psutil


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def tree_cpu(pids):
    """CPU seconds of these processes and all their descendants (reaped children included)."""
    total = 0.0
    seen = set()
    for pid in pids:
        try:
            root = psutil.Process(pid)
            procs = [root] + root.children(recursive=True)
        except psutil.NoSuchProcess:
            continue
        for p in procs:
            if p.pid in seen:
                continue
            seen.add(p.pid)
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                pass
    return total


def main():
    build, tree = sys.argv[1], sys.argv[2].rstrip("/")
    reps = arg("--reps", 2)
    ntasks = arg("--tasks", 3000)
    ndirs = arg("--dirs", 0)
    cli = os.path.abspath(os.path.join(build, "tools/pdqguard/pdqguard"))
    os.environ["PDQGUARD_CLI"] = cli
    from pdqguard import dask as pdask
    import distributed

    batch = arg("--batch", pdask.DEFAULT_BATCH_SIZE)
    tmp = tempfile.mkdtemp(prefix="pdqguard-dask-bench-")
    idx = os.path.join(tmp, "list.pdqi")
    subprocess.run([cli, "index", "build", tree + ".list.txt", "-o", idx], check=True, capture_output=True)
    inputs = sorted(os.path.join(tree, d) for d in os.listdir(tree))
    if ndirs:
        inputs = inputs[:ndirs]
    files = sum(len(os.listdir(d)) for d in inputs)
    subprocess.run(["sh", "-c", "cat $(find " + " ".join(inputs) + " -type f) > /dev/null"], check=True)
    out = os.path.join(tmp, "out.jsonl")
    res = {}
    print(f"{files} files in {len(inputs)} folders, batch {batch}, load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    def best(name, fn, pids=None):
        runs = []
        for _ in range(reps):
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            c0 = tree_cpu(pids()) if pids else 0.0
            t0 = time.perf_counter()
            fn()
            el = time.perf_counter() - t0
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (tree_cpu(pids()) - c0) if pids else (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime)
            runs.append((el, cpu))
        el, cpu = min(runs)
        res[name] = (el, cpu)
        print(f"{name:8s} wall {el:8.2f} s = {files / el:7.1f} files/s   CPU {cpu:8.2f} s = {1e3 * cpu / files:.3f} ms/file"
              f"   (runs: {', '.join(f'{e:.2f}/{c:.2f}' for e, c in runs)}; load {os.getloadavg()[0]:.2f})", flush=True)

    for t in (1, 2):
        best(f"cli-{t}", lambda: subprocess.run([cli, "scan", "--index", idx, "-q", "--no-summary", "-t", str(t),
                                                 "-o", out, *inputs], check=False))
    for n in (1, 2):
        t0 = time.perf_counter()
        with distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as c, distributed.Client(c) as client:
            print(f"LocalCluster({n}) start: {time.perf_counter() - t0:.2f} s", flush=True)
            pids = lambda: [os.getpid()]  # noqa: E731  (the nannies and workers are our descendants)
            best(f"dask-{n}", lambda: pdask.scan_to_jsonl(inputs, out, index=idx, client=client, batch_size=batch),
                 pids)
            if n == 1:  # what the cluster burns doing nothing (event loops, heartbeats), per second
                c0, t0 = tree_cpu(pids()), time.perf_counter()
                time.sleep(10)
                res["idle"] = (tree_cpu(pids()) - c0) / (time.perf_counter() - t0)
                print(f"idle LocalCluster(1) + client: {res['idle']:.3f} CPU s per s", flush=True)
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
                print(f"task rate: {ntasks} no-op tasks in {el:.2f} s = {ntasks / el:.0f} tasks/s "
                      f"({1000 * el / ntasks:.2f} ms per task; load {os.getloadavg()[0]:.2f})", flush=True)
    cli1, dask1 = res["cli-1"], res["dask-1"]
    print(f"dask-2 vs dask-1: {dask1[0] / res['dask-2'][0]:.2f}x (target >= 1.7x); dask-2 vs cli-2: "
          f"{100 * res['cli-2'][0] / res['dask-2'][0]:.0f}% (target >= 85%)")
    for what, i in (("wall", 0), ("CPU", 1)):
        over = (dask1[i] - cli1[i]) / files
        print(f"per-file Dask overhead ({what}, 1 worker): {1e3 * over:.3f} ms = {100 * over / (cli1[i] / files):.2f}% "
              f"of {1e3 * cli1[i] / files:.2f} ms per file (target <= 1%)")
    over = (dask1[1] - res["idle"] * dask1[0] - cli1[1]) / files
    print(f"per-file Dask overhead (CPU less the idle cluster's): {1e3 * over:.3f} ms = "
          f"{100 * over / (cli1[1] / files):.2f}% of {1e3 * cli1[1] / files:.2f} ms per file (target <= 1%)")
    print(f"scheduler: one task per {batch} files = {1e3 / res['rate']:.2f} ms per {batch * cli1[0] / files:.2f} s "
          f"of hashing = {100 * (1 / res['rate']) / (batch * cli1[0] / files):.3f}%")


if __name__ == "__main__":
    main()
