"""The SHA-256 whose state is saved between requests, and the fallback without it."""

from __future__ import annotations

import hashlib
import os

import pytest

from media_pipeline.uploads import hashing
from tests.uploads.conftest import upload_of
from tests.uploads.media import media_bytes


def test_state_survives_a_round_trip_at_any_split():
    assert hashing.available()
    data = os.urandom(10_000)
    for split in (0, 1, 63, 64, 65, 4097, 10_000):
        first = hashing.resumable_sha256()
        first.update(data[:split])
        second = hashing.resumable_sha256(first.state())
        second.update(data[split:])
        assert second.hexdigest() == hashlib.sha256(data).hexdigest()
        assert first.hexdigest() == hashlib.sha256(data[:split]).hexdigest()  # not finalised


@pytest.mark.parametrize("state", [b"", b"\x00" * 10, b"\x02" + bytes(111)])
def test_a_state_that_is_not_one_is_refused(state):
    with pytest.raises(ValueError):
        hashing.resumable_sha256(state)


def test_without_resumable_hashing_the_finished_object_is_hashed(tus, store, monkeypatch):
    monkeypatch.setattr(hashing, "available", lambda: False)
    data = media_bytes(6 * 1024 * 1024 + 5)
    url = tus.upload(data, 2 * 1024 * 1024)
    upload = upload_of(url)
    assert upload.hash_state is None
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert store.stat(upload.key).sha256 == upload.sha256
