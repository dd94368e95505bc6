"""Giving the approved answer to the writer: by e-mail (Django mail) or by SMS (the
messaging app's gateway, ``SMS_BACKEND``). At most once: the letter is claimed by a
conditional UPDATE of ``sent_at`` before anything is handed over; a failure is recorded in
the letter's history and the office is told, to answer by phone instead."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from edu_portal.interaction import history
from edu_portal.interaction.models import AnswerMethod, Event, Letter, State
from edu_portal.messaging.channels.sms import get_gateway

log = logging.getLogger(__name__)

# The SMS gateways take an integer message id (their OutId, the file backend's file name)
# that notices fill with their delivery ids; letters use ids far above those.
SMS_ID_OFFSET = 10**12
SMS_ANSWER_CHARS = 300


def _lookup_url() -> str:
    from django.urls import reverse

    return (settings.NOTIFICATIONS_SITE_URL or "").rstrip("/") + reverse("interaction:lookup")


def sms_text(letter: Letter) -> tuple[dict[str, str], str]:
    answer = letter.answer.strip()
    if len(answer) > SMS_ANSWER_CHARS:
        answer = answer[: SMS_ANSWER_CHARS - 1] + "…"
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "kind": _("Answer to your letter"),
            "school": settings.SITE_NAME,
            "title": letter.subject[:20],
            "code": letter.query_code,
        }
        tail = _("Query code %(code)s") % {"code": letter.query_code}
    text = f"【{settings.SMS_SIGN_NAME}】{params['kind']}：{answer} {tail}"
    return params, text


def _send_email(letter: Letter) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Answer to your letter: %(subject)s") % {"subject": letter.subject}
        body = "\n\n".join(
            [
                _("Dear %(name)s,") % {"name": letter.name},
                letter.answer,
                _("Query code %(code)s. You can look the letter up and rate the answer at %(url)s")
                % {"code": letter.query_code, "url": _lookup_url()},
                settings.SITE_NAME,
            ]
        )
    send_mail(subject, body, None, [letter.email], fail_silently=False)
    return ""


def _send_sms(letter: Letter) -> str:
    params, text = sms_text(letter)
    result = get_gateway().send(SMS_ID_OFFSET + letter.pk, letter.phone, params, text)
    if result.ok or result.unknown:
        return ""
    return result.error or "refused"


def send_answer(letter_id: int) -> str:
    """Hand the answer over once; returns "sent", "failed" or why nothing was done."""
    claimed = Letter.objects.filter(
        pk=letter_id,
        state=State.ANSWERED,
        sent_at__isnull=True,
        answer_method__in=[AnswerMethod.EMAIL, AnswerMethod.SMS],
    ).update(sent_at=timezone.now())
    if not claimed:
        return "nothing to send"
    letter = Letter.objects.get(pk=letter_id)
    try:
        if letter.answer_method == AnswerMethod.EMAIL:
            error = _send_email(letter)
        else:
            error = _send_sms(letter)
    except Exception as exc:  # SMTP refusal, connection lost: recorded, not retried
        log.warning("letter %s: the answer could not be sent: %s", letter.pk, exc)
        error = str(exc)[:300] or exc.__class__.__name__
    with transaction.atomic():
        if error:
            history.record(None, letter, Event.Type.SEND_FAILED, error)
            history.tell(
                history.office_people(),
                _("An answer could not be sent: %(subject)s") % {"subject": letter.subject},
                letter,
            )
            return "failed"
        history.record(None, letter, Event.Type.SENT, letter.get_answer_method_display())
    return "sent"
