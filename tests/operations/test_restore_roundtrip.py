"""Done when (issue 16): back up a RUNNING demo platform, wipe its database and objects,
restore, and find every row count and every object's checksum identical.

Everything runs as the operator would: ``manage.py`` in subprocesses with an environment
of their own (a scratch database: a uniquely named PostgreSQL database when the test run
uses PostgreSQL, an SQLite file otherwise; objects in a directory), the demo seeded, the
site served by gunicorn during the backup, and the backup sent encrypted to an S3 server
over HTTP (moto). Then the target is searched for the secrets, and one object altered in
it must make ``verify_backup`` fail naming that object.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from edu_portal.storage import FilesystemStorage, MinioStorage
from tests.operations.test_backup import moto_endpoint  # noqa: F401 - a fixture
from tests.storage.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
COUNTS = (
    "import json; from edu_portal.operations.backup import database; "
    "print(json.dumps(database.current_counts()))"
)


def table_counts(env: dict) -> dict[str, int]:
    # The last line: seeding and logging may print before it.
    return json.loads(manage(env, "shell", "-c", COUNTS).stdout.strip().splitlines()[-1])


def manage(env: dict, *args: str, check: bool = True, timeout: int = 300):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return result


@pytest.fixture
def scratch_database(tmp_path):
    """(DATABASE_URL for the subprocesses, a function that wipes it)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        path = tmp_path / "var" / "db.sqlite3"

        def wipe_sqlite() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        yield f"sqlite:///{path}", wipe_sqlite
        return

    import psycopg

    parts = urlsplit(url)
    name = f"h1_restore_{uuid.uuid4().hex[:12]}"
    admin = parts._replace(path="/postgres").geturl().replace("pgsql://", "postgresql://")

    def run(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    def wipe_pg() -> None:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        run(f'CREATE DATABASE "{name}"')

    run(f'CREATE DATABASE "{name}"')
    yield parts._replace(path=f"/{name}").geturl(), wipe_pg
    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def object_checksums(root: Path) -> dict[str, str]:
    """Every object's SHA-256, from the bytes (not from the store's own records)."""
    store = FilesystemStorage(root)
    sums = {}
    for info in store.list(""):
        digest = hashlib.sha256()
        with store.open(info.key) as stream:
            for chunk in stream:
                digest.update(chunk)
        sums[info.key] = digest.hexdigest()
    return sums


def test_backup_of_a_running_platform_restores_identically(
    tmp_path,
    scratch_database,
    moto_endpoint,  # noqa: F811
):
    database_url, wipe_database = scratch_database
    objects = tmp_path / "var" / "objects"
    secrets = {
        "SECRET_KEY": f"django-{uuid.uuid4().hex}{uuid.uuid4().hex}",
        "BACKUP_ENCRYPTION_KEY": f"passphrase-{uuid.uuid4().hex}",
        "INTEGRITY_LEDGER_KEY": f"ledger-{uuid.uuid4().hex}",
    }
    s3_secret = f"s3secret{uuid.uuid4().hex}"
    bucket = f"h1-{uuid.uuid4().hex[:12]}"
    target = f"s3://backup:{s3_secret}@{moto_endpoint}/{bucket}/county?secure=false"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_", "OBJECT_STORE", "PG"))
    }
    env.update(
        VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=database_url,
        OBJECT_STORE_URL=f"file://{objects}",
        BACKUP_TARGET=target,
        DJANGO_SETTINGS_MODULE="edu_portal.settings",
        **secrets,
    )

    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo")
    manage(env, "seed_catalog")
    counts_before = table_counts(env)
    objects_before = object_checksums(objects)
    assert len(objects_before) >= 10 and counts_before["catalog_resource"] > 0

    # The platform runs (and is asked for pages) while it is backed up.
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "edu_portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = []
    stop = threading.Event()

    def visit() -> None:
        while not stop.is_set():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    served.append(r.status)
            except OSError:
                time.sleep(0.1)

    visitor = threading.Thread(target=visit, daemon=True)
    try:
        deadline = time.monotonic() + 60
        visitor.start()
        while not served and time.monotonic() < deadline:
            time.sleep(0.2)
        assert served, "the platform did not start"
        before_backup = len(served)
        result = manage(env, "backup")
        assert "complete" in result.stdout
        assert len(served) > before_backup, "the platform served requests during the backup"
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
        visitor.join(timeout=10)

    # Wipe everything, then restore from the S3 server.
    wipe_database()
    shutil.rmtree(objects)
    result = manage(env, "restore", target, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "0 problem(s)" in result.stdout

    # The backup's own BackupRun row was in the database it dumped.
    expected = {**counts_before, "operations_backuprun": counts_before["operations_backuprun"] + 1}
    assert table_counts(env) == expected
    assert object_checksums(objects) == objects_before

    # Restoring again is refused: the database and the store are no longer empty.
    again = manage(env, "restore", target, check=False)
    assert again.returncode == 1 and "not empty" in again.stderr
    # ...unless forced: then it replaces them, with the same result.
    forced = manage(env, "restore", target, "--force", check=False)
    assert forced.returncode == 0, forced.stderr[-4000:]
    assert table_counts(env) == expected
    assert object_checksums(objects) == objects_before

    # No secret was written into the backup, in any file.
    store = MinioStorage.from_url(f"s3://backup:{s3_secret}@{moto_endpoint}/{bucket}?secure=false")
    keys = [info.key for info in store.list("county/")]
    blob = b"".join(store.get_bytes(key) for key in keys)
    for value in [*secrets.values(), s3_secret]:
        assert value.encode() not in blob

    # An object altered in the backup fails verification, which names it.
    manage(env, "verify_backup", target)
    victim_sha = sorted(objects_before.values())[0]
    stored = f"county/objects/{victim_sha[:2]}/{victim_sha}.enc"
    data = bytearray(store.get_bytes(stored))
    data[len(data) // 2] ^= 0xFF
    store.put_bytes(stored, bytes(data))
    failed = manage(env, "verify_backup", target, check=False)
    assert failed.returncode == 1
    bad_keys = [key for key, sha in objects_before.items() if sha == victim_sha]
    for key in bad_keys:
        assert key in failed.stderr
    assert f"{len(bad_keys)} problem(s)" in failed.stderr
