"""The Python binding's Matcher: answers checked against a brute force over the
same list, options, dihedral matching, reload (also under concurrent queries), errors."""
import os
import threading

import pytest

import pdqguard

try:
    import numpy as np
except ImportError:
    np = None


def write(path, text):
    tmp = str(path) + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)  # readers see the old or the new list, never half of one


@pytest.fixture()
def entries(image_rows):
    return [{"id": f"e{i}", "hash": r["hash"], "label": r["relative_path"]}
            for i, r in enumerate(r for r in image_rows if r["hash"])]


def csv_text(entries):
    return "id,hash,label\n" + "".join(f"{e['id']},{e['hash']},{e['label']}\n" for e in entries)


def brute(entries, query, radius):
    q = pdqguard.Hash(query)
    return {e["id"]: q.distance(e["hash"]) for e in entries if q.distance(e["hash"]) <= radius}


def as_dict(result):
    return {m.id: m.distance for m in result}


def test_match_hashes_like_brute_force(tmp_path, entries):
    path = tmp_path / "blocklist.csv"
    write(path, csv_text(entries))
    with pdqguard.Matcher(lists=path) as m:
        assert m.entries == len(entries) and m.generation == 1
        assert m.threshold == 31 and m.min_quality == 50 and not m.dihedral
        for radius in (0, 31, 60):
            m.threshold = radius
            for e in entries:
                res = m.match_hash(e["hash"])  # hex text is a hash (match() would take it as a path)
                assert as_dict(res) == brute(entries, e["hash"], radius)
                assert [x.distance for x in res] == sorted(x.distance for x in res)
        m.threshold = 31
        res = m.match(pdqguard.Hash(entries[0]["hash"]))
        hit = res.matches[0]
        assert isinstance(hit, pdqguard.Match)
        assert (hit.list, hit.id, hit.label, hit.distance, hit.dihedral) == \
            ("blocklist.csv", "e0", entries[0]["label"], 0, "original")
        assert hit.hash.hex == entries[0]["hash"]
        assert res.blocked and len(res) >= 1 and res.quality is None
        m.max_matches = 2
        assert len(m.match_hash(entries[0]["hash"])) == 2


def test_match_images_quality_and_dihedral(tmp_path, corpus, image_rows, entries):
    path = tmp_path / "blocklist.csv"
    write(path, csv_text(entries))
    m = pdqguard.Matcher(lists=[str(path)], max_shrink_percent=100)  # reloaded below with 1 entry
    for n, row in enumerate(image_rows):
        if not row["hash"]:
            continue
        image = os.path.join(corpus, "images", row["relative_path"])
        res = m.match(image)  # a path: hashed, then matched
        assert res.hash.hex == row["hash"] and res.quality == int(row["quality"])
        if int(row["quality"]) < 50:
            assert res.below_quality and not res.blocked
        else:
            assert not res.below_quality
            assert as_dict(res) == brute(entries, row["hash"], 31)
        if n % 8 == 0:
            with open(image, "rb") as f:
                assert as_dict(m.match(f.read())) == as_dict(res)

    # Only the original bridge in the list: its rotation matches with dihedral on.
    write(path, "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22 bridge\n")
    assert m.reload() == 1
    rotated = os.path.join(corpus, "images", "reg-test-input/dih/bridge-2-rotate-90.jpg")
    assert not m.match(rotated).blocked
    m.dihedral = True
    res = m.match(rotated)
    assert res.blocked and res.matches[0].dihedral != "original"
    assert res.matches[0].label == "bridge" and res.matches[0].id == "1"
    # An already hashed result: dihedral variants are used when present.
    assert m.match(pdqguard.hash_file(rotated, dihedral=True)).blocked
    assert not m.match(pdqguard.hash_file(rotated)).blocked


@pytest.mark.skipif(np is None, reason="numpy not installed")
def test_match_numpy_frame(tmp_path, corpus, raw_rows):
    from conftest import read_pnm
    row = next(r for r in raw_rows if r["decoded_as"] == "rgb" and int(r["quality"]) >= 50)
    write(tmp_path / "l.txt", row["hash"] + "\n")
    m = pdqguard.Matcher(lists=tmp_path / "l.txt")
    kind, w, h, pixels = read_pnm(os.path.join(corpus, "raw", row["relative_path"]))
    arr = np.frombuffer(pixels, dtype=np.uint8).reshape(h, w, 3)
    res = m.match(arr)
    assert res.blocked and res.matches[0].distance == 0 and res.image.width == w
    assert m.match_frame(pixels, w, h, "rgb8").blocked


