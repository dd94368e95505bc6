"""The applications API (issue 15's interface): registering, reading, clock events, and
the refusals, each a 400/401/403 with a sentence and nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from edu_portal.disclosure.models import Application, ClockEvent
from tests.disclosure.conftest import application_data

URL = "/api/v1/disclosure-applications/"
D = dt.date


def _create(api, **overrides) -> dict:
    response = api.post(URL, application_data(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _event(api, pk, **body):
    return api.post(f"{URL}{pk}/events/", body, format="json")


@pytest.mark.django_db
def test_register_and_read(api):
    body = _create(api)
    assert set(body) >= {"id", "query_code", "received_on", "due_on", "due_provisional", "state"}
    assert body["received_on"] == "2026-11-02"
    assert body["due_on"] == "2026-11-30"
    assert body["due_provisional"] is False
    assert body["state"] == "open"
    assert body["correction_due_on"] == "2026-11-11"
    # Personal data stay out of the API's answers.
    assert "王小明" not in str(body) and "13800138000" not in str(body)
    again = api.get(f"{URL}{body['id']}/").json()
    assert {k: again[k] for k in body} == body
    application = Application.objects.get(pk=body["id"])
    assert application.channel == "post" and application.created_by.username == "office_sun"


@pytest.mark.django_db
def test_query_codes_are_long_random_and_distinct(api):
    codes = {_create(api)["query_code"] for _i in range(3)}
    assert len(codes) == 3
    assert all(len(code) == 12 and code.isalnum() for code in codes)


@pytest.mark.django_db
def test_who_may_use_it(api, editor):
    anonymous = APIClient()
    assert anonymous.post(URL, application_data(), format="json").status_code == 401
    other = APIClient()
    other.force_authenticate(editor)
    response = other.post(URL, application_data(), format="json")
    assert response.status_code == 403
    assert response.json()["detail"]
    pk = _create(api)["id"]
    assert other.get(f"{URL}{pk}/").status_code == 403
    assert _event(other, pk, type="replied", on="2026-11-20", outcome="disclose").status_code == 403
    assert api.get(f"{URL}999999/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"applicant_type": "robot"}, "applicant_type"),
        ({"id_number": "110105194912310021"}, "id_number"),  # wrong check character
        ({"phone": "call me"}, "phone"),
        ({"description": ""}, "description"),
        ({"form": "scroll"}, "form"),
        ({"delivery": "pigeon"}, "delivery"),
        ({"channel": "telepathy"}, "channel"),
        ({"received_on": "2026-13-01"}, "received_on"),
        ({"received_on": "2026-12-25"}, "received_on"),  # in the future
        ({"delivery": "post", "address": ""}, "address"),
        ({"applicant_type": "business", "contact_name": ""}, "contact_name"),
    ],
)
def test_bad_input_is_a_400_with_a_sentence(api, overrides, field):
    response = api.post(URL, application_data(**overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body["detail"], str) and len(body["detail"]) > 5
    assert field in body["errors"]
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_not_a_json_object(api):
    response = api.post(URL, [1, 2], format="json")
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


@pytest.mark.django_db
def test_correction_restarts_the_clock(api):
    pk = _create(api)["id"]
    body = _event(api, pk, type="correction_requested", on="2026-11-05").json()
    assert (body["state"], body["due_on"]) == ("correction", None)
    # While the correction is awaited, nothing else moves the clock.
    refused = _event(api, pk, type="consultation_started", on="2026-11-06")
    assert refused.status_code == 400
    body = _event(api, pk, type="correction_received", on="2026-11-16").json()
    assert (body["state"], body["due_on"]) == ("open", "2026-12-14")
    assert any("2026-11-16" in step for step in body["due_steps"])
    # Only one correction notice (Art. 30).
    assert _event(api, pk, type="correction_requested", on="2026-11-17").status_code == 400


@pytest.mark.django_db
def test_a_correction_notice_after_seven_working_days_is_refused(api):
    pk = _create(api)["id"]
    response = _event(api, pk, type="correction_requested", on="2026-11-12")
    assert response.status_code == 400
    assert "2026-11-11" in response.json()["detail"]
    assert not ClockEvent.objects.exists()


@pytest.mark.django_db
def test_extension_once_with_an_approver(api, office, editor):
    pk = _create(api)["id"]
    assert _event(api, pk, type="extended", on="2026-11-20", days=10).status_code == 400
    assert (
        _event(api, pk, type="extended", on="2026-11-20", days=21, approver=office.pk).status_code
        == 400
    )
    not_office = _event(api, pk, type="extended", on="2026-11-20", days=10, approver=editor.pk)
    assert not_office.status_code == 400
    body = _event(api, pk, type="extended", on="2026-11-20", days=10, approver=office.pk).json()
    assert body["due_on"] == "2026-12-14"  # 11-30 plus 10 working days
    assert any("孙主任" in step for step in body["due_steps"])
    assert ClockEvent.objects.get(type="extended").approver == office
    again = _event(api, pk, type="extended", on="2026-11-21", days=5, approver=office.pk)
    assert again.status_code == 400


@pytest.mark.django_db
def test_an_extension_after_the_due_date_is_refused(api, office):
    pk = _create(api, received_on="2026-10-09")["id"]
    assert api.get(f"{URL}{pk}/").json()["due_on"] == "2026-11-05"
    late = _event(api, pk, type="extended", on="2026-11-06", days=10, approver=office.pk)
    assert late.status_code == 400


@pytest.mark.django_db
def test_consultation_pauses_the_clock(api):
    pk = _create(api)["id"]
    assert _event(api, pk, type="consultation_ended", on="2026-11-04").status_code == 400
    body = _event(api, pk, type="consultation_started", on="2026-11-04").json()
    assert (body["state"], body["due_on"]) == ("paused", None)
    assert _event(api, pk, type="consultation_started", on="2026-11-05").status_code == 400
    body = _event(api, pk, type="consultation_ended", on="2026-11-10").json()
    assert (body["state"], body["due_on"]) == ("open", "2026-12-04")


@pytest.mark.django_db
def test_reply_closes_the_application(api):
    pk = _create(api)["id"]
    assert _event(api, pk, type="replied", on="2026-11-20").status_code == 400
    assert _event(api, pk, type="replied", on="2026-11-20", outcome="maybe").status_code == 400
    body = _event(
        api, pk, type="replied", on="2026-11-20", outcome="partial", reply_text="见附件。"
    ).json()
    assert (body["state"], body["outcome"], body["replied_on"]) == (
        "replied",
        "partial",
        "2026-11-20",
    )
    closed = _event(api, pk, type="consultation_started", on="2026-11-21")
    assert closed.status_code == 400 and closed.json()["code"] == "closed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"type": "consultation_started", "on": "2026-10-30"},  # before receipt
        {"type": "consultation_started", "on": "2026-12-31"},  # in the future
        {"type": "consultation_started", "on": "yesterday"},
        {"type": "receipt_confirmed", "on": "2026-11-03"},  # not an API event
        {"type": "lunch", "on": "2026-11-03"},
        {"on": "2026-11-03"},
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(api, body):
    pk = _create(api)["id"]
    before = Application.objects.values().get(pk=pk)
    response = _event(api, pk, **body)
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
    assert not ClockEvent.objects.exists()
    assert Application.objects.values().get(pk=pk) == before


@pytest.mark.django_db
def test_events_keep_their_order(api):
    pk = _create(api)["id"]
    assert _event(api, pk, type="consultation_started", on="2026-11-10").status_code == 200
    late = _event(api, pk, type="consultation_ended", on="2026-11-09")
    assert late.status_code == 400
    assert "2026-11-10" in late.json()["detail"]
