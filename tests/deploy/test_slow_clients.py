"""Slow clients against the production front: nginx (deploy/nginx/) in front of gunicorn
with deploy/gunicorn.conf.py.

The attack: many connections whose headers announce a request body that then arrives a
byte at a time (or not at all). With request buffering off, nginx handed each one to
gunicorn at once, where it held a thread while Django waited for the body; four of them
(one worker, four threads) stopped /healthz. Now nginx reads bodies itself and gunicorn only
ever sees complete requests; only the tus endpoint still streams (its chunks are large and
go straight to storage).

gunicorn runs with one worker and four threads, the smallest pool, so that a stall would
show; the slow clients are 50.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import shutil
import time

import pytest

from tests.deploy import nginx as harness
from tests.deploy import servers

NGINX = harness.nginx_binary()
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx with auth_request is not installed")

SLOW_CLIENTS = 50
PROBES = 20
PROBE_LIMIT = 2.0  # seconds each /healthz may take while the slow clients hang
# A view that reads its body (DRF parses the JSON before it answers); no session needed.
BODY_READING_PATH = "/api/v1/auth/token/"
TUS_PATH = "/api/v1/uploads/0f8fad5b-d9cb-469f-a165-70867728950e"
UNUSED_MINIO = "127.0.0.1:9"  # nothing here asks the object store


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    """gunicorn (production config, 1 worker x 4 threads) behind the production nginx."""
    base = tmp_path_factory.mktemp("front")
    with servers.gunicorn(base / "var", workers=1, threads=4) as app_port:
        site = harness.write_config(
            base / "nginx", app=f"127.0.0.1:{app_port}", minio=UNUSED_MINIO, access_log=False
        )
        with harness.running(NGINX, site):
            yield site


@contextlib.contextmanager
def slow_clients(port: int, count: int, path: str):
    socks = []
    try:
        for _ in range(count):
            socks.append(servers.slow_post(port, path, declared=100_000, first=b'{"user'))
        yield socks
    finally:
        for sock in socks:
            sock.close()


def probe_healthz(port: int, trickle) -> list[float]:
    """PROBES requests to /healthz, one after the other; between them every slow client
    sends one more byte. Returns how long each took (raises if one is not answered)."""
    took = []
    for _ in range(PROBES):
        trickle()
        started = time.monotonic()
        status, body = servers.get(port, "/healthz", timeout=PROBE_LIMIT)
        took.append(time.monotonic() - started)
        assert (status, body) == (200, b'{"status": "ok"}')
    return took


@needs_nginx
def test_slow_request_bodies_through_nginx_do_not_stop_healthz(front):
    with slow_clients(front.port, SLOW_CLIENTS, BODY_READING_PATH) as socks:

        def trickle():
            for sock in socks:
                sock.sendall(b"x")

        time.sleep(0.5)  # let every one of them reach whatever it can reach
        took = probe_healthz(front.port, trickle)
    print(f"/healthz with {SLOW_CLIENTS} slow clients: max {max(took) * 1000:.0f} ms")
    assert max(took) < PROBE_LIMIT


@needs_nginx
def test_slow_anonymous_tus_chunks_do_not_stop_healthz(front):
    """The tus endpoint streams, so its slow clients do reach gunicorn; but Django refuses a
    chunk without a session before reading it, and the connection to gunicorn ends with
    that answer instead of waiting for the rest of the body."""
    with slow_clients(front.port, SLOW_CLIENTS, TUS_PATH):
        time.sleep(0.5)
        took = probe_healthz(front.port, lambda: None)
    assert max(took) < PROBE_LIMIT


@needs_nginx
def test_other_request_bodies_reach_django_only_when_complete(tmp_path):
    upstream = servers.RecordingUpstream()
    try:
        site = harness.write_config(
            tmp_path, app=f"127.0.0.1:{upstream.port}", minio=UNUSED_MINIO, access_log=False
        )
        with harness.running(NGINX, site):
            sock = servers.slow_post(site.port, BODY_READING_PATH, declared=11, first=b'{"a"')
            try:
                assert not upstream.wait_for(b"POST " + BODY_READING_PATH.encode(), 1.0)
                sock.sendall(b':"bcd"}')  # the remaining 6 bytes
                assert upstream.wait_for(b'\r\n\r\n{"a":"bcd"}', 5.0)
            finally:
                sock.close()
    finally:
        upstream.close()


@needs_nginx
def test_tus_chunks_stream_through_unbuffered(tmp_path):
    upstream = servers.RecordingUpstream()
    try:
        site = harness.write_config(
            tmp_path, app=f"127.0.0.1:{upstream.port}", minio=UNUSED_MINIO, access_log=False
        )
        with harness.running(NGINX, site):
            sock = servers.slow_post(site.port, TUS_PATH, declared=1_000_000, first=b"12345")
            try:
                # Passed on while 999,995 bytes are still to come.
                assert upstream.wait_for(f"POST {TUS_PATH} HTTP/1.1".encode(), 5.0)
                assert upstream.wait_for(b"\r\n\r\n12345", 5.0)
            finally:
                sock.close()
    finally:
        upstream.close()


def test_the_nginx_files_set_client_timeouts():
    text = (harness.DEPLOY / harness.LOCATIONS).read_text()
    for directive in (
        "client_header_timeout",
        "client_body_timeout",
        "send_timeout",
        "keepalive_timeout",
    ):
        assert f"\n{directive} " in text, directive
    # Buffering is off in exactly one place: the tus location.
    assert text.count("proxy_request_buffering off;") == 1
    tus = text.index("location /api/v1/uploads/ {")
    assert text.index("proxy_request_buffering off;", tus) < text.index("}", tus)


def test_gunicorn_listens_only_on_loopback_with_threads(monkeypatch):
    """nginx is the defence against slow clients; gunicorn must not be reachable around
    it, and its worker class must keep long responses from holding a whole process."""
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    # Reading the file sets PROMETHEUS_MULTIPROC_DIR (for a gunicorn master's workers);
    # left in this process, /metrics in later tests would read that empty directory.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # recorded: undone after the test
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    config = runpy.run_path(str(servers.GUNICORN_CONF))
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
    assert config["bind"].startswith("127.0.0.1:")
    assert config["worker_class"] == "gthread"
    assert config["threads"] >= 4
    assert config["timeout"] > 0
    assert config["keepalive"] > 60  # above nginx's upstream keepalive_timeout
