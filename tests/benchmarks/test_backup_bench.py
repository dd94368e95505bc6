"""Backup benchmark (issue 16): a store of 10,000 objects, 2 GB in total, mixed sizes.

Run with `make bench`. Measured side by side in one run, because the machines are shared
and absolute times drift, and reported as medians:

* the first backup through ``manage.py backup --to DIR`` as a ratio to a plain copy of the
  filesystem store's files (``shutil.copytree``, what ``cp -r`` does): goal ≤ 1.3;
* a second backup into the same target after 100 new objects were added, as a share of
  the first: goal < 10 %;
* a restore of that backup (``manage.py restore`` in a fresh process, into an empty
  database and an empty store) as a ratio to the first backup: printed, no goal.

The store's bytes come from one block of random bytes, each object a different slice of it
behind a header naming the object, so that every object has distinct content (a backup
keyed by content would otherwise copy one object) without spending a minute in os.urandom.
Everything is removed at the end: the 2 GB and each copy of it.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from edu_portal.operations.models import BackupRun, RunStatus
from edu_portal.storage import get_storage

OBJECTS = 10_000
TOTAL_BYTES = 2 * 1000**3
NEW_OBJECTS = 100
RUNS = 3
RESTORE_RUNS = 2
FIRST_RATIO_GOAL = 1.3
INCREMENTAL_SHARE_GOAL = 0.10
MIN_FREE_BYTES = 8 * 1000**3
BLOCK = 32 << 20
SEED = 16

# The backup copies an SQLite database with its online backup API, which cannot read a
# database whose connection holds a test transaction open: this benchmark commits.
pytestmark = pytest.mark.django_db(transaction=True)


def _sizes(count: int, total: int, rng: random.Random) -> list[int]:
    """Mixed sizes like a school's store: many small documents, some courseware, a few
    large videos; scaled so that they add up to ``total``."""
    raw = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.90:
            raw.append(rng.randint(2_000, 60_000))  # pages, images, small documents
        elif roll < 0.99:
            raw.append(rng.randint(200_000, 3_000_000))  # courseware, PDFs
        else:
            raw.append(rng.randint(40_000_000, 120_000_000))  # lesson videos
    scale = total / sum(raw)
    sizes = [max(64, int(size * scale)) for size in raw]
    sizes[-1] += total - sum(sizes)
    return sizes


class _Filler:
    """Bytes for objects: a header naming the object, then a slice of one random block."""

    def __init__(self, rng: random.Random) -> None:
        self.block = rng.randbytes(BLOCK)
        self.rng = rng

    def stream(self, key: str, size: int) -> io.BufferedIOBase:
        header = f"{key} {uuid.uuid4()}\n".encode()[:size]
        body = bytearray(header)
        offset = self.rng.randrange(BLOCK)
        while len(body) < size:
            take = min(size - len(body), BLOCK - offset)
            body += self.block[offset : offset + take]
            offset = 0
        return io.BytesIO(bytes(body))


def _fill(store, filler: _Filler, sizes: list[int], prefix: str) -> int:
    for index, size in enumerate(sizes):
        key = f"bench/{prefix}/{index:05d}.bin"
        store.put(key, filler.stream(key, size), length=size)
    return sum(sizes)


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _backup(target: Path) -> float:
    seconds = _timed(lambda: call_command("backup", "--to", str(target), stdout=io.StringIO()))
    run = BackupRun.objects.order_by("-started_at", "-id").first()
    assert run is not None and run.status == RunStatus.OK, run and run.error
    return seconds


def _scratch_database(work: Path):
    """A DATABASE_URL for an empty database of the test run's engine, and its cleanup."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{work / 'restored.sqlite3'}", lambda: None
    name = f"h2_bench_restore_{uuid.uuid4().hex[:10]}"
    params = connection.get_connection_params()
    import psycopg

    admin = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("host", "port", "user", "password")},
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    user, host = params.get("user", "postgres"), params.get("host", "127.0.0.1")
    password = params.get("password") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    url = f"postgres://{auth}{host}:{params.get('port', 5432)}/{name}"

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return url, drop


