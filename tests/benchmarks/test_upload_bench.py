"""Upload benchmark, issue target (d): peak memory of the upload path for a 2 GB file
(target <= 150 MB). Run with `make bench`.

The portal runs as it does in production (gunicorn, deploy/gunicorn.conf.py, one gthread
worker) in a process tree of its own, with a temporary VAR_DIR, SQLite database and object
store, so nothing here touches the developer's data. A separate client process sends a
generated 2 GiB stream (never materialised; written to the socket block by block) through
the tus API in 48 MiB PATCHes, as the upload page does. Printed: the server's peak RSS
(VmHWM of the master and of the worker that handles the PATCHes, and the highest sum of
their RSS while uploading), the client's peak RSS, the throughput, and its ratio to
writing the same bytes straight into the same kind of store with ``Storage.put``.
The peak is asserted against the target, so a miss fails `make bench`; the throughput ratio
is printed only, as the issue sets no target for it.

Filesystem store always; S3 too, against moto in its own process (moto keeps objects in
memory, so only the portal's processes are measured).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from edu_portal.storage import from_url
from media_pipeline.uploads.views import PAGE_CHUNK_SIZE
from tests.storage.conftest import free_port, s3_url
from tests.uploads.media import blocks

SIZE = 2 * 1024**3
CHUNK = PAGE_CHUNK_SIZE  # 48 MiB, what the upload page sends
TARGET_MB = 150
# Alternating rounds of upload and direct put; S3 (moto) is slow, so one round by default.
ROUNDS = {
    "filesystem": int(os.environ.get("BENCH_UPLOAD_ROUNDS", "3")),
    "s3": int(os.environ.get("BENCH_UPLOAD_ROUNDS", "1")),
}
PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

SETUP = """
from rest_framework.authtoken.models import Token
from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.accounts.roles import Role
bureau = actions.create_org_unit(SYSTEM, None, OrgUnit.Kind.BUREAU, "示范县教育局", "b-bureau")
school = actions.create_org_unit(SYSTEM, bureau, OrgUnit.Kind.SCHOOL, "城南小学", "b-school")
user = User.objects.create_user("bench_teacher", org_unit=school)
actions.assign_role(SYSTEM, user, Role.TEACHER, school)
print("TOKEN=" + Token.objects.create(user=user).key)
"""

# tests.uploads.tus_probe in a process of its own, reporting its own peak RSS afterwards.
# (VmHWM, not getrusage: ru_maxrss survives exec and would report the forking pytest's RSS.)
# The probe's 60 s socket timeout is raised to 600 s: the last PATCH assembles the 2 GiB in
# the store, which moto (in memory, Python) may take minutes to do on a loaded machine.
CLIENT = (
    "import http.client, json, re\n"
    "class PatientConnection(http.client.HTTPConnection):\n"
    "    def __init__(self, *args, **kwargs):\n"
    "        super().__init__(*args, **{**kwargs, 'timeout': 600})\n"
    "http.client.HTTPConnection = PatientConnection\n"
    "from tests.uploads import tus_probe\n"
    "tus_probe.main()\n"
    "status = open('/proc/self/status').read()\n"
    "peak = int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
    "print(json.dumps({'client_peak_kb': peak}))\n"
)


@pytest.fixture
def moto_process():
    """moto's S3 server in a process of its own (its objects do not count as ours).

    Like the fixture in tests/uploads/test_memory.py, but patient: on a loaded machine the
    server may accept connections well before it answers its first request.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=10)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


class BlockStream:
    """A file-like view of ``tests.uploads.media.blocks``: the bytes the client sends."""

    def __init__(self, size: int) -> None:
        self._blocks = blocks(size)
        self._pending = b""

    def read(self, size: int = -1) -> bytes:
        if not self._pending:
            self._pending = next(self._blocks, b"")
        if size is None or size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def _status_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in task.read_text().split()]
    return found


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue += _children(current)
    return pids


class RssPoller(threading.Thread):
    """Samples the summed RSS of a process tree; per-process peaks come from VmHWM."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_sum_kb = 0
        self.hwm_kb: dict[int, int] = {}
        self._done = threading.Event()

    def sample(self) -> None:
        pids = _tree(self.pid)
        self.peak_sum_kb = max(self.peak_sum_kb, sum(_status_kb(p, "VmRSS") for p in pids))
        for p in pids:
            self.hwm_kb[p] = max(self.hwm_kb.get(p, 0), _status_kb(p, "VmHWM"))

    def run(self) -> None:
        while not self._done.wait(0.1):
            self.sample()

    def stop(self) -> None:
        self._done.set()
        self.join()
        self.sample()


def _purge(store) -> None:
    """Delete every object (the 2 GiB uploads and direct puts) from the bench's store."""
    for info in list(store.list("")):
        store.delete(info.key)


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


