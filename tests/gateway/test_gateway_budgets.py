"""pdqguard-gateway and the decode budgets of issue #21: JPEG bombs uploaded at once are
refused as resource_limit with HTTP 422 (not a 500 "server fault") while the gateway's
peak RSS stays small ("through the gateway 4 such uploads peaked at 1.4 GB"), every
refusal is counted by pdqguard_errors_by_code_total, every metric has # HELP and # TYPE,
and --max-decode-memory / --max-decode-cpu-ms reach the hasher."""
import io
import os
import re
import sys
import threading

import pytest

from test_gateway import BRIDGE, GATEWAY, read
from test_gateway_hostile import start

pytestmark = pytest.mark.skipif(not GATEWAY, reason="PDQGUARD_GATEWAY not set")
Image = pytest.importorskip("PIL.Image")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from jpeg_bombs import cmyk_bomb  # noqa: E402  (the bombs of tests/cli/test_budgets.py)

# Sanitizer runtimes add shadow memory to RSS: the bound is checked without them.
SANITIZED = bool(os.environ.get("PDQGUARD_SANITIZED"))
PEAK_MB = 300


def vm_hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def upload_concurrently(gw, bodies):
    out = [None] * len(bodies)

    def one(i):
        out[i] = gw.check(bodies[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not t.is_alive() for t in threads)
    return out


def metric_value(text, sample):
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[1])
    return None


def test_jpeg_bombs_are_422_resource_limit_with_little_memory(tmp_path):
    bomb = cmyk_bomb()               # ~1 KB progressive CMYK claiming 10000x10000
    padded = cmyk_bomb(pad_to=800_000)  # long enough for the data rule: the 256 MiB budget refuses it
    assert len(bomb) < 1500
    gw = start(tmp_path)
    try:
        for body, says in ((bomb, "6250000 blocks"), (padded, "268435456")):
            for status, out in upload_concurrently(gw, [body] * 4):
                assert status == 422, (status, out)
                assert out["error"] == "resource_limit" and says in out["message"], out
        if not SANITIZED:
            assert vm_hwm_mb(gw.proc.pid) < PEAK_MB
        status, out = gw.check(read(BRIDGE))  # and the gateway still answers
        assert status == 200 and out["blocked"] is True
        _, metrics = gw.request("GET", "/metrics")
        text = metrics.decode()
        assert metric_value(text, 'pdqguard_errors_by_code_total{code="resource_limit"}') == 8, text
        assert metric_value(text, "pdqguard_errors_total") == 8
    finally:
        assert gw.stop() == 0


def test_every_metric_has_help_and_type(tmp_path):
    gw = start(tmp_path)
    try:
        gw.check(b"not an image")  # so pdqguard_errors_by_code_total has a sample
        _, metrics = gw.request("GET", "/metrics")
        text = metrics.decode()
    finally:
        assert gw.stop() == 0
    helped = set(re.findall(r"^# HELP (\S+) \S", text, re.M))
    typed = dict(re.findall(r"^# TYPE (\S+) (counter|gauge|histogram)$", text, re.M))
    samples = {re.split(r"[{ ]", line, 1)[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert "pdqguard_errors_by_code_total" in samples
    for name in samples:
        family = name if name in typed else re.sub(r"_(bucket|sum|count)$", "", name)  # histogram parts
        assert family in typed, f"{name}: no # TYPE"
        assert family in helped, f"{name}: no # HELP"


def noise_jpeg():
    f = io.BytesIO()
    Image.effect_noise((1600, 1200), 60).convert("RGB").save(f, "JPEG", progressive=True, quality=90)
    return f.getvalue()


def test_decode_budget_options_reach_the_hasher(tmp_path):
    photo = noise_jpeg()
    # 1 ms of CPU is not enough for a 1600x1200 progressive photo; 1 MB of coefficient buffers neither.
    for args, says in ((["--max-decode-cpu-ms", "1"], "more than 1 ms of CPU time"),
                       (["--max-decode-memory", "1000000"], "1000000")):
        gw = start(tmp_path, *args)
        try:
            status, out = gw.check(photo)
            assert status == 422 and out["error"] == "resource_limit" and says in out["message"], (args, out)
        finally:
            assert gw.stop() == 0
    gw = start(tmp_path, "--max-decode-cpu-ms", "600000", "--max-decode-memory", str(256 << 20))
    try:
        status, out = gw.check(photo)
        assert status == 200 and "hash" in out, out
    finally:
        assert gw.stop() == 0
