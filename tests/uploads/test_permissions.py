"""Who may upload: signed-in holders of resource.upload, by session (with CSRF) or token;
an upload belongs to its creator, and everyone else is told it does not exist."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from media_pipeline.models import Upload
from tests.uploads.conftest import COLLECTION, Tus, metadata, upload_of
from tests.uploads.media import media_bytes


def test_anonymous_requests_are_refused_in_json(db):
    anonymous = Tus(Client())
    response = anonymous.create(1000)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"
    assert response["Tus-Resumable"] == "1.0.0"
    url = "/api/v1/uploads/00000000-0000-4000-8000-000000000000"
    assert anonymous.patch(url, 0, b"abc").status_code == 401
    assert anonymous.head(url).status_code == 401
    assert Upload.objects.count() == 0


def test_accounts_without_the_upload_permission_are_403(student):
    client = Client()
    client.force_login(student)
    response = Tus(client).create(1000)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "upload" in body["detail"]


def test_other_peoples_uploads_do_not_exist_for_you(tus, other_tus):
    data = media_bytes(5000)
    url = tus.create(len(data))["Location"]
    assert tus.patch(url, 0, data[:1000]).status_code == 204
    for response in (
        other_tus.head(url),
        other_tus.patch(url, 1000, data[1000:]),
        other_tus.delete(url),
        other_tus.client.get(url),
    ):
        assert response.status_code == 404
    assert other_tus.patch(url, 1000, data[1000:]).json()["code"] == "not_found"
    assert upload_of(url).offset == 1000
    assert tus.patch(url, 1000, data[1000:]).status_code == 204


def test_scripts_use_a_token_and_need_no_csrf(teacher):
    token = Token.objects.create(user=teacher)
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    headers = {"HTTP_TUS_RESUMABLE": "1.0.0"}
    response = client.post(
        COLLECTION, HTTP_UPLOAD_LENGTH="3000", HTTP_UPLOAD_METADATA=metadata(), **headers
    )
    assert response.status_code == 201
    response = client.generic(
        "PATCH",
        response["Location"],
        media_bytes(3000),
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **headers,
    )
    assert response.status_code == 204
    assert Upload.objects.get().owner == teacher


@pytest.mark.parametrize("with_body", [False, True])
def test_the_page_session_needs_the_csrf_token(teacher, with_body):
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)
    tus = Tus(client)
    body = media_bytes(2000) if with_body else b""
    response = tus.create(2000, body=body)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"

    client.get("/upload/")  # sets the CSRF cookie, as the page does
    token = client.cookies["csrftoken"].value
    response = tus.create(2000, body=body, **{"X-CSRFToken": token})
    assert response.status_code == 201, response.content
    url = response["Location"]
    if not with_body:
        assert tus.patch(url, 0, media_bytes(2000), **{"X-CSRFToken": token}).status_code == 204
    assert upload_of(url).status == Upload.Status.COMPLETE
