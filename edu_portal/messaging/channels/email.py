"""Notice e-mails through Django's mail backend (SMTP in production).

Subject: the school's name and the title. A text body and an HTML alternative (the notice's
sanitised body), both with the signed link; ``Message-ID`` from the delivery id (a server
or client that sees it twice knows it is one message); ``List-Unsubscribe`` with a mailto
and an https one-click address (RFC 8058 ``List-Unsubscribe-Post``).
"""

from __future__ import annotations

import datetime
import html
import smtplib
import socket

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..html import clean_body
from ..models import Delivery
from .links import notice_url
from .outcome import Outcome, State, hand_over

UNSUBSCRIBE_SALT = "messaging.email-unsubscribe"


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_user_id(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost"


def message_id(delivery_id: int) -> str:
    return f"<notice-delivery-{delivery_id}@{_domain()}>"


def _subject(delivery: Delivery) -> str:
    notice = delivery.notice
    title = " ".join(notice.title.split())  # one line: a line break would be refused
    if delivery.purpose == Delivery.Purpose.REMINDER:
        title = _("Reminder: %(title)s") % {"title": title}
    elif delivery.purpose == Delivery.Purpose.WITHDRAWAL:
        title = _("Withdrawn: %(title)s") % {"title": title}
    return f"{notice.org_unit.name}｜{title}"


def _headers(delivery: Delivery) -> dict[str, str]:
    token = unsubscribe_token(delivery.recipient.user_id)
    mailto = settings.NOTICE_UNSUBSCRIBE_MAILTO or settings.DEFAULT_FROM_EMAIL
    targets = [f"<mailto:{mailto}?subject=unsubscribe%20{token}>"]
    headers = {"Message-ID": message_id(delivery.pk)}
    site = settings.NOTIFICATIONS_SITE_URL.rstrip("/")
    if site.startswith("https://"):
        path = reverse("messaging:email-unsubscribe", args=[token])
        targets.insert(0, f"<{site}{path}>")
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    headers["List-Unsubscribe"] = ", ".join(targets)
    return headers


def build(delivery: Delivery, url: str) -> EmailMultiAlternatives:
    notice = delivery.notice
    user = delivery.recipient.user
    children = [child.student_name for child in delivery.recipient.children.all()]
    body_html = clean_body(notice.body)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _subject(delivery)
        greeting = _("Dear %(name)s,") % {"name": user.display_name or user.username}
        about = _("This notice concerns: %(children)s") % {"children": "、".join(children)}
        open_link = _("Open the notice (and confirm or reply there):")
        footer = _("Sent by %(school)s through %(site)s.") % {
            "school": notice.org_unit.name,
            "site": settings.SITE_NAME,
        }
    text_lines = [greeting, "", notice.title, "", html.unescape(strip_tags(body_html)).strip()]
    if children:
        text_lines += ["", about]
    text_lines += ["", open_link, url, "", footer]
    parts = [
        format_html("<p>{}</p>", greeting),
        format_html("<h1>{}</h1>", notice.title),
        format_html("<div>{}</div>", mark_safe(body_html)),  # noqa: S308 - clean_body above
    ]
    if children:
        parts.append(format_html("<p>{}</p>", about))
    parts.append(format_html('<p>{} <a href="{}">{}</a></p>', open_link, url, url))
    parts.append(format_html("<p><small>{}</small></p>", footer))
    message = EmailMultiAlternatives(
        subject=subject,
        body="\n".join(text_lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        headers=_headers(delivery),
        connection=get_connection(fail_silently=False),
    )
    html_doc = format_html_join("\n", "{}", ((part,) for part in parts))
    message.attach_alternative(f"<!doctype html><html><body>{html_doc}</body></html>", "text/html")
    return message


def deliver(delivery: Delivery, now: datetime.datetime) -> Outcome | None:
    message = build(delivery, notice_url(delivery.recipient))
    if not hand_over(delivery):
        return None
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        return Outcome(State.FAILED, gateway="smtp", error=f"address refused: {exc.recipients}")
    except smtplib.SMTPResponseException as exc:
        error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
        if 400 <= exc.smtp_code < 500:
            return _later(error)
        return Outcome(State.FAILED, gateway="smtp", error=error)
    except (smtplib.SMTPConnectError, ConnectionRefusedError, socket.gaierror) as exc:
        return _later(f"mail server unreachable: {exc}")
    except (smtplib.SMTPException, OSError) as exc:
        # The message may have gone (the connection broke mid-way): not again.
        return Outcome(State.SENT, gateway="smtp", error=f"{exc}; not sent again")
    return Outcome(State.SENT, gateway="smtp", gateway_id=message_id(delivery.pk))


def _later(error: str) -> Outcome:
    later = timezone.now() + datetime.timedelta(minutes=5)
    return Outcome(
        State.HELD, gateway="smtp", not_before=later, error=error, retry=True, release=True
    )
