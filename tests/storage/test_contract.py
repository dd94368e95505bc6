"""The storage contract: every test here runs against the filesystem and the S3 backend."""

from __future__ import annotations

import hashlib
import io
import time
import urllib.request
from collections.abc import Mapping
from datetime import timedelta

import pytest
from django.test import Client

from edu_portal.storage import (
    ChecksumMismatch,
    FilesystemStorage,
    InvalidKey,
    MinioStorage,
    ObjectNotFound,
    StorageError,
)
from tests.storage.streams import GeneratedStream, generated_bytes, generated_sha256


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(storage) -> list[str]:
    """Anything a failed upload could have left behind, in the backend's own terms."""
    if isinstance(storage, FilesystemStorage):
        if not storage.root.exists():
            return []
        return sorted(str(p.relative_to(storage.root)) for p in storage.root.rglob("*"))
    assert isinstance(storage, MinioStorage)
    return [info.key for info in storage._list_raw("")]


def fetch(url: str) -> tuple[int, Mapping[str, str], bytes]:
    """GET a presigned URL the way a browser would: S3 URLs over real HTTP, our own
    site-relative links through Django's test client."""
    if url.startswith("http"):
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local moto
            return response.status, response.headers, response.read()
    response = Client().get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response.headers, body


def test_put_records_size_sha256_and_content_type(storage):
    data = b"lesson notes \xe4\xb8\xad\xe6\x96\x87\n" * 100
    info = storage.put(
        "courseware/notes.txt",
        io.BytesIO(data),
        length=len(data),
        content_type="text/plain; charset=utf-8",
        cache_control="private, max-age=60",
    )
    assert (info.key, info.size, info.sha256) == ("courseware/notes.txt", len(data), sha(data))
    stat = storage.stat("courseware/notes.txt")
    assert stat.size == len(data)
    assert stat.sha256 == sha(data)
    assert stat.content_type == "text/plain; charset=utf-8"
    assert stat.cache_control == "private, max-age=60"
    assert stat.etag and stat.modified.tzinfo is not None
    assert storage.exists("courseware/notes.txt")
    assert storage.get_bytes("courseware/notes.txt") == data


def test_empty_object(storage):
    info = storage.put_bytes("empty/file", b"")
    assert (info.size, info.sha256) == (0, sha(b""))
    assert storage.get_bytes("empty/file") == b""


def test_put_replaces_existing_object(storage):
    storage.put_bytes("a/b", b"old", content_type="text/plain")
    storage.put_bytes("a/b", b"newer", content_type="application/pdf")
    stat = storage.stat("a/b")
    assert (stat.size, stat.sha256, stat.content_type) == (5, sha(b"newer"), "application/pdf")
    assert storage.get_bytes("a/b") == b"newer"


def test_unknown_length_stream_spans_several_parts(storage):
    size = 17 * (1 << 20) + 12345  # more than two 8 MiB parts, not a multiple of anything
    info = storage.put("uploads/video.mp4", GeneratedStream(size), content_type="video/mp4")
    assert info.size == size
    assert info.sha256 == generated_sha256(size)
    expected = generated_bytes(size)
    boundary = 8 << 20
    assert (
        storage.get_bytes("uploads/video.mp4", boundary - 10, boundary + 10)
        == (expected[boundary - 10 : boundary + 10])
    )
    with storage.open("uploads/video.mp4") as stream:
        assert hashlib.sha256(b"".join(stream)).hexdigest() == info.sha256


def test_expected_sha256_accepted_when_right(storage):
    info = storage.put_bytes("ok/file", b"abc", expected_sha256=sha(b"abc"))
    assert info.sha256 == sha(b"abc")


def test_expected_sha256_mismatch_leaves_nothing(storage):
    with pytest.raises(ChecksumMismatch) as caught:
        storage.put("bad/file", GeneratedStream(300_000), expected_sha256=sha(b"other"))
    assert caught.value.actual == generated_sha256(300_000)
    assert not storage.exists("bad/file")
    assert leftovers(storage) == []


def test_expected_sha256_mismatch_keeps_previous_object(storage):
    storage.put_bytes("keep/file", b"original")
    before = leftovers(storage)
    with pytest.raises(ChecksumMismatch):
        storage.put_bytes("keep/file", b"corrupted", expected_sha256=sha(b"expected"))
    assert storage.get_bytes("keep/file") == b"original"
    assert storage.stat("keep/file").sha256 == sha(b"original")
    assert leftovers(storage) == before


