"""Per-teacher limits on open uploads, attacked the way a review did it: tus creations
declaring 20 GB each, one after another and in parallel, and complete uploads that are
never used for a resource."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from edu_portal.storage import MinioStorage
from media_pipeline.models import Upload
from media_pipeline.uploads import actions, cleanup
from tests.uploads.conftest import metadata, upload_of
from tests.uploads.media import media_bytes

GB20 = 20 * 1024**3


def used(user) -> dict[str, int]:
    return actions.open_uploads(user.pk)


def test_forty_uploads_declaring_20_gb_each_are_not_all_accepted(tus, teacher, settings):
    """The review's attack, with the default limits: 40 x 20 GB (800 GB) used to be
    accepted; now creation stops at UPLOAD_QUOTA_BYTES with a 413 a teacher understands."""
    assert settings.UPLOAD_QUOTA_BYTES == 40 * 1024**3  # the default
    answers = [tus.create(GB20) for _ in range(40)]
    accepted = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(accepted) == 2
    assert used(teacher) == {"count": 2, "bytes": 2 * GB20}
    assert {a.status_code for a in refused} == {413}
    body = refused[0].json()
    assert body["code"] == "quota_exceeded"
    assert "does not fit into your upload space" in body["detail"]
    assert "40.0\xa0GB" in body["detail"] and body["detail"].endswith("try again.")
    assert Upload.objects.filter(owner=teacher).count() == 2


def test_quota_is_per_teacher(tus, other_tus, teacher, other_teacher, settings):
    settings.UPLOAD_QUOTA_BYTES = 10_000
    assert tus.create(10_000).status_code == 201
    assert tus.create(1).status_code == 413
    assert other_tus.create(10_000).status_code == 201  # a colleague has their own


def test_number_of_open_uploads_is_limited(tus, teacher, settings):
    settings.UPLOAD_QUOTA_COUNT = 3
    urls = [tus.create(1000)["Location"] for _ in range(3)]
    refused = tus.create(1000)
    assert refused.status_code == 413
    assert refused.json()["code"] == "too_many_uploads"
    assert "at most 3" in refused.json()["detail"]

    # Cancelling one makes room; an upload expired by time no longer counts either.
    assert tus.delete(urls[0]).status_code == 204
    assert tus.create(1000).status_code == 201
    Upload.objects.filter(pk=upload_of(urls[1]).pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert tus.create(1000).status_code == 201
    assert tus.create(1000).status_code == 413


def test_complete_uploads_not_yet_used_count_until_they_become_a_resource(
    tus, teacher, settings, django_capture_on_commit_callbacks
):
    data = media_bytes(6000)
    settings.UPLOAD_QUOTA_BYTES = len(data) + 1000
    url = tus.upload(data, 6000)
    assert upload_of(url).status == Upload.Status.COMPLETE
    assert tus.create(len(data)).status_code == 413  # complete, but still held

    api = APIClient(REMOTE_ADDR="10.1.2.3")
    api.force_authenticate(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/resources/",
            {"title": "勾股定理", "kind": "video", "upload": url},
            format="json",
        )
    assert created.status_code == 201, created.content
    assert used(teacher) == {"count": 0, "bytes": 0}  # the resource has its own copy
    assert tus.create(len(data)).status_code == 201


def test_creation_with_upload_is_checked_before_any_byte_is_stored(tus, teacher, settings):
    settings.UPLOAD_QUOTA_BYTES = 5000
    data = media_bytes(6000)
    response = tus.create(len(data), body=data)
    assert response.status_code == 413
    assert Upload.objects.count() == 0


@pytest.fixture
def token(teacher, transactional_db) -> str:
    return Token.objects.create(user=teacher).key


def test_parallel_creations_cannot_overshoot(live_server, token, teacher, settings):
    """Twelve creations at once, each declaring 20 GB: at most two fit into 40 GB."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the live server shares one in-memory SQLite connection among its threads, so "
            "no transaction can keep them apart; runs on PostgreSQL (DATABASE_URL, as in CI)"
        )
    settings.UPLOAD_QUOTA_BYTES = 2 * GB20
    statuses: list[int] = []
    start = threading.Barrier(12)

    def create() -> None:
        start.wait()
        response = requests.post(
            f"{live_server.url}/api/v1/uploads/",
            headers={
                "Tus-Resumable": "1.0.0",
                "Authorization": f"Token {token}",
                "Upload-Length": str(GB20),
                "Upload-Metadata": metadata(),
            },
            timeout=60,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=create) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [201, 413], statuses
    assert statuses.count(201) <= 2
    assert used(teacher)["bytes"] <= 2 * GB20


# --- complete uploads that are never used -----------------------------------------------------


def test_complete_uploads_unused_for_a_week_are_freed_by_the_hourly_cleanup(
    tus, teacher, store, settings
):
    """Before: a complete upload that never became a resource was kept forever."""
    assert settings.UPLOAD_UNUSED_EXPIRY_DAYS == 7  # the default
    old = tus.upload(media_bytes(6000), 6000)
    recent = tus.upload(media_bytes(7000), 7000)
    old_key, recent_key = upload_of(old).key, upload_of(recent).key
    described = tus.client.get(recent).json()
    assert described["status"] == "complete" and described["expires_at"]
    Upload.objects.filter(pk=upload_of(old).pk).update(
        completed_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    Upload.objects.filter(pk=upload_of(recent).pk).update(
        completed_at=timezone.now() - timedelta(days=6)
    )

    report = cleanup.cleanup_expired_uploads()
    assert report.unused == 1 and report.errors == 0
    assert not store.exists(old_key)
    assert store.exists(recent_key)
    assert upload_of(old).status == Upload.Status.EXPIRED
    assert used(teacher) == {"count": 1, "bytes": 7000}
    gone = tus.head(old)
    assert gone.status_code == 410
    detail = tus.patch(old, 6000, b"").json()["detail"]
    assert "not used for a resource within 7 days" in detail

    # Creating a resource from it says what happened.
    api = APIClient(REMOTE_ADDR="10.1.2.3")
    api.force_authenticate(teacher)
    response = api.post(
        "/api/v1/resources/", {"title": "x", "kind": "video", "upload": old}, format="json"
    )
    assert response.status_code == 400
    assert "removed" in str(response.json())

    # Idempotent.
    assert cleanup.cleanup_expired_uploads().unused == 0
    if isinstance(store, MinioStorage):
        assert store.exists(recent_key)
