"""What the sender's pages show of a notice: the report with the names of those who have
not answered (phones masked), the preview of what guardians see and of the SMS, and the
audience in words. Reads only; the numbers per notice and class come from ``reports``
(the report the API serves, with the names of those who have not answered), their masked
numbers from ``sending.outstanding`` (the same set a reminder goes to).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.conf import settings
from django.db.models import Count
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from edu_portal.accounts.models import OrgUnit, User
from edu_portal.messaging import audience as audience_module
from edu_portal.messaging import privacy, receipts, reports, sending
from edu_portal.messaging.html import clean_body
from edu_portal.messaging.models import Channel, Delivery, Notice, Recipient, RecipientChild


def _answers(rows) -> list[tuple[str, int]]:
    counts: Counter = Counter()
    for choice, count in rows:
        if choice:
            counts[choice] += count
    return counts.most_common()


def class_labels(units: list[OrgUnit]) -> dict[int, str]:
    """Class names with their grade, by unit id."""
    parents = {unit.path[: -OrgUnit.steplen] for unit in units if unit.depth > 1}
    grades = {unit.path: unit for unit in OrgUnit.objects.filter(path__in=parents)}
    labels = {}
    for unit in units:
        grade = grades.get(unit.path[: -OrgUnit.steplen])
        # "1班" under "一年级" reads "一年级1班", as the guardian's inbox names it.
        if grade is None or unit.name.startswith(grade.name):
            labels[unit.pk] = unit.name
        else:
            labels[unit.pk] = f"{grade.name}{unit.name}"
    return labels


def sender_report(notice: Notice) -> dict:
    """The report page's data: ``reports.report`` (the API's numbers, per class, and who
    has not answered) with what the page adds: class names with their grade, the answers
    counted per choice, masked phone numbers and reminders of those who have not answered,
    channels by name."""
    data = reports.report(notice)
    units = list(OrgUnit.objects.filter(pk__in=[c["id"] for c in data["classes"] if c["id"]]))
    labels = class_labels(units)
    replied = RecipientChild.objects.filter(
        recipient__notice=notice, recipient__replied_at__isnull=False
    )
    class_answers: dict = defaultdict(list)
    for unit, choice, count in (
        replied.values_list("class_unit", "recipient__reply_choice")
        .annotate(n=Count("recipient", distinct=True))
        .order_by()
    ):
        class_answers[unit].append((choice, count))
    waiting = sending.outstanding(notice)
    contacts = {
        pk: (privacy.mask_phone(phone), reminders)
        for pk, phone, reminders in waiting.values_list("pk", "user__phone", "reminders")
    }
    classes = []
    for row in data["classes"]:
        missing = []
        for entry in row.get("outstanding", []):
            phone, reminders = contacts.get(entry["recipient"], ("", 0))
            missing.append(
                {
                    "guardian": entry["name"],
                    "children": "、".join(entry["children"]),
                    "phone": phone,
                    "reminders": reminders,
                }
            )
        classes.append(
            {
                **row,
                "label": labels.get(row["id"], row["name"] or _("No class")),
                "answers": _answers(class_answers.get(row["id"], [])),
                "missing": missing,
            }
        )
    staff_missing = [
        {"guardian": str(recipient.user), "reminders": recipient.reminders}
        for recipient in waiting.filter(children__isnull=True).select_related("user")
    ]
    answers = (
        Recipient.objects.filter(notice=notice, replied_at__isnull=False)
        .values_list("reply_choice")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "recipients": data["recipients"],
        "read": data["read"],
        "confirmed": data["confirmed"],
        "replied": data["replied"],
        "answers": _answers(answers),
        "channels": _channels(notice, data["deliveries"]),
        "classes": classes,
        "staff_missing": staff_missing,
        "missing": len(contacts),
        "done_label": {
            Notice.Ack.READ: _("Not read yet"),
            Notice.Ack.CONFIRM: _("Not confirmed yet"),
            Notice.Ack.REPLY: _("Not replied yet"),
        }[notice.ack],
    }


def _channels(notice: Notice, deliveries: dict[str, dict[str, int]]) -> list[dict]:
    reminders = dict(
        Delivery.objects.filter(notice=notice, purpose=Delivery.Purpose.REMINDER)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    states = dict(Delivery.State.choices)
    result = []
    for channel, label in Channel.choices:
        counts = deliveries.get(channel, {})
        if not counts and channel not in (notice.channels or []):
            continue
        result.append(
            {
                "channel": channel,
                "label": label,
                "total": sum(counts.values()),
                "states": [(states[s], counts[s]) for s in states if counts.get(s)],
                "reminders": reminders.get(channel, 0),
            }
        )
    return result


def numbers(data: dict) -> dict:
    """The figures the report page refreshes without reloading."""
    return {
        "recipients": data["recipients"],
        "read": data["read"],
        "confirmed": data["confirmed"],
        "replied": data["replied"],
        "missing": data["missing"],
    }


# --- preview and audience -----------------------------------------------------------------------


def _sample_children(notice: Notice) -> str:
    first = Recipient.objects.filter(notice=notice).order_by("pk").first()
    if first is not None:
        return receipts.concerns_text(receipts.attach_children([first])[0].concerns)
    assignment = (
        audience_module.student_assignments(notice.audience or {})
        .select_related("user", "org_unit")
        .order_by("org_unit__path", "user__display_name")
        .first()
    )
    if assignment is None:
        return ""
    label = class_labels([assignment.org_unit])[assignment.org_unit.pk]
    return str(receipts.Child(str(assignment.user), label))


def _sms(notice: Notice) -> dict | None:
    if Channel.SMS not in (notice.channels or []):
        return None
    from edu_portal.messaging.channels import links as channel_links
    from edu_portal.messaging.channels import sms

    sample = Recipient(
        pk=Recipient.objects.filter(notice=notice)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
        or 1,
        notice=notice,
    )
    url = channel_links.notice_url(sample)
    # Never a working link in the preview: it would let the sender answer as a guardian.
    code = channel_links.link_code(url)
    url = url[: len(url) - len(code)] + "x" * len(code)
    if url.startswith("/"):
        url = settings.NOTIFICATIONS_SITE_URL.rstrip("/") + url
    _params, text = sms.compose(Delivery(notice=notice, recipient=sample), url)
    return {"text": text, "length": len(text), "segments": sms.segments(text)}


def preview(notice: Notice) -> dict:
    return {
        "unit": notice.org_unit.name,
        "sent_at": notice.sent_at,
        "title": notice.title,
        "children": _sample_children(notice),
        # The stored body is clean; cleaned again (same allow-list) before |safe.
        "body": mark_safe(clean_body(notice.body)),  # noqa: S308
        "attachments": list(notice.attachments.all()),
        "ack": notice.ack,
        "choices": notice.reply_choices,
        "reply_text": notice.reply_text,
        "sms": _sms(notice),
    }


def describe_audience(notice: Notice) -> list[str]:
    """The audience in words: "一年级1班", "城南小学（全校）", "城南小学 教职工", pupils by name."""
    audience = notice.audience or {}
    codes = [c for key in ("schools", "grades", "classes", "staff") for c in audience.get(key, [])]
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)}
    labels = class_labels([u for u in units.values() if u.kind == OrgUnit.Kind.CLASS])
    lines = []
    for code in audience.get("schools", []):
        if code in units:
            lines.append(_("%(unit)s (all guardians)") % {"unit": units[code].name})
    for code in audience.get("grades", []):
        if code in units:
            lines.append(_("%(unit)s (whole grade)") % {"unit": units[code].name})
    for code in audience.get("classes", []):
        if code in units:
            lines.append(labels.get(units[code].pk, units[code].name))
    for code in audience.get("staff", []):
        if code in units:
            lines.append(_("Staff of %(unit)s") % {"unit": units[code].name})
    pupils = list(User.objects.filter(pk__in=audience.get("students", [])).order_by("display_name"))
    if pupils:
        lines.append(_("Pupils: %(names)s") % {"names": "、".join(str(p) for p in pupils)})
    return lines
