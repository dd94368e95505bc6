"""Processes and sockets for the deployment tests: gunicorn with deploy/gunicorn.conf.py, a
recording stand-in upstream, and clients that send their request bodies slowly.

Everything listens on 127.0.0.1 only and is stopped (and waited for) by the test that
started it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tests.deploy.nginx import wait_for_port
from tests.storage.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"

#: Variables of the test run that would point a child process at the test's services or
#: settings; the child gets the embedded defaults under its own VAR_DIR instead.
_DROPPED = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "OBJECT_STORE_URL",
    "SEARCH_URL",
    "ELASTICSEARCH_URL",
}


def child_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in _DROPPED and not k.startswith("GUNICORN_")
    }
    env.update(VAR_DIR=str(var_dir), **extra)
    return env


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_for_healthz(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """The socket accepts as soon as the master listens; the worker loads Django after."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if get(port, "/healthz", timeout=5)[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer /healthz:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextlib.contextmanager
def gunicorn(
    var_dir: Path, *, workers: int = 1, threads: int = 4, env: dict[str, str] | None = None
) -> Iterator[int]:
    """gunicorn with the production config on a free port; yields the port. ``env`` adds
    to the embedded defaults (the stack test's database, Redis and object store)."""
    port = free_port()
    env = child_env(
        var_dir,
        **(env or {}),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        GUNICORN_THREADS=str(threads),
    )
    # gunicorn's control socket goes to $XDG_RUNTIME_DIR: one per test server, not shared.
    runtime = var_dir.parent / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    log = var_dir.parent / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "edu_portal.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, lambda: log.read_text()[-3000:], timeout=60)
        wait_for_healthz(port, process, log)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RecordingUpstream:
    """A stand-in for gunicorn that records what reaches it and never answers: it shows
    what nginx passes on, and when."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.received: list[bytearray] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            buffer = bytearray()
            with self._lock:
                self.received.append(buffer)
            reader = threading.Thread(target=self._read, args=(conn, buffer), daemon=True)
            reader.start()
            self._threads.append(reader)

    def _read(self, conn: socket.socket, buffer: bytearray) -> None:
        conn.settimeout(0.2)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                with self._lock:
                    buffer.extend(data)

    def everything(self) -> bytes:
        with self._lock:
            return b"".join(bytes(b) for b in self.received)

    def wait_for(self, needle: bytes, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.everything():
                return True
            time.sleep(0.05)
        return needle in self.everything()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        for thread in self._threads:
            thread.join(timeout=2)


def slow_post(port: int, path: str, *, declared: int, first: bytes) -> socket.socket:
    """A request whose headers announce ``declared`` body bytes but which sends only
    ``first``; the caller trickles more (or nothing) and closes it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    )
    sock.sendall(head.encode() + first)
    return sock