def test_reload_and_errors(tmp_path, entries):
    path = tmp_path / "live.csv"
    first, second = entries[:10], entries[10:]
    write(path, csv_text(first))
    m = pdqguard.Matcher(lists=path, max_shrink_percent=100)  # whole lists swapped: no shrink limit
    probe = second[-1]["hash"]
    assert as_dict(m.match_hash(probe)) == brute(first, probe, 31)
    write(path, csv_text(second))
    assert m.reload() == len(second) and m.generation == 2
    assert as_dict(m.match_hash(probe)) == brute(second, probe, 31)

    write(path, "id,hash\n1,nothex\n")
    with pytest.raises(pdqguard.Error) as e:
        m.reload()
    assert e.value.name == "list_parse_error" and "live.csv" in e.value.message
    assert m.generation == 2 and as_dict(m.match_hash(probe)) == brute(second, probe, 31)

    with pytest.raises(pdqguard.Error) as e:
        pdqguard.Matcher(lists=tmp_path / "missing.csv")
    assert e.value.name == "io_error" and e.value.code == 2
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.Matcher()
    assert e.value.name == "invalid_argument"
    with pytest.raises(pdqguard.Error) as e:  # every line skipped: an empty list is refused
        pdqguard.Matcher(lists=path, lenient=True)
    assert e.value.name == "list_parse_error" and "0 entries" in e.value.message
    assert pdqguard.Matcher(lists=path, lenient=True, allow_empty=True).entries == 0
    # List limits: a list above max_list_bytes, a line above max_line_bytes.
    write(path, "id,hash\n1," + "f" * 64 + "\n2," + "f" * 300 + "\n")
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.Matcher(lists=path, max_list_bytes=100)
    assert e.value.name == "file_too_large"
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.Matcher(lists=path, max_line_bytes=200)
    assert e.value.name == "list_parse_error" and "max_line_bytes" in e.value.message
    assert pdqguard.Matcher(lists=path, max_line_bytes=200, lenient=True).entries == 1
    assert pdqguard.Matcher(lists=path, max_list_bytes=0, max_line_bytes=0, lenient=True).entries == 1
    (tmp_path / "bad.idx").write_bytes(b"not an index file at all" * 10)
    with pytest.raises(pdqguard.Error) as e:
        pdqguard.Matcher(index=tmp_path / "bad.idx")
    assert e.value.name == "index_corrupt"
    with pytest.raises(pdqguard.Error):
        pdqguard.Matcher(lists=path, threshold=300)
    with pytest.raises(pdqguard.Error):
        pdqguard.Matcher(lists=path, index_kind="hnsw")
    with pytest.raises(TypeError):
        m.match(12345)
    m.close()
    with pytest.raises(pdqguard.Error):
        m.match_hash(probe)


def test_match_while_reloading(tmp_path, entries):
    path = tmp_path / "live.csv"
    a, b = entries[:20], entries[20:]
    write(path, csv_text(a))
    # Swaps between two whole lists (the second may be empty): no shrink or empty checks.
    m = pdqguard.Matcher(lists=path, index_kind="flat", max_shrink_percent=100, allow_empty=True)
    queries = [e["hash"] for e in entries]
    want = {q: (brute(a, q, 31), brute(b, q, 31)) for q in queries}
    stop, bad, done = threading.Event(), [], []

    def query():
        n = 0
        while not stop.is_set():
            for q in queries:
                got = as_dict(m.match_hash(q))
                if got not in want[q]:
                    bad.append((q, got))
                n += 1
        done.append(n)

    threads = [threading.Thread(target=query) for _ in range(3)]
    for t in threads:
        t.start()
    for k in range(10):
        write(path, csv_text(b if k % 2 == 0 else a))
        m.reload()
    stop.set()
    for t in threads:
        t.join()
    assert not bad and len(done) == 3 and m.generation == 11


def test_library_rules_reach_python(tmp_path):
    # The gate, the order and the defaults are the library's (issue #16): the
    # binding neither recomputes nor copies them.
    lst = tmp_path / "rules.csv"
    write(lst, "id,hash\nb,%s\na,%s\nzero,%s\n" % ("0" * 63 + "1", "8" + "0" * 63, "0" * 64))
    m = pdqguard.Matcher(lists=lst, min_quality=0)
    assert [x.id for x in m.match_hash("0" * 64)] == ["zero", "a", "b"]
    tiny = pdqguard.hash_frame(bytes(16), 4, 4, "gray8")
    assert tiny.too_small
    r = m.match_result(tiny)
    assert r.gate == "too_small" and r.below_quality and not r.blocked
    r = m.match_hash("0" * 64, quality=0)
    assert r.gate == "none" and len(r) == 3
    m.min_quality = 50
    r = m.match_hash("0" * 64, quality=10)
    assert r.gate == "below_quality" and not r.blocked
    assert pdqguard.Matcher.param_bounds("threshold") == (0, 256, 31)
    assert pdqguard.Matcher.param_bounds("min_quality") == (0, 100, 50)
    assert pdqguard.Matcher.param_bounds("lenient")[2] == 0  # strict is the one default
    assert pdqguard.Matcher.param_bounds("allow_empty")[2] == 0  # an empty list is an error
    assert pdqguard.Matcher.param_bounds("max_shrink_percent")[2] == 50
    d = pdqguard.Matcher(lists=lst)
    assert d.threshold == 31 and d.min_quality == 50 and not d.dihedral
    assert d.reload_if_changed() is False
    write(lst, "id,hash\nonly,%s\n" % ("f" * 64))
    assert d.reload_if_changed() is False  # not yet settled (2 s)
    d = pdqguard.Matcher(lists=lst, settle_ms=0, max_shrink_percent=100)
    write(lst, "id,hash\nonly,%s\nsecond,%s\n" % ("f" * 64, "e" * 64))
    assert d.reload_if_changed() is True and d.entries == 2
