"""Delivery reports pushed by the gateways: batches, possibly repeated, possibly retried.

Each item moves its delivery from ``sent`` to ``delivered`` or ``failed`` by a conditional
UPDATE, so a report seen twice changes nothing the second time. Aliyun items name our
delivery id (``out_id``, the OutId we sent) and their ``biz_id``; Tencent items name the
``sid`` (the SerialNo its answer gave us).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ...models import Channel, Delivery

State = Delivery.State


def _when(text) -> datetime.datetime:
    """The vendors' "2024-03-01 08:00:05" (China time); now when absent or garbled."""
    try:
        naive = datetime.datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return timezone.now()
    return naive.replace(tzinfo=timezone.get_default_timezone())


def _settle(rows, success: bool, when: datetime.datetime, error: str) -> int:
    fields: dict = {"state": State.DELIVERED if success else State.FAILED}
    if success:
        fields["delivered_at"] = when
        fields["error"] = ""
    else:
        fields["error"] = error[:300] or "not delivered"
    return rows.filter(state=State.SENT).update(**fields)


def apply_aliyun(items: list[dict]) -> int:
    settled = 0
    for item in items:
        try:
            pk = int(str(item.get("out_id", "")))
        except ValueError:
            continue
        biz_id = str(item.get("biz_id") or "")[:100]
        rows = Delivery.objects.filter(pk=pk, channel=Channel.SMS, gateway="aliyun")
        if biz_id:
            rows = rows.filter(gateway_id__in=[biz_id, ""])
        success = item.get("success") in (True, "true", "True", 1, "1")
        error = f"{item.get('err_code', '')} {item.get('err_msg', '')}".strip()
        if biz_id:
            # A delivery whose answer was lost learns its BizId from the report.
            rows.filter(state=State.SENT, gateway_id="").update(gateway_id=biz_id)
        settled += _settle(rows, success, _when(item.get("report_time")), error)
    return settled


def apply_tencent(items: list[dict]) -> int:
    settled = 0
    for item in items:
        sid = str(item.get("sid") or "")[:100]
        if not sid:
            continue
        rows = Delivery.objects.filter(channel=Channel.SMS, gateway="tencent", gateway_id=sid)
        success = str(item.get("report_status", "")).upper() == "SUCCESS"
        error = f"{item.get('errmsg', '')} {item.get('description', '')}".strip()
        settled += _settle(rows, success, _when(item.get("user_receive_time")), error)
    return settled