def _client(endpoint: str, token: str, size: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, endpoint, token, str(size), str(CHUNK)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    return {**json.loads(lines[-2]), **json.loads(lines[-1])}


@pytest.mark.parametrize("backend", ["filesystem", "s3"])
def test_upload_memory_benchmark(backend, tmp_path, request):
    free = shutil.disk_usage(tmp_path).free
    print(f"\n[{backend}] free disk at {tmp_path}: {free / 1e9:.1f} GB")
    if backend == "filesystem" and free < 3 * SIZE:
        pytest.skip("not enough free disk for a 2 GiB upload and the direct put")
    var_dir = tmp_path / "var"
    store_url = (
        f"file://{var_dir / 'objects'}"
        if backend == "filesystem"
        else s3_url(request.getfixturevalue("moto_process"))
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "REDIS_"))},
        "DJANGO_SETTINGS_MODULE": "edu_portal.settings",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "OBJECT_STORE_URL": store_url,
        "DEBUG": "false",
        "UPLOAD_MAX_BYTES": str(4 * 1024**3),
        # moto (Python, objects in memory) stands in for MinIO and is far slower: assembling
        # 2 GiB on a loaded machine can outlast the default 30 s per store request and turn
        # the last PATCH into a 503. The benchmark measures memory, not moto's speed.
        "OBJECT_STORE_TIMEOUT": "300",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=PROJECT_ROOT, env=env, check=True)
    setup = subprocess.run(
        [*manage, "shell", "-c", SETUP],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    token = setup.stdout.strip().splitlines()[-1].removeprefix("TOKEN=")

    port = free_port()
    log = var_dir / "gunicorn.log"
    server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "edu_portal.wsgi"],
            cwd=PROJECT_ROOT,
            env=server_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    store = from_url(store_url, timeout=120)
    try:
        _wait_for_port(port, server, log)
        endpoint = f"http://127.0.0.1:{port}/api/v1/uploads/"
        # Warm up: the first requests import modules and open the database.
        warm = _client(endpoint, token, 3 * 1000 * 1000)
        idle = RssPoller(server.pid)
        idle.sample()

        # Rounds alternate the upload and the direct put (the machine is shared; medians).
        uploads: list[float] = []
        directs: list[float] = []
        clients: list[int] = []
        poller = RssPoller(server.pid)
        poller.start()
        try:
            for _ in range(ROUNDS[backend]):
                report = _client(endpoint, token, SIZE)
                assert report["offset"] == SIZE
                uploads.append(report["seconds"])
                clients.append(report["client_peak_kb"])
                _purge(store)
                started = time.perf_counter()
                store.put("bench/direct.bin", BlockStream(SIZE), length=SIZE)
                directs.append(time.perf_counter() - started)
                _purge(store)
        finally:
            poller.stop()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        with contextlib.suppress(Exception):  # cleanup only; never mask the real failure
            _purge(store)
        if backend == "filesystem":
            shutil.rmtree(var_dir / "objects", ignore_errors=True)

    mb = SIZE / 1e6
    upload_seconds = statistics.median(uploads)
    direct_seconds = statistics.median(directs)
    hwm = poller.hwm_kb
    worker_kb = max((kb for pid, kb in hwm.items() if pid != server.pid), default=0)
    master_kb = hwm.get(server.pid, 0)
    peak_mb = max(worker_kb, master_kb) / 1024
    verdict = "PASS" if peak_mb <= TARGET_MB else "MISS"
    print(f"[{backend}] 2 GiB tus upload in {CHUNK >> 20} MiB PATCHes through gunicorn:")
    print(
        f"  server peak RSS (VmHWM): worker {worker_kb / 1024:.1f} MB, "
        f"master {master_kb / 1024:.1f} MB   (target <= {TARGET_MB} MB: {verdict})"
    )
    idle_worker_kb = max((kb for pid, kb in idle.hwm_kb.items() if pid != server.pid), default=0)
    print(
        f"  after a 3 MB warm-up upload: worker VmHWM {idle_worker_kb / 1024:.1f} MB, "
        f"tree RSS {idle.peak_sum_kb / 1024:.1f} MB; "
        f"tree RSS peak while uploading {poller.peak_sum_kb / 1024:.1f} MB"
    )
    print(
        f"  client peak RSS {max(clients) / 1024:.1f} MB "
        f"({warm['client_peak_kb'] / 1024:.1f} MB for the 3 MB warm-up upload)"
    )
    print(f"  rounds {len(uploads)}: upload {[round(u, 2) for u in uploads]} s, direct put "
          f"{[round(d, 2) for d in directs]} s; medians:")  # fmt: skip
    print(f"  upload   {upload_seconds:7.2f} s  {mb / upload_seconds:7.1f} MB/s")
    print(
        f"  direct {type(store).__name__}.put {direct_seconds:7.2f} s  "
        f"{mb / direct_seconds:7.1f} MB/s"
    )
    print(f"  throughput ratio upload / direct put = {direct_seconds / upload_seconds:.2f}")
    assert peak_mb <= TARGET_MB, f"[{backend}] server peak {peak_mb:.1f} MB, target {TARGET_MB}"
