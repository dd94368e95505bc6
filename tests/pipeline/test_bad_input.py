"""What is not a playable video fails at once, says why, and leaves nothing published."""

from __future__ import annotations

import pytest

from media_pipeline.processing import services
from tests.pipeline.conftest import RESOURCES, api_for, make_video, object_keys

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["text.mp4", "empty.mp4", "garbled.mp4"])
def test_not_media_fails_fast(teacher, clips, name):
    resource, job = make_video(teacher, clips.bad(name))
    assert services.process_job(job.pk) == "failed"
    job.refresh_from_db()
    resource.refresh_from_db()
    assert job.state == "failed" and job.finished_at
    assert job.error_message  # the sentence for the teacher
    assert "Traceback" not in job.error_message
    assert job.attempts == 1
    assert resource.status == "failed" and resource.output_prefix == ""
    assert object_keys(f"hls/{resource.pk}/") == []
    body = api_for(teacher).get(f"{RESOURCES}{resource.pk}/").json()
    assert body["status"] == "failed" and body["stream_url"] is None
    assert body["processing"]["error"] == job.error_message
    # A second delivery of the same message does nothing: failed is final.
    assert services.process_job(job.pk) == "skipped"
