"""The register (Art. 45) exported to Excel: the five groups and their columns, personal
data in full for the office only, the export audited, nothing run as a formula."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from openpyxl import load_workbook

from edu_portal.disclosure import actions, handling, letters
from edu_portal.disclosure.models import ReplyLetter
from tests.disclosure.conftest import ID_NUMBER
from tests.disclosure.handling.conftest import D, register
from tests.disclosure.handling.helpers import replied

pytestmark = pytest.mark.django_db
URL = "/disclosure/staff/register.xlsx"


def _sheet(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def test_register_columns_and_rows(client, office, editor, department, today):
    answered = replied(office, editor, department, register(office))
    # The letter's generation (after commit) is test_letters' business: take it as made.
    ReplyLetter.objects.update(state="ready")
    letters.record_delivery(office, ReplyLetter.objects.get(), "pickup", D(2026, 11, 10), "本人")
    handling.archive(office, answered, "卷宗12")
    corrected = register(office, D(2026, 11, 3), applicant_name="=HYPERLINK(1)")
    actions.add_event(office, corrected, "correction_requested", D(2026, 11, 4))
    register(office, D(2025, 12, 30))  # outside the period
    client.force_login(office)
    sheet = _sheet(client.get(URL, {"start": "2026-11-01", "end": "2026-11-30", "download": 1}))
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    groups = [value for value in rows[2] if value]
    assert groups == [
        "Registration (登记)",
        "Review (审核)",
        "Handling (办理)",
        "Reply (答复)",
        "Archive (归档)",
    ]
    header = rows[3]
    assert header[:3] == ["Query code", "Received on", "Channel"]
    assert "Document number" in header and "Outcome" in header and "Archived on" in header
    data = rows[4:]
    assert len(data) == 2
    first = dict(zip(header, data[0], strict=True))
    assert first["Query code"] == answered.query_code
    assert (first["Applicant"], first["Document number"]) == ("王小明", ID_NUMBER)
    assert first["Phone"] == "13800138000"
    assert (first["Department"], first["Assigned on"]) == ("教研室", "2026-11-10")
    assert (first["Replied on"], first["Outcome"]) == ("2026-11-09", "（一）予以公开")
    assert first["Reply type"] == "Disclosed: how, where and when"
    assert first["Approved by"] == "office_sun"
    assert first["Letter number"] == "示教依复〔2026〕1号"
    assert first["Letter delivered"] == "Picked up 2026-11-10 (本人)"
    assert first["Archived on"] == "2026-11-10"
    second = dict(zip(header, data[1], strict=True))
    assert second["Applicant"] == "'=HYPERLINK(1)"  # text, never a formula
    assert second["Correction notice sent on"] == "2026-11-04"
    assert second["State"] == "Waiting for the applicant's correction"
    audit = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, changes__icontains="register")
    assert audit.count() == 1 and "2 rows" in str(audit.get().changes)
    assert audit.get().actor == office


def test_only_the_office_exports(client, editor, teacher_user, office, today):
    client.force_login(editor)
    assert client.get(URL, {"download": 1}).status_code == 403
    client.force_login(teacher_user)
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_the_period_is_checked(client, office, today):
    client.force_login(office)
    page = client.get(URL)
    assert page.status_code == 200 and b"download" in page.content
    bad = client.get(URL, {"start": "2026-12-01", "end": "2026-01-01", "download": 1})
    assert bad.status_code == 400
    assert client.get(URL, {"start": "x", "end": "", "download": 1}).status_code == 400
