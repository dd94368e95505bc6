"""Reply letters (政府信息公开申请答复书): generated from a template when the office approves
a reply, as DOCX (python-docx) and PDF (the DOCX converted by LibreOffice, in the same
network-less sandbox as the catalogue's previews), both kept in the object store under
keys made from ids only; downloaded by handlers (each download audited: the letter holds
the applicant's name); then e-mailed to the applicant (at most once), or recorded as posted
(with the day) or picked up.

The text comes from ``templates/disclosure/letters/reply.txt``: one paragraph per line,
``@title``, ``@center`` and ``@right`` lines laid out so. The office may override that
template like any other.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path

from auditlog.models import LogEntry
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from edu_portal.accounts import audit
from edu_portal.disclosure.casework import (
    _require_office,
    can_see,
    office_people,
    record,
    tell_after_commit,
)
from edu_portal.disclosure.models import (
    Application,
    Draft,
    FeeNotice,
    ReplyLetter,
    ReplyType,
    Step,
)
from edu_portal.storage import StorageError, get_storage

log = logging.getLogger(__name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
# The tasks below retry when the database is briefly unreachable; nothing else is retried.
RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 10,
}

# Art. 36: what the letter says for each kind of reply, before the department's text.
REPLY_SENTENCES = {
    ReplyType.ALREADY_PUBLIC: "经审查，您申请获取的信息已经主动公开，获取该信息的方式和途径如下：",
    ReplyType.DISCLOSED: "经审查，您申请获取的信息属于可以公开的政府信息，现予以提供，"
    "获取的方式、途径和时间如下：",
    ReplyType.REFUSED: "经审查，您申请获取的信息依照《中华人民共和国政府信息公开条例》"
    "的规定不予公开，理由如下：",
    ReplyType.NOT_EXIST: "经检索，本机关没有您申请获取的信息，该政府信息不存在。",
    ReplyType.NOT_OURS: "经审查，您申请获取的信息不属于本机关负责公开，说明如下：",
    ReplyType.REPEAT: "本机关已就您提出的相同政府信息公开申请作出答复，"
    "对您的重复申请不予重复处理。",
    ReplyType.SPECIAL_LAW: "经审查，有关法律、行政法规对您申请获取的信息的获取有特别规定，"
    "请依照有关法律、行政法规的规定办理：",
    ReplyType.OTHER: "经审查，现答复如下：",
}


def authority() -> str:
    """Who signs the letter: the setting, else the bureau (the org tree's root)."""
    if settings.DISCLOSURE_LETTER_AUTHORITY:
        return settings.DISCLOSURE_LETTER_AUTHORITY
    from edu_portal.accounts.models import OrgUnit

    root = OrgUnit.objects.filter(depth=1).order_by("path").first()
    return root.name if root else settings.SITE_NAME


def _cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _next_number(year: int) -> str:
    """示教依复〔2026〕12号: the prefix and a serial per year of generation."""
    serial = ReplyLetter.objects.filter(created_at__year=year).count() + 1
    return f"{settings.DISCLOSURE_LETTER_PREFIX}〔{year}〕{serial}号"


def start(actor, application: Application, draft: Draft) -> ReplyLetter:
    """A letter for the approved ``draft``, generated after commit (in the caller's
    transaction)."""
    letter = ReplyLetter.objects.create(
        application=application,
        draft=draft,
        number=_next_number(timezone.localdate().year),
        created_by=actor,
    )
    _enqueue(letter.pk)
    return letter


def _enqueue(letter_id: int) -> None:
    transaction.on_commit(lambda: generate_letter.delay(letter_id))


def regenerate(actor, letter: ReplyLetter) -> ReplyLetter:
    """Try again after a failure (LibreOffice missing, the store unreachable)."""
    _require_office(actor)
    updated = ReplyLetter.objects.filter(pk=letter.pk, state=ReplyLetter.State.FAILED).update(
        state=ReplyLetter.State.PENDING, error=""
    )
    if not updated:
        raise ValidationError(_("Only a letter that could not be generated can be tried again."))
    _enqueue(letter.pk)
    return ReplyLetter.objects.get(pk=letter.pk)


# --- the document ---------------------------------------------------------------------------


def paragraphs(letter: ReplyLetter) -> list[tuple[str, str]]:
    """(style, text) pairs of the letter: style is "", "title", "center" or "right"."""
    application, draft = letter.application, letter.draft
    paid = (
        FeeNotice.objects.filter(application=application, state=FeeNotice.State.PAID)
        .order_by("-paid_on")
        .first()
    )
    description = application.description.strip().replace("\n", " ")
    if len(description) > 300:
        description = description[:299] + "…"
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(
            "disclosure/letters/reply.txt",
            {
                "number": letter.number,
                "application": application,
                "received_on": _cn_date(application.received_on),
                "replied_on": _cn_date(application.replied_on or timezone.localdate()),
                "description": description,
                "reply_sentence": REPLY_SENTENCES[draft.reply_type],
                "reply_paragraphs": [p.strip() for p in draft.text.splitlines() if p.strip()],
                "fee_paragraph": (
                    f"本申请已依照《政府信息公开信息处理费管理办法》收取信息处理费{paid.amount}元。"
                    if paid
                    else ""
                ),
                "authority": authority(),
            },
        )
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        style = ""
        for marker in ("title", "center", "right"):
            if line.startswith(f"@{marker} "):
                style, line = marker, line[len(marker) + 2 :].strip()
        result.append((style, line))
    return result


def build_docx(parts: list[tuple[str, str]]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(14)
    # East Asian text takes its font from eastAsia, not from the Latin name.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for style, text in parts:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        if style == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
            run.font.size = Pt(20)
        elif style == "center":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif style == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif not text.endswith("："):
            paragraph.paragraph_format.first_line_indent = Pt(28)
    document.core_properties.title = "政府信息公开申请答复书"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_pdf(docx: bytes) -> bytes:
    from catalog.previews.convert import convert_to_pdf, private_workdir

    with private_workdir("edu-letter-") as workdir:
        source = Path(workdir) / "letter.docx"
        source.write_bytes(docx)
        convert_dir = Path(workdir) / "convert"
        convert_dir.mkdir(mode=0o700)
        return convert_to_pdf(source, "docx", convert_dir).read_bytes()


def _key(letter: ReplyLetter, ext: str) -> str:
    return f"disclosure/letters/{letter.application_id}/{letter.pk}.{ext}"


def generate(letter_id: int) -> str:
    """Make the DOCX and PDF of a pending letter; "ready", "failed" or why nothing was
    done. Run twice, the second run finds the letter ready and does nothing."""
    from catalog.previews.convert import ConversionError

    letter = (
        ReplyLetter.objects.select_related("application", "draft")
        .filter(pk=letter_id, state=ReplyLetter.State.PENDING)
        .first()
    )
    if letter is None:
        return "nothing to do"
    storage = get_storage()
    error = ""
    try:
        docx = build_docx(paragraphs(letter))
        storage.put_bytes(_key(letter, "docx"), docx, content_type=DOCX_TYPE)
        pdf = to_pdf(docx)
        storage.put_bytes(_key(letter, "pdf"), pdf, content_type=PDF_TYPE)
    except ConversionError as exc:
        error = exc.reason
        log.warning("letter %s: no PDF: %s", letter.pk, exc)
    except StorageError as exc:
        error = _("The file store could not be reached: %(error)s") % {"error": exc}
    with transaction.atomic():
        if error:
            updated = ReplyLetter.objects.filter(
                pk=letter.pk, state=ReplyLetter.State.PENDING
            ).update(state=ReplyLetter.State.FAILED, error=error[:1000])
            if updated:
                record(None, letter.application, Step.Type.LETTER_FAILED, error[:300])
                tell_after_commit(
                    office_people(),
                    _("The reply letter of %(code)s could not be generated")
                    % {"code": letter.application.query_code},
                    letter.application,
                )
            return "failed"
        updated = ReplyLetter.objects.filter(pk=letter.pk, state=ReplyLetter.State.PENDING).update(
            state=ReplyLetter.State.READY,
            docx_key=_key(letter, "docx"),
            pdf_key=_key(letter, "pdf"),
            generated_at=timezone.now(),
        )
        if updated:
            record(None, letter.application, Step.Type.LETTER_MADE, letter.number)
    return "ready"


# --- handing it over ------------------------------------------------------------------------


def open_file(actor, letter: ReplyLetter, kind: str) -> tuple[str, str]:
    """The key and a file name of the letter's DOCX or PDF for ``actor`` (audited)."""
    if not can_see(actor, letter.application):
        raise ValidationError(_("You may not see this application."))
    key = letter.docx_key if kind == "docx" else letter.pdf_key
    if letter.state != ReplyLetter.State.READY or not key:
        raise ValidationError(_("The letter is not ready."))
    with audit.actor_context(actor):
        audit.log_event(
            letter.application,
            {"downloaded": ["", f"reply letter {letter.number} ({kind})"]},
            action=LogEntry.Action.ACCESS,
        )
    return key, f"{letter.application.query_code}-reply.{kind}"


def send_email(actor, letter: ReplyLetter) -> ReplyLetter:
    """Queue the e-mail of the letter (PDF and DOCX attached) to the applicant's address."""
    _require_office(actor)
    if letter.state != ReplyLetter.State.READY:
        raise ValidationError(_("The letter is not ready."))
    if not letter.application.email:
        raise ValidationError(_("The applicant gave no e-mail address."))
    if letter.delivered_via:
        raise ValidationError(_("The letter has already been delivered."))
    with transaction.atomic():
        record(actor, letter.application, Step.Type.EMAILED, _("queued"))
        transaction.on_commit(lambda: email_letter.delay(letter.pk))
    return letter


def email_now(letter_id: int) -> str:
    """Hand the e-mail over once: the letter is claimed by a conditional UPDATE first."""
    claimed = ReplyLetter.objects.filter(
        pk=letter_id, state=ReplyLetter.State.READY, email_claimed_at__isnull=True
    ).update(email_claimed_at=timezone.now())
    if not claimed:
        return "nothing to send"
    letter = ReplyLetter.objects.select_related("application").get(pk=letter_id)
    application = letter.application
    storage = get_storage()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            message = EmailMessage(
                subject=f"政府信息公开申请答复书 {letter.number}",
                body="\n\n".join(
                    [
                        f"{application.applicant_name}：",
                        f"您的政府信息公开申请（查询码 {application.query_code}）的答复书见附件。",
                        authority(),
                    ]
                ),
                to=[application.email],
            )
            message.attach(
                f"{application.query_code}.pdf", storage.get_bytes(letter.pdf_key), PDF_TYPE
            )
            message.attach(
                f"{application.query_code}.docx", storage.get_bytes(letter.docx_key), DOCX_TYPE
            )
            message.send(fail_silently=False)
    except Exception as exc:  # SMTP refusal, store gone: recorded for the office, not retried
        log.warning("letter %s: e-mail failed: %s", letter.pk, exc)
        with transaction.atomic():
            record(None, application, Step.Type.EMAIL_FAILED, str(exc)[:300])
            tell_after_commit(
                office_people(),
                _("The reply letter of %(code)s could not be e-mailed")
                % {"code": application.query_code},
                application,
            )
        return "failed"
    ReplyLetter.objects.filter(pk=letter.pk).update(
        delivered_via=ReplyLetter.Delivery.EMAIL, delivered_on=timezone.localdate()
    )
    return "sent"


def record_delivery(
    actor, letter: ReplyLetter, via: str, on: dt.date | None = None, note: str = ""
) -> ReplyLetter:
    """The letter was posted (on a day, with e.g. the tracking number) or picked up."""
    _require_office(actor)
    on = on or timezone.localdate()
    if via not in (ReplyLetter.Delivery.POST, ReplyLetter.Delivery.PICKUP):
        raise ValidationError(_("Choose posted or picked up."))
    if on > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))
    application = letter.application
    if application.replied_on and on < application.replied_on:
        raise ValidationError(_("The letter cannot be delivered before the reply's date."))
    with transaction.atomic():
        updated = ReplyLetter.objects.filter(
            pk=letter.pk, state=ReplyLetter.State.READY, delivered_via=""
        ).update(delivered_via=via, delivered_on=on, delivery_note=note[:200])
        if not updated:
            raise ValidationError(_("The letter is not ready or was already delivered."))
        kind = Step.Type.POSTED if via == ReplyLetter.Delivery.POST else Step.Type.PICKED_UP
        record(actor, application, kind, note, on=on)
    return ReplyLetter.objects.get(pk=letter.pk)


# --- the tasks (here rather than in tasks.py, which imports them: no import circle) -----------


@shared_task(name="disclosure.generate_letter", queue="default", acks_late=True, **RETRY)
def generate_letter(letter_id: int) -> str:
    return generate(letter_id)


@shared_task(name="disclosure.email_letter", queue="default", acks_late=True, **RETRY)
def email_letter(letter_id: int) -> str:
    return email_now(letter_id)
