"""Resumable uploads on the filesystem store: one staging file per upload.

The file is ``<root>/.resumable/<name>.part`` (same filesystem as the objects, so the
finished upload is moved into place with a rename, not copied). A session writes at
explicit positions (``pwrite``) and ``fsync``s before it reports its bytes durable.
Whatever lies past the saved offset (a session that was discarded, or whose process died
before saving) is cut off when the next session starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edu_portal.storage.base import DEFAULT_CONTENT_TYPE, ObjectInfo, check_sha256, validate_key
from edu_portal.storage.errors import ObjectNotFound, StorageError, StorageUnavailable
from edu_portal.storage.resumable import (
    RESUMABLE_PREFIX,
    AppendSession,
    Leftover,
    ResumableStorage,
    check_name,
)

_SUFFIX = ".part"
_HASH_BLOCK = 1 << 20


class FilesystemAppend(AppendSession):
    def __init__(self, storage: FilesystemResumable, state: dict, offset: int) -> None:
        super().__init__(state, offset)
        path = storage._resumable_path(state["name"])
        try:
            self._fd: int | None = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            raise ObjectNotFound(state["key"]) from None
        except OSError as exc:
            raise StorageError(f"cannot open staging file of {state['name']}: {exc}") from exc
        try:
            size = os.fstat(self._fd).st_size
            if size < offset:
                raise StorageError(
                    f"staging file of {state['name']} holds {size} bytes, {offset} were saved"
                )
            if size > offset:
                os.ftruncate(self._fd, offset)  # an unsaved session's bytes
        except BaseException:
            self.close()
            raise

    def write(self, data: bytes) -> None:
        if self._fd is None:
            raise StorageError("append session already closed")
        view = memoryview(data)
        try:
            while view:
                done = os.pwrite(self._fd, view, self.position)
                self.written += done
                view = view[done:]
        except OSError as exc:
            raise _os_error(self.state["key"], exc) from exc

    def commit(self) -> dict:
        if self._fd is None:
            raise StorageError("append session already closed")
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise _os_error(self.state["key"], exc) from exc
        return self.state

    def discard(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):  # the next session truncates anyway
                os.ftruncate(self._fd, self.start)
        self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _os_error(key: str, exc: OSError) -> StorageError:
    if exc.errno in (28, 122):  # ENOSPC, EDQUOT: worth retrying later
        return StorageUnavailable(f"no space to store {key}: {exc}")
    return StorageError(f"cannot store {key}: {exc}")


class FilesystemResumable(ResumableStorage):
    """Mixed into FilesystemStorage: uses its root, ``_path``, ``_temp_file``,
    ``_meta_path``, ``_os_errors``, ``stat`` and ``delete``, and writes the same sidecar."""

    root: Path

    def _resumable_path(self, name: str) -> Path:
        return self.root / RESUMABLE_PREFIX / f"{check_name(name)}{_SUFFIX}"

    def resumable_create(self, name: str, *, key: str, length: int, content_type: str) -> dict:
        validate_key(key)
        if length < 1:
            raise ValueError("a resumable upload needs at least one byte")
        path = self._resumable_path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb"):
                pass
        except FileExistsError:
            raise StorageError(f"resumable upload {name} exists already") from None
        except OSError as exc:
            raise _os_error(key, exc) from exc
        return {
            "v": 1,
            "name": name,
            "key": key,
            "length": length,
            "content_type": content_type or DEFAULT_CONTENT_TYPE,
        }

    def resumable_append(self, state: dict, offset: int) -> FilesystemAppend:
        return FilesystemAppend(self, state, offset)

    def resumable_complete(self, state: dict, *, sha256: str | None) -> ObjectInfo:
        check_sha256(sha256)
        key, length = state["key"], state["length"]
        staging = self._resumable_path(state["name"])
        path = self._path(key)
        with self._os_errors(key):
            try:
                st = staging.stat()
            except FileNotFoundError:
                # Moved into place by an earlier attempt that failed afterwards?
                return self._finish_moved(key, path, length, state, sha256)
            if st.st_size != length:
                raise StorageError(f"{key}: staging holds {st.st_size} of {length} bytes")
            if sha256 is None:
                sha256 = _file_sha256(staging)
            path.parent.mkdir(parents=True, exist_ok=True)
            meta_handle, meta_temp = self._temp_file(path)
            try:
                with meta_handle:
                    meta_handle.write(json.dumps(_meta(st, sha256, state)).encode())
                os.replace(staging, path)  # a rename keeps inode and mtime: the meta matches
                os.replace(meta_temp, self._meta_path(path))
            finally:
                meta_temp.unlink(missing_ok=True)
        return self.stat(key)

    def _finish_moved(
        self, key: str, path: Path, length: int, state: dict, sha256: str | None
    ) -> ObjectInfo:
        try:
            st = path.stat()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        if st.st_size != length:
            raise StorageError(f"{key} holds {st.st_size} bytes, expected {length}")
        info = self.stat(key)
        if info.sha256 is None or (sha256 is not None and info.sha256 != sha256):
            # The rename happened, the sidecar did not: write it now.
            digest = sha256 or _file_sha256(path)
            meta_handle, meta_temp = self._temp_file(path)
            try:
                with meta_handle:
                    meta_handle.write(json.dumps(_meta(st, digest, state)).encode())
                os.replace(meta_temp, self._meta_path(path))
            finally:
                meta_temp.unlink(missing_ok=True)
            info = self.stat(key)
        return info

    def resumable_abort(self, state: dict) -> None:
        with self._os_errors(state["key"]):
            self._resumable_path(state["name"]).unlink(missing_ok=True)
        self.delete(state["key"])

    def resumable_references(self, state: dict) -> set[str]:
        return {f"{RESUMABLE_PREFIX}{check_name(state['name'])}{_SUFFIX}"} if state else set()

    def resumable_leftovers(self, older_than: timedelta) -> Iterator[Leftover]:
        cutoff = datetime.now(tz=UTC) - older_than
        directory = self.root / RESUMABLE_PREFIX
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except FileNotFoundError:
            return
        for entry in entries:
            name = entry.name.removesuffix(_SUFFIX)
            if not entry.name.endswith(_SUFFIX) or not entry.is_file(follow_symlinks=False):
                continue
            try:
                modified = datetime.fromtimestamp(entry.stat().st_mtime, tz=UTC)
            except FileNotFoundError:
                continue
            if modified < cutoff:
                yield Leftover(key=f"{RESUMABLE_PREFIX}{entry.name}", name=name, started=modified)

    def resumable_remove_leftover(self, leftover: Leftover) -> None:
        if leftover.name is None:
            return
        with self._os_errors(leftover.key):
            self._resumable_path(leftover.name).unlink(missing_ok=True)


def _meta(st: os.stat_result, sha256: str, state: dict) -> dict:
    # The same sidecar FilesystemStorage.put writes, describing this very file.
    return {
        "sha256": sha256,
        "content_type": state.get("content_type") or DEFAULT_CONTENT_TYPE,
        "cache_control": None,
        "size": st.st_size,
        "ino": st.st_ino,
        "mtime_ns": st.st_mtime_ns,
    }


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()
