"""The public form (with its proof-of-work check), staff confirming receipt, the office's
pages (masked list, audited full view, registration) and the applicant's lookup."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from edu_portal.accounts import challenge
from edu_portal.disclosure.models import Application
from edu_portal.notifications.models import Notification
from tests.disclosure.conftest import ID_NUMBER, PHONE, application_data

pytestmark = pytest.mark.django_db


def _form(**overrides) -> dict:
    data = application_data(**overrides)
    data.pop("channel")
    data.pop("received_on")
    return data


def _solved() -> str:
    return challenge.solve(challenge.create())


def test_the_form_asks_for_the_challenge(client):
    page = client.get("/disclosure/apply/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "<altcha-widget" in content and "/disclosure/apply/challenge/" in content
    # The widget's challenge comes from the page's own endpoint and is accepted once solved.
    issued = client.get("/disclosure/apply/challenge/")
    assert issued.status_code == 200 and issued["Cache-Control"].startswith("max-age=0")
    proof = challenge.solve(issued.json())
    assert client.post("/disclosure/apply/", {**_form(), "altcha": proof}).status_code == 200


@pytest.mark.parametrize("proof", [None, "", "bm90IGEgcHJvb2Y=", "x" * 9000])
def test_a_scripted_post_without_a_solved_challenge_is_refused(client, proof):
    data = _form()
    if proof is not None:
        data["altcha"] = proof
    response = client.post("/disclosure/apply/", data)
    assert response.status_code == 400
    assert "not a program" in response.content.decode()
    assert not Application.objects.exists()


def test_an_online_application_waits_for_confirmation(
    client, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/disclosure/apply/", {**_form(), "altcha": _solved()}, REMOTE_ADDR="203.0.113.9"
        )
    assert response.status_code == 200
    application = Application.objects.get()
    assert application.query_code in response.content.decode()
    assert (application.state, application.channel) == ("submitted", "online")
    assert application.received_on is None and application.due_on is None
    assert str(application.client_ip) == "203.0.113.9"
    assert Notification.objects.filter(recipient=office, category="application").exists()


def test_a_solved_challenge_is_accepted_once(client):
    proof = _solved()
    assert client.post("/disclosure/apply/", {**_form(), "altcha": proof}).status_code == 200
    replay = client.post("/disclosure/apply/", {**_form(), "altcha": proof})
    assert replay.status_code == 400
    assert Application.objects.count() == 1


def test_bad_fields_are_explained_on_the_page(client):
    response = client.post(
        "/disclosure/apply/", {**_form(id_number="123", phone="x"), "altcha": _solved()}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "not a valid resident identity card number" in content
    assert not Application.objects.exists()


def _submit(client) -> Application:
    client.post("/disclosure/apply/", {**_form(), "altcha": _solved()})
    return Application.objects.get()


def test_staff_confirm_receipt_and_the_clock_starts(client, office):
    application = _submit(client)
    client.force_login(office)
    today = timezone.localdate()
    response = client.post(
        f"/disclosure/staff/{application.pk}/events/",
        {"type": "receipt_confirmed", "on": today.isoformat()},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.received_on == today and application.state == "open"
    assert application.due_on > today
    assert application.due_steps
    # Confirming twice is refused with a sentence.
    again = client.post(
        f"/disclosure/staff/{application.pk}/events/",
        {"type": "receipt_confirmed", "on": today.isoformat()},
    )
    assert again.status_code == 400
    assert "already been confirmed" in again.content.decode()


def test_the_list_masks_and_the_full_view_is_audited(client, office):
    application = _submit(client)
    client.force_login(office)
    listing = client.get("/disclosure/staff/").content.decode()
    assert application.query_code in listing
    assert "王小明" not in listing and PHONE not in listing
    assert "王**" in listing and "138****8000" in listing
    detail = client.get(f"/disclosure/staff/{application.pk}/").content.decode()
    assert "王小明" in detail and PHONE in detail and ID_NUMBER in detail
    access = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Application),
        object_pk=str(application.pk),
        action=LogEntry.Action.ACCESS,
    )
    assert access.get().actor == office


def test_others_are_kept_out_of_the_office_pages(client, editor):
    application = _submit(client)
    assert client.get("/disclosure/staff/").status_code == 302  # to sign in
    client.force_login(editor)
    assert client.get("/disclosure/staff/").status_code == 403
    assert client.get(f"/disclosure/staff/{application.pk}/").status_code == 403
    refused = client.post(
        f"/disclosure/staff/{application.pk}/events/",
        {"type": "receipt_confirmed", "on": timezone.localdate().isoformat()},
    )
    assert refused.status_code == 403
    application.refresh_from_db()
    assert application.received_on is None


def test_staff_register_a_letter_with_its_receipt_date(client, office):
    client.force_login(office)
    response = client.post(
        "/disclosure/staff/register/", {**_form(), "channel": "fax", "received_on": "2026-09-30"}
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.channel, application.due_on.isoformat()) == ("fax", "2026-11-03")
    assert application.created_by == office
    online = client.post(
        "/disclosure/staff/register/", {**_form(), "channel": "online", "received_on": "2026-09-30"}
    )
    assert online.status_code == 200 and Application.objects.count() == 1


def _lookup(client, code, phone, **extra):
    return client.post("/disclosure/lookup/", {"code": code, "phone": phone}, **extra)


def test_lookup_shows_state_due_date_and_reply(client, office):
    application = _submit(client)
    pending = _lookup(client, application.query_code.lower(), "138-0013-8000")
    assert pending.status_code == 200
    assert "receipt not yet confirmed" in pending.content.decode()
    from edu_portal.disclosure import actions

    today = timezone.localdate()
    actions.confirm_receipt(office, application, today)
    actions.add_event(
        office, application, "replied", today, outcome="disclose", reply_text="招生计划见附件。"
    )
    page = _lookup(client, application.query_code, PHONE).content.decode()
    assert "招生计划见附件。" in page and "Disclosed" in page
    assert "王小明" not in page and ID_NUMBER not in page


def test_wrong_pairs_get_one_sentence_and_are_throttled(client, settings):
    settings.DISCLOSURE_LOOKUP_ATTEMPTS = 3
    application = _submit(client)
    sentence = "No application matches this query code and phone number."
    wrong_code = _lookup(client, "ABCDEFGHJKMN", PHONE)
    wrong_phone = _lookup(client, application.query_code, "13900000000")
    assert wrong_phone.status_code == wrong_code.status_code == 404
    assert sentence in wrong_phone.content.decode() and sentence in wrong_code.content.decode()
    _lookup(client, application.query_code, "13900000001")
    # Three failures from this address: even the right pair is refused now.
    throttled = _lookup(client, application.query_code, PHONE)
    assert throttled.status_code == 429
    page = throttled.content.decode()
    assert "Too many attempts" in page and "lookup-result" not in page
    # From another address the right pair works while the code has failed only twice...
    assert (
        _lookup(client, application.query_code, PHONE, REMOTE_ADDR="198.51.100.7").status_code
        == 200
    )
    # ...and one more wrong phone for this code locks the code everywhere: guessing the
    # phone from many addresses does not work either.
    _lookup(client, application.query_code, "13900000002", REMOTE_ADDR="198.51.100.8")
    assert (
        _lookup(client, application.query_code, PHONE, REMOTE_ADDR="198.51.100.9").status_code
        == 429
    )
