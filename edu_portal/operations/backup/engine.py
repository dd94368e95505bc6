"""Making one backup: the database first, then the objects it may reference, then the
manifest, then the completion marker, then the retention rule (see the package docstring
for the layout)."""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import tempfile
import threading
import time
import tomllib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import django
from django.conf import settings
from django.utils import timezone

from edu_portal.operations.backup import crypto, database, retention
from edu_portal.operations.backup import manifest as manifests
from edu_portal.operations.backup.streams import (
    ContentChanged,
    file_chunks,
    sealed,
    verified,
)
from edu_portal.operations.backup.target import Target, TargetError, open_target
from edu_portal.operations.models import BackupRun, RunStatus, Trigger
from edu_portal.storage import ObjectNotFound, Storage, StorageError, get_storage

log = logging.getLogger(__name__)
CHANGE_RETRIES = 3
# Objects copied at once: enough to overlap one object's reading, hashing and writing with
# another's (and, on S3 or a cold disk, to keep several requests in flight); few enough
# that memory stays flat (each holds a chunk or two) and the host is not flooded.
COPY_THREADS = 4


class BackupFailed(Exception):
    """The backup did not complete; the message is a sentence (also in BackupRun.error)."""


@dataclass
class Counters:
    objects_total: int = 0
    objects_copied: int = 0
    bytes_total: int = 0
    bytes_copied: int = 0
    # The copying threads add to the counts together.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **amounts: int) -> None:
        with self.lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)


def redact(spec: str) -> str:
    """TARGET as it may be stored and shown: without user name and password.

    Everything up to the last "@" goes, not just what the URL parser calls the user
    information: a secret with an unencoded "/" ends the parser's host early, and the
    rest of the secret would stay in the "path" (or, as a "port", fail the parsing)."""
    scheme, sep, rest = spec.partition("://")
    if not sep or scheme.lower() == "file":
        return spec
    rest = rest.rpartition("@")[2].partition("?")[0].partition("#")[0]
    return f"{scheme}://{rest}"


def platform_version() -> str:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, ValueError):
        return "unknown"


def new_name() -> str:
    return datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def get_target(spec: str) -> Target:
    return open_target(
        spec,
        object_store_url=settings.OBJECT_STORE_URL,
        var_dir=Path(settings.VAR_DIR),
        public_dirs=[Path(settings.STATIC_ROOT)],
        timeout=settings.OBJECT_STORE_TIMEOUT,
        retries=settings.OBJECT_STORE_RETRIES,
    )


def run_backup(
    spec: str | None = None,
    *,
    passphrase: str | None = None,
    trigger: str = Trigger.MANUAL,
    stdout=None,
) -> BackupRun:
    """Make a backup of the database and the object store into ``spec`` (default
    BACKUP_TARGET); returns the finished BackupRun, raises BackupFailed (the run is then
    recorded as failed, with the reason)."""
    spec = settings.BACKUP_TARGET if spec is None else spec
    passphrase = settings.BACKUP_ENCRYPTION_KEY if passphrase is None else passphrase
    name = new_name()
    run = BackupRun.objects.create(
        target=redact(spec)[:500], name=name, encrypted=bool(passphrase), trigger=trigger
    )
    started = time.monotonic()
    try:
        target = get_target(spec)
        run.target = target.display[:500]
        target.ping()
        with target.lock() as lease:
            counters = _make(target, name, passphrase, lease, run, stdout)
            run.pruned = retention.prune(
                target,
                daily=settings.BACKUP_KEEP_DAILY,
                weekly=settings.BACKUP_KEEP_WEEKLY,
                monthly=settings.BACKUP_KEEP_MONTHLY,
                tz=ZoneInfo(settings.TIME_ZONE),
                just_made=name,
                passphrase=passphrase,
            )
    except (TargetError, database.DatabaseError, BackupFailed, manifests.BackupUnusable) as exc:
        _finish(run, started, RunStatus.FAILED, str(exc))
        raise BackupFailed(str(exc)) from exc
    except StorageError as exc:
        message = f"The backup failed while reading or writing objects: {exc}"
        _finish(run, started, RunStatus.FAILED, message)
        raise BackupFailed(message) from exc
    except Exception as exc:
        _finish(run, started, RunStatus.FAILED, f"The backup failed unexpectedly: {exc!r}")
        raise
    for name in ("objects_total", "objects_copied", "bytes_total", "bytes_copied"):
        setattr(run, name, getattr(counters, name))
    _finish(run, started, RunStatus.OK, "")
    return run


