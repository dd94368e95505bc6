"""Resume positions: signed-in users only, clamped, one row per (user, resource)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Resource
from media_pipeline.streaming.models import PlaybackPosition
from media_pipeline.streaming.positions import saved_position
from tests.streaming.conftest import ready_row

pytestmark = pytest.mark.django_db

OUTSIDE = {"REMOTE_ADDR": "8.8.8.8"}


@pytest.fixture
def video(teacher, intranet_settings):
    return ready_row(teacher)


@pytest.fixture
def signed_in(student):
    client = Client()
    client.force_login(student)
    return client


def url(resource) -> str:
    return f"/stream/{resource.pk}/position"


def save(client, resource, value, **extra):
    body = value if isinstance(value, str) else json.dumps({"position": value})
    return client.post(url(resource), body, content_type="application/json", **extra)


def test_anonymous_viewers_cannot_save_and_have_no_position(client, video):
    response = save(client, video, 42)
    assert response.status_code == 403
    assert response.json()["code"] == "login_required"
    assert response.json()["detail"]
    assert not PlaybackPosition.objects.exists()
    assert client.get(url(video)).json() == {"position": None}
    assert saved_position(None, video) is None


def test_save_and_read_back(signed_in, student, video):
    assert signed_in.get(url(video)).json() == {"position": None}
    assert saved_position(student, video) is None
    response = save(signed_in, video, 42.5)
    assert response.status_code == 204
    assert saved_position(student, video) == 42.5
    response = signed_in.get(url(video))
    assert response.json() == {"position": 42.5}
    assert "no-store" in response["Cache-Control"]


def test_one_row_per_user_and_resource(signed_in, student, teacher, video):
    save(signed_in, video, 10)
    save(signed_in, video, 20)
    other = ready_row(teacher)
    save(signed_in, other, 5)
    assert PlaybackPosition.objects.filter(user=student).count() == 2
    assert saved_position(student, video) == 20
    assert saved_position(student, other) == 5
    # Someone else's position is theirs alone.
    teacher_client = Client()
    teacher_client.force_login(teacher)
    assert teacher_client.get(url(video)).json() == {"position": None}
    assert saved_position(teacher, video) is None


def test_position_is_clamped_to_the_duration(signed_in, student, teacher, video):
    save(signed_in, video, 10_000)
    assert saved_position(student, video) == 600
    save(signed_in, video, 0)
    assert saved_position(student, video) == 0
    unknown = ready_row(teacher, duration=None)
    save(signed_in, unknown, 1234.5)
    assert saved_position(student, unknown) == 1234.5


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("not json", "bad_json"),
        ('"12"', "bad_json"),
        ("{}", "invalid_position"),
        ('{"position": "12"}', "invalid_position"),
        ('{"position": null}', "invalid_position"),
        ('{"position": true}', "invalid_position"),
        ('{"position": NaN}', "invalid_position"),
        ('{"position": Infinity}', "invalid_position"),
        ('{"position": -1}', "invalid_position"),
    ],
)
def test_bad_input_is_400_with_a_sentence(signed_in, student, video, body, code):
    response = save(signed_in, video, body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == code
    assert data["detail"].endswith(".")
    assert saved_position(student, video) is None


def test_negative_position_says_why(signed_in, video):
    assert "negative" in save(signed_in, video, -5).json()["detail"]


def test_access_policy_applies(signed_in, student, teacher, video):
    response = save(signed_in, video, 30, **OUTSIDE)
    assert response.status_code == 403
    assert response.json()["code"] == "outside_intranet"
    assert signed_in.get(url(video), **OUTSIDE).status_code == 403
    staff_only = ready_row(teacher, visibility="staff")
    assert save(signed_in, staff_only, 30).status_code == 403
    assert signed_in.get(url(staff_only)).status_code == 403
    processing = ready_row(teacher, status="processing")
    assert save(signed_in, processing, 30).status_code == 409
    assert save(signed_in, Resource(pk=999999), 30).status_code == 404
    video.deleted_at = timezone.now()
    video.save(update_fields=["deleted_at"])
    assert save(signed_in, video, 30).status_code == 410
    assert not PlaybackPosition.objects.filter(user=student).exists()


def test_position_needs_the_csrf_token(student, video):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    assert save(browser, video, 30).status_code == 403
    token = "b" * 32
    browser.cookies["csrftoken"] = token
    assert save(browser, video, 30, HTTP_X_CSRFTOKEN=token).status_code == 204
    assert saved_position(student, video) == 30


def test_other_methods_are_refused(signed_in, video):
    assert signed_in.put(url(video), "{}", content_type="application/json").status_code == 405
