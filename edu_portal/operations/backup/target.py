"""Where backups go: a directory (a mounted backup server) or a bucket on an S3 server.

A target is just another ``edu_portal.storage.Storage`` (the filesystem or the S3 backend)
seen through a key prefix, so everything the platform's store does well (atomic writes,
streaming, retries, translated errors) holds for backups too. The platform's own store is
refused as a target: a backup must survive the loss of the store it copies.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit, urlunsplit

from edu_portal.storage import (
    FilesystemStorage,
    MinioStorage,
    ObjectInfo,
    ObjectNotFound,
    ObjectStream,
    Storage,
    StorageError,
    StorageUnavailable,
    validate_key,
    validate_prefix,
)
from edu_portal.storage.base import DEFAULT_CONTENT_TYPE, Readable

LOCK_KEY = "locks/backup.json"
# An S3 lock is a lease: a crashed run's lock expires, a live run renews it while copying.
LEASE_SECONDS = 15 * 60
RENEW_SECONDS = 60


class TargetError(Exception):
    """The target cannot be used; the message is a sentence for the operator."""


class TargetBusy(TargetError):
    """Another backup or prune holds the target's lock."""


class Target:
    """A Storage with every key under ``prefix``; ``display`` names it without secrets."""

    def __init__(self, store: Storage, prefix: str, display: str, directory: Path | None):
        self.store = store
        self.prefix = prefix
        self.display = display
        self.directory = directory
        # Directories this run made (so each is made once) and whether files were written
        # since the last sync(); shared by the copying threads, hence the lock.
        self._made: set[Path] = set()
        self._unsynced = False
        self._state = threading.Lock()

    def __repr__(self) -> str:
        return f"Target({self.display!r})"

    def key(self, name: str) -> str:
        return self.prefix + name

    def put(
        self,
        name: str,
        stream: BinaryIO | Readable,
        *,
        length: int | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> ObjectInfo:
        return self.store.put(self.key(name), stream, length=length, content_type=content_type)

    def put_bytes(self, name: str, data: bytes, content_type: str = "application/json") -> None:
        self.store.put_bytes(self.key(name), data, content_type=content_type)

    def put_object(self, name: str, chunks: Iterable[bytes], *, length: int | None = None) -> int:
        """Store a backup file from ``chunks`` (``length`` bytes when known); the number of
        bytes written. Unlike put(), nothing is hashed here: the caller streams the bytes
        through its own SHA-256 check (raising midway leaves nothing behind), so a second
        hash would only cost time. Safe to call from several threads at once.

        In a directory the file is written under a temporary name and renamed, but not
        fsynced and without the store's metadata sidecar (nothing reads a backup file's
        recorded checksum: the manifest holds it): one fsync per file made the backup
        several times slower than the copy itself. Call sync() before declaring the backup
        complete. On S3 a PUT is atomic and durable once answered, and the file goes
        straight to its key instead of through the store's staging copy.
        """
        if self.directory is None:
            return self._put_s3(name, chunks, length)
        return self._put_file(name, chunks)

    def _put_file(self, name: str, chunks: Iterable[bytes]) -> int:
        key = validate_key(self.key(name))
        path = self.directory / key  # type: ignore[operator]  # a directory target here
        written = 0
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            if path.parent not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                with self._state:
                    self._made.add(path.parent)
            with self._state:
                self._unsynced = True
            with open(temp, "xb") as handle:
                for chunk in chunks:
                    written += handle.write(chunk)
            os.replace(temp, path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageUnavailable(f"no space to store {key}: {exc}") from exc
            raise StorageError(f"cannot store {key}: {exc}") from exc
        except BaseException:
            temp.unlink(missing_ok=True)  # the caller's check failed: leave nothing behind
            raise
        return written

    def _put_s3(self, name: str, chunks: Iterable[bytes], length: int | None) -> int:
        store = self.store
        if not isinstance(store, MinioStorage):
            info = store.put(self.key(name), IterReader(chunks), length=length)
            return info.size
        key = validate_key(self.key(name))
        reader = IterReader(chunks)
        with store._errors(key):  # the store's translation of S3 and network errors
            try:
                store.client.put_object(
                    store.bucket,
                    key,
                    reader,  # type: ignore[arg-type]  # only read() is used
                    -1 if length is None else length,
                    content_type="application/octet-stream",
                    part_size=store.part_size,
                )
            except OSError as exc:  # a short stream, or the source failed to read
                raise StorageError(f"cannot upload {key}: {exc}") from exc
        return reader.count

    def sync(self) -> None:
        """Make every file put_object() wrote durable (a no-op on S3, where a PUT is).

        One syncfs(2) of the target's filesystem writes back all of them, and the renames
        and new directories with them, in one go: the kernel orders and merges the writes,
        where a fsync per file forced a journal commit per file. Where syncfs is missing
        (not Linux), sync(2) does the same for every filesystem."""
        if self.directory is None or not self._unsynced:
            return
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            syncfs = getattr(_LIBC, "syncfs", None)
            if syncfs is None:
                os.sync()
            elif syncfs(fd) != 0:
                code = ctypes.get_errno()
                raise StorageError(
                    f"cannot write the backup to disk in {self.display}: {os.strerror(code)}"
                )
        finally:
            os.close(fd)
        with self._state:
            self._unsynced = False

    def open(self, name: str) -> ObjectStream:
        return self.store.open(self.key(name))

    def get_bytes(self, name: str) -> bytes:
        return self.store.get_bytes(self.key(name))

    def stat(self, name: str) -> ObjectInfo:
        return self.store.stat(self.key(name))

    def exists(self, name: str) -> bool:
        return self.store.exists(self.key(name))

    def delete(self, name: str) -> None:
        self.store.delete(self.key(name))

    def delete_prefix(self, name: str) -> int:
        return self.store.delete_prefix(self.key(name))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects under ``prefix`` with keys relative to the target."""
        cut = len(self.prefix)
        for info in self.store.list(self.key(prefix)):
            yield ObjectInfo(
                key=info.key[cut:],
                size=info.size,
                sha256=info.sha256,
                content_type=info.content_type,
                etag=info.etag,
                modified=info.modified,
            )

    def ping(self) -> None:
        try:
            self.store.ping()
        except StorageError as exc:
            raise TargetError(f"The backup target {self.display} cannot be reached: {exc}") from exc

    @contextlib.contextmanager
    def lock(self) -> Iterator[LeaseRenewer]:
        """Held by a backup and by a prune, so that they never interleave."""
        if self.directory is not None:
            with self._file_lock() as renewer:
                yield renewer
        else:
            with self._lease_lock() as renewer:
                yield renewer

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[LeaseRenewer]:
        # flock is released by the kernel when the process dies: no stale locks.
        if self.directory is None:
            raise TypeError("a file lock needs a directory target")
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".backup.lock", "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise TargetBusy(
                    f"Another backup or clean-up is running on {self.display}; try again later."
                ) from None
            try:
                yield LeaseRenewer(None)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _lease_lock(self) -> Iterator[LeaseRenewer]:
        # S3 has no lock: a lease object written, then read back to see who won the race.
        token = uuid.uuid4().hex
        try:
            held = json.loads(self.get_bytes(LOCK_KEY))
        except ObjectNotFound:
            held = None
        except ValueError:
            held = None  # unreadable: treated as absent, overwritten below
        if held and float(held.get("expires", 0)) > time.time():
            raise TargetBusy(
                f"Another backup or clean-up ({held.get('host', '?')}) is running on "
                f"{self.display}; try again later."
            )
        renewer = LeaseRenewer(lambda: self._write_lease(token))
        renewer.renew(force=True)
        time.sleep(0.05)  # a racing writer's lease lands before we read ours back
        if json.loads(self.get_bytes(LOCK_KEY)).get("token") != token:
            raise TargetBusy(f"Another backup started on {self.display} at the same moment.")
        try:
            yield renewer
        finally:
            with contextlib.suppress(StorageError, ValueError):
                if json.loads(self.get_bytes(LOCK_KEY)).get("token") == token:
                    self.delete(LOCK_KEY)

    def _write_lease(self, token: str) -> None:
        lease = {
            "token": token,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "expires": time.time() + LEASE_SECONDS,
            "written": datetime.now(tz=UTC).isoformat(),
        }
        self.put_bytes(LOCK_KEY, json.dumps(lease).encode())


_LIBC = ctypes.CDLL(None, use_errno=True)


class IterReader:
    """``read(n)`` over an iterator of byte chunks (what Storage.put consumes); ``count``
    is the number of bytes read so far."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self.count = 0
        # A bytearray grows in place: appending small chunks up to a large read stays linear.
        self._buffer = bytearray()

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = bytes(self._buffer) + b"".join(self._chunks)
            self._buffer.clear()
            self.count += len(data)
            return data
        while len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        self.count += len(data)
        return data


class LeaseRenewer:
    """Called from long loops: renews an S3 lease at most once per RENEW_SECONDS."""

    def __init__(self, write) -> None:
        self._write = write
        self._last = 0.0

    def renew(self, force: bool = False) -> None:
        if self._write is None:
            return
        now = time.monotonic()
        if force or now - self._last >= RENEW_SECONDS:
            self._write()
            self._last = now


def _platform_store_location(object_store_url: str) -> tuple[str, str]:
    """("dir", path) or ("s3", "host:port/bucket") of the platform's own store."""
    parts = urlsplit(object_store_url)
    if parts.scheme == "file":
        return "dir", str(Path(parts.path).resolve())
    return "s3", f"{(parts.hostname or '').lower()}:{parts.port or ''}/{parts.path.strip('/')}"


def open_target(
    spec: str,
    *,
    object_store_url: str,
    var_dir: Path,
    public_dirs: Iterable[Path] = (),
    timeout: float = 30,
    retries: int = 3,
) -> Target:
    """Parse TARGET (a directory path, ``file:///path`` or
    ``s3://ACCESS:SECRET@host:port/bucket/prefix?secure=false``) and refuse the platform's
    own object store. Raises TargetError with a sentence."""
    spec = (spec or "").strip()
    if not spec:
        raise TargetError("No backup target given: pass --to TARGET or set BACKUP_TARGET.")
    parts = urlsplit(spec)
    scheme = parts.scheme.lower()
    if scheme in ("", "file"):
        return _directory_target(
            parts.path if scheme == "file" else spec, object_store_url, var_dir, public_dirs
        )
    if scheme in ("s3", "minio"):
        return _s3_target(parts, object_store_url, timeout, retries)
    raise TargetError(
        f"Unknown backup target scheme {scheme!r}: use a directory path or "
        "s3://ACCESS:SECRET@host:port/bucket/prefix."
    )


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _directory_target(
    path: str, object_store_url: str, var_dir: Path, public_dirs: Iterable[Path] = ()
) -> Target:
    directory = Path(path).expanduser().resolve()
    # A directory the web server hands out as it is (STATIC_ROOT: nginx's /static/ alias)
    # would publish every backup (the database dump, password hashes included) to anyone
    # who learns or guesses a file's name (a backup's name is its time), and
    # ``collectstatic --clear`` would delete the backups with the old static files.
    for public in public_dirs:
        public = Path(public).resolve()
        if _inside(directory, public):
            raise TargetError(
                f"The backup target {directory} is published by the web server (it lies in "
                f"{public}): back up to another disk or server."
            )
    kind, platform = _platform_store_location(object_store_url)
    own = [Path(platform)] if kind == "dir" else []
    own.append((var_dir / "objects").resolve())
    for root in own:
        if _inside(directory, root) or _inside(root, directory):
            raise TargetError(
                f"The backup target {directory} is (or holds, or lies inside) the platform's "
                f"own object store {root}: back up to another disk or server."
            )
    if directory.exists() and not directory.is_dir():
        raise TargetError(f"The backup target {directory} exists and is not a directory.")
    return Target(FilesystemStorage(directory), "", str(directory), directory)


def _s3_target(parts, object_store_url: str, timeout: float, retries: int) -> Target:
    # An "@" after the host (no bucket name has one) or a port that is not a number: a
    # key or secret with an unencoded "/" cut the URL in the wrong place. The sentence
    # must not quote the URL's parts, which are then pieces of the secret.
    try:
        port = parts.port
    except ValueError:
        port = None
        malformed = True
    else:
        malformed = "@" in parts.path
    if malformed:
        raise TargetError(
            "The S3 backup target cannot be read as s3://ACCESS:SECRET@host:port/bucket: "
            "write a '/', '@' or ':' in the access key or secret as %2F, %40 or %3A."
        )
    segments = [segment for segment in parts.path.split("/") if segment]
    if not parts.hostname or not segments:
        raise TargetError(
            "An S3 backup target needs a host and a bucket: s3://ACCESS:SECRET@host:port/bucket."
        )
    bucket, prefix = segments[0], "/".join(segments[1:])
    prefix = f"{prefix}/" if prefix else ""
    try:
        validate_prefix(prefix)
    except ValueError as exc:
        raise TargetError(f"The S3 backup target's prefix is not usable: {exc}") from None
    netloc_host = parts.hostname.lower()
    port = port or ""
    kind, platform = _platform_store_location(object_store_url)
    if kind == "s3" and platform == f"{netloc_host}:{port}/{bucket}":
        raise TargetError(
            f"The backup target s3://{netloc_host}:{port}/{bucket} is the platform's own "
            "bucket: back up to another server (or at least another bucket)."
        )
    store_url = urlunsplit((parts.scheme, parts.netloc, f"/{bucket}", parts.query, ""))
    try:
        store = MinioStorage.from_url(store_url, timeout=timeout, retries=retries)
    except ValueError as exc:
        raise TargetError(f"The S3 backup target is not a valid URL: {exc}") from None
    host = f"{netloc_host}:{port}" if port else netloc_host
    display = f"s3://{host}/{bucket}" + (f"/{prefix.rstrip('/')}" if prefix else "")
    return Target(store, prefix, display, None)