def _finish(run: BackupRun, started: float, status: str, error: str) -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.duration_seconds = round(time.monotonic() - started, 3)
    run.save()


def _check_passphrase(target: Target, passphrase: str) -> None:
    """Objects are shared between backups, so every encrypted backup in a target must open
    with the same passphrase: refuse a different one rather than mix keys."""
    complete, _ = manifests.list_backups(target)
    for name in reversed(complete):
        header = manifests.read_header(target, name)
        if header.get("encrypted"):
            if not passphrase:
                return  # unencrypted backups use other object files (no .enc)
            try:
                manifests.load(target, name, passphrase)
            except manifests.BackupUnusable:
                raise BackupFailed(
                    f"The encryption passphrase does not open the backups already in "
                    f"{target.display}: use a new target when changing the passphrase."
                ) from None
            return


def _make(target: Target, name: str, passphrase: str, lease, run, stdout) -> Counters:
    _check_passphrase(target, passphrase)
    encrypted = bool(passphrase)
    salt = crypto.new_salt() if encrypted else b""
    created = datetime.now(tz=UTC)
    header = {
        "format": manifests.FORMAT_VERSION,
        "name": name,
        "created_at": created.isoformat(),
        "encrypted": encrypted,
    }
    if encrypted:
        header["kdf"] = {
            "name": "scrypt",
            "salt": salt.hex(),
            "n": crypto.SCRYPT_N,
            "r": crypto.SCRYPT_R,
            "p": crypto.SCRYPT_P,
        }
        header["cipher"] = f"AES-256-GCM, STREAM chunks of {crypto.CHUNK_SIZE} bytes"
    target.put_bytes(manifests.header_key(name), json.dumps(header, indent=1).encode())
    counters = Counters()

    # 1. The database, first: objects copied afterwards include every one it references.
    with tempfile.TemporaryDirectory(prefix="edu-backup-") as scratch:
        dump = database.dump(Path(scratch))
        digest = hashlib.sha256()
        size = 0

        def hashed():
            nonlocal size
            for chunk in file_chunks(dump.path):
                digest.update(chunk)
                size += len(chunk)
                yield chunk

        dump_name = manifests.dump_key(name, dump.path.name, encrypted)
        plain_size = dump.path.stat().st_size
        written = target.put_object(
            dump_name,
            sealed(hashed(), passphrase, salt, dump_name),
            length=crypto.encrypted_size(plain_size) if encrypted else plain_size,
        )
    run.database_bytes = size
    counters.bytes_total += size
    counters.bytes_copied += written
    _say(stdout, f"database: {dump.vendor} {dump.server_version}, {size} bytes dumped")

    # 2. The objects, incrementally by content address: the target is listed once.
    present = {info.key: info.size for info in target.list("objects/")}
    entries = _copy_objects(target, present, passphrase, salt, counters, lease)
    _say(
        stdout,
        f"objects: {counters.objects_total} in the store, {counters.objects_copied} copied "
        f"({counters.bytes_copied} bytes written)",
    )

    # 3. The manifest, then the marker that says the backup is complete.
    manifest = {
        "format": manifests.FORMAT_VERSION,
        "name": name,
        "created_at": created.isoformat(),
        "platform_version": platform_version(),
        "django_version": django.get_version(),
        "python_version": platform.python_version(),
        "encrypted": encrypted,
        "migrations": dump.migrations,
        "database": {
            "vendor": dump.vendor,
            "server_version": dump.server_version,
            "tool": dump.tool,
            "tool_version": dump.tool_version,
            "file": dump.path.name,
            "size": size,
            "sha256": digest.hexdigest(),
        },
        "row_counts": dump.row_counts,
        "objects": entries,
    }
    plain = json.dumps(manifest, separators=(",", ":")).encode()
    key = manifests.manifest_key(name, encrypted)
    blob = b"".join(sealed([plain], passphrase, salt, key))
    target.put_bytes(key, blob)
    # Everything the marker vouches for reaches the disk before the marker is written.
    target.sync()
    marker = {
        "name": name,
        "completed_at": datetime.now(tz=UTC).isoformat(),
        "manifest_sha256": hashlib.sha256(blob).hexdigest(),
    }
    target.put_bytes(manifests.marker_key(name), json.dumps(marker).encode())
    return counters