def test_stream_shorter_than_length_fails_and_leaves_nothing(storage):
    with pytest.raises(StorageError):
        storage.put("short/file", io.BytesIO(b"12345"), length=10)
    assert not storage.exists("short/file")
    assert leftovers(storage) == []


def test_bad_expected_sha256_is_rejected(storage):
    with pytest.raises(ValueError):
        storage.put_bytes("x/y", b"1", expected_sha256="ABC")


DATA = bytes(range(256)) * 4  # 1024 bytes, each position distinguishable


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, None),  # whole object
        (0, 100),  # start
        (500, 612),  # middle
        (1000, None),  # end
        (1020, 1024),  # last bytes, exact end
        (7, 8),  # single byte
        (1023, 1024),  # last single byte
        (900, 5000),  # end past the object: clamped
        (1024, None),  # starting at the end: nothing
        (3000, None),  # starting past the end: nothing
        (10, 10),  # empty range
    ],
)
def test_byte_ranges(storage, start, end):
    storage.put_bytes("range/data.bin", DATA)
    with storage.open("range/data.bin", start, end) as stream:
        body = b"".join(stream)
        assert stream.length == len(body)
    assert body == DATA[start:end]


def test_open_reads_like_a_file(storage):
    storage.put_bytes("read/data.bin", DATA)
    with storage.open("read/data.bin", 10, 30) as stream:
        assert stream.read(5) == DATA[10:15]
        assert stream.read(100) == DATA[15:30]
        assert stream.read(5) == b""


def test_negative_range_is_rejected(storage):
    storage.put_bytes("range/x", b"abc")
    with pytest.raises(ValueError):
        storage.open("range/x", -1)
    with pytest.raises(ValueError):
        storage.open("range/x", 5, 2)


def test_missing_objects_raise_not_found(storage):
    storage.put_bytes("present/x", b"1")  # the bucket exists; only the key is missing
    with pytest.raises(ObjectNotFound):
        storage.stat("missing/x")
    with pytest.raises(ObjectNotFound):
        storage.open("missing/x")
    with pytest.raises(ObjectNotFound):
        storage.open("missing/x", 3, 3)
    with pytest.raises(ObjectNotFound):
        storage.get_bytes("missing/x")
    with pytest.raises(ObjectNotFound):
        storage.copy("missing/x", "missing/y")
    assert not storage.exists("missing/x")
    assert not storage.exists("present")  # a "folder" is not an object


def test_reads_before_anything_was_written(storage):
    # On S3 the bucket does not exist yet; that must look like "no objects".
    with pytest.raises(ObjectNotFound):
        storage.stat("never/written")
    assert list(storage.list()) == []
    storage.delete("never/written")


def test_delete_is_idempotent(storage):
    storage.put_bytes("del/x", b"1")
    storage.delete("del/x")
    assert not storage.exists("del/x")
    storage.delete("del/x")
    storage.delete("del/never-existed")


def test_list_by_prefix_in_key_order(storage):
    keys = ["hls/1/b.m4s", "hls/1/a.m4s", "hls/10/a.m4s", "hls/1-x", "uploads/z", "hls/1/sub/c"]
    for number, key in enumerate(keys):
        storage.put_bytes(key, b"x" * number)
    assert [i.key for i in storage.list("hls/1/")] == ["hls/1/a.m4s", "hls/1/b.m4s", "hls/1/sub/c"]
    assert [i.key for i in storage.list("hls/1")] == [
        "hls/1-x",
        "hls/1/a.m4s",
        "hls/1/b.m4s",
        "hls/1/sub/c",
        "hls/10/a.m4s",
    ]
    everything = list(storage.list())
    assert [i.key for i in everything] == sorted(keys)
    assert {i.key: i.size for i in everything} == {k: n for n, k in enumerate(keys)}
    assert list(storage.list("nothing/")) == []
    assert list(storage.list("hls/1/a.m4s")) and list(storage.list("hls/1/a")) != []


