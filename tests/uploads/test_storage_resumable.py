"""The stores' resumable-upload API (edu_portal.storage.resumable) on both backends."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from edu_portal.storage import InvalidKey, MinioStorage, ObjectNotFound
from edu_portal.storage.resumable_s3 import part_size_for
from tests.uploads.conftest import S3_PART_SIZE, staged
from tests.uploads.media import media_bytes

MiB = 1024 * 1024


def append(store, state, offset, data, *, keep=True):
    session = store.resumable_append(state, offset)
    session.write(data)
    new_state = session.commit()
    if keep:
        session.committed()
        return new_state
    session.discard()
    return state


def test_appends_in_odd_sizes_assemble_the_exact_object(store):
    data = media_bytes(11 * MiB + 3)
    state = store.resumable_create(
        "a1", key="uploads/a1/source", length=len(data), content_type="video/mp4"
    )
    offset = 0
    for size in (1, 5 * MiB - 1, 1, 3 * MiB, 0, len(data)):
        chunk = data[offset : offset + size]
        state = append(store, state, offset, chunk)
        offset += len(chunk)
        if isinstance(store, MinioStorage) and offset < len(data):
            # Whole parts went to the multipart upload; less than a part is in the tail.
            assert len(state["etags"]) == offset // S3_PART_SIZE
            assert (state["tail"] is None) == (offset % S3_PART_SIZE == 0)
    info = store.resumable_complete(state, sha256=hashlib.sha256(data).hexdigest())
    assert (info.key, info.size, info.sha256) == ("uploads/a1/source", len(data), info.sha256)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert store.stat("uploads/a1/source").content_type == "video/mp4"
    assert store.get_bytes("uploads/a1/source") == data
    assert staged(store) == []
    # Completing again (a retry after a failure past this point) is harmless.
    assert store.resumable_complete(state, sha256=info.sha256).sha256 == info.sha256
    assert [i.key for i in store.list("")] == ["uploads/a1/source"]  # staging stays hidden


def test_a_discarded_session_leaves_the_saved_state_valid(store):
    data = media_bytes(12 * MiB)
    state = store.resumable_create("a2", key="uploads/a2/source", length=len(data), content_type="")
    state = append(store, state, 0, data[: 2 * MiB])
    before = staged(store)
    # Crosses a part boundary: on S3 a part is uploaded, and a multipart upload created.
    append(store, state, 2 * MiB, b"\xff" * (7 * MiB), keep=False)
    assert staged(store) == before
    state = append(store, state, 2 * MiB, data[2 * MiB :])
    assert store.resumable_complete(state, sha256=None).sha256 == hashlib.sha256(data).hexdigest()
    assert store.get_bytes("uploads/a2/source") == data


def test_bytes_past_the_saved_offset_are_ignored(store):
    """A process that died between storing and saving left bytes the state does not count."""
    state = store.resumable_create("a3", key="uploads/a3/source", length=6000, content_type="")
    state = append(store, state, 0, b"a" * 2000)
    session = store.resumable_append(state, 2000)
    session.write(b"X" * 3000)
    session.commit()  # stored, never saved by the caller
    session.close()
    state = append(store, state, 2000, b"b" * 4000)
    store.resumable_complete(state, sha256=None)
    assert store.get_bytes("uploads/a3/source") == b"a" * 2000 + b"b" * 4000


def test_abort_removes_everything_and_is_idempotent(store):
    data = media_bytes(7 * MiB)
    state = store.resumable_create("a4", key="uploads/a4/source", length=len(data), content_type="")
    state = append(store, state, 0, data[: 6 * MiB])
    assert staged(store)
    store.resumable_abort(state)
    store.resumable_abort(state)
    assert staged(store) == []
    with pytest.raises(ObjectNotFound):  # the staging file / tail is gone
        store.resumable_append(state, 6 * MiB)
    done = store.resumable_create("a5", key="uploads/a5/source", length=10, content_type="")
    store.resumable_complete(append(store, done, 0, b"0123456789"), sha256=None)
    store.resumable_abort(done)
    assert not store.exists("uploads/a5/source")


def test_leftovers_and_references(store):
    state = store.resumable_create("a6", key="uploads/a6/source", length=8 * MiB, content_type="")
    state = append(store, state, 0, media_bytes(6 * MiB))
    leftovers = list(store.resumable_leftovers(timedelta(0)))
    assert leftovers
    # (moto dates every multipart upload 2010-11-10, so only staging data shows the age.)
    recent = [item for item in store.resumable_leftovers(timedelta(hours=1)) if item.name]
    assert recent == []
    references = store.resumable_references(state)
    assert all((item.upload_id or item.key) in references for item in leftovers)
    for item in leftovers:
        store.resumable_remove_leftover(item)
        store.resumable_remove_leftover(item)
    assert staged(store) == []


@pytest.mark.parametrize("name", ["", "../x", "a/b", "x" * 65, ".hidden"])
def test_names_and_keys_are_validated(store, name):
    with pytest.raises(InvalidKey):
        store.resumable_create(name, key="uploads/x/source", length=1, content_type="")


def test_keys_are_validated(store):
    with pytest.raises(InvalidKey):
        store.resumable_create("ok", key="../escape", length=1, content_type="")


def test_parts_grow_only_when_ten_thousand_would_not_hold_the_file():
    assert part_size_for(20 * 1024**3, 8 * MiB) == 8 * MiB
    assert part_size_for(200 * 1024**3, 8 * MiB) == 21 * MiB
    assert part_size_for(10, 1) == 5 * MiB
