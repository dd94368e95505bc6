"""The embedded object store: plain files under one directory (``var/objects`` by default).

Each object is a regular file at ``<root>/<key>``, so nginx could serve the tree as it is.
Its metadata (SHA-256, content type) lives in a hidden sidecar ``.<name>.meta.json`` next
to it. Both are written to a temporary file in the same directory and moved into place
with ``os.replace``, which is atomic on POSIX: a reader sees the old object or the new one,
never half a file. The sidecar records the inode, size and mtime of the data file it
describes; a sidecar that does not match (a crash between the two renames, or a file put
there by hand) is ignored rather than trusted.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from edu_portal.storage import signals
from edu_portal.storage.base import (
    DEFAULT_CONTENT_TYPE,
    HashingReader,
    ObjectInfo,
    ObjectStream,
    Readable,
    Storage,
    check_range,
    check_sha256,
    validate_key,
    validate_prefix,
)
from edu_portal.storage.errors import (
    ChecksumMismatch,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from edu_portal.storage.resumable_fs import FilesystemResumable

CHUNK_SIZE = 1 << 20  # writes: large enough that per-call overhead does not matter
READ_CHUNK_SIZE = 256 << 10  # reads: small enough to start sending a range quickly


def object_scope(key: str, filename: str | None = None) -> str:
    """The signed-URL scope for serving ``key``; the download name is bound into it so a
    link cannot be edited to offer the same file under a misleading name."""
    return f"object:{key}" + (f"\n{filename}" if filename else "")


class FilesystemStorage(FilesystemResumable, Storage):
    kind = "filesystem"

    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.root = Path(root).resolve()
        # fsync before rename: otherwise a power cut can leave a renamed but empty file.
        self.fsync = fsync

    def __repr__(self) -> str:
        return f"FilesystemStorage({str(self.root)!r})"

    # --- paths -------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        # validate_key guarantees no '..', no leading '/', no hidden segment, so the
        # joined path stays inside root and never names a sidecar or temporary file.
        return self.root / validate_key(key)

    @staticmethod
    def _meta_path(path: Path) -> Path:
        return path.with_name(f".{path.name}.meta.json")

    def _temp_file(self, path: Path) -> tuple[BinaryIO, Path]:
        """Create a new temporary file next to ``path`` (same filesystem, so os.replace
        is a rename). Retried because a concurrent delete may prune the empty parent
        directory between makedirs and open."""
        for attempt in range(3):
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
            try:
                return open(temp, "xb"), temp
            except FileNotFoundError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    # --- writing -----------------------------------------------------------------------

    def put(
        self,
        key: str,
        stream: BinaryIO | Readable,
        *,
        length: int | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expected_sha256: str | None = None,
        cache_control: str | None = None,
    ) -> ObjectInfo:
        path = self._path(key)
        check_sha256(expected_sha256)
        reader = HashingReader(stream, limit=length)
        temp: Path | None = None
        meta_temp: Path | None = None
        try:
            with self._os_errors(key):
                handle, temp = self._temp_file(path)
                with handle:
                    while chunk := reader.read(CHUNK_SIZE):
                        handle.write(chunk)
                    handle.flush()
                    if self.fsync:
                        os.fsync(handle.fileno())
            if length is not None and reader.count != length:
                raise StorageError(f"stream for {key} ended after {reader.count} of {length} bytes")
            sha256 = reader.hexdigest()
            if expected_sha256 is not None and sha256 != expected_sha256:
                raise ChecksumMismatch(key, expected_sha256, sha256)
            with self._os_errors(key):
                st = temp.stat()
                meta = {
                    "sha256": sha256,
                    "content_type": content_type or DEFAULT_CONTENT_TYPE,
                    "cache_control": cache_control,
                    "size": st.st_size,
                    "ino": st.st_ino,
                    "mtime_ns": st.st_mtime_ns,
                }
                meta_handle, meta_temp = self._temp_file(path)
                with meta_handle:
                    meta_handle.write(json.dumps(meta).encode())
                os.replace(temp, path)
                temp = None
                os.replace(meta_temp, self._meta_path(path))
                meta_temp = None
        finally:
            if temp is not None or meta_temp is not None:  # failed: leave nothing behind
                for leftover in (temp, meta_temp):
                    if leftover is not None:
                        leftover.unlink(missing_ok=True)
                self._prune(path.parent)
        signals.announce_stored(self, key, sha256, st.st_size)
        return self._info(key, st, meta)

    def copy(self, src: str, dst: str) -> ObjectInfo:
        info = self.stat(src)
        with self.open(src) as stream:
            # Re-hashing on the way through (against the recorded SHA-256 when known)
            # means a copy never silently propagates a corrupted file.
            return self.put(
                dst,
                stream,
                length=info.size,
                content_type=info.content_type or DEFAULT_CONTENT_TYPE,
                expected_sha256=info.sha256,
                cache_control=info.cache_control,
            )

    def delete(self, key: str) -> None:
        path = self._path(key)
        with self._os_errors(key):
            if path.is_dir():
                return  # a "folder" is not an object; nothing to delete under this key
            path.unlink(missing_ok=True)
            self._meta_path(path).unlink(missing_ok=True)
            self._prune(path.parent)
        signals.announce_removed(self, key)

    def delete_prefix(self, prefix: str) -> int:
        validate_prefix(prefix, allow_empty=False)
        count = 0
        for info in self.list(prefix):
            self.delete(info.key)
            count += 1
        signals.announce_prefix_removed(self, prefix)
        return count

    def _prune(self, directory: Path) -> None:
        """Remove empty directories up to (not including) root, so deleted job outputs
        do not leave thousands of empty folders behind."""
        while directory != self.root and self.root in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                return  # not empty (or already gone, or busy): stop climbing
            directory = directory.parent

    def purge_staging(self, older_than: timedelta = timedelta(days=1)) -> int:
        """Remove temporary files left by writers that died mid-upload."""
        cutoff = time.time() - older_than.total_seconds()
        count = 0
        for temp in self.root.rglob(".*.tmp"):
            with contextlib.suppress(OSError):  # finished or removed meanwhile
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()
                    count += 1
        return count

    # --- reading -----------------------------------------------------------------------

    def _read_meta(self, path: Path, st: os.stat_result) -> dict:
        try:
            meta = json.loads(self._meta_path(path).read_bytes())
        except (OSError, ValueError):
            return {}
        matches = (
            isinstance(meta, dict)
            and meta.get("ino") == st.st_ino
            and meta.get("size") == st.st_size
            and meta.get("mtime_ns") == st.st_mtime_ns
        )
        return meta if matches else {}

    def _info(self, key: str, st: os.stat_result, meta: dict | None) -> ObjectInfo:
        return ObjectInfo(
            key=key,
            size=st.st_size,
            sha256=meta.get("sha256") if meta is not None else None,
            content_type=(
                (meta.get("content_type") or DEFAULT_CONTENT_TYPE) if meta is not None else None
            ),
            etag=f"{st.st_mtime_ns:x}-{st.st_size:x}",
            modified=datetime.fromtimestamp(st.st_mtime, tz=UTC),
            cache_control=meta.get("cache_control") if meta is not None else None,
        )

    def _stat_file(self, key: str, path: Path) -> os.stat_result:
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StorageError(f"cannot stat {key}: {exc}") from exc
        if not path.is_file():
            raise ObjectNotFound(key)
        return st

    def stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        st = self._stat_file(key, path)
        return self._info(key, st, self._read_meta(path, st))

    def open(self, key: str, start: int = 0, end: int | None = None) -> ObjectStream:
        check_range(start, end)
        path = self._path(key)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by ObjectStream.close
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StorageError(f"cannot open {key}: {exc}") from exc
        size = os.fstat(handle.fileno()).st_size
        stop = size if end is None else min(end, size)
        length = max(0, stop - start)
        handle.seek(min(start, size))

        def chunks() -> Iterator[bytes]:
            remaining = length
            while remaining > 0:
                chunk = handle.read(min(READ_CHUNK_SIZE, remaining))
                if not chunk:
                    return  # truncated under us; the caller sees a short body
                remaining -= len(chunk)
                yield chunk

        return ObjectStream(chunks(), handle.close, length, fileno=handle.fileno)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        base = prefix.rpartition("/")[0]
        yield from self._walk(self.root / base if base else self.root, base, prefix)

    def _walk(self, directory: Path, dir_key: str, prefix: str) -> Iterator[ObjectInfo]:
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as exc:
            raise StorageError(f"cannot list {dir_key or '/'}: {exc}") from exc
        # Sorting a folder as "name/" makes this depth-first walk yield keys in plain
        # string order, the order S3 lists in ("a-b" < "a/b" because '-' < '/').
        named = []
        for entry in entries:
            if entry.name.startswith("."):
                continue  # sidecars, temporary files
            is_dir = entry.is_dir(follow_symlinks=False)
            named.append((entry.name + "/" if is_dir else entry.name, is_dir, entry))
        named.sort(key=lambda item: item[0])
        for sort_name, is_dir, entry in named:
            key = f"{dir_key}/{sort_name}" if dir_key else sort_name
            if is_dir:
                if key.startswith(prefix) or prefix.startswith(key):
                    yield from self._walk(Path(entry.path), key.rstrip("/"), prefix)
            elif key.startswith(prefix) and entry.is_file(follow_symlinks=False):
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue  # deleted while we were listing
                yield self._info(key, st, None)

    # --- URLs and health ---------------------------------------------------------------

    def presigned_get(
        self, key: str, ttl: int, filename: str | None = None, bind: dict | None = None
    ) -> str:
        """A site-relative URL of the object view, signed with ``edu_portal.access`` and
        bound as ``bind`` says (needs Django settings, unlike the rest of this class)."""
        from urllib.parse import urlencode

        from django.urls import reverse

        from edu_portal.access import sign_url

        validate_key(key)
        path = reverse("storage:object", kwargs={"key": key})
        if filename:
            path = f"{path}?{urlencode({'fn': filename})}"
        return sign_url(path, object_scope(key, filename), ttl=ttl, **(bind or {}))

    def ping(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"object directory {self.root} unusable: {exc}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(f"object directory {self.root} is not writable")

    @contextlib.contextmanager
    def _os_errors(self, key: str) -> Iterator[None]:
        """Name the key in OS errors; a full disk is worth retrying later, the rest not."""
        try:
            yield
        except StorageError:
            raise
        except OSError as exc:
            if exc.errno in (28, 122):  # ENOSPC, EDQUOT
                raise StorageUnavailable(f"no space to store {key}: {exc}") from exc
            raise StorageError(f"cannot store {key}: {exc}") from exc
