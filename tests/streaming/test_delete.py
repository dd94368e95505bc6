"""Taking a video down: the uploader or an administrator, audited, and its links then say
"removed" (410) rather than "not found"; an administrator can restore it."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from rest_framework.test import APIClient

from catalog import actions, kinds
from edu_portal.accounts.roles import Role
from tests.people import make_user

pytestmark = pytest.mark.django_db

INTRANET = {"REMOTE_ADDR": "10.1.2.3"}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_uploader_takes_down_and_links_answer_410(client, publish_video, teacher):
    resource = publish_video()
    response = api(teacher).delete(f"/api/v1/resources/{resource.pk}/")
    assert response.status_code == 204
    resource.refresh_from_db()
    assert resource.deleted_at is not None and kinds.link(resource, "stream") is None
    assert client.get(f"/stream/{resource.pk}/master.m3u8", **INTRANET).status_code == 410
    assert client.get(f"/stream/{resource.pk}/status", **INTRANET).status_code == 410
    assert LogEntry.objects.filter(object_pk=str(resource.pk), changes__icontains="deleted")
    # Deleting twice is harmless.
    assert api(teacher).delete(f"/api/v1/resources/{resource.pk}/").status_code == 204


def test_other_teachers_may_not_take_it_down(publish_video, school):
    resource = publish_video()
    other = make_user("teacher_qian", Role.TEACHER, school)
    response = api(other).delete(f"/api/v1/resources/{resource.pk}/")
    assert response.status_code == 403
    assert response.json()["detail"]
    resource.refresh_from_db()
    assert resource.deleted_at is None


def test_admin_restores(client, publish_video, teacher, bureau):
    admin = make_user("admin_sun", Role.BUREAU_ADMIN, bureau)
    resource = publish_video()
    actions.delete_resource(teacher, resource)
    with pytest.raises(actions.PermissionDenied):
        actions.restore_resource(teacher, resource)
    actions.restore_resource(admin, resource)
    resource.refresh_from_db()
    assert resource.deleted_at is None
    assert client.get(f"/stream/{resource.pk}/master.m3u8", **INTRANET).status_code == 200
