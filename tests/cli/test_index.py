"""pdqguard index build|info|verify, and scan --index equal to scan --list."""
import json

from conftest import run


def test_index_build_info_verify_and_scan(tree, tmp_path):
    csvl = tmp_path / "hma.csv"
    h = list(tree.list_hashes.values())
    csvl.write_text("hash,indicator_id,timestamp,tags\n%s,9001,0,test-label\nnot-a-hash,9002,0,x\n" % h[0])
    idx = tmp_path / "known.pdqi"
    # Strict is the one default policy (include/pdqguard/blocklist.hpp): a damaged
    # list is refused unless --lenient is given.
    assert run(["index", "build", tree.list, csvl, "-o", idx])[0] == 2
    rc, recs, _, err = run(["index", "build", "--lenient", tree.list, csvl, "-o", idx])
    assert rc == 0, err
    assert "hma.csv:3:" in err  # a skipped line is named, never silent
    info = recs[0]
    assert info["entries"] == 4 and info["slots"] == 3
    assert {l["name"]: l["entries"] for l in info["lists"]} == {"known.txt": 3, "hma.csv": 1}
    rc, recs, _, _ = run(["index", "info", idx], check_rc=0)
    assert recs[0]["entries"] == 4 and recs[0]["format_version"] >= 1
    rc, recs, _, _ = run(["index", "verify", idx], check_rc=0)
    assert recs[0]["ok"] is True
    # Same matches from the index file as from the lists.
    _, a, _, _ = run(["scan", "--index", idx, "--sort", "-t", "2", tree.root])
    _, b, _, _ = run(["scan", "--lenient", "--list", tree.list, "--list", csvl, "--sort", "-t", "2", tree.root])
    assert a == b
    aaa = [r for r in a if r["path"].endswith("bridge-mods__aaa-orig.ppm")][0]
    hit = [m for m in aaa["matches"] if m["list"] == "hma.csv"][0]
    assert hit["id"] == "9001" and hit["label"] == "test-label" and hit["distance"] == 0
    # --strict (the default) refuses the damaged list.
    assert run(["index", "build", "--strict", csvl, "-o", tmp_path / "x.pdqi"])[0] == 2
    assert run(["scan", "--strict", "--list", csvl, tree.root / "good"])[0] == 2
    assert run(["scan", "--list", csvl, tree.root / "good"])[0] == 2
    assert run(["scan", "--lenient", "--strict", "--list", csvl, tree.root / "good"])[0] == 2
    # --index and --list together: the lists are added to the index (as in the C API).
    extra = tmp_path / "extra.txt"
    extra.write_text(h[0] + " extra-entry\n")
    _, c, _, err = run(["scan", "--index", idx, "--list", extra, "--sort", "-t", "2", tree.root])
    assert "index " in err and "+ 1 list file(s)" in err
    aaa = [r for r in c if r["path"].endswith("bridge-mods__aaa-orig.ppm")][0]
    assert {m["list"] for m in aaa["matches"]} >= {"hma.csv", "extra.txt"}
    # A damaged index file is refused cleanly.
    data = bytearray(idx.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.pdqi"
    bad.write_bytes(bytes(data))
    rc, recs, _, _ = run(["index", "verify", bad])
    assert rc == 2 and recs[0]["ok"] is False and recs[0]["error"] == "index_corrupt"
    rc, _, _, err = run(["scan", "--index", bad, tree.root / "good"])
    assert rc == 2 and "index_corrupt" in err
    short = tmp_path / "short.pdqi"
    short.write_bytes(idx.read_bytes()[:40])
    assert run(["index", "verify", short])[0] == 2


def test_dihedral_scan_reports_the_variant(tree, tmp_path):
    import csv, os
    from conftest import CORPUS
    rows = {r["relative_path"]: r for r in csv.DictReader(open(os.path.join(CORPUS, "raw/expected.csv")))}
    lst = tmp_path / "rot.txt"
    lst.write_text(rows["decoded/bridge-mods__aaa-orig.ppm"]["dih_rot90"] + "\n")
    target = tree.root / "good/nested/deeper/bridge-mods__aaa-orig.ppm"
    rc, recs, _, _ = run(["scan", "--dihedral", "--list", lst, target])
    assert rc == 1 and recs[0]["matches"][0]["variant"] == "rot90" and recs[0]["matches"][0]["distance"] == 0
    rc, recs, _, _ = run(["scan", "--list", lst, target])
    assert rc == 0 and recs[0]["matches"] == []


def test_hash_lines_reach_the_worker_in_bursts(tmp_path):
    """`match --hashes` hands hash lines to the worker in bursts, not one wake-up per line.

    Handing over one line per wake-up cost a futex call and a context switch per
    query, which on the project VMs made the index query itself ~1.5x slower than
    in bench_index (bench/README.md, "Index queries"). Counted, not timed: the
    voluntary context switches of the whole process (getrusage of the child) for
    5,000 queries against a 200k-entry index (each query far slower than parsing
    its line, so the reader keeps the queue full): about one per line before,
    a few hundred at most after (the reader sleeps once per half queue)."""
    import os
    import random
    import subprocess
    from conftest import BIN

    r = random.Random(17)
    lst = tmp_path / "list.txt"
    lst.write_text("".join("%064x\n" % r.getrandbits(256) for _ in range(200000)))
    idx = tmp_path / "l.pdqi"
    run(["index", "build", "-q", lst, "-o", idx], check_rc=0)
    n = 5000
    qs = tmp_path / "q.txt"
    qs.write_text("".join("%064x\n" % r.getrandbits(256) for _ in range(n)))
    out = tmp_path / "out.jsonl"
    p = subprocess.Popen([BIN, "match", "--index", str(idx), "--hashes", str(qs), "-t", "1", "-q", "--no-summary",
                          "-o", str(out)], stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    p.stderr.close()
    assert os.waitstatus_to_exitcode(status) == 0
    assert sum(1 for _ in open(out)) == n  # one record per query line
    assert ru.ru_nvcsw < n // 5, ru.ru_nvcsw
