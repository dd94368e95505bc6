"""S3 / MinIO object store through the ``minio`` client.

Uploads go to a staging key first (``.staging/<random>``, a name ``validate_key`` never
accepts) and are then copied server-side to the real key with the SHA-256 in the object's
user metadata (``x-amz-meta-sha256``). S3 cannot add metadata to an object after the fact
except by such a copy, and doing it from a staging key means a failed or mismatching
upload never touches what was under the real key before.
"""

from __future__ import annotations

import contextlib
import math
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import REPLACE, ComposeSource, CopySource
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

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
from edu_portal.storage.resumable import RESUMABLE_PREFIX
from edu_portal.storage.resumable_s3 import SHA256_HEADER, MinioResumable

STAGING_PREFIX = ".staging/"
# Unknown-length uploads are cut into parts of this size; S3 allows 10,000 parts, so
# 8 MiB parts allow 80 GB objects. minio copies each part once or twice on its way out,
# so an upload holds about (2 x parallel + 2) x part size: ~35 MB with one part in
# flight, ~50 MB with two. Parts go one at a time by default: on the intranet one TCP
# stream already fills the link, and memory per worker matters more.
PART_SIZE = 8 << 20
PARALLEL_UPLOADS = 1
MAX_COPY_SIZE = 5 << 30  # CopyObject's limit; larger objects need a multipart copy
READ_CHUNK_SIZE = 256 << 10
_NOT_FOUND = {"NoSuchKey", "NoSuchBucket", "NoSuchObject", "ResourceNotFound"}
_TRANSIENT = {
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "RequestTimeout",
    "XMinioServerNotInitialized",
    "XMinioStorageFull",
}
_URL_OPTIONS = {"secure", "region"}


def build_http_client(timeout: float, retries: int) -> urllib3.PoolManager:
    """Our own pool so that timeouts and retries are ours, not minio's defaults (which
    wait forever for a read and retry five times)."""
    retry = urllib3.Retry(
        total=retries,
        backoff_factor=0.2,
        # Only idempotent methods are retried (GET, HEAD, PUT, DELETE): S3's POSTs create
        # and complete multipart uploads and delete in bulk, which must not run twice.
        allowed_methods=urllib3.Retry.DEFAULT_ALLOWED_METHODS,
        status_forcelist=(500, 502, 503, 504),
        # Hand the last 5xx to minio, which turns it into an S3Error we can map.
        raise_on_status=False,
    )
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        retries=retry,
        maxsize=16,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
    )


