"""Short signed links to one notice for one guardian (``/n/<code>``), put in SMS and e-mail.

The code is the recipient row's id in base62 followed by ten base62 characters of an
HMAC over (recipient id, notice id) with a key of its own, derived from SECRET_KEY: short
enough for a 70-character SMS, about 59 bits that cannot be guessed, and nothing else on
the site accepts it. It names a ``Recipient`` row, so it opens that notice for that
guardian and nothing more; it creates no session. It works until the notice's
``sent_at`` plus ``NOTICE_LINK_DAYS``.

A GET of the link shows the notice and records nothing: mail gateways and chat apps open
every link they see. Only a POST from that page records a receipt (see ``inbox``).
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from edu_portal.messaging.models import Recipient

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SIGNATURE_LENGTH = 10
# The salt makes the key this module's alone: a signature made for anything else on the
# site (sessions, signed object URLs) is never a valid link code.
_SALT = "edu_portal.messaging.links.notice-link"
# 2**63 in base62 has 11 digits: a longer code is refused before any parsing.
_MAX_CODE = 11 + SIGNATURE_LENGTH


class LinkInvalid(Exception):
    """The code was not made by this site (or names no recipient any more)."""


class LinkExpired(Exception):
    """A genuine link whose time is over."""


def _base62(number: int) -> str:
    if number < 0:
        raise ValueError("base62 encodes non-negative integers only")
    digits = []
    while True:
        number, rest = divmod(number, 62)
        digits.append(ALPHABET[rest])
        if number == 0:
            return "".join(reversed(digits))


def _from_base62(text: str) -> int:
    number = 0
    for char in text:
        index = ALPHABET.find(char)
        if index < 0:
            raise LinkInvalid
        number = number * 62 + index
    return number


def _signature(recipient_id: int, notice_id: int) -> str:
    digest = salted_hmac(
        _SALT, f"{recipient_id}:{notice_id}", secret=settings.SECRET_KEY, algorithm="sha256"
    ).digest()
    # The lowest base62 digits of the digest: the leading ones are not evenly spread.
    return _base62(int.from_bytes(digest, "big"))[-SIGNATURE_LENGTH:]


def code_for(recipient: Recipient) -> str:
    return _base62(recipient.pk) + _signature(recipient.pk, recipient.notice_id)


def short_url(recipient: Recipient) -> str:
    """The site-relative link (``/n/<code>``) for this recipient's notice; the channel
    adds the site's address in front."""
    return f"/n/{code_for(recipient)}"


def expires_at(recipient: Recipient) -> datetime:
    notice = recipient.notice
    start = notice.sent_at or notice.sending_started_at or recipient.created_at
    return start + timedelta(days=settings.NOTICE_LINK_DAYS)


def resolve(code: str) -> Recipient:
    """The recipient the code was made for, with its notice and user.

    ``LinkInvalid`` for anything not made by :func:`short_url` (the same for a recipient
    row deleted by the retention period: nothing to show), ``LinkExpired`` after its time.
    The signature is compared in constant time, and computed even when there is no such
    row, so the answer's timing does not tell which ids exist.
    """
    if not (SIGNATURE_LENGTH < len(code) <= _MAX_CODE):
        raise LinkInvalid
    head, signature = code[:-SIGNATURE_LENGTH], code[-SIGNATURE_LENGTH:]
    recipient_id = _from_base62(head)
    if _base62(recipient_id) != head:  # leading zeros: one id, one code
        raise LinkInvalid
    recipient = (
        Recipient.objects.select_related("notice__org_unit", "user").filter(pk=recipient_id).first()
    )
    expected = _signature(recipient_id, recipient.notice_id if recipient else 0)
    if not hmac.compare_digest(expected, signature) or recipient is None:
        raise LinkInvalid
    if timezone.now() >= expires_at(recipient):
        raise LinkExpired
    return recipient
