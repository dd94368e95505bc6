"""A generated year (2025) for the annual report: applications of every type and outcome,
some carried over from 2024 and some carried forward into 2026; 规章/行政规范性文件 articles;
行政复议/诉讼 records. Expected numbers are worked out by hand in the tests."""

from __future__ import annotations

import datetime as dt

import pytest

from edu_portal.disclosure.models import ApplicantType, Application, Outcome

YEAR = 2025
TYPES = list(ApplicantType.values)
OUTCOMES = list(Outcome.values)
D = dt.date


def make(n: int, applicant_type: str, received, replied=None, outcome: str = "", **extra):
    state = Application.State.OPEN
    if replied is not None:
        state = Application.State.REPLIED
    rows = [
        Application(
            applicant_type=applicant_type,
            applicant_name="申请人",
            id_type="resident_id",
            id_number="11010519491231002X",
            phone="13800138000",
            description="d",
            form="electronic",
            delivery="email",
            channel="post",
            received_on=received,
            replied_on=replied,
            outcome=outcome,
            state=state,
            **extra,
        )
        for _ in range(n)
    ]
    Application.objects.bulk_create(rows)


def cell(i: int, k: int) -> int:
    """Applications of type i closed in the year with outcome k (received in the year)."""
    return 1 + (i + k) % 3


@pytest.fixture
def year_of_applications(db):
    for i, kind in enumerate(TYPES):
        for k, outcome in enumerate(OUTCOMES):
            make(cell(i, k), kind, D(YEAR, 3, 2), D(YEAR, 4, 1), outcome)
        # Carried over from 2024 and answered in January: i + 1 of them, disclosed.
        make(i + 1, kind, D(YEAR - 1, 12, 20), D(YEAR, 1, 10), "disclose")
        # Received and answered in 2024: not part of 2025.
        make(2, kind, D(YEAR - 1, 3, 1), D(YEAR - 1, 3, 20), "partial")
        # Received in 2024, answered only in 2026: carried over and carried forward.
        make(1, kind, D(YEAR - 1, 12, 28), D(YEAR + 1, 1, 5), "disclose")
        # Received at the end of 2025, still open, or answered in 2026: carried forward.
        make(2, kind, D(YEAR, 12, 29))
        make(1, kind, D(YEAR, 12, 30), D(YEAR + 1, 1, 6), "refuse_law")
    # Submitted online, receipt never confirmed: counts nowhere.
    Application.objects.create(
        applicant_type="business",
        applicant_name="未确认",
        id_type="credit_code",
        id_number="91110000000000000X",
        phone="13800138001",
        description="d",
        form="paper",
        delivery="post",
        channel="online",
    )


@pytest.fixture
def annual_column(db):
    """The portal's 年度报告 column (the site structure's, or one made here)."""
    from wagtail.models import Page

    from edu_portal.cms.models import ColumnPage
    from edu_portal.disclosure.annual_actions import report_column

    column = report_column()
    if column is not None:
        return column
    root = Page.get_first_root_node()
    home = Page.objects.filter(depth=2).first() or root
    info = home.add_child(instance=ColumnPage(title="信息公开", slug="t-info", kind="disclosure"))
    return info.add_child(instance=ColumnPage(title="年度报告", slug="t-annual", kind="static"))


@pytest.fixture
def documents_column(db):
    from wagtail.models import Page

    from edu_portal.cms.models import ColumnPage

    home = Page.objects.filter(depth=2).first()
    return home.add_child(instance=ColumnPage(title="局发文件测试", slug="t-docs", kind="policy"))
