"""Termination, expiry and the cleanup that frees what abandoned uploads hold."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from edu_portal.storage import MinioStorage
from media_pipeline.models import Upload
from media_pipeline.uploads import cleanup
from media_pipeline.uploads.tasks import cleanup_expired_uploads
from tests.uploads.conftest import staged, upload_of
from tests.uploads.media import media_bytes

TASK = "media_pipeline.cleanup_expired_uploads"


def partial_upload(tus, size: int = 8 * 1024 * 1024, sent: int = 6 * 1024 * 1024) -> str:
    """An unfinished upload; on S3 it has a multipart upload and a staging tail."""
    url = tus.create(size)["Location"]
    assert tus.patch(url, 0, media_bytes(size)[:sent]).status_code == 204
    return url


def age(url: str, hours: float) -> None:
    Upload.objects.filter(pk=upload_of(url).pk).update(
        expires_at=timezone.now() - timedelta(hours=hours)
    )


@pytest.mark.parametrize("complete", [False, True])
def test_termination_deletes_stored_data_and_the_upload(tus, store, complete):
    data = media_bytes(7 * 1024 * 1024)
    url = tus.create(len(data))["Location"]
    sent = len(data) if complete else 6 * 1024 * 1024
    assert tus.patch(url, 0, data[:sent]).status_code == 204
    key = upload_of(url).key
    assert store.exists(key) == complete
    assert staged(store) != [] or complete

    response = tus.delete(url)
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert staged(store) == []
    assert not store.exists(key)
    assert tus.head(url).status_code == 404
    assert tus.patch(url, sent, b"x").status_code == 404
    assert tus.delete(url).status_code == 404


def test_upload_expires_is_sliding_and_past_it_the_upload_is_gone(tus, settings):
    settings.UPLOAD_EXPIRY_HOURS = 2
    url = tus.create(10_000)["Location"]
    created = upload_of(url).expires_at
    assert timedelta(minutes=119) < created - timezone.now() <= timedelta(hours=2)
    assert tus.patch(url, 0, media_bytes(10_000)[:5000]).status_code == 204
    assert upload_of(url).expires_at >= created  # progress extends it

    age(url, 0.01)
    for response in (tus.head(url), tus.patch(url, 5000, media_bytes(10_000)[5000:])):
        assert response.status_code == 410
    assert "2 hours" in tus.patch(url, 5000, b"x").json()["detail"]
    assert tus.client.get(url).json()["status"] == "expired"


def test_cleanup_frees_expired_uploads_once_and_keeps_the_rest(tus, store):
    expired = partial_upload(tus)
    fresh = partial_upload(tus)
    done = tus.upload(media_bytes(6000), 6000)
    if isinstance(store, MinioStorage):
        assert sum(entry.startswith("multipart:") for entry in staged(store)) == 2
    before = set(staged(store))
    age(expired, 1)

    out = io.StringIO()
    call_command("cleanup_uploads", stdout=out)
    assert "expired 1" in out.getvalue()

    assert upload_of(expired).status == Upload.Status.EXPIRED
    assert upload_of(expired).storage_state == {}
    assert tus.head(expired).status_code == 410
    remaining = set(staged(store))
    assert remaining < before and remaining  # the fresh upload's staging data is intact
    offset = upload_of(fresh).offset
    assert tus.patch(fresh, offset, media_bytes(8 * 1024 * 1024)[offset:]).status_code == 204
    assert staged(store) == []
    assert store.exists(upload_of(done).key)

    # Idempotent: nothing left to do the second time (also as the Celery task).
    assert cleanup_expired_uploads.apply().get() == {
        "expired": 0,
        "unused": 0,
        "assembled": 0,
        "forgotten": 0,
        "leftovers": 0,
        "errors": 0,
    }
    assert tus.delete(expired).status_code == 204  # an expired upload can still be deleted


def test_expired_rows_are_forgotten_after_a_week(tus):
    url = partial_upload(tus, size=3000, sent=1000)
    age(url, 1)
    cleanup.cleanup_expired_uploads()
    assert tus.head(url).status_code == 410
    Upload.objects.update(updated_at=timezone.now() - timedelta(days=8))
    assert cleanup.cleanup_expired_uploads().forgotten == 1
    assert tus.head(url).status_code == 404


def test_sweep_removes_leftovers_no_upload_refers_to(tus, store):
    url = partial_upload(tus)
    upload = upload_of(url)
    referenced = set(staged(store))
    # What a request that died after storing, but before saving, leaves behind:
    session = store.resumable_append(upload.storage_state, upload.offset)
    session.write(media_bytes(8 * 1024 * 1024)[upload.offset : upload.offset + 1000])
    session.commit()
    session.close()
    orphan_state = store.resumable_create(
        "0f0e0d0c0b0a09080706050403020100", key="uploads/x/source", length=10, content_type=""
    )
    orphan = store.resumable_append(orphan_state, 0)
    orphan.write(b"0123456789"[:5])
    orphan.commit()
    orphan.close()

    assert cleanup._sweep(store, older_than=timedelta(hours=1)) == (0, 0)  # too recent
    removed, errors = cleanup._sweep(store, older_than=timedelta(0))
    assert errors == 0 and removed >= 1
    assert set(staged(store)) == referenced
    # ...and the upload goes on from its saved state.
    upload.refresh_from_db()
    rest = media_bytes(8 * 1024 * 1024)[upload.offset :]
    assert tus.patch(url, upload.offset, rest).status_code == 204
    assert upload_of(url).status == Upload.Status.COMPLETE


def test_the_task_is_registered_and_scheduled():
    from edu_portal.celery import app

    app.loader.import_default_modules()
    assert TASK in app.tasks
    entries = django_settings.CELERY_BEAT_SCHEDULE.values()
    assert any(entry["task"] == TASK and entry["schedule"] <= 3600 for entry in entries)
