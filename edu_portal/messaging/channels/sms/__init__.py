"""SMS: the text, its segments, the gateway chosen by ``SMS_BACKEND``, the limits.

Each SMS reads ``【签名】<school><kind>：<title> <link>``. The vendors' templates hold the same
with variables, in this order: ``kind`` (通知/提醒/撤回通知), ``school``, ``title`` and
``code`` (the last part of the signed link; the address before it is fixed in the
registered template, as the carriers require).
"""

from __future__ import annotations

import datetime
import math

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.translation import pgettext

from ...models import Delivery
from ..links import link_code, notice_url
from ..outcome import Outcome, State, hand_over
from . import limits
from .base import Gateway, GatewayResult

__all__ = ["Gateway", "GatewayResult", "compose", "deliver", "get_gateway", "segments"]

TITLE_CHARS = 20


def segments(text: str) -> int:
    """Billed messages for ``text`` (its 【signature】 included): one up to 70 characters,
    else one per 67 (the rest carry a concatenation header)."""
    length = len(text)
    if length == 0:
        return 0
    return 1 if length <= 70 else math.ceil(length / 67)


def get_gateway() -> Gateway:
    backend = settings.SMS_BACKEND
    if backend == "file":
        from .file import FileGateway

        return FileGateway()
    if backend == "aliyun":
        from .aliyun import AliyunGateway

        return AliyunGateway()
    if backend == "tencent":
        from .tencent import TencentGateway

        return TencentGateway()
    raise ImproperlyConfigured(f"SMS_BACKEND must be file, aliyun or tencent, not {backend!r}")


def _kind(purpose: str) -> str:
    if purpose == Delivery.Purpose.REMINDER:
        return pgettext("SMS", "Reminder")
    if purpose == Delivery.Purpose.WITHDRAWAL:
        return pgettext("SMS", "Notice withdrawn")
    return pgettext("SMS", "Notice")


def compose(delivery: Delivery, url: str) -> tuple[dict[str, str], str]:
    """The template variables and the full text (with the signature) of ``delivery``."""
    notice = delivery.notice
    title = notice.title.strip()
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "kind": _kind(delivery.purpose),
            "school": notice.org_unit.name,
            "title": title,
            "code": link_code(url),
        }
    text = f"【{settings.SMS_SIGN_NAME}】{params['school']}{params['kind']}：{title} {url}"
    return params, text


def deliver(delivery: Delivery, now: datetime.datetime) -> Outcome | None:
    """Send ``delivery`` by SMS (quiet hours already checked). None: another attempt holds
    it and nothing is recorded."""
    gateway = get_gateway()
    phone = delivery.address.strip()
    params, text = compose(delivery, notice_url(delivery.recipient))
    count = segments(text)
    cap = settings.SMS_DAILY_CAP_PER_NUMBER
    if limits.sent_today(phone, now, exclude=delivery.pk) >= cap:
        return Outcome(
            State.HELD,
            segments=count,
            not_before=limits.next_day(now),
            error=f"{cap} SMS a day to this number reached; held until tomorrow",
        )
    wait = limits.take_token(gateway.name)
    if wait:
        return Outcome(
            State.HELD, segments=count, not_before=now + datetime.timedelta(seconds=wait)
        )
    if not limits.claim_text(phone, text):
        later = now + datetime.timedelta(seconds=settings.SMS_REPEAT_SECONDS)
        return Outcome(
            State.HELD, segments=count, not_before=later, error="the same text went just now"
        )
    if not hand_over(delivery):
        return None
    result = gateway.send(delivery.pk, phone, params, text)
    base = {"gateway": gateway.name, "segments": count}
    if result.ok:
        return Outcome(State.SENT, gateway_id=result.gateway_id, **base)
    if result.unknown:
        # It may have gone: never again (the gateways do not deduplicate); a delivery report
        # that names our OutId still settles it.
        return Outcome(State.SENT, error=f"{result.error}; not sent again", **base)
    if result.retry_after is not None:
        later = timezone.now() + datetime.timedelta(seconds=result.retry_after)
        return Outcome(
            State.HELD, not_before=later, error=result.error, retry=True, release=True, **base
        )
    return Outcome(State.FAILED, error=result.error, **base)
