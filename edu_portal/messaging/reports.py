"""What became of a notice: counts for the whole notice and per class, and who has not yet
done what it asks. The API's report and the sender's report page both read :func:`report`.

A guardian counts once for the notice however many children it names, and once in each
class where one of those children is (so the classes may add up to more than the total).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q

from edu_portal.messaging.models import Delivery, Notice, Recipient, RecipientChild

_DONE = {
    Notice.Ack.READ: "read_at",
    Notice.Ack.CONFIRM: "confirmed_at",
    Notice.Ack.REPLY: "replied_at",
}


def _receipts(prefix: str = "") -> dict:
    return {
        "recipients": Count(f"{prefix}pk", distinct=True),
        "read": Count(
            f"{prefix}pk", filter=Q(**{f"{prefix}read_at__isnull": False}), distinct=True
        ),
        "confirmed": Count(
            f"{prefix}pk", filter=Q(**{f"{prefix}confirmed_at__isnull": False}), distinct=True
        ),
        "replied": Count(
            f"{prefix}pk", filter=Q(**{f"{prefix}replied_at__isnull": False}), distinct=True
        ),
    }


def _deliveries(rows) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for channel, state, count in rows:
        result[channel][state] = count
    return dict(result)


def outstanding_field(notice: Notice) -> str:
    """The receipt field still empty while a recipient has not done what the notice asks."""
    return _DONE[notice.ack]


def report(notice: Notice, *, names: bool = True) -> dict:
    """Counts of the notice (its first messages, not reminders) and per class; with
    ``names`` each class lists who has not yet done what it asks: the guardian and the
    children concerned (names only, no contact details).

    Past the retention period the rows are gone (``messaging.retention``) and the counts
    kept in ``notice.totals`` are the report; nobody is listed as outstanding then."""
    if (notice.totals or {}).get("purged_at"):
        kept = dict(notice.totals)
        kept["classes"] = [
            {**row, "outstanding": []} if names else row for row in kept.get("classes", [])
        ]
        return kept
    recipients = Recipient.objects.filter(notice=notice)
    totals = recipients.aggregate(**_receipts())
    deliveries = _deliveries(
        Delivery.objects.filter(notice=notice, purpose=Delivery.Purpose.NOTICE)
        .values_list("channel", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_class = (
        RecipientChild.objects.filter(recipient__notice=notice)
        .values("class_unit", "class_unit__name", "class_unit__code")
        .annotate(**_receipts("recipient__"))
        .order_by("class_unit__name", "class_unit")
    )
    class_deliveries: dict = defaultdict(lambda: defaultdict(dict))
    for unit, channel, state, count in (
        Delivery.objects.filter(notice=notice, purpose=Delivery.Purpose.NOTICE)
        .values_list("recipient__children__class_unit", "channel", "state")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    ):
        class_deliveries[unit][channel][state] = count
    pending: dict = defaultdict(list)
    if names:
        field = outstanding_field(notice)
        rows = (
            RecipientChild.objects.filter(
                recipient__notice=notice, **{f"recipient__{field}__isnull": True}
            )
            .values_list(
                "class_unit",
                "recipient_id",
                "recipient__user__display_name",
                "recipient__user__username",
                "student_name",
            )
            .order_by("class_unit", "student_name", "recipient_id")
        )
        seen: dict = {}
        for unit, recipient_id, display_name, username, child in rows:
            entry = seen.get((unit, recipient_id))
            if entry is None:
                entry = {
                    "recipient": recipient_id,
                    "name": display_name or username,
                    "children": [],
                }
                seen[(unit, recipient_id)] = entry
                pending[unit].append(entry)
            entry["children"].append(child)
    classes = []
    for row in per_class:
        unit = row["class_unit"]
        item = {
            "id": unit,
            "code": row["class_unit__code"] or "",
            "name": row["class_unit__name"] or "",
            "recipients": row["recipients"],
            "deliveries": {ch: dict(states) for ch, states in class_deliveries[unit].items()},
            "read": row["read"],
            "confirmed": row["confirmed"],
            "replied": row["replied"],
        }
        if names:
            item["outstanding"] = pending.get(unit, [])
        classes.append(item)
    return {
        "id": notice.pk,
        "state": notice.state,
        "ack": notice.ack,
        **totals,
        "deliveries": deliveries,
        "classes": classes,
    }
