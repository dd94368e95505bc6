"""Running a job twice, or re-transcoding, leaves exactly one complete output set."""

from __future__ import annotations

import pytest
from django.utils import timezone

from media_pipeline.processing import services
from media_pipeline.processing.models import ProcessingJob
from tests.pipeline.conftest import RESOURCES, api_for, make_video, object_keys

pytestmark = pytest.mark.django_db


def job_prefixes(resource_id: int) -> set[str]:
    base = f"hls/{resource_id}/"
    return {base + key[len(base) :].split("/")[0] + "/" for key in object_keys(base)}


def test_running_a_job_twice(teacher, clips):
    resource, job = make_video(teacher, clips.path("one_second"))
    assert services.process_job(job.pk) == "ready"
    first = sorted(object_keys(f"hls/{resource.pk}/"))
    assert services.process_job(job.pk) == "skipped"
    assert sorted(object_keys(f"hls/{resource.pk}/")) == first
    # Even forced past the claim (a redelivery racing a sweeper), the set stays one.
    ProcessingJob.objects.filter(pk=job.pk).update(state="transcoding", worker="")
    assert services.process_job(job.pk) == "ready"
    assert sorted(object_keys(f"hls/{resource.pk}/")) == first
    assert job_prefixes(resource.pk) == {f"hls/{resource.pk}/{job.pk}/"}


def test_a_live_worker_keeps_its_job(teacher, clips):
    _resource, job = make_video(teacher, clips.path("one_second"))
    ProcessingJob.objects.filter(pk=job.pk).update(
        worker="elsewhere:1", heartbeat_at=timezone.now(), state="transcoding"
    )
    assert services.process_job(job.pk) == "skipped"


def test_retranscode_replaces_the_set(
    teacher, admin_user, clips, django_capture_on_commit_callbacks
):
    resource, job = make_video(teacher, clips.path("one_second"))
    services.process_job(job.pk)
    old = f"hls/{resource.pk}/{job.pk}/"

    assert api_for(teacher).post(f"{RESOURCES}{resource.pk}/retranscode/").status_code == 403
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_for(admin_user).post(f"{RESOURCES}{resource.pk}/retranscode/")
    assert response.status_code == 202 and len(callbacks) == 1
    new_job = ProcessingJob.objects.get(pk=response.json()["id"])
    resource.refresh_from_db()
    assert resource.status == "ready" and resource.output_prefix == old  # still served

    assert services.process_job(new_job.pk) == "ready"
    resource.refresh_from_db()
    new = f"hls/{resource.pk}/{new_job.pk}/"
    assert resource.output_prefix == new
    assert job_prefixes(resource.pk) == {new}
    assert object_keys(new + "master.m3u8") == [new + "master.m3u8"]
