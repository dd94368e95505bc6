"""Signed links issued inside the intranet do not work when passed on outside it: stream
tokens and download links are bound to the client's address by default, or, for staff
watching from outside with remote access, to their signed-in account (issue 11)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from catalog.blobs import blob_from_bytes
from catalog.models import Resource, ResourceFile
from edu_portal.accounts import actions
from edu_portal.accounts.roles import Role
from tests.people import make_user
from tests.streaming.test_stream_views import INTRANET, OUTSIDE, first_segment, master_of, uris

pytestmark = pytest.mark.django_db

ELSEWHERE = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "9.9.9.9"}


def test_stream_token_from_the_intranet_fails_outside(client, publish_video):
    resource = publish_video(visibility="public")
    segment = first_segment(client, resource)
    assert "ipb=1" in segment
    assert client.get(segment, **INTRANET).status_code == 200
    assert client.get(segment, **OUTSIDE).status_code == 403  # the leaked link


def test_download_link_from_the_intranet_fails_outside(client, teacher):
    blob = blob_from_bytes(b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    resource = Resource.objects.create(
        title="勾股定理", kind="courseware", uploader=teacher, state="published",
        published_at=timezone.now(), visibility="public", source_key=blob.key,
    )  # fmt: skip
    ResourceFile.objects.create(resource=resource, blob=blob, role="original", filename="a.pdf")
    client.force_login(teacher)
    link = client.get(f"/resources/{resource.pk}/download/", **INTRANET)["Location"]
    assert "ipb=1" in link
    client.logout()
    refused = client.get(link, **OUTSIDE)
    assert refused.status_code == 403
    assert b"only on the network where the page was opened" in refused.content
    assert client.get(link, **INTRANET).status_code == 200


def test_remote_staff_tokens_follow_the_account_not_the_address(
    client, publish_video, teacher, school
):
    resource = publish_video()
    actions.set_remote_access(actions.SYSTEM, teacher, True)
    client.force_login(teacher)
    master = master_of(client, resource, **OUTSIDE)
    rendition = uris(master)[-1]
    params = parse_qs(urlsplit(rendition).query)
    assert params["ub"] == [str(teacher.pk)] and "ipb" not in params
    playlist_url = f"/stream/{resource.pk}/{rendition}"
    # A phone that changes networks mid-film keeps playing.
    assert client.get(playlist_url, **ELSEWHERE).status_code == 200
    # The same link passed to someone else, or opened without signing in, does not work.
    client.force_login(make_user("teacher_he", Role.TEACHER, school))
    refused = client.get(playlist_url, **ELSEWHERE)
    assert refused.status_code == 403 and b"another account" in refused.content
    client.logout()
    assert client.get(playlist_url, **ELSEWHERE).status_code == 403
