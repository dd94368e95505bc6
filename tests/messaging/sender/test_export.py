"""The replies as Excel: a sheet per notice with class, pupil, guardian, relation, answer,
text and time; text that a spreadsheet would run as a formula is defused."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from openpyxl import load_workbook

from edu_portal.messaging import export, receipts
from edu_portal.messaging.models import Notice, Recipient
from tests.messaging.sender.helpers import compose
from tests.schools.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("同意", "同意"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_text(value, expected):
    assert export.safe_text(value) == expected


def test_export_contents_and_formula_guard(schools, families, eager):
    teacher = client_for(families.class_teacher)
    with eager():
        compose(teacher, classes=["cn-g1c1"], do="send", reply_text="on", title="=春游")
    notice = Notice.objects.get()
    first, second = families.guardians1
    receipts.reply(
        Recipient.objects.get(notice=notice, user=first), "同意", '=HYPERLINK("http://x","y")'
    )
    receipts.reply(Recipient.objects.get(notice=notice, user=second), "不同意", "@SUM(1)")
    response = teacher.get(reverse("messaging:export", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == export.CONTENT_TYPE
    assert "attachment;" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 1
    sheet = book.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "'=春游"
    assert rows[1] == ["Class", "Pupil", "Guardian", "Relation", "Answer", "Text", "Time"]
    body = {row[1]: row for row in rows[2:]}
    assert set(body) == {"张小明", "李小红", "王小刚"}
    assert body["张小明"][:6] == [
        "一年级1班",
        "张小明",
        "张爸爸",
        "Father",
        "同意",
        '\'=HYPERLINK("http://x","y")',
    ]
    assert body["张小明"][6]  # the time of the answer
    assert body["李小红"][3:6] == ["Mother", "不同意", "'@SUM(1)"]
    assert body["王小刚"][4:7] == [None, None, None]  # not answered yet: on the list, empty
    # Nothing in the file is a formula.
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    # Taking the names out of the platform is logged.
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(notice.pk), actor=families.class_teacher
    ).exists()


def test_export_refused_to_others_and_for_drafts(schools, families):
    teacher = client_for(families.class_teacher)
    compose(teacher, classes=["cn-g1c1"])
    notice = Notice.objects.get()
    assert teacher.get(reverse("messaging:export", args=[notice.pk])).status_code == 404
    other = client_for(schools.admin_b)
    assert other.get(reverse("messaging:export", args=[notice.pk])).status_code == 404


def test_a_sheet_per_notice_with_distinct_names(schools, families):
    compose(client_for(families.class_teacher), classes=["cn-g1c1"], title="[春游]/回执:*?")
    compose(client_for(families.class_teacher), classes=["cn-g1c1"], title="[春游]/回执:*?")
    book = load_workbook(io.BytesIO(export.replies_workbook(Notice.objects.order_by("pk"))))
    assert len(book.sheetnames) == 2 and len(set(book.sheetnames)) == 2
    for name in book.sheetnames:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