def _restore(source: Path, work: Path) -> float:
    """``manage.py restore`` in a fresh process, into an empty database and store."""
    work.mkdir()
    database_url, drop = _scratch_database(work)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OBJECT_STORE_URL": f"file://{work / 'objects'}",
        "VAR_DIR": str(work / "var"),
        "SECRET_KEY": "bench-restore-" + uuid.uuid4().hex,
    }
    command = [sys.executable, "manage.py", "restore", str(source)]
    try:
        start = time.perf_counter()
        result = subprocess.run(
            command,
            cwd=django_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        seconds = time.perf_counter() - start
    finally:
        drop()
    assert result.returncode == 0, result.stderr[-3000:] or result.stdout[-3000:]
    restored = sum(1 for path in (work / "objects" / "bench").rglob("*.bin"))
    assert restored >= OBJECTS, f"{restored} objects restored"
    return seconds


def test_backup_benchmark(tmp_path, settings):
    free = shutil.disk_usage(tmp_path).free
    if free < MIN_FREE_BYTES:
        pytest.skip(
            f"the backup benchmark needs {MIN_FREE_BYTES / 1e9:.0f} GB free under {tmp_path}; "
            f"{free / 1e9:.1f} GB are free"
        )
    work = tmp_path / "backup-bench"
    store_root = work / "objects"
    settings.OBJECT_STORE_URL = f"file://{store_root}"
    settings.BACKUP_ENCRYPTION_KEY = ""
    try:
        _run(work, store_root)
    finally:
        # 2 GB and its copies must not stay behind in pytest's kept temporary directories.
        shutil.rmtree(work, ignore_errors=True)


def _run(work: Path, store_root: Path) -> None:
    rng = random.Random(SEED)
    filler = _Filler(rng)
    store = get_storage()
    generate = time.perf_counter()
    total = _fill(store, filler, _sizes(OBJECTS, TOTAL_BYTES, rng), "base")
    generate = time.perf_counter() - generate
    print(
        f"\nbackup benchmark: {OBJECTS} objects, {total / 1e9:.2f} GB "
        f"(generated in {generate:.0f} s), medians of {RUNS}"
    )

    copies, firsts = [], []
    for run in range(RUNS):
        plain = work / f"plain-{run}"
        copies.append(_timed(lambda plain=plain: shutil.copytree(store_root, plain)))
        shutil.rmtree(plain)
        target = work / f"backup-{run}"
        firsts.append(_backup(target))
        if run < RUNS - 1:  # the last target stays for the incremental runs and the restore
            shutil.rmtree(target)
    copy, first = statistics.median(copies), statistics.median(firsts)
    first_ratio = first / copy

    target = work / f"backup-{RUNS - 1}"
    increments = []
    for run in range(RUNS):
        _fill(store, filler, _sizes(NEW_OBJECTS, 20 * 1000**2, rng), f"new-{run}")
        increments.append(_backup(target))
    increment = statistics.median(increments)
    share = increment / first
    last = BackupRun.objects.order_by("-started_at", "-id").first()
    assert last.objects_copied == NEW_OBJECTS, last.objects_copied

    restores = [_restore(target, work / f"restore-{run}") for run in range(RESTORE_RUNS)]
    restore = statistics.median(restores)

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    print(f"  plain copy (copytree)         {copy:7.2f} s  {total / 1e6 / copy:7.1f} MB/s")
    print(
        f"  first backup                  {first:7.2f} s  {total / 1e6 / first:7.1f} MB/s"
        f"  ratio to plain copy {first_ratio:.2f} (goal <= {FIRST_RATIO_GOAL}:"
        f" {verdict(first_ratio <= FIRST_RATIO_GOAL)})"
    )
    print(
        f"  backup after {NEW_OBJECTS} new objects  {increment:7.2f} s"
        f"  share of the first {share:.1%} (goal < {INCREMENTAL_SHARE_GOAL:.0%}:"
        f" {verdict(share < INCREMENTAL_SHARE_GOAL)})"
    )
    print(
        f"  restore (fresh process)       {restore:7.2f} s  ratio to the first backup"
        f" {restore / first:.2f} (median of {RESTORE_RUNS})"
    )
    assert first_ratio <= FIRST_RATIO_GOAL, f"first backup / plain copy = {first_ratio:.2f}"
    assert share < INCREMENTAL_SHARE_GOAL, f"incremental / first backup = {share:.1%}"
