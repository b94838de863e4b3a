"""The README's example runs as written: in a folder holding photo.jpg and
blocklist.csv, it prints what it says."""
import os
import re
import shutil
import subprocess
import sys

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "python",
                      "README.md")


def test_readme_example_runs_as_written(tmp_path, corpus, image_rows):
    with open(README, encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"## Example.*?```python\n(.*?)```", text, re.S).group(1)
    assert len(block.strip().splitlines()) <= 10
    row = next(r for r in image_rows if r["hash"] and r["relative_path"].endswith(".jpg"))
    shutil.copy(os.path.join(corpus, "images", row["relative_path"]), tmp_path / "photo.jpg")
    (tmp_path / "blocklist.csv").write_text(f"id,hash\nknown-1,{row['hash']}\n")
    proc = subprocess.run([sys.executable, "-c", block], cwd=str(tmp_path), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"blocked by known-1 at distance 0\n{row['hash']}\n"
