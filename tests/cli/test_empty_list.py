"""An empty blocklist is an error (issue #21): `scan` and `index build` exit 2 with a
clear message unless --allow-empty-list; a limit that makes every line malformed
cannot turn into a clean scan of 0 entries."""
from conftest import BIN, CORPUS, run
import os

IMAGE = os.path.join(CORPUS, "images", "bridge-mods", "aaa-orig.jpg")


def test_scan_refuses_an_empty_list(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("id,hash,label\n")
    rc, recs, _, err = run(["scan", "--list", empty, IMAGE])
    assert rc == 2 and recs == []
    assert "list_parse_error" in err and "0 entries" in err and "--allow-empty-list" in err
    rc, recs, _, err = run(["scan", "--allow-empty-list", "--list", empty, IMAGE])
    assert rc == 0, err
    assert len(recs) == 1 and recs[0].get("matches", []) == []


def test_index_build_refuses_an_empty_list(tmp_path):
    blank = tmp_path / "blank.txt"
    blank.write_text("")
    out = tmp_path / "x.pdqi"
    rc, _, _, err = run(["index", "build", blank, "-o", out])
    assert rc == 2 and "0 entries" in err
    assert not out.exists()
    rc, recs, _, err = run(["index", "build", "--allow-empty-list", blank, "-o", out])
    assert rc == 0, err
    assert recs[0]["entries"] == 0


def test_lenient_list_whose_every_line_is_skipped_is_empty(tmp_path):
    lst = tmp_path / "all-bad.txt"
    lst.write_text("not a hash\nnor this\n")
    rc, _, _, err = run(["scan", "--lenient", "--list", lst, IMAGE])
    assert rc == 2 and "0 entries" in err
