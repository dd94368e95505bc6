"""Table 三 of a generated year, through the API the office and outside tools use: every row
and column against numbers worked out by hand, the identity, and a failure shown."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.disclosure.annual.conftest import OUTCOMES, TYPES, YEAR, cell, make

URL = f"/api/v1/disclosure-annual-reports/{YEAR}/"
ROWS = ["new", "carried_over", *OUTCOMES, "total", "carried_forward"]
COLUMNS = [*TYPES, "total"]


@pytest.mark.django_db
def test_every_row_and_column(api, year_of_applications):
    response = api.get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "draft"
    table = data["table3"]
    assert list(table) == ROWS
    for row in ROWS:
        assert list(table[row]) == COLUMNS
        assert all(type(v) is int for v in table[row].values())
    for i, kind in enumerate(TYPES):
        # 21 outcomes × (1 + (i+k) mod 3) = 42 received and closed in the year, plus 2 open
        # and 1 answered in 2026, all received in December.
        assert table["new"][kind] == 45
        assert table["carried_over"][kind] == i + 2  # i + 1 answered in January, 1 in 2026
        for k, outcome in enumerate(OUTCOMES):
            extra = i + 1 if outcome == "disclose" else 0
            assert table[outcome][kind] == cell(i, k) + extra, (kind, outcome)
        assert table["total"][kind] == 42 + i + 1
        assert table["carried_forward"][kind] == 4  # 1 from 2024, 2 open, 1 answered in 2026
    assert table["new"]["total"] == 270
    assert table["carried_over"]["total"] == 27
    assert table["total"]["total"] == 252 + 21
    assert table["carried_forward"]["total"] == 24
    assert table["disclose"]["total"] == sum(cell(i, 0) + i + 1 for i in range(6))
    assert data["identity_failures"] == []


@pytest.mark.django_db
def test_next_year_starts_from_what_was_carried_forward(api, year_of_applications):
    table = api.get(f"/api/v1/disclosure-annual-reports/{YEAR + 1}/").json()["table3"]
    assert table["carried_over"]["total"] == 24
    assert table["new"]["total"] == 0
    assert table["disclose"]["natural_person"] == 1
    assert table["refuse_law"]["total"] == 6
    assert table["carried_forward"]["total"] == 12  # the 2 still open of each type


@pytest.mark.django_db
def test_a_reply_without_outcome_breaks_the_identity_and_is_shown(api, year_of_applications):
    make(1, "research", None, None)  # never received (not counted)
    make(
        1,
        "research",
        __import__("datetime").date(YEAR, 5, 1),
        __import__("datetime").date(YEAR, 5, 9),
        "",
    )
    data = api.get(URL).json()
    assert data["identity_failures"] == [
        {"column": "research", "received": 45 + 4 + 1, "accounted": 45 + 4},
        {"column": "total", "received": 297 + 1, "accounted": 297},
    ]
    # Nothing "fixed": the rows are counted as they are.
    assert data["table3"]["new"]["research"] == 46
    assert data["table3"]["total"]["research"] == 45


@pytest.mark.django_db
def test_a_reply_before_receipt_breaks_the_identity(api, db):
    make(1, "business", dt.date(YEAR + 1, 1, 3), dt.date(YEAR, 12, 30), "disclose")
    data = api.get(URL).json()
    assert [f["column"] for f in data["identity_failures"]] == ["business", "total"]