class _InFlight:
    """The target files being written right now. Two objects with the same bytes copied
    at the same moment would write one file twice (and an S3 server may fail one of two
    concurrent PUTs of a key): the second waits for the first instead."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writing: dict[str, threading.Event] = {}

    def claim(self, key: str) -> bool:
        """True: the caller writes ``key``, then calls release(). False: another thread
        was writing it and has finished (or failed): the caller looks again."""
        with self._lock:
            event = self._writing.get(key)
            if event is None:
                self._writing[key] = threading.Event()
                return True
        event.wait()
        return False

    def release(self, key: str) -> None:
        with self._lock:
            self._writing.pop(key).set()


def _copy_objects(
    target: Target,
    present: dict[str, int],
    passphrase: str,
    salt: bytes,
    counters: Counters,
    lease,
) -> list[dict]:
    """Copy the store's objects that the target lacks, COPY_THREADS at a time; their
    manifest entries in the store's listing order."""
    store = get_storage()
    entries: list[dict] = []
    pending: deque[Future] = deque()
    inflight = _InFlight()

    def collect(future: Future) -> None:
        entry = future.result()  # a copy's failure fails the backup here
        if entry is not None:
            entries.append(entry)

    pool = ThreadPoolExecutor(max_workers=COPY_THREADS, thread_name_prefix="backup-copy")
    try:
        for info in store.list(""):
            lease.renew()  # from this thread only: an S3 lease is written in order
            pending.append(
                pool.submit(
                    _copy_object,
                    store,
                    target,
                    info.key,
                    (present, inflight),
                    passphrase,
                    salt,
                    counters,
                )
            )
            # A bounded queue keeps the listing from running ahead of the copies.
            while len(pending) >= 2 * COPY_THREADS:
                collect(pending.popleft())
        while pending:
            collect(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return entries


def _copy_object(
    store: Storage,
    target: Target,
    key: str,
    copied: tuple[dict[str, int], _InFlight],
    passphrase: str,
    salt: bytes,
    counters: Counters,
) -> dict | None:
    """Copy one object unless the target has it; its manifest entry, or None when it
    vanished meanwhile (deleted after the listing: nothing references it any more).

    ``copied`` is the target's object files with their sizes, and those being written.
    A file of the wrong size
    is copied again: after a power cut before the last backup's sync, a renamed file can
    be there but short, and (ext4 writes an inode's size after its data) a file of the
    right size has its data."""
    present, inflight = copied
    encrypted = bool(passphrase)
    for _attempt in range(CHANGE_RETRIES):
        try:
            info = store.stat(key)
            sha256 = info.sha256 or _hash_object(store, key)
            stored_key = manifests.object_key(sha256, encrypted)
            stored_size = crypto.encrypted_size(info.size) if encrypted else info.size
            while present.get(stored_key) != stored_size:
                if not inflight.claim(stored_key):
                    continue
                try:
                    if present.get(stored_key) == stored_size:
                        break  # written between the look and the claim
                    # One read and one hash: verified() checks the bytes on their way to
                    # the target, which does not hash them again.
                    chunks = verified(_read(store, key), sha256, info.size)
                    written = target.put_object(
                        stored_key,
                        sealed(chunks, passphrase, salt, stored_key),
                        length=stored_size,
                    )
                    with counters.lock:
                        present[stored_key] = stored_size
                        counters.objects_copied += 1
                        counters.bytes_copied += written
                finally:
                    inflight.release(stored_key)
        except ObjectNotFound:
            log.warning("object %s vanished during the backup; left out of the manifest", key)
            return None
        except ContentChanged:
            log.info("object %s changed while it was copied; copying it again", key)
            continue
        counters.add(objects_total=1, bytes_total=info.size)
        return {
            "key": key,
            "size": info.size,
            "sha256": sha256,
            "content_type": info.content_type,
        }
    raise BackupFailed(
        f"The object {key} kept changing while it was being copied ({CHANGE_RETRIES} tries)."
    )


def _read(store: Storage, key: str):
    stream = store.open(key)  # ObjectNotFound now, before the target is written to
    with stream:
        yield from stream


def _hash_object(store: Storage, key: str) -> str:
    digest = hashlib.sha256()
    for chunk in _read(store, key):
        digest.update(chunk)
    return digest.hexdigest()


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)
