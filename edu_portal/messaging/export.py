"""Replies of notices as an Excel workbook: a sheet per notice, a row per child concerned
(class, pupil, guardian, relation, answer, text, time), those who have not answered too,
so the sheet doubles as a list to chase.

Everything in the sheet was typed by someone else (names, free-text answers): a cell that
starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would be run as a
formula by Excel or WPS when the teacher opens the file (CSV/formula injection), so such
text is written with a leading apostrophe and always as a string.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from edu_portal.accounts.models import GuardianLink
from edu_portal.messaging.models import Notice, RecipientChild
from edu_portal.messaging.sender_report import class_labels

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def safe_text(value: object) -> str:
    """``value`` as text that a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _sheet_title(notice: Notice, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", notice.title).strip().strip("'") or str(notice.pk)
    base = base[: SHEET_NAME_MAX - 8]
    title = f"{notice.pk} {base}"[:SHEET_NAME_MAX]
    number = 2
    while title.lower() in taken:
        title = f"{notice.pk}-{number} {base}"[:SHEET_NAME_MAX]
        number += 1
    taken.add(title.lower())
    return title


def _rows(notice: Notice) -> list[list[str]]:
    children = list(
        RecipientChild.objects.filter(recipient__notice=notice)
        .select_related("recipient__user", "class_unit")
        .order_by("class_unit__path", "student_name", "recipient__user__display_name")
    )
    relations = {
        (link.guardian_id, link.student_id): link.get_relation_display()
        for link in GuardianLink.objects.filter(
            guardian_id__in={child.recipient.user_id for child in children},
            student_id__in={child.student_id for child in children},
        )
    }
    labels = class_labels([c.class_unit for c in children if c.class_unit is not None])
    rows = []
    for child in children:
        recipient = child.recipient
        when = recipient.replied_at or recipient.confirmed_at
        rows.append(
            [
                labels.get(child.class_unit_id, ""),
                child.student_name,
                str(recipient.user),
                str(relations.get((recipient.user_id, child.student_id), "")),
                recipient.reply_choice or (_("Confirmed") if recipient.confirmed_at else ""),
                recipient.reply_text,
                timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else "",
            ]
        )
    return rows


def replies_workbook(notices: Iterable[Notice]) -> bytes:
    """The workbook (xlsx bytes) of the replies to ``notices``, in that order."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    header = [
        _("Class"),
        _("Pupil"),
        _("Guardian"),
        _("Relation"),
        _("Answer"),
        _("Text"),
        _("Time"),
    ]
    for notice in notices:
        sheet = workbook.create_sheet(_sheet_title(notice, taken))
        sheet.append([safe_text(notice.title)])
        sheet.append(header)
        sheet["A1"].font = Font(bold=True, size=13)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in _rows(notice):
            sheet.append([safe_text(value) for value in row])
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                # Never a formula, whatever openpyxl guesses from the text.
                cell.data_type = TYPE_STRING
        for letter, width in zip("ABCDEFG", (14, 12, 12, 10, 12, 40, 17), strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A3"
    if not workbook.sheetnames:
        workbook.create_sheet(_("Replies"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
