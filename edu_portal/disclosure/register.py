"""The register of applications (Art. 45: 登记, 审核, 办理, 答复, 归档) as an Excel workbook.

One row per application received (or submitted) in the chosen period, grouped under the
five headings of Art. 45. The applicant's personal data appear in full, as handlers see
them on the case page: only the office may export, and every export is audited (ACCESS,
with the period and the number of rows). Every cell is text or a date, never a formula
(names and descriptions were typed by the public: see ``messaging.export.safe_text``).
"""

from __future__ import annotations

import datetime as dt
import io

from auditlog.models import LogEntry
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font

from edu_portal.accounts import audit
from edu_portal.disclosure.casework import _require_office
from edu_portal.disclosure.models import (
    TABLE3_LABELS,
    Application,
    ClockEvent,
    Draft,
    ReplyLetter,
    Step,
)
from edu_portal.messaging.export import CONTENT_TYPE, safe_text

__all__ = ["CONTENT_TYPE", "columns", "export", "rows"]
T = ClockEvent.Type


def columns() -> list[tuple[str, list[str]]]:
    """The register's groups (Art. 45) and their columns, in order."""
    return [
        (
            _("Registration (登记)"),
            [
                _("Query code"),
                _("Received on"),
                _("Channel"),
                _("Applicant type"),
                _("Applicant"),
                _("Identity document"),
                _("Document number"),
                _("Phone"),
                _("E-mail"),
                _("Postal address"),
                _("Information requested"),
                _("Form"),
                _("Delivery"),
            ],
        ),
        (
            _("Review (审核)"),
            [
                _("Correction notice sent on"),
                _("Correction received on"),
                _("Extension"),
            ],
        ),
        (
            _("Handling (办理)"),
            [
                _("Department"),
                _("Handler"),
                _("Assigned on"),
                _("Consultations"),
                _("Fees"),
            ],
        ),
        (
            _("Reply (答复)"),
            [
                _("Due on"),
                _("Replied on"),
                _("Reply type"),
                _("Outcome"),
                _("Approved by"),
                _("Letter number"),
                _("Letter delivered"),
            ],
        ),
        (_("Archive (归档)"), [_("Archived on"), _("State")]),
    ]


def period(start: dt.date, end: dt.date) -> QuerySet[Application]:
    """Applications received in [start, end], and online ones submitted then but not yet
    confirmed."""
    return Application.objects.filter(
        Q(received_on__range=(start, end))
        | Q(received_on=None, submitted_at__date__range=(start, end))
    ).order_by("received_on", "pk")


def _d(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _row(application: Application) -> list[str]:
    events = list(application.events.all())
    steps = list(application.steps.all())
    drafts = [d for d in application.drafts.all() if d.state == Draft.State.APPROVED]
    draft = drafts[0] if drafts else None
    letters = [letter for letter in application.reply_letters.all()]
    letter = letters[-1] if letters else None

    def first(kind, items=events):
        return next((item for item in items if item.type == kind), None)

    def last(kind, items=steps):
        found = [item for item in items if item.type == kind]
        return found[-1] if found else None

    extension = first(T.EXTENDED)
    consultations = []
    for event in events:
        if event.type == T.CONSULTATION_STARTED:
            consultations.append(event.on.isoformat() + "–")
        elif event.type == T.CONSULTATION_ENDED and consultations:
            consultations[-1] += event.on.isoformat()
    fees = [
        f"{fee.amount} ({fee.get_state_display()}, {fee.notice_on.isoformat()})"
        for fee in application.fee_notices.all()
    ]
    assigned = last(Step.Type.ASSIGNED)
    archived = last(Step.Type.ARCHIVED)
    delivered = ""
    if letter and letter.delivered_via:
        delivered = f"{letter.get_delivered_via_display()} {_d(letter.delivered_on)}".strip()
        if letter.delivery_note:
            delivered += f" ({letter.delivery_note})"
    return [
        application.query_code,
        _d(application.received_on),
        application.get_channel_display(),
        application.get_applicant_type_display(),
        application.applicant_name,
        application.get_id_type_display(),
        application.id_number,
        application.phone,
        application.email,
        " ".join(filter(None, [application.address, application.postcode])),
        application.description,
        application.get_form_display(),
        application.get_delivery_display(),
        _d(getattr(first(T.CORRECTION_REQUESTED), "on", None)),
        _d(getattr(first(T.CORRECTION_RECEIVED), "on", None)),
        (
            _("%(days)s working days, approved by %(who)s")
            % {"days": extension.days, "who": extension.approver}
            if extension
            else ""
        ),
        application.handler_unit.name if application.handler_unit else "",
        str(application.handler) if application.handler else "",
        _d(assigned.on if assigned else None),
        "; ".join(consultations),
        "; ".join(fees),
        _d(application.due_on),
        _d(application.replied_on),
        draft.get_reply_type_display() if draft else "",
        TABLE3_LABELS.get(application.outcome, ""),
        str(draft.reviewer) if draft and draft.reviewer else "",
        letter.number if letter else "",
        delivered,
        _d(archived.on if archived else None),
        application.get_state_display(),
    ]


def rows(applications: QuerySet[Application]):
    prefetched = applications.select_related("handler_unit", "handler").prefetch_related(
        Prefetch("events", ClockEvent.objects.select_related("approver").order_by("on", "pk")),
        Prefetch("steps", Step.objects.order_by("created_at", "pk")),
        Prefetch("drafts", Draft.objects.select_related("reviewer")),
        Prefetch("reply_letters", ReplyLetter.objects.order_by("created_at", "pk")),
        "fee_notices",
    )
    for application in prefetched.iterator(chunk_size=500):
        yield _row(application)


def export(actor, start: dt.date, end: dt.date) -> bytes:
    """The register of [start, end] as xlsx bytes, for the office; audited."""
    _require_office(actor)
    groups = columns()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Register")
    sheet.append([_("Register of applications for government information")])
    sheet.append([f"{start.isoformat()} – {end.isoformat()}"])
    sheet["A1"].font = Font(bold=True, size=13)
    group_row, header_row = [], []
    for title, names in groups:
        group_row += [title] + [""] * (len(names) - 1)
        header_row += names
    sheet.append(group_row)
    sheet.append(header_row)
    column = 1
    for _title, names in groups:
        sheet.merge_cells(
            start_row=3, start_column=column, end_row=3, end_column=column + len(names) - 1
        )
        column += len(names)
    for row_number in (3, 4):
        for cell in sheet[row_number]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
    count = 0
    for values in rows(period(start, end)):
        sheet.append([safe_text(value) for value in values])
        count += 1
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.data_type = TYPE_STRING
    sheet.freeze_panes = "B5"
    with audit.actor_context(actor):
        audit.log_event(
            actor,
            {
                "exported": [
                    "",
                    f"disclosure register {start.isoformat()}–{end.isoformat()}: {count} rows",
                ]
            },
            action=LogEntry.Action.ACCESS,
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