class MinioStorage(MinioResumable, Storage):
    kind = "s3"

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        secure: bool = True,
        region: str = "us-east-1",
        timeout: float = 30,
        retries: int = 3,
        part_size: int = PART_SIZE,
        parallel_uploads: int = PARALLEL_UPLOADS,
    ) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        self.part_size = part_size
        self.parallel_uploads = parallel_uploads
        # A fixed region spares a GetBucketLocation round trip before every first request.
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=build_http_client(timeout, retries),
        )
        self._bucket_ready = False

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30, retries: int = 3) -> MinioStorage:
        """``s3://ACCESS:SECRET@host:port/bucket?secure=false&region=us-east-1``
        (``minio://`` is the same). Credentials may be percent-encoded."""
        parts = urlsplit(url)
        if parts.scheme not in ("s3", "minio"):
            raise ValueError(f"not an s3:// or minio:// URL: {parts.scheme}://...")
        bucket = parts.path.strip("/")
        if not parts.hostname or not bucket or "/" in bucket:
            raise ValueError("object store URL needs a host and exactly one bucket name")
        options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = set(options) - _URL_OPTIONS
        if unknown:
            raise ValueError(f"unknown object store URL option(s): {', '.join(sorted(unknown))}")
        secure = options.get("secure", "true").lower()
        if secure not in ("true", "false", "1", "0"):
            raise ValueError(f"secure must be true or false, not {secure!r}")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        return cls(
            f"{host}:{parts.port}" if parts.port else host,
            bucket,
            access_key=unquote(parts.username) if parts.username else None,
            secret_key=unquote(parts.password) if parts.password else None,
            secure=secure in ("true", "1"),
            region=options.get("region") or "us-east-1",
            timeout=timeout,
            retries=retries,
        )

    def __repr__(self) -> str:
        return f"MinioStorage({self.endpoint!r}, {self.bucket!r})"

    # --- errors and bucket ---------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self, key: str = "") -> Iterator[None]:
        try:
            yield
        except S3Error as exc:
            if exc.code in _NOT_FOUND:
                raise ObjectNotFound(key) from exc
            status = exc.response.status if exc.response is not None else 0
            if exc.code in _TRANSIENT or status >= 500:
                raise StorageUnavailable(f"object store busy or failing: {exc.code}") from exc
            raise StorageError(f"object store refused ({exc.code}): {exc.message}") from exc
        except ServerError as exc:
            raise StorageUnavailable(f"object store failed: {exc}") from exc
        except InvalidResponseError as exc:
            # Typically an HTML error page from a proxy in front of the store.
            raise StorageUnavailable(f"object store answered oddly: {exc}") from exc
        except MinioException as exc:
            raise StorageError(str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:
            # Connection refused, timeouts, resets, TLS failures, retries exhausted.
            raise StorageUnavailable(f"object store unreachable: {exc}") from exc

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._errors():
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as exc:
                    # Another process won the race; that is what we wanted anyway.
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
        self._bucket_ready = True

    # --- writing -------------------------------------------------------------------------

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
        validate_key(key)
        check_sha256(expected_sha256)
        self._ensure_bucket()
        reader = HashingReader(stream, limit=length)
        staging = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        if length is None:
            part_size = self.part_size
        else:
            # Grow parts only when 10,000 of them would not hold the object.
            part_size = max(self.part_size, math.ceil(length / 10_000 / (1 << 20)) << 20)
        try:
            with self._errors(key):
                try:
                    self.client.put_object(
                        self.bucket,
                        staging,
                        reader,  # type: ignore[arg-type]  # only read() is used
                        -1 if length is None else length,
                        content_type=content_type or DEFAULT_CONTENT_TYPE,
                        part_size=part_size,
                        num_parallel_uploads=self.parallel_uploads,
                    )
                except OSError as exc:  # short stream, or the source failed to read
                    raise StorageError(f"cannot upload {key}: {exc}") from exc
            sha256 = reader.hexdigest()
            if expected_sha256 is not None and sha256 != expected_sha256:
                raise ChecksumMismatch(key, expected_sha256, sha256)
            metadata = {"Content-Type": content_type or DEFAULT_CONTENT_TYPE}
            metadata[SHA256_HEADER] = sha256
            if cache_control:
                metadata["Cache-Control"] = cache_control
            self._server_copy(staging, key, reader.count, metadata)
        finally:
            self._remove_quietly(staging)
        info = self.stat(key)
        signals.announce_stored(self, key, sha256, info.size)
        return info

    def _server_copy(self, src: str, dst: str, size: int, metadata: dict | None) -> None:
        """Copy inside the store; ``metadata`` replaces the source's when given."""
        with self._errors(src):
            if size <= MAX_COPY_SIZE:
                self.client.copy_object(
                    self.bucket,
                    dst,
                    CopySource(self.bucket, src),
                    metadata=metadata,
                    metadata_directive=REPLACE if metadata else None,
                )
            else:
                # compose_object does a multipart copy in 5 GiB ranges; metadata is set on
                # the new multipart upload, so it must always be given explicitly here.
                self.client.compose_object(
                    self.bucket, dst, [ComposeSource(self.bucket, src)], metadata=metadata
                )

    def _remove_quietly(self, key: str) -> None:
        # Best effort: a leftover staging object is harmless and purge_staging removes it.
        with contextlib.suppress(StorageError), self._errors(key):
            self.client.remove_object(self.bucket, key)

    def copy(self, src: str, dst: str) -> ObjectInfo:
        validate_key(src)
        validate_key(dst)
        info = self.stat(src)
        metadata = None
        if info.size > MAX_COPY_SIZE:
            metadata = {"Content-Type": info.content_type or DEFAULT_CONTENT_TYPE}
            if info.sha256:
                metadata[SHA256_HEADER] = info.sha256
            if info.cache_control:
                metadata["Cache-Control"] = info.cache_control
        self._server_copy(src, dst, info.size, metadata)
        copied = self.stat(dst)
        if copied.sha256:
            signals.announce_stored(self, dst, copied.sha256, copied.size)
        return copied

    def delete(self, key: str) -> None:
        validate_key(key)
        with contextlib.suppress(ObjectNotFound), self._errors(key):
            self.client.remove_object(self.bucket, key)
        signals.announce_removed(self, key)

    def delete_prefix(self, prefix: str) -> int:
        validate_prefix(prefix, allow_empty=False)
        count = self._delete_keys(info.key for info in self.list(prefix))
        signals.announce_prefix_removed(self, prefix)
        return count

    def _delete_keys(self, keys: Iterator[str]) -> int:
        count = 0

        def targets() -> Iterator[DeleteObject]:
            nonlocal count
            for key in keys:
                count += 1
                yield DeleteObject(key)

        with self._errors():
            # remove_objects is lazy: nothing is deleted until its result is iterated.
            failures = list(self.client.remove_objects(self.bucket, targets()))
        if failures:
            raise StorageError(f"could not delete {len(failures)} object(s): {failures[0]}")
        return count

    def purge_staging(self, older_than: timedelta = timedelta(days=1)) -> int:
        """Remove staging objects left by uploads whose process died mid-way."""
        cutoff = datetime.now(tz=UTC) - older_than
        return self._delete_keys(
            info.key for info in self._list_raw(STAGING_PREFIX) if info.modified < cutoff
        )

    # --- reading -------------------------------------------------------------------------

    def stat(self, key: str) -> ObjectInfo:
        validate_key(key)
        with self._errors(key):
            obj = self.client.stat_object(self.bucket, key)
        headers = {name.lower(): value for name, value in (obj.metadata or {}).items()}
        return ObjectInfo(
            key=key,
            size=obj.size or 0,
            sha256=headers.get(SHA256_HEADER),
            content_type=obj.content_type or DEFAULT_CONTENT_TYPE,
            etag=(obj.etag or "").strip('"'),
            modified=obj.last_modified or datetime.now(tz=UTC),
            cache_control=headers.get("cache-control"),
        )

    def open(self, key: str, start: int = 0, end: int | None = None) -> ObjectStream:
        validate_key(key)
        check_range(start, end)
        if end is not None and end <= start:
            self.stat(key)  # an empty range still has to say whether the object exists
            return ObjectStream((), lambda: None, 0)
        length = 0 if end is None else end - start
        try:
            with self._errors(key):
                response = self.client.get_object(self.bucket, key, offset=start, length=length)
        except StorageError as exc:
            s3_error = exc.__cause__
            if isinstance(s3_error, S3Error) and s3_error.code == "InvalidRange":
                return ObjectStream((), lambda: None, 0)  # start at or past the end
            raise

        def close() -> None:
            response.close()
            response.release_conn()

        def chunks() -> Iterator[bytes]:
            with self._errors(key):
                yield from response.stream(READ_CHUNK_SIZE)

        return ObjectStream(chunks(), close, int(response.headers.get("Content-Length", 0)))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        for info in self._list_raw(prefix):
            if not info.key.startswith((STAGING_PREFIX, RESUMABLE_PREFIX)):
                yield info

    def _list_raw(self, prefix: str) -> Iterator[ObjectInfo]:
        try:
            with self._errors(prefix):
                for obj in self.client.list_objects(
                    self.bucket, prefix=prefix or None, recursive=True
                ):
                    yield ObjectInfo(
                        key=obj.object_name or "",
                        size=obj.size or 0,
                        sha256=None,
                        content_type=None,
                        etag=(obj.etag or "").strip('"'),
                        modified=obj.last_modified or datetime.now(tz=UTC),
                    )
        except ObjectNotFound:
            return  # no bucket yet: nothing in it

    # --- URLs and health -----------------------------------------------------------------

    def presigned_get(
        self, key: str, ttl: int, filename: str | None = None, bind: dict | None = None
    ) -> str:
        """An absolute URL straight to the store, signed with the store's credentials.

        S3 signatures cannot name the client, so ``bind`` is not applied here: the store is
        reachable only through the intranet (README, "Deploying on real services") and the
        link lives SIGNED_URL_TTL seconds."""
        from django.utils.http import content_disposition_header

        validate_key(key)
        response_headers = None
        if filename:
            disposition = content_disposition_header(as_attachment=True, filename=filename)
            response_headers = {"response-content-disposition": disposition}
        with self._errors(key):
            return self.client.presigned_get_object(
                self.bucket,
                key,
                expires=timedelta(seconds=ttl),
                response_headers=response_headers,
            )

    def ping(self) -> None:
        """Reachable, credentials accepted, bucket present (created if missing)."""
        self._bucket_ready = False
        self._ensure_bucket()
