"""Reply letters: generated on approval from the template as DOCX (python-docx) and PDF
(LibreOffice), stored, downloaded by handlers only (audited), e-mailed once with both
files attached, or recorded as posted or picked up."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.core import mail
from docx import Document
from pypdf import PdfReader

from edu_portal.disclosure import letters
from edu_portal.disclosure.models import ReplyLetter, Step
from edu_portal.storage import get_storage
from tests.disclosure.handling.helpers import REPLY, replied

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(office, editor, department, application, eager) -> ReplyLetter:
    with eager():
        replied(office, editor, department, application)
    return ReplyLetter.objects.get(application=application)


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_approval_generates_the_letter_in_docx_and_pdf(letter, application):
    assert letter.state == "ready", letter.error
    assert letter.number == "示教依复〔2026〕1号"
    storage = get_storage()
    docx = _docx_text(storage.get_bytes(letter.docx_key))
    for text in (
        "政府信息公开申请答复书",
        "示教依复〔2026〕1号",
        "王小明：",
        "2026年11月2日",
        application.query_code,
        "现予以提供",  # the sentence of Art. 36 for a disclosed reply
        REPLY,
        "六十日内依法申请行政复议",
        "示范县教育局",
        "2026年11月9日",
    ):
        assert text in docx, text
    pdf = storage.get_bytes(letter.pdf_key)
    assert pdf.startswith(b"%PDF")
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    compact = pdf_text.replace(" ", "").replace("\n", "")
    for text in ("政府信息公开申请答复书", "王小明", application.query_code, "示范县教育局"):
        assert text in compact, text
    assert Step.objects.filter(application=application, type="letter_made").count() == 1
    # Generating again does nothing: the letter is ready.
    assert letters.generate(letter.pk) == "nothing to do"


def test_the_reply_type_decides_the_letters_sentence(
    office, editor, department, application, eager
):
    with eager():
        replied(
            office,
            editor,
            department,
            application,
            reply_type="refused",
            outcome="refuse_third_party",
            text="所申请信息涉及第三方个人隐私，第三方不同意公开。",
        )
    letter = ReplyLetter.objects.get()
    text = _docx_text(get_storage().get_bytes(letter.docx_key))
    assert "不予公开，理由如下" in text and "第三方不同意公开" in text
    assert "现予以提供" not in text


def test_downloads_for_handlers_only_and_audited(
    client, letter, office, editor, other_editor, application
):
    url = f"/disclosure/staff/letters/{letter.pk}/"
    client.force_login(office)
    response = client.get(url + "docx/")
    assert response.status_code == 200
    assert "王小明" in _docx_text(b"".join(response.streaming_content))
    assert "attachment" in response["Content-Disposition"]
    pdf = client.get(url + "pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    entries = LogEntry.objects.get_for_object(application).filter(
        action=LogEntry.Action.ACCESS, changes__icontains="reply letter"
    )
    assert entries.count() == 2 and entries.first().actor == office
    client.force_login(editor)  # the department handling it
    assert client.get(url + "pdf/").status_code == 200
    client.force_login(other_editor)
    assert client.get(url + "pdf/").status_code == 404
    assert client.get(url + "exe/").status_code == 404
    client.logout()
    assert client.get(url + "pdf/").status_code == 302


def test_emailed_once_with_both_files(client, letter, office, application, eager):
    client.force_login(office)
    with eager():
        response = client.post(f"/disclosure/staff/{application.pk}/handle/letter-email/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang@example.cn"] and letter.number in message.subject
    names = sorted(name for name, _content, _type in message.attachments)
    assert names == sorted([f"{application.query_code}.docx", f"{application.query_code}.pdf"])
    letter.refresh_from_db()
    assert letter.delivered_via == "email" and letter.delivered_on is not None
    # Pressed again, or the task run twice: no second e-mail.
    again = client.post(f"/disclosure/staff/{application.pk}/handle/letter-email/")
    assert again.status_code == 400
    assert letters.email_now(letter.pk) == "nothing to send"
    assert len(mail.outbox) == 1


def test_an_email_that_fails_is_recorded(letter, office, application, settings, eager):
    settings.EMAIL_BACKEND = "tests.disclosure.handling.failing_mail.Backend"
    with eager():
        letters.send_email(office, letter)
    assert Step.objects.filter(application=application, type="email_failed").exists()
    letter.refresh_from_db()
    assert letter.delivered_via == ""


def test_posted_or_picked_up(client, letter, office, application):
    client.force_login(office)
    url = f"/disclosure/staff/{application.pk}/handle/letter-delivered/"
    future = client.post(url, {"via": "post", "on": "2026-11-30", "note": ""})
    assert future.status_code == 400
    early = client.post(url, {"via": "post", "on": "2026-11-05", "note": ""})
    assert early.status_code == 400  # before the reply's date
    ok = client.post(url, {"via": "post", "on": "2026-11-10", "note": "挂号信 XA123456789CN"})
    assert ok.status_code == 302
    letter.refresh_from_db()
    assert (letter.delivered_via, str(letter.delivered_on)) == ("post", "2026-11-10")
    assert client.post(url, {"via": "pickup", "on": "2026-11-10"}).status_code == 400
    step = Step.objects.get(application=application, type="posted")
    assert "XA123456789CN" in step.note


def test_a_failed_conversion_is_shown_and_can_be_retried(
    office, editor, department, application, eager, settings
):
    settings.PREVIEW_SANDBOX = "false"  # no network-less sandbox: LibreOffice is not run
    with eager():
        replied(office, editor, department, application)
    letter = ReplyLetter.objects.get()
    assert letter.state == "failed" and letter.error
    settings.PREVIEW_SANDBOX = "unshare --net --map-root-user --"
    with eager():
        letters.regenerate(office, letter)
    letter.refresh_from_db()
    assert letter.state == "ready"
