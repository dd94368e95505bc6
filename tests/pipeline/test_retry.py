"""A store outage is the one failure that is retried; the claim is released for the retry."""

from __future__ import annotations

from unittest import mock

import pytest

from edu_portal.storage import StorageUnavailable
from media_pipeline.processing import services, tasks
from media_pipeline.processing.models import ProcessingJob
from tests.pipeline.conftest import make_video

pytestmark = pytest.mark.django_db


def test_storage_outage_releases_and_retries(teacher, clips):
    _resource, job = make_video(teacher, clips.path("one_second"))
    store = services.get_storage()
    down = mock.patch.object(type(store), "open", side_effect=StorageUnavailable("down"))
    with down, pytest.raises(StorageUnavailable):
        services.process_job(job.pk)
    job.refresh_from_db()
    assert job.state == "probing" and job.worker == ""  # claimable again, not failed
    assert tasks.process_job_task.autoretry_for == (StorageUnavailable,)
    assert tasks.process_job_task.queue == "media" and tasks.process_job_task.acks_late
    # The retry picks it up straight away and finishes.
    assert services.process_job(job.pk) == "ready"
    assert ProcessingJob.objects.get(pk=job.pk).attempts == 2


def test_other_errors_are_not_retried(teacher, clips):
    _resource, job = make_video(teacher, clips.bad("text.mp4"))
    # Bad media is a failed job, not an exception the task would retry.
    assert tasks.process_job_task.apply(args=[job.pk]).get() == "failed"


def test_store_down_when_creating_is_a_503(teacher, clips):
    from catalog.models import Resource
    from tests.pipeline.conftest import RESOURCES, api_for, put_upload, upload_url

    upload = put_upload(teacher, clips.path("one_second"))
    store = services.get_storage()
    with mock.patch.object(type(store), "copy", side_effect=StorageUnavailable("down")):
        response = api_for(teacher).post(
            RESOURCES,
            {"title": "x", "kind": "video", "upload": upload_url(upload)},
            format="json",
        )
    assert response.status_code == 503 and response.json()["code"] == "storage_unavailable"
    assert not Resource.objects.exists()
