"""Reading positions: saved for signed-in readers, restored on open, bad input refused."""

from __future__ import annotations

import json

import pytest

from ebooks.reader.models import ReadingPosition
from edu_portal.workflow.models import State
from tests.reader.conftest import EN, OUTSIDE
from tests.reader.test_access import config_of

pytestmark = pytest.mark.django_db
CFI = "epubcfi(/6/4!/4/2/1:0)"


def post(client, resource, data, **extra):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(
        f"/read/{resource.pk}/position", body, content_type="application/json", **{**EN, **extra}
    )


def test_save_and_restore(client, make_book, student):
    resource = make_book("epub")
    client.force_login(student)
    assert post(client, resource, {"location": CFI, "progress": 0.25}).status_code == 204
    assert post(client, resource, {"location": CFI[:-2] + "5)", "progress": 0.5}).status_code == 204
    row = ReadingPosition.objects.get(user=student, resource=resource)
    assert (row.location, row.progress) == ("epubcfi(/6/4!/4/2/1:5)", 0.5)
    start = config_of(client.get(f"/read/{resource.pk}/", **EN))["start"]
    assert start == {"location": "epubcfi(/6/4!/4/2/1:5)", "progress": 0.5}
    got = client.get(f"/read/{resource.pk}/position")
    assert got.json() == start and got["Cache-Control"] == "private, no-store"


def test_anonymous_cannot_save(client, make_book):
    resource = make_book("epub")
    response = post(client, resource, {"location": CFI, "progress": 0.1})
    assert response.status_code == 403
    assert response.json()["code"] == "login_required"
    assert client.get(f"/read/{resource.pk}/position").json() is None


def test_csrf_is_required(make_book, student):
    from django.test import Client

    resource = make_book("epub")
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert post(client, resource, {"location": CFI, "progress": 0.1}).status_code == 403
    assert not ReadingPosition.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ({"location": CFI, "progress": 1.5}, "invalid_progress"),
        ({"location": CFI, "progress": True}, "invalid_progress"),
        ({"location": CFI, "progress": "half"}, "invalid_progress"),
        ({"progress": 0.1}, "invalid_location"),
        ({"location": "chapter 3", "progress": 0.1}, "invalid_location"),
        ({"location": "epubcfi(" + "/4" * 300 + ")", "progress": 0.1}, "invalid_location"),
        ({"location": "x" * 3000, "progress": 0.1}, "too_large"),
    ],
)
def test_bad_input_is_400_with_a_sentence(client, make_book, student, body, code):
    resource = make_book("epub")
    client.force_login(student)
    response = post(client, resource, body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"].endswith(".")
    assert not ReadingPosition.objects.exists()


def test_pdf_positions_are_pages(client, make_book, student):
    resource = make_book("pdf")
    client.force_login(student)
    assert post(client, resource, {"location": 2, "progress": 0.5}).status_code == 204
    assert ReadingPosition.objects.get().location == "2"
    assert post(client, resource, {"location": CFI, "progress": 0.5}).status_code == 400
    too_far = post(client, resource, {"location": 500, "progress": 0.5})
    assert too_far.json()["code"] == "invalid_location"


def test_no_position_for_a_book_the_client_may_not_read(client, make_book, student, teacher):
    draft = make_book("epub", state=State.DRAFT)
    client.force_login(student)
    assert post(client, draft, {"location": CFI, "progress": 0.1}).status_code == 404
    intranet = make_book("epub", visibility="intranet")
    response = post(client, intranet, {"location": CFI, "progress": 0.1}, **OUTSIDE)
    assert response.status_code == 403
    assert response.json()["detail"]
    assert post(client, intranet, {"location": CFI, "progress": 0.1}).status_code == 204
    missing = client.post("/read/999999/position", "{}", content_type="application/json")
    assert missing.status_code == 404
