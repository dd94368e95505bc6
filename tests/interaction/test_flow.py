"""From the public form to a published answer: the office accepts and dispatches, the
department drafts, the office returns once and then approves, the writer gets the answer
by e-mail, reads it with the query code and rates it; the published 热点问答 names nobody."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.core import mail

from edu_portal.interaction.models import Event, Letter, State
from edu_portal.notifications.models import Notification
from tests.interaction.conftest import WRITER


def _step(client, user, letter, name, data):
    client.force_login(user)
    response = client.post(f"/letters/{letter.pk}/{name}/", data)
    assert response.status_code == 302
    return Letter.objects.get(pk=letter.pk)


def test_letter_from_submission_to_published_answer(
    client, write_letter, office, editor, department, eager
):
    code = write_letter()
    letter = Letter.objects.get(query_code=code)
    assert letter.state == State.RECEIVED
    assert letter.client_ip == "127.0.0.1"
    assert Notification.objects.filter(recipient=office, link=f"/letters/{letter.pk}/").exists()

    letter = _step(client, office, letter, "accept", {"department": department.pk})
    assert (letter.state, letter.department) == (State.DISPATCHED, department)
    assert Notification.objects.filter(recipient=editor).exists()

    letter = _step(client, editor, letter, "draft", {"answer": "请携带户口簿。"})
    assert letter.state == State.DRAFTED
    letter = _step(client, office, letter, "return", {"reason": "请写明报名时间"})
    assert (letter.state, letter.return_note) == (State.DISPATCHED, "请写明报名时间")
    page = client.get(f"/letters/{letter.pk}/")
    assert "请写明报名时间" in page.content.decode()

    answer = "请携带户口簿和房产证明，于6月1日至6月10日报名。"
    letter = _step(client, editor, letter, "draft", {"answer": answer})
    with eager():
        letter = _step(
            client,
            office,
            letter,
            "approve",
            {"answer": answer, "method": "email", "publish": "on", "public_question": ""},
        )
    letter.refresh_from_db()
    assert letter.state == State.ANSWERED and letter.is_published
    assert letter.sent_at is not None
    [sent] = mail.outbox
    assert sent.to == [WRITER["email"]] and answer in sent.body and code in sent.body
    types = list(letter.events.values_list("type", flat=True))
    assert types == [
        Event.Type.SUBMITTED,
        Event.Type.ACCEPTED,
        Event.Type.DISPATCHED,
        Event.Type.DRAFTED,
        Event.Type.RETURNED,
        Event.Type.DRAFTED,
        Event.Type.APPROVED,
        Event.Type.PUBLISHED,
        Event.Type.SENT,
    ]
    # Every step is in the audit log with its actor.
    steps = LogEntry.objects.get_for_object(letter).exclude(action=LogEntry.Action.ACCESS)
    assert steps.count() == len(types)
    # accept, dispatch, return, approve, publish
    assert steps.filter(actor=office).count() == 5

    # The public pages: listed and shown, without the writer's name, phone or e-mail, even
    # though the letter itself mentioned the name and the phone number.
    client.logout()
    listing = client.get("/letters/answers/").content.decode()
    detail = client.get(f"/letters/answers/{letter.pk}/").content.decode()
    assert letter.subject in listing and answer in detail and "需要哪些材料" in detail
    for page in (listing, detail):
        for value in (*WRITER.values(), "13912345678", "liminghua"):
            assert value not in page
    assert code not in detail

    # The writer looks it up, reads the answer and rates it (once).
    found = client.post("/letters/lookup/", {"code": code.lower(), "phone": "139 1234 5678"})
    body = found.content.decode()
    assert answer in body and 'name="rating"' in body
    rated = client.post(
        "/letters/lookup/rate/", {"code": code, "phone": WRITER["phone"], "rating": 3}
    )
    assert rated.status_code == 200
    letter.refresh_from_db()
    assert letter.rating == 3
    again = client.post(
        "/letters/lookup/rate/", {"code": code, "phone": WRITER["phone"], "rating": 1}
    )
    assert "already rated" in again.content.decode()
    letter.refresh_from_db()
    assert letter.rating == 3


def test_rejection_with_a_reason_the_writer_sees(client, write_letter, office):
    code = write_letter(kind="complaint")
    letter = Letter.objects.get(query_code=code)
    client.force_login(office)
    refused = client.post(f"/letters/{letter.pk}/reject/", {"reason": ""}, follow=True)
    assert "Say why" in refused.content.decode()
    assert Letter.objects.get(pk=letter.pk).state == State.RECEIVED
    client.post(f"/letters/{letter.pk}/reject/", {"reason": "不属于本局职责，请向市场监管局反映。"})
    client.logout()
    response = client.get(
        "/api/v1/letters/lookup/", {"code": code, "phone": WRITER["phone"]}
    ).json()
    assert response["state"] == "rejected"
    assert response["reject_reason"] == "不属于本局职责，请向市场监管局反映。"
    assert response["answer"] is None
    page = client.post("/letters/lookup/", {"code": code, "phone": WRITER["phone"]})
    assert "市场监管局" in page.content.decode()


def test_answer_by_sms_and_by_phone_and_no_publication_without_consent(
    client, write_letter, office, editor, department, settings, eager
):
    code = write_letter(publish_consent=False, email="")
    letter = Letter.objects.get(query_code=code)
    _step(client, office, letter, "accept", {"department": department.pk})
    _step(client, editor, letter, "draft", {"answer": "已转学校处理。"})
    refused = _step(
        client, office, letter, "approve", {"answer": "x", "method": "email", "publish": "on"}
    )
    assert refused.state == State.DRAFTED  # no e-mail given, and no consent to publish
    with eager():
        letter = _step(
            client, office, letter, "approve", {"answer": "已转学校处理。", "method": "sms"}
        )
    letter.refresh_from_db()
    assert letter.state == State.ANSWERED and not letter.is_published
    [sms] = list(settings.SMS_FILE_DIR.iterdir())
    text = sms.read_text()
    assert "To: 13912345678" in text and "已转学校处理。" in text and code in text
    assert client.get(f"/letters/answers/{letter.pk}/").status_code == 404

    code = write_letter()
    letter = Letter.objects.get(query_code=code)
    _step(client, office, letter, "accept", {"department": department.pk})
    _step(client, editor, letter, "draft", {"answer": "电话答复。"})
    letter = _step(client, office, letter, "approve", {"answer": "电话答复。", "method": "phone"})
    assert letter.events.filter(type=Event.Type.SENT).exists() and letter.sent_at is None
