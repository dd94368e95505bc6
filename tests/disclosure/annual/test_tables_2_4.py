"""Table 二 from the portal's articles (规章 and 行政规范性文件) and Table 四 from the 行政复议/
诉讼 records, through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from edu_portal.disclosure.models import ReviewCase
from tests.disclosure.annual.conftest import YEAR

URL = f"/api/v1/disclosure-annual-reports/{YEAR}/"
D = dt.date


def article(column, title, kind, published, validity="valid", live=True, superseded_by=None):
    from edu_portal.cms.models import ArticlePage

    page = ArticlePage(
        title=title,
        slug=f"t-{abs(hash(title)) % 10**8}",
        doc_kind=kind,
        validity=validity,
        published_on=published,
        superseded_by=superseded_by,
        live=False,
    )
    column.add_child(instance=page)
    if live:
        revision = page.save_revision()
        revision.publish()
        # Revisions as they would have been made: on the day of publication.
        when = timezone.make_aware(dt.datetime.combine(published, dt.time(9)))
        type(revision).objects.filter(pk=revision.pk).update(created_at=when)
    page.refresh_from_db()
    return page


def repeal_by_revision(page, when: dt.datetime):
    page.validity = "repealed"
    revision = page.save_revision()
    revision.publish()
    type(revision).objects.filter(pk=revision.pk).update(created_at=when)


@pytest.mark.django_db
def test_table2_from_articles(api, documents_column):
    col = documents_column
    article(col, "规章一", "regulation", D(YEAR, 3, 1))
    article(col, "规范性文件一", "normative", D(YEAR - 1, 5, 1))
    n2 = article(col, "规范性文件二", "normative", D(YEAR, 2, 1))
    article(col, "规范性文件三", "normative", D(YEAR - 2, 1, 1), "repealed", superseded_by=n2)
    n4 = article(col, "规范性文件四", "normative", D(YEAR - 3, 1, 1))
    repeal_by_revision(n4, timezone.make_aware(dt.datetime(YEAR + 1, 2, 1, 9)))
    n7 = article(col, "规范性文件七", "normative", D(YEAR - 3, 6, 1))
    repeal_by_revision(n7, timezone.make_aware(dt.datetime(YEAR, 8, 1, 9)))
    article(col, "规范性文件五", "normative", D(YEAR + 1, 1, 10))
    article(col, "规范性文件六", "normative", D(YEAR, 6, 1), live=False)
    article(col, "新闻", "other", D(YEAR, 6, 1))
    table = api.get(URL).json()["table2"]
    assert table["regulation"] == {"issued": 1, "repealed": 0, "in_force": 1}
    # Issued: 二 (五 is 2026, 六 is not published). Repealed in 2025: 三 (its successor's
    # date) and 七 (the revision marking it). In force at 31 December: 一, 二, 四 (repealed
    # only in 2026).
    assert table["normative"] == {"issued": 1, "repealed": 2, "in_force": 3}


@pytest.mark.django_db
def test_table4_from_review_cases(api, office):
    def case(kind, filed, result="pending", decided=None):
        ReviewCase.objects.create(kind=kind, filed_on=filed, result=result, decided_on=decided)

    case("reconsideration", D(YEAR, 3, 1), "upheld", D(YEAR, 5, 1))
    case("reconsideration", D(YEAR, 6, 1), "corrected", D(YEAR, 8, 1))
    case("reconsideration", D(YEAR, 11, 1))
    case("reconsideration", D(YEAR - 1, 10, 1), "other", D(YEAR, 1, 15))
    case("reconsideration", D(YEAR - 1, 3, 1), "upheld", D(YEAR - 1, 6, 1))  # last year's
    case("reconsideration", D(YEAR, 12, 1), "upheld", D(YEAR + 1, 1, 20))  # pending at year end
    case("litigation", D(YEAR, 4, 1), "upheld", D(YEAR, 9, 1))
    case("litigation_after", D(YEAR + 1, 1, 2))  # next year's
    table = api.get(URL).json()["table4"]
    assert table["reconsideration"] == {
        "upheld": 1,
        "corrected": 1,
        "other": 1,
        "pending": 2,
        "total": 5,
    }
    assert table["litigation"] == {
        "upheld": 1,
        "corrected": 0,
        "other": 0,
        "pending": 0,
        "total": 1,
    }
    assert table["litigation_after"]["total"] == 0
