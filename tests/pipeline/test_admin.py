"""The admin shows a resource's jobs and re-transcodes selected resources."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from edu_portal.accounts.models import User
from media_pipeline.processing import services
from tests.pipeline.conftest import make_video

pytestmark = pytest.mark.django_db


def test_admin_retranscode_action(client, teacher, clips, django_capture_on_commit_callbacks):
    resource, job = make_video(teacher, clips.path("one_second"))
    services.process_job(job.pk)
    client.force_login(User.objects.create_superuser("root", password="x"))
    page = client.get(f"/admin/catalog/resource/{resource.pk}/change/")
    assert page.status_code == 200 and b"ready" in page.content
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/admin/catalog/resource/",
            {"action": "retranscode", ACTION_CHECKBOX_NAME: [resource.pk]},
        )
    assert response.status_code == 302 and len(callbacks) == 1
    assert resource.jobs.count() == 2
