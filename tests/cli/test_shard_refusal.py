"""--shard with --hashes or --raw is refused before the output is touched (review of #20)."""
from conftest import run


def test_shard_with_hashes_leaves_the_output_untouched(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"precious\n")
    hashes = tmp_path / "q.txt"
    hashes.write_text("0" * 64 + "\n")
    lst = tmp_path / "l.txt"
    lst.write_text("f" * 64 + "\n")
    rc, _, _, err = run(["scan", "--list", lst, "--shard", "0/2", "--hashes", hashes, "-o", out])
    assert rc == 2 and "--shard" in err
    assert out.read_bytes() == b"precious\n"  # -o was not opened (it truncates)
    res = tmp_path / "new.jsonl"
    rc, _, _, err = run(["hash", "--shard", "0/2", "--raw", "gray8", "--size", "8x8", "--resume", res, "-"],
                        stdin=b"")
    assert rc == 2 and "--shard" in err
    assert not res.exists()  # --resume did not create it
