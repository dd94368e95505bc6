"""Stopping deploy/scripts/run-dev.sh (the development server and its Celery worker) is quiet.

Ctrl-C in a terminal signals the whole foreground process group, and make, `timeout` or a
supervisor signal a group too. When that reached Celery's pool children directly, the worker
logged their deaths as ERROR lines and could hang on its beat child. The script now runs its
children in sessions of their own and stops them itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.deploy import servers
from tests.storage.conftest import free_port

SCRIPT = servers.ROOT / "deploy" / "scripts" / "run-dev.sh"


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    """A migrated embedded installation (the beat's sweepers query the tables at once)."""
    var = tmp_path_factory.mktemp("dev") / "var"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=servers.ROOT,
        env=servers.child_env(var),
        check=True,
        timeout=300,
    )
    return var


def _ours(var: Path, port: int) -> list[int]:
    """Processes this test started that still run: the worker (its --schedule is under this
    VAR_DIR) and the development server (on this port)."""
    marks = (str(var).encode(), f"runserver 127.0.0.1:{port}".encode())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if any(mark in cmdline for mark in marks):
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_the_dev_server_logs_no_errors(var_dir, tmp_path, sig):
    port = free_port()
    log = tmp_path / "run-dev.log"
    env = servers.child_env(var_dir, PORT=str(port), PY=sys.executable)
    with log.open("wb") as out:
        # A session of its own, as a terminal gives a foreground job its own group.
        process = subprocess.Popen(
            ["bash", str(SCRIPT)],
            cwd=servers.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        servers.wait_for_healthz(port, process, log)
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():  # the worker is up too
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        os.killpg(process.pid, sig)  # the whole group, as Ctrl-C or a supervisor does
        assert process.wait(timeout=60) == 0
        deadline = time.monotonic() + 30
        while _ours(var_dir, port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _ours(var_dir, port) == [], "the worker outlived the script"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in _ours(var_dir, port):  # only processes this test started (its own VAR_DIR)
            os.kill(pid, signal.SIGKILL)
    output = log.read_text()
    assert "Stopping web server and worker" in output
    assert "ERROR" not in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
