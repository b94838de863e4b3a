"""The chat upload gateway (tools/gateway) over loopback HTTP: a planted match is
blocked, a clean image passes, bad input gets clear 4xx errors, metrics count, and
reloads (SIGHUP and file change) under continuous load fail no request while the new
list takes effect."""
import csv
import http.client
import json
import os
import signal
import subprocess
import threading
import time

import pytest

GATEWAY = os.environ.get("PDQGUARD_GATEWAY")
# Every file used is in the golden set tests/data (the default); CTest passes it.
CORPUS = os.environ.get("PDQGUARD_CORPUS_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
BRIDGE = os.path.join(CORPUS, "images", "bridge-mods", "aaa-orig.jpg")
COASTER = os.path.join(CORPUS, "images", "reg-test-input", "pen-and-coaster.png")
FLAT = os.path.join(CORPUS, "images", "reg-test-input", "labelme-subset", "q0003.jpg")

pytestmark = pytest.mark.skipif(not GATEWAY, reason="PDQGUARD_GATEWAY not set")


def expected_hash(rel):
    with open(os.path.join(CORPUS, "expected.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["relative_path"] == rel:
                return row["hash"]
    raise KeyError(rel)


BRIDGE_HASH = expected_hash("bridge-mods/aaa-orig.jpg")
COASTER_HASH = expected_hash("reg-test-input/pen-and-coaster.png")


def write(path, text):
    tmp = str(path) + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class Gateway:
    def __init__(self, list_path, *extra):
        self.proc = subprocess.Popen(
            [GATEWAY, "--list", str(list_path), "--port", "0", "--threads", "8", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError(f"gateway did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(line.rsplit(":", 1)[1])
        self.log = []
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()

    def _read_log(self):
        for line in self.proc.stderr:
            self.log.append(line.rstrip("\n"))

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            h = {"Content-Type": "application/octet-stream"}
            h.update(headers or {})
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, data
        finally:
            conn.close()

    def check(self, body, headers=None):
        status, data = self.request("POST", "/v1/check", body, headers)
        return status, json.loads(data)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)
        return self.proc.returncode


def read(path):
    with open(path, "rb") as f:
        return f.read()


@pytest.fixture()
def gateway(tmp_path):
    lst = tmp_path / "blocklist.csv"
    write(lst, f"id,hash,label\nplanted-1,{BRIDGE_HASH},test: planted bridge\n")
    gw = Gateway(lst, "--max-bytes", "2000000", "--watch-ms", "100")
    gw.list_path = lst
    yield gw
    assert gw.stop() == 0


def test_blocks_planted_match_and_passes_clean_image(gateway):
    status, out = gateway.check(read(BRIDGE))
    assert status == 200 and out["blocked"] is True
    assert out["hash"] == BRIDGE_HASH and out["quality"] == 100
    [m] = out["matches"]
    assert (m["id"], m["label"], m["list"], m["distance"], m["variant"]) == \
        ("planted-1", "test: planted bridge", "blocklist.csv", 0, "original")

    status, out = gateway.check(read(COASTER))
    assert status == 200 and out == {"blocked": False, "matches": [], "hash": COASTER_HASH,
                                     "quality": 100, "below_quality": False, "gate": "none"}
    status, out = gateway.check(read(FLAT))
    assert status == 200 and out["below_quality"] is True and out["blocked"] is False
    assert out["gate"] == "below_quality"  # the library's gate, reported as is

    status, body = gateway.request("GET", "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "entries": 1, "generation": 1}


def test_new_formats_are_hashed_not_415(gateway):
    # Issue 15: WebP, GIF, TIFF and BMP bodies are decoded through the library's
    # entry point; each hashes as the Pillow pixels saved beside it (a PPM/PGM).
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "formats")
    for name in ("lossy.webp", "anim.webp", "palette.gif", "lzw.tiff", "rgb24.bmp"):
        status, out = gateway.check(read(os.path.join(data, name)))
        assert status == 200 and out["blocked"] is False, (name, out)
        ref = os.path.join(data, name + ".ppm")
        status, want = gateway.check(read(ref))
        assert status == 200 and out["hash"] == want["hash"], name


def test_raw_frames(gateway, tmp_path):
    ppm = os.path.join(CORPUS, "raw", "decoded", "bridge-mods__shrink-a-lot.ppm")
    want = "d0f8f1ccc0f4a84d0a370a3a228f67f0b36e2ed5b6623e1d33e6339c4e9c9b22"  # raw/expected.csv
    data = read(ppm)
    pixels = data[-160 * 100 * 3:]  # P6 160x100, maxval 255: the pixels end the file
    hdr = {"X-Frame-Format": "rgb8", "X-Frame-Width": "160", "X-Frame-Height": "100"}
    status, out = gateway.check(pixels, hdr)
    distance = bin(int(want, 16) ^ int(BRIDGE_HASH, 16)).count("1")
    assert distance <= 31
    assert status == 200 and out["hash"] == want and out["blocked"]
    assert out["matches"][0]["distance"] == distance
    padded = b"".join(pixels[i * 480:(i + 1) * 480] + b"\x00" * 20 for i in range(100))
    status, out = gateway.check(padded, dict(hdr, **{"X-Frame-Stride": "500"}))
    assert status == 200 and out["hash"] == want
    status, out = gateway.check(pixels[:-1], hdr)  # one byte short: refused, not read past
    assert status == 400 and out["error"] == "invalid_argument" and "too small" in out["message"]
    status, out = gateway.check(pixels, dict(hdr, **{"X-Frame-Format": "yuv9"}))
    assert status == 400 and out["error"] == "invalid_argument"
    status, out = gateway.check(pixels, dict(hdr, **{"X-Frame-Width": "-5"}))
    assert status == 400
    # A 4x4 frame is too small to hash: never blocked, reported with the library's gate.
    status, out = gateway.check(bytes(16), {"X-Frame-Format": "gray8", "X-Frame-Width": "4",
                                            "X-Frame-Height": "4"})
    assert status == 200 and out["blocked"] is False and out["gate"] == "too_small"


def test_bad_input_gets_clear_4xx(gateway):
    status, out = gateway.check(b"hello, this is not an image")
    assert status == 415 and out["error"] == "unsupported_format"
    status, out = gateway.check(b"")
    assert status == 400 and out["error"] == "decode_error"
    status, out = gateway.check(read(BRIDGE)[:5000])  # a truncated JPEG still decodes (with a
    assert status in (200, 400)                        # warning) or is a decode error, never 5xx
    status, out = gateway.check(b"\0" * 2_000_001)  # above --max-bytes
    assert status == 413 and out["error"] == "file_too_large"
    status, out = gateway.check(b"8BPS" + b"\0" * 50)
    assert status == 415 and "psd" in out["message"]
    status, _ = gateway.request("GET", "/nope")
    assert status == 404

    status, body = gateway.request("GET", "/metrics")
    text = body.decode()
    assert status == 200
    assert 'pdqguard_errors_by_code_total{code="unsupported_format"} 2' in text
    assert 'pdqguard_errors_by_code_total{code="file_too_large"} 1' in text
    assert "pdqguard_check_seconds_count" in text and "pdqguard_list_entries 1" in text
    # CPU time inside pdqguard (decode + hash + match) is counted: these requests decoded
    # (or tried to decode) images, so it is positive.
    lib_cpu = [l for l in text.splitlines() if l.startswith("pdqguard_library_cpu_seconds_total ")]
    assert len(lib_cpu) == 1 and float(lib_cpu[0].split()[1]) > 0


def test_reload_under_load_loses_no_request(gateway):
    bridge, coaster = read(BRIDGE), read(COASTER)
    stop = threading.Event()
    failures, counts = [], []
    seen_coaster_blocked = threading.Event()

    def client(n):
        done = 0
        while not stop.is_set():
            body = bridge if (done + n) % 2 else coaster
            try:
                status, out = gateway.check(body)
            except Exception as e:  # noqa: BLE001 - any failure counts
                failures.append(repr(e))
                if gateway.proc.poll() is not None:
                    return  # the gateway died: reported below
                continue
            if status != 200:
                failures.append((status, out))
            elif body is bridge and not out["blocked"]:
                failures.append("bridge not blocked")
            elif body is coaster and out["blocked"]:
                seen_coaster_blocked.set()
            done += 1
        counts.append(done)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    both = (f"id,hash,label\nplanted-1,{BRIDGE_HASH},bridge\n"
            f"planted-2,{COASTER_HASH},coaster\n")
    # Reload by SIGHUP several times (same content, then the coaster added) ...
    for _ in range(5):
        gateway.proc.send_signal(signal.SIGHUP)
        time.sleep(0.1)
    write(gateway.list_path, both)
    gateway.proc.send_signal(signal.SIGHUP)
    assert seen_coaster_blocked.wait(timeout=30), \
        f"the new list never took effect; failures {failures[:3]}; log {gateway.log[-30:]}"
    # ... and by a file change the watcher notices (the coaster removed again).
    write(gateway.list_path, f"id,hash\nplanted-1,{BRIDGE_HASH}\n")
    deadline = time.time() + 30
    while time.time() < deadline:
        status, out = gateway.check(coaster)
        if status == 200 and not out["blocked"]:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the file change was not picked up")
    stop.set()
    for t in threads:
        t.join()
    assert failures == []
    assert len(counts) == 4 and min(counts) > 0
    reloads = [l for l in gateway.log if "reload" in l]
    assert any("entries 1 -> 2" in l for l in reloads), reloads
    assert any("file changed" in l and "entries 2 -> 1" in l for l in reloads), reloads
    status, body = gateway.request("GET", "/healthz")
    assert json.loads(body)["generation"] >= 8


def test_failed_reload_keeps_serving(gateway):
    write(gateway.list_path, "id,hash\n1,this-is-not-a-hash\n")
    gateway.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 20
    while time.time() < deadline and not any("failed" in l for l in gateway.log):
        time.sleep(0.05)
    assert any("reload" in l and "failed, keeping 1 entries" in l and "list_parse_error" in l
               for l in gateway.log), gateway.log
    status, out = gateway.check(read(BRIDGE))
    assert status == 200 and out["blocked"]
    status, body = gateway.request("GET", "/metrics")
    assert "pdqguard_reload_failures_total 1" in body.decode() or \
        "pdqguard_reload_failures_total 2" in body.decode()  # the watcher may see it too