def test_delete_prefix(storage):
    for key in ["hls/7/job1/a", "hls/7/job1/b/c", "hls/7/job2/a", "hls/70/a"]:
        storage.put_bytes(key, b"x")
    assert storage.delete_prefix("hls/7/job1/") == 2
    assert [i.key for i in storage.list("hls/")] == ["hls/7/job2/a", "hls/70/a"]
    assert storage.delete_prefix("hls/7/") == 1
    assert storage.delete_prefix("hls/7/") == 0
    assert [i.key for i in storage.list()] == ["hls/70/a"]


def test_delete_prefix_refuses_to_empty_the_store(storage):
    storage.put_bytes("a/b", b"x")
    with pytest.raises(InvalidKey):
        storage.delete_prefix("")
    assert storage.exists("a/b")


def test_copy_keeps_bytes_and_metadata(storage):
    storage.put_bytes("src/file.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    info = storage.copy("src/file.pdf", "dst/copy.pdf")
    assert info.key == "dst/copy.pdf"
    assert info.sha256 == sha(b"%PDF-1.7 ...")
    assert info.content_type == "application/pdf"
    assert storage.get_bytes("dst/copy.pdf") == b"%PDF-1.7 ..."
    assert storage.exists("src/file.pdf")


def test_presigned_get_is_fetchable(storage):
    storage.put_bytes("share/lesson.txt", b"hello", content_type="text/plain")
    status, headers, body = fetch(storage.presigned_get("share/lesson.txt", 60))
    assert (status, body) == (200, b"hello")
    assert headers["Content-Type"].startswith("text/plain")


def test_presigned_get_with_download_name(storage):
    storage.put_bytes("share/k1.pdf", b"%PDF", content_type="application/pdf")
    url = storage.presigned_get("share/k1.pdf", 60, filename="七年级 数学.pdf")
    status, headers, body = fetch(url)
    assert (status, body) == (200, b"%PDF")
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "%E4%B8%83%E5%B9%B4%E7%BA%A7" in disposition  # 七年级, RFC 5987 encoded


BAD_KEYS = [
    "",
    "/etc/passwd",
    "a/../b",
    "..",
    "../x",
    "a/./b",
    "a\\b",
    "a\x00b",
    "a\nb",
    "a\tb",
    "a b",
    "课件.pdf",
    "a//b",
    "a/",
    ".hidden",
    "a/.b.meta.json",
    ".staging/x",
    "a%2fb",
    "a?b",
    "a#b",
    "a" * 1025,
    "b/" + "c" * 201,
]


@pytest.mark.parametrize("key", BAD_KEYS, ids=range(len(BAD_KEYS)))
def test_invalid_keys_are_rejected_everywhere(storage, key):
    calls = [
        lambda: storage.put_bytes(key, b"x"),
        lambda: storage.stat(key),
        lambda: storage.open(key),
        lambda: storage.exists(key),
        lambda: storage.delete(key),
        lambda: storage.copy(key, "ok/key"),
        lambda: storage.copy("ok/key", key),
        lambda: storage.presigned_get(key, 60),
    ]
    storage.put_bytes("ok/key", b"x")
    for call in calls:
        with pytest.raises(InvalidKey):
            call()
    assert [i.key for i in storage.list()] == ["ok/key"]


@pytest.mark.parametrize("prefix", ["/x", "a/../", "..", "a b", ".staging/", "a//"])
def test_invalid_prefixes_are_rejected(storage, prefix):
    with pytest.raises(InvalidKey):
        list(storage.list(prefix))
    with pytest.raises(InvalidKey):
        storage.delete_prefix(prefix)


def test_purge_staging_removes_abandoned_uploads(storage):
    storage.put_bytes("kept/x", b"x")
    before = leftovers(storage)
    if isinstance(storage, FilesystemStorage):
        abandoned = storage.root / "kept" / ".y.0123456789ab.tmp"
        abandoned.write_bytes(b"half an upload")
    else:
        storage.client.put_object(storage.bucket, ".staging/dead", io.BytesIO(b"half"), 4)
    assert storage.purge_staging(timedelta(hours=1)) == 0  # could still be in progress
    time.sleep(0.05)
    assert storage.purge_staging(timedelta(0)) == 1
    assert leftovers(storage) == before
    assert storage.get_bytes("kept/x") == b"x"


def test_ping_succeeds_on_a_working_store(storage):
    storage.ping()
