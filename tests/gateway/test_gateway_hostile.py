"""pdqguard-gateway against hostile clients and hostile list files (issue #21), over
loopback only, every wait bounded:
- slow-header and idle clients do not stall normal requests; deadlines and per-address
  connection caps answer 408 / 503;
- malformed requests and bad chunked bodies get 400 with an HTTP error name and the
  connection closed (no leftover read as a second request);
- multipart uploads, WebP/GIF uploads and POST /v1/lookup;
- options are range-checked, --help works, a bearer token is enforced;
- lists fail closed: an empty list refuses to start, a list rewritten in place under load
  never answers "blocked": false for a listed image, a truncated list keeps the old one
  and /healthz says 503."""
import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from test_gateway import (BRIDGE, BRIDGE_HASH, COASTER, COASTER_HASH, CORPUS, GATEWAY, Gateway,
                          read, write)

pytestmark = pytest.mark.skipif(not GATEWAY, reason="PDQGUARD_GATEWAY not set")

FORMATS = os.path.join(CORPUS, "formats")


def planted_list(path, filler=0):
    """A CSV list with `filler` unrelated entries first and the bridge photo last."""
    lines = ["id,hash,label"]
    for i in range(filler):
        lines.append(f"filler-{i},{(i * 2654435761 + 1) % (1 << 256):064x},filler")
    lines.append(f"planted-1,{BRIDGE_HASH},test: planted bridge")
    return "\n".join(lines) + "\n"


def start(tmp_path, *extra, text=None):
    lst = tmp_path / "blocklist.csv"
    write(lst, text if text is not None else planted_list(lst))
    gw = Gateway(lst, *extra)
    gw.list_path = lst
    return gw


