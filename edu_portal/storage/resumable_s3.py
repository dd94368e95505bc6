"""Resumable uploads on S3/MinIO: a multipart upload plus a small staging "tail".

S3 can only append in parts of at least 5 MiB (except the last), and a part cannot be
extended once uploaded. So the bytes of an upload are cut at fixed ``part_size``
boundaries as they stream in: every full part goes straight into a multipart upload
aimed at the final key, and what is left when a request ends -- normally or by a broken
connection -- is less than one part, which is saved as a small staging object (the
*tail*) and read back into memory by the next request. A request therefore holds at most
about two parts in memory, whatever the size of the file or of the request.

Part ``n`` always holds bytes ``[(n-1) * part_size, n * part_size)``, so a part uploaded
by a request that is then discarded (a checksum mismatch, a lost lock) is simply
overwritten by the next request; the saved state lists the ETags of the parts that count.

The multipart upload is created only when the first full part is ready: files smaller
than one part never start one, and are stored from their tail with a plain ``put``.
Completing the multipart upload gives an object without our SHA-256 metadata (S3 cannot
add metadata later), so it is then copied onto itself with the metadata replaced --
metadata-only on MinIO; S3 proper copies, in 5 GiB ranges above that size.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from minio.datatypes import Part
from minio.error import S3Error

from edu_portal.storage.base import DEFAULT_CONTENT_TYPE, ObjectInfo, check_sha256, validate_key
from edu_portal.storage.errors import ObjectNotFound, StorageError
from edu_portal.storage.resumable import (
    RESUMABLE_PREFIX,
    AppendSession,
    Leftover,
    ResumableStorage,
    check_name,
)

# S3 user metadata holding an object's SHA-256; s3.py reads and writes the same header.
SHA256_HEADER = "x-amz-meta-sha256"
MIN_PART_SIZE = 5 << 20  # S3's minimum for every part but the last
MAX_PARTS = 10_000
_HASH_BLOCK = 1 << 20


def part_size_for(length: int, preferred: int) -> int:
    """``preferred`` (at least 5 MiB), grown in whole MiB only when 10,000 parts of it
    would not hold ``length`` bytes."""
    size = max(preferred, MIN_PART_SIZE)
    return max(size, math.ceil(length / MAX_PARTS / (1 << 20)) << 20)


class MinioAppend(AppendSession):
    def __init__(self, storage: MinioResumable, state: dict, offset: int) -> None:
        super().__init__(state, offset)
        self._store = storage
        self._part_size: int = state["part_size"]
        self._etags: list[str] = list(state["etags"])
        self._pending: list[str] = []  # parts uploaded by this session
        self._upload_id: str | None = state.get("upload_id")
        self._created_upload = False
        self._new_tail: str | None = None
        self._result: dict | None = None
        in_parts = state["length"] if state.get("final") else len(self._etags) * self._part_size
        tail_size = offset - in_parts
        if not 0 <= tail_size < self._part_size:
            raise StorageError(f"{state['key']}: saved offset {offset} does not match its parts")
        self._buffer = bytearray()
        if tail_size:
            if not state.get("tail"):
                raise StorageError(f"{state['key']}: the staging tail is missing from the state")
            self._buffer += storage._get_raw(state["tail"])
            if len(self._buffer) != tail_size:
                raise StorageError(
                    f"{state['key']}: staging tail holds {len(self._buffer)} of {tail_size} bytes"
                )

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.written += len(data)
        while len(self._buffer) >= self._part_size:
            self._flush(self._part_size)

    def _flush(self, size: int) -> None:
        with memoryview(self._buffer) as view:
            data = bytes(view[:size])  # the only copy: it is what goes on the wire
        del self._buffer[:size]
        store = self._store
        key = self.state["key"]
        with store._errors(key):
            if self._upload_id is None:
                self._upload_id = store.client._create_multipart_upload(
                    store.bucket, key, {"Content-Type": self.state["content_type"]}
                )
                self._created_upload = True
            part_number = len(self._etags) + len(self._pending) + 1
            etag = store.client._upload_part(
                store.bucket, key, data, None, self._upload_id, part_number
            )
        self._pending.append(etag)

    def commit(self) -> dict:
        if self._result is not None:
            return self._result
        if not self.written:
            self._result = self.state
            return self._result
        final = self.position == self.state["length"]
        if self._buffer and final and self._upload_id is not None:
            self._flush(len(self._buffer))  # the last part may be small
        elif self._buffer:
            name = self.state["name"]
            tail = f"{RESUMABLE_PREFIX}{name}/tail-{self.position:015d}-{secrets.token_hex(4)}"
            self._store._put_raw(tail, bytes(self._buffer))
            self._new_tail = tail
        self._result = {
            **self.state,
            "upload_id": self._upload_id,
            "etags": self._etags + self._pending,
            "tail": self._new_tail,
            "final": final and self._new_tail is None,
        }
        return self._result

    def committed(self) -> None:
        old_tail = self.state.get("tail")
        if self._result is not None and old_tail and old_tail != self._result["tail"]:
            self._store._remove_quietly_raw(old_tail)
        self.close()

    def discard(self) -> None:
        if self._new_tail:
            self._store._remove_quietly_raw(self._new_tail)
        if self._created_upload and self._upload_id:
            # Nothing saved refers to it; parts written to an older upload are overwritten
            # by the next session, or go with that upload when it is completed or aborted.
            self._store._abort_quietly(self.state["key"], self._upload_id)
        self.close()

    def close(self) -> None:
        self._buffer = bytearray()


class MinioResumable(ResumableStorage):
    """Mixed into MinioStorage: uses its client, bucket, ``_errors`` and ``_server_copy``."""

    def _get_raw(self, key: str) -> bytes:
        """A small staging object, whole (keys under RESUMABLE_PREFIX fail validate_key)."""
        with self._errors(key):
            response = self.client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def _put_raw(self, key: str, data: bytes) -> None:
        self._ensure_bucket()
        with self._errors(key):
            # One PUT whatever the size (put_object would go multipart above 5 MiB).
            self.client._put_object(
                self.bucket, key, data, headers={"Content-Type": DEFAULT_CONTENT_TYPE}
            )

    def _remove_quietly_raw(self, key: str) -> None:
        with contextlib.suppress(StorageError), self._errors(key):
            self.client.remove_object(self.bucket, key)

    def _abort_quietly(self, key: str, upload_id: str) -> None:
        with contextlib.suppress(StorageError), self._errors(key):
            self.client._abort_multipart_upload(self.bucket, key, upload_id)

    def _tails(self, name: str) -> Iterator[str]:
        prefix = f"{RESUMABLE_PREFIX}{check_name(name)}/"
        return (info.key for info in self._list_raw(prefix))

    # --- the resumable API ---------------------------------------------------------------

    def resumable_create(self, name: str, *, key: str, length: int, content_type: str) -> dict:
        check_name(name)
        validate_key(key)
        if length < 1:
            raise ValueError("a resumable upload needs at least one byte")
        self._ensure_bucket()
        return {
            "v": 1,
            "name": name,
            "key": key,
            "length": length,
            "content_type": content_type or DEFAULT_CONTENT_TYPE,
            "part_size": part_size_for(length, self.part_size),
            "upload_id": None,
            "etags": [],
            "tail": None,
            "final": False,
        }

    def resumable_append(self, state: dict, offset: int) -> MinioAppend:
        return MinioAppend(self, state, offset)

    def resumable_complete(self, state: dict, *, sha256: str | None) -> ObjectInfo:
        check_sha256(sha256)
        key, length = state["key"], state["length"]
        content_type = state.get("content_type") or DEFAULT_CONTENT_TYPE
        if state.get("upload_id") is None:
            info = self._complete_from_tail(state, sha256)
        else:
            if not state.get("final"):
                raise StorageError(f"{key}: not every part is stored yet")
            self._complete_multipart(state)
            if sha256 is None:
                sha256 = self._sha256_of(key)

            metadata = {"Content-Type": content_type, SHA256_HEADER: sha256}
            self._server_copy(key, key, length, metadata)
            info = self.stat(key)
        if info.size != length:
            raise StorageError(f"{key} holds {info.size} bytes, expected {length}")
        for tail in list(self._tails(state["name"])):
            self._remove_quietly_raw(tail)
        return info

    def _complete_from_tail(self, state: dict, sha256: str | None) -> ObjectInfo:
        key, tail = state["key"], state.get("tail")
        if not tail:  # stored by an earlier attempt that failed afterwards?
            info = self.stat(key)
            if sha256 is not None and info.sha256 != sha256:
                raise StorageError(f"{key}: no staging tail and the object differs")
            return info
        with self._errors(tail):
            response = self.client.get_object(self.bucket, tail)
        try:
            # put() checks the bytes against the SHA-256 computed while they arrived.
            return self.put(
                key,
                response,
                length=state["length"],
                content_type=state.get("content_type") or DEFAULT_CONTENT_TYPE,
                expected_sha256=sha256,
            )
        finally:
            response.close()
            response.release_conn()

    def _complete_multipart(self, state: dict) -> None:
        key = state["key"]
        parts = [Part(number, etag) for number, etag in enumerate(state["etags"], start=1)]
        try:
            with self._errors(key):
                self.client._complete_multipart_upload(self.bucket, key, state["upload_id"], parts)
        except StorageError as exc:
            if _s3_code(exc) != "NoSuchUpload":
                raise
            # Completed by an earlier attempt that failed afterwards: the object must be
            # there with the right size, else the upload is really gone.
            if self.stat(key).size != state["length"]:
                raise ObjectNotFound(key) from exc

    def _sha256_of(self, key: str) -> str:
        digest = hashlib.sha256()
        with self.open(key) as stream:
            for block in stream:
                digest.update(block)
        return digest.hexdigest()

    def resumable_abort(self, state: dict) -> None:
        key = state["key"]
        if state.get("upload_id"):
            try:
                with self._errors(key):
                    self.client._abort_multipart_upload(self.bucket, key, state["upload_id"])
            except StorageError as exc:
                if _s3_code(exc) != "NoSuchUpload" and not isinstance(exc, ObjectNotFound):
                    raise
        self._delete_keys(self._tails(state["name"]))
        self.delete(key)

    def resumable_references(self, state: dict) -> set[str]:
        return {ref for ref in (state.get("tail"), state.get("upload_id")) if ref}

    def resumable_leftovers(self, older_than: timedelta) -> Iterator[Leftover]:
        cutoff = datetime.now(tz=UTC) - older_than
        for upload in self._multipart_uploads():
            started = upload.initiated_time or datetime.now(tz=UTC)
            # put() stages under ".staging/" and cleans up after itself; not ours.
            if not upload.object_name.startswith(".") and started < cutoff:
                yield Leftover(
                    key=upload.object_name, name=None, started=started, upload_id=upload.upload_id
                )
        for info in self._list_raw(RESUMABLE_PREFIX):
            name = info.key.removeprefix(RESUMABLE_PREFIX).partition("/")[0]
            if info.modified < cutoff:
                yield Leftover(key=info.key, name=name, started=info.modified)

    def _multipart_uploads(self) -> Iterator:
        self._ensure_bucket()
        key_marker = upload_id_marker = None
        while True:
            with self._errors():
                result = self.client._list_multipart_uploads(
                    self.bucket,
                    key_marker=key_marker,
                    upload_id_marker=upload_id_marker,
                    max_uploads=1000,
                )
            yield from result.uploads
            if not result.is_truncated or not result.uploads:
                return
            # (minio's result drops NextUploadIdMarker; the last entry says the same.)
            key_marker = result.uploads[-1].object_name
            upload_id_marker = result.uploads[-1].upload_id

    def resumable_remove_leftover(self, leftover: Leftover) -> None:
        if leftover.upload_id:
            self._abort_quietly(leftover.key, leftover.upload_id)
        elif leftover.key.startswith(RESUMABLE_PREFIX):
            self._remove_quietly_raw(leftover.key)


def _s3_code(exc: StorageError) -> str | None:
    """The S3 error code behind a translated StorageError, if any."""
    cause = exc.__cause__
    return cause.code if isinstance(cause, S3Error) else None
