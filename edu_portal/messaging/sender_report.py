"""What the sender's pages show of a notice: the report with the names of those who have
not answered (phones masked), the preview of what guardians see and of the SMS, and the
audience in words. Reads only; the numbers per notice and class come from ``reports``
(M1's report, the one the API serves), the names of those still missing from
``sending.outstanding`` (the same set a reminder goes to).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.conf import settings
from django.utils.translation import gettext as _

from edu_portal.accounts.models import GuardianLink, OrgUnit, User
from edu_portal.messaging import audience as audience_module
from edu_portal.messaging import privacy, receipts, reports, sending
from edu_portal.messaging.models import Channel, Delivery, Notice, Recipient, RecipientChild

DONE_FIELD = {
    Notice.Ack.READ: "read_at",
    Notice.Ack.CONFIRM: "confirmed_at",
    Notice.Ack.REPLY: "replied_at",
}


def _answers(rows) -> list[tuple[str, int]]:
    counts = Counter(choice for choice in rows if choice)
    return counts.most_common()


def _class_labels(units: list[OrgUnit]) -> dict[int, str]:
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


def sender_report(notice: Notice, viewer: User | None = None) -> dict:
    """The report page's data: totals, per channel, answers, and per class the counts and
    the people who have not done what the notice asks."""
    numbers = reports.notice_report(notice)
    children = list(
        RecipientChild.objects.filter(recipient__notice=notice).select_related("class_unit")
    )
    units = {row.class_unit_id: row.class_unit for row in children if row.class_unit_id}
    labels = _class_labels(list(units.values()))
    missing_ids = set(sending.outstanding(notice).values_list("pk", flat=True))
    recipients = {
        r.pk: r
        for r in Recipient.objects.filter(notice=notice)
        .select_related("user")
        .only(
            "pk",
            "user__display_name",
            "user__username",
            "user__phone",
            "reply_choice",
            "read_at",
            "confirmed_at",
            "replied_at",
            "reminders",
            "user_id",
        )
    }
    relations = {
        (link.guardian_id, link.student_id): link.get_relation_display()
        for link in GuardianLink.objects.filter(
            guardian_id__in={r.user_id for r in recipients.values()},
            student_id__in={row.student_id for row in children},
        )
    }
    by_class: dict[int | None, dict] = {}
    for row in children:
        entry = by_class.setdefault(
            row.class_unit_id,
            {"label": labels.get(row.class_unit_id, _("No class")), "people": {}, "answers": []},
        )
        recipient = recipients[row.recipient_id]
        person = entry["people"].setdefault(recipient.pk, {"recipient": recipient, "children": []})
        relation = relations.get((recipient.user_id, row.student_id), "")
        person["children"].append(
            f"{row.student_name}（{relation}）" if relation else row.student_name
        )
    classes = []
    for unit_id, entry in sorted(by_class.items(), key=lambda item: item[1]["label"]):
        people = list(entry["people"].values())
        counted = [p["recipient"] for p in people]
        missing = [
            {
                "guardian": str(p["recipient"].user),
                "phone": privacy.mask_phone(p["recipient"].user.phone),
                "children": "、".join(p["children"]),
                "reminders": p["recipient"].reminders,
            }
            for p in people
            if p["recipient"].pk in missing_ids
        ]
        missing.sort(key=lambda m: (m["children"], m["guardian"]))
        classes.append(
            {
                "id": unit_id,
                "label": entry["label"],
                "recipients": len(counted),
                "read": sum(1 for r in counted if r.read_at),
                "confirmed": sum(1 for r in counted if r.confirmed_at),
                "replied": sum(1 for r in counted if r.replied_at),
                "answers": _answers(r.reply_choice for r in counted if r.replied_at),
                "missing": missing,
            }
        )
    staff_missing = [
        {"guardian": str(r.user), "phone": "", "children": "", "reminders": r.reminders}
        for pk, r in recipients.items()
        if pk in missing_ids and not any(pk in e["people"] for e in by_class.values())
    ]
    return {
        "numbers": numbers,
        "recipients": len(recipients),
        "read": sum(1 for r in recipients.values() if r.read_at),
        "confirmed": sum(1 for r in recipients.values() if r.confirmed_at),
        "replied": sum(1 for r in recipients.values() if r.replied_at),
        "answers": _answers(r.reply_choice for r in recipients.values() if r.replied_at),
        "channels": _channels(notice),
        "classes": classes,
        "staff_missing": staff_missing,
        "missing": len(missing_ids),
        "done_label": {
            Notice.Ack.READ: _("Not read yet"),
            Notice.Ack.CONFIRM: _("Not confirmed yet"),
            Notice.Ack.REPLY: _("Not replied yet"),
        }[notice.ack],
    }


def _channels(notice: Notice) -> list[dict]:
    rows = (
        Delivery.objects.filter(notice=notice).values_list("channel", "purpose", "state").order_by()
    )
    counts: dict[str, Counter] = defaultdict(Counter)
    reminders: Counter = Counter()
    for channel, purpose, state in rows:
        if purpose == Delivery.Purpose.NOTICE:
            counts[channel][state] += 1
        elif purpose == Delivery.Purpose.REMINDER:
            reminders[channel] += 1
    states = dict(Delivery.State.choices)
    result = []
    for channel, label in Channel.choices:
        if channel not in counts and channel not in (notice.channels or []):
            continue
        result.append(
            {
                "channel": channel,
                "label": label,
                "total": sum(counts[channel].values()),
                "states": [(states[s], counts[channel][s]) for s in states if counts[channel][s]],
                "reminders": reminders[channel],
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
    label = _class_labels([assignment.org_unit])[assignment.org_unit.pk]
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
        "body": notice.body,
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
    labels = _class_labels([u for u in units.values() if u.kind == OrgUnit.Kind.CLASS])
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