def raw_exchange(port, data, timeout=5.0):
    """Sends raw bytes, reads until the server closes (or the timeout); returns the bytes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                return out, True  # closed by the server
            out += chunk
        return out, False
    finally:
        s.close()


def responses(raw):
    return raw.count(b"HTTP/1.1 ")


def body_json(raw):
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])


# ---- slow and idle clients ---------------------------------------------------------

def test_slow_and_idle_clients_do_not_stall_normal_requests(tmp_path):
    gw = start(tmp_path, "--header-timeout-ms", "3000", "--idle-timeout-ms", "20000")
    stop = threading.Event()
    idle, slow, slow_answers = [], [], []
    try:
        for _ in range(40):  # idle keep-alive-like connections: connected, nothing sent
            idle.append(socket.create_connection(("127.0.0.1", gw.port), timeout=5))

        def slowloris():
            s = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
            slow.append(s)
            header = b"POST /v1/check HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
            got = b""
            try:
                for byte in header:
                    if stop.is_set():
                        break
                    s.sendall(bytes([byte]))
                    time.sleep(0.5)
            except OSError:
                pass  # closed by the server after its 408
            try:
                s.settimeout(5)
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            except OSError:
                pass
            slow_answers.append(got)

        threads = [threading.Thread(target=slowloris, daemon=True) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.0)  # every slow client has sent a few header bytes
        body = read(BRIDGE)
        for _ in range(10):
            t0 = time.time()
            status, out = gw.check(body)
            took = time.time() - t0
            assert status == 200 and out["blocked"] is True
            assert took < 1.0, f"a normal request took {took:.2f} s next to slow and idle clients"
        # The slow clients' header deadline (3 s from their first byte) ends them with 408.
        for t in threads:
            t.join(timeout=15)
        assert len(slow_answers) == 8
        for a in slow_answers:
            assert a.startswith(b"HTTP/1.1 408"), a[:100]
            assert body_json(a)["error"] == "request_timeout"
        _, metrics = gw.request("GET", "/metrics")
        assert "pdqguard_request_timeouts_total 8" in metrics.decode()
    finally:
        stop.set()
        for s in idle + slow:
            s.close()
        assert gw.stop() == 0


def test_idle_connections_are_closed_after_the_idle_timeout(tmp_path):
    gw = start(tmp_path, "--idle-timeout-ms", "500")
    try:
        s = socket.create_connection(("127.0.0.1", gw.port), timeout=5)
        t0 = time.time()
        assert s.recv(1) == b""  # closed by the gateway, nothing sent
        assert time.time() - t0 < 3
        s.close()
    finally:
        assert gw.stop() == 0


def test_connections_per_address_are_capped(tmp_path):
    gw = start(tmp_path, "--max-connections-per-ip", "3")
    held = []
    try:
        held = [socket.create_connection(("127.0.0.1", gw.port), timeout=5) for _ in range(3)]
        raw, closed = raw_exchange(gw.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 503") and closed
        assert body_json(raw)["error"] == "too_many_connections"
        held.pop().close()
        deadline = time.time() + 5
        while True:  # the gateway notices the close on its next turn
            raw, _ = raw_exchange(gw.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if raw.startswith(b"HTTP/1.1 200") or time.time() > deadline:
                break
            time.sleep(0.05)
        assert raw.startswith(b"HTTP/1.1 200")
    finally:
        for s in held:
            s.close()
        assert gw.stop() == 0


# ---- malformed requests ----------------------------------------------------------

def test_malformed_requests_get_400_and_the_connection_closes(tmp_path):
    gw = start(tmp_path, "--max-bytes", "2000000")
    try:
        smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        cases = [
            b"GARBAGE\r\n\r\n",
            # a header line without a colon, with a body that is itself a request
            b"POST /v1/check HTTP/1.1\r\nHost: x\r\nno colon here\r\nContent-Length: "
            + str(len(smuggled)).encode() + b"\r\n\r\n" + smuggled,
            # bad chunk sizes, then a request where the body should be
            b"POST /v1/check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + smuggled,
            # a chunk longer than its size line says
            b"POST /v1/check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n" + smuggled,
            # both framings (request smuggling)
            b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            + smuggled,
            b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n" + smuggled,
        ]
        for req in cases:
            raw, closed = raw_exchange(gw.port, req)
            assert raw.startswith(b"HTTP/1.1 400"), (req, raw[:200])
            assert body_json(raw)["error"] == "bad_request", raw
            assert responses(raw) == 1 and closed, (req, raw)

        raw, closed = raw_exchange(gw.port, b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 413") and closed
        assert body_json(raw)["error"] == "file_too_large"
        raw, closed = raw_exchange(gw.port, b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 431") and closed
        assert body_json(raw)["error"] == "headers_too_large"

        # A valid chunked upload works, and keep-alive continues after it.
        body = read(BRIDGE)
        chunked = b"".join(b"%x\r\n" % len(body[i:i + 7000]) + body[i:i + 7000] + b"\r\n"
                           for i in range(0, len(body), 7000)) + b"0\r\n\r\n"
        raw, _ = raw_exchange(gw.port, b"POST /v1/check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              + chunked + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert responses(raw) == 2 and raw.startswith(b"HTTP/1.1 200")
        assert b'"blocked":true' in raw
    finally:
        assert gw.stop() == 0


def test_unknown_endpoint_is_not_found(tmp_path):
    gw = start(tmp_path)
    try:
        status, data = gw.request("GET", "/nope")
        assert status == 404 and json.loads(data)["error"] == "not_found"
    finally:
        assert gw.stop() == 0


# ---- uploads and lookups ---------------------------------------------------------

def multipart(field, filename, data, boundary="pdqguardBoundary7MA4YWxkTrZu0gW"):
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_multipart_upload(tmp_path):
    gw = start(tmp_path)
    try:
        body, ctype = multipart("file", "photo.jpg", read(BRIDGE))
        status, out = gw.check(body, {"Content-Type": ctype})
        assert status == 200 and out["blocked"] is True and out["hash"] == BRIDGE_HASH
        body, ctype = multipart("other", "photo.jpg", read(BRIDGE))
        status, out = gw.check(body, {"Content-Type": ctype})
        assert status == 400 and out["error"] == "invalid_argument" and "file" in out["message"]
    finally:
        assert gw.stop() == 0


def test_webp_gif_tiff_bmp_uploads_decode(tmp_path):
    gw = start(tmp_path)
    try:
        for name in ("lossy.webp", "lossless.webp", "palette.gif", "lzw.tiff", "rgb24.bmp"):
            status, out = gw.check(read(os.path.join(FORMATS, name)), {"Content-Type": "application/octet-stream"})
            assert status == 200, (name, out)
            assert out["blocked"] is False and len(out["hash"]) == 64
    finally:
        assert gw.stop() == 0


def test_lookup_by_hash(tmp_path):
    gw = start(tmp_path)
    try:
        def lookup(doc):
            status, data = gw.request("POST", "/v1/lookup", json.dumps(doc).encode(),
                                      {"Content-Type": "application/json"})
            return status, json.loads(data)

        status, out = lookup({"hashes": [BRIDGE_HASH, {"hash": COASTER_HASH, "quality": 100},
                                         {"hash": BRIDGE_HASH, "quality": 10}]})
        assert status == 200
        a, b, c = out["results"]
        assert a["blocked"] is True and a["matches"][0]["id"] == "planted-1" and a["gate"] == "none"
        assert b["blocked"] is False and b["quality"] == 100
        # the library's gate: a known quality below the minimum matches nothing
        assert c["blocked"] is False and c["gate"] == "below_quality"

        status, out = lookup({"hashes": ["abc"]})
        assert status == 400 and out["error"] == "bad_hash"
        for q in (999, -5):
            status, out = lookup({"hashes": [{"hash": BRIDGE_HASH, "quality": q}]})
            assert status == 400 and out["error"] == "invalid_argument", out
        status, out = lookup({"nope": 1})
        assert status == 400 and out["error"] == "invalid_argument"
    finally:
        assert gw.stop() == 0


# ---- options and the token -------------------------------------------------------

@pytest.mark.parametrize("args,mentions", [
    (["--port", "abc"], "--port"),
    (["--port", "70000"], "--port"),
    (["--threshold", "999"], "--threshold"),
    (["--threshold", "-5"], "--threshold"),
    (["--max-pixels", "0"], "--max-pixels"),
    (["--threads", "100000000"], "--threads"),
    (["--max-shrink", "101"], "--max-shrink"),
    (["--max-decode-memory", "0"], "--max-decode-memory"),
    (["--max-decode-memory", "abc"], "--max-decode-memory"),
    (["--max-decode-cpu-ms", "-5"], "--max-decode-cpu-ms"),
    (["--max-decode-cpu-ms", str(1 << 41)], "--max-decode-cpu-ms"),
    (["--bogus"], "--bogus"),
])
def test_bad_options_are_refused(tmp_path, args, mentions):
    lst = tmp_path / "l.csv"
    write(lst, planted_list(lst))
    p = subprocess.run([GATEWAY, "--list", str(lst), *args], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2, (args, p.stdout, p.stderr)
    assert "listening" not in p.stdout
    assert mentions in p.stderr, p.stderr


def test_help_lists_the_options():
    p = subprocess.run([GATEWAY, "--help"], capture_output=True, text=True, timeout=20)
    assert p.returncode == 0
    for opt in ("--list", "--token-file", "--settle-ms", "--max-shrink", "--allow-empty-list",
                "--header-timeout-ms", "--max-connections-per-ip", "--max-decode-memory",
                "--max-decode-cpu-ms"):
        assert opt in p.stdout


def test_bearer_token(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    gw = start(tmp_path, "--token-file", str(token))
    try:
        status, out = gw.check(read(BRIDGE))
        assert status == 401 and out["error"] == "unauthorized"
        status, out = gw.check(read(BRIDGE), {"Authorization": "Bearer wrong-token"})
        assert status == 401
        status, out = gw.check(read(BRIDGE), {"Authorization": "Bearer s3cret-token"})
        assert status == 200 and out["blocked"] is True
        status, _ = gw.request("GET", "/metrics")
        assert status == 401
        status, _ = gw.request("GET", "/healthz")  # probes need no token
        assert status == 200
    finally:
        assert gw.stop() == 0


# ---- lists fail closed -------------------------------------------------------------

def test_empty_list_refuses_to_start_unless_allowed(tmp_path):
    lst = tmp_path / "empty.csv"
    write(lst, "id,hash,label\n")
    p = subprocess.run([GATEWAY, "--list", str(lst), "--port", "0"], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "0 entries" in p.stderr, p.stderr
    gw = Gateway(lst, "--allow-empty-list")
    try:
        status, out = gw.check(read(BRIDGE))
        assert status == 200 and out["blocked"] is False
    finally:
        assert gw.stop() == 0


def wait_for(cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


class Load:
    """Checks the bridge photo continuously and counts every answer that is not a block."""

    def __init__(self, gw, threads=2):
        self.gw, self.stop_flag = gw, threading.Event()
        self.ok = self.passed = self.errors = 0
        self.lock = threading.Lock()
        self.body = read(BRIDGE)
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                status, out = self.gw.check(self.body)
            except Exception:  # noqa: BLE001 - counted, asserted on below
                with self.lock:
                    self.errors += 1
                continue
            with self.lock:
                if status == 200 and out["blocked"] is True:
                    self.ok += 1
                else:
                    self.passed += 1

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=30)


def test_in_place_rewrite_under_load_never_serves_a_half_written_list(tmp_path):
    gw = start(tmp_path, "--watch-ms", "50", "--settle-ms", "1000", text=planted_list(None, filler=3000))
    load = Load(gw)
    try:
        time.sleep(0.3)
        new = planted_list(None, filler=3100).encode()
        with open(gw.list_path, "wb") as f:  # truncates in place, then writes slowly (cp, curl -o, >)
            for i in range(0, len(new), 8192):
                f.write(new[i:i + 8192])
                f.flush()
                time.sleep(0.05)
        assert wait_for(lambda: any("reload (file changed): entries 3001 -> 3101" in l for l in gw.log), 15), gw.log
        time.sleep(0.3)
    finally:
        load.stop()
    assert load.ok > 20 and load.errors == 0
    assert load.passed == 0, f'{load.passed} "blocked": false answers for a listed image'
    assert not any("failed" in l for l in gw.log), gw.log
    assert gw.stop() == 0


def test_partial_list_after_a_writer_pause_is_refused_by_the_shrink_limit(tmp_path):
    gw = start(tmp_path, "--watch-ms", "50", "--settle-ms", "300", text=planted_list(None, filler=3000))
    load = Load(gw)
    try:
        new = planted_list(None, filler=3000).encode()
        with open(gw.list_path, "wb") as f:
            cut = new.rfind(b"\n", 0, len(new) // 4) + 1  # a quarter, whole lines (a cut line is a parse error)
            f.write(new[:cut])  # then the writer stalls past the settle time
            f.flush()
            assert wait_for(lambda: any("failed, keeping 3001 entries" in l for l in gw.log), 10), gw.log
            status, data = gw.request("GET", "/healthz")
            health = json.loads(data)
            assert status == 503 and health["status"] == "stale" and "shrink" in health["reason"]
            assert health["entries"] == 3001
            f.write(new[cut:])
        assert wait_for(lambda: gw.request("GET", "/healthz")[0] == 200, 10)
    finally:
        load.stop()
    assert load.passed == 0 and load.errors == 0 and load.ok > 0
    assert gw.stop() == 0


def test_truncated_list_keeps_the_old_one_and_healthz_is_not_ok(tmp_path):
    gw = start(tmp_path, "--watch-ms", "50", "--settle-ms", "200")
    try:
        with open(gw.list_path, "w"):
            pass  # truncate to 0 bytes
        assert wait_for(lambda: gw.request("GET", "/healthz")[0] == 503, 10), gw.log
        status, data = gw.request("GET", "/healthz")
        health = json.loads(data)
        assert health["status"] == "stale" and health["entries"] == 1 and "0" in health["reason"]
        status, out = gw.check(read(BRIDGE))
        assert status == 200 and out["blocked"] is True  # the old list is still served
        _, metrics = gw.request("GET", "/metrics")
        text = metrics.decode()
        assert "# TYPE pdqguard_reload_failures_total counter" in text
        assert "pdqguard_reload_failures_total 1" in text
        assert "pdqguard_list_stale 1" in text
        # A good list again: healthy.
        write(gw.list_path, planted_list(None))
        assert wait_for(lambda: gw.request("GET", "/healthz")[0] == 200, 10), gw.log
    finally:
        assert gw.stop() == 0


def test_expect_100_continue(tmp_path):
    gw = start(tmp_path)
    try:
        body = read(BRIDGE)
        s = socket.create_connection(("127.0.0.1", gw.port), timeout=5)
        s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        assert s.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"  # before the body is sent
        s.sendall(body)
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
        s.close()
        assert raw.startswith(b"HTTP/1.1 200") and responses(raw) == 1  # no second "100 Continue"
        assert body_json(raw)["blocked"] is True
    finally:
        assert gw.stop() == 0


# ---- packaging ----------------------------------------------------------------------

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def test_systemd_unit_uses_existing_options():
    unit = open(os.path.join(REPO, "examples", "systemd", "pdqguard-gateway.service")).read()
    exec_start = unit.split("ExecStart=", 1)[1].split("\nExecReload")[0].replace("\\\n", " ")
    options = [w for w in exec_start.split() if w.startswith("--")]
    help_text = subprocess.run([GATEWAY, "--help"], capture_output=True, text=True, timeout=20).stdout
    assert options and all(o in help_text for o in options), options
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit


@pytest.mark.skipif(not os.environ.get("PDQGUARD_BUILD_DIR"), reason="PDQGUARD_BUILD_DIR not set")
def test_cmake_install_puts_the_gateway_in_bin(tmp_path):
    p = subprocess.run(["cmake", "--install", os.environ["PDQGUARD_BUILD_DIR"], "--prefix", str(tmp_path),
                        "--component", "cli"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    installed = tmp_path / "bin" / "pdqguard-gateway"
    assert installed.exists()
    v = subprocess.run([str(installed), "--version"], capture_output=True, text=True, timeout=20)
    assert v.returncode == 0 and v.stdout.startswith("pdqguard-gateway ")
