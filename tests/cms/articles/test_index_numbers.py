"""索引号: given once at first publication, kept across revisions, never reused."""

from __future__ import annotations

import datetime as dt

import pytest

from edu_portal.cms import articles
from edu_portal.cms.models import ArticlePage, IndexSerial

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _org(settings, store):
    settings.CMS_ORG_CODE = "TESTORG"


def draft(column, title="通知", body="<p>正文</p>"):
    return articles.create_article(None, column, title=title, body_html=body)


def publish(page):
    page = ArticlePage.objects.get(pk=page.pk)
    page.get_latest_revision().publish()
    return ArticlePage.objects.get(pk=page.pk)


def test_a_draft_has_no_number_and_the_first_publication_gives_one(column):
    page = draft(column)
    assert page.index_number is None and page.published_on is None
    page = publish(page)
    year = page.published_on.year
    assert page.index_number == f"TESTORG/{year}-00001"
    assert page.published_on == dt.date.today() or page.published_on.year == year


def test_editing_and_republishing_keeps_number_and_date(column):
    page = publish(draft(column))
    number, published_on = page.index_number, page.published_on
    page.title = "通知（修订）"
    page.save_revision().publish()
    page = ArticlePage.objects.get(pk=page.pk)
    assert page.title == "通知（修订）"
    assert (page.index_number, page.published_on) == (number, published_on)


def test_reverting_to_the_revision_saved_before_publication_keeps_the_number(column):
    page = draft(column)
    first_revision = page.get_latest_revision()
    assert first_revision.content.get("index_number") is None
    page = publish(page)
    number = page.index_number
    # The old revision's content holds index_number=None; publishing it must not clear it.
    first_revision.publish()
    page = ArticlePage.objects.get(pk=page.pk)
    assert page.index_number == number
    assert IndexSerial.objects.get(org_code="TESTORG").last == 1


def test_numbers_are_sequential_and_a_deleted_articles_number_is_not_reused(column):
    first = publish(draft(column, "一"))
    second = publish(draft(column, "二"))
    year = first.published_on.year
    assert [first.index_number, second.index_number] == [
        f"TESTORG/{year}-00001",
        f"TESTORG/{year}-00002",
    ]
    second.delete()
    third = publish(draft(column, "三"))
    assert third.index_number == f"TESTORG/{year}-00003"


def test_an_import_date_numbers_in_that_year(column):
    page = articles.create_article(
        None, column, title="旧文", body_html="<p>x</p>", published=dt.date(2019, 3, 4)
    )
    assert page.index_number == "TESTORG/2019-00001"
    assert page.published_on == dt.date(2019, 3, 4)
    assert page.first_published_at.date() <= dt.date(2019, 3, 4)
    assert page.last_published_at == page.first_published_at


def test_unpublish_and_republish_keeps_the_number(column):
    page = publish(draft(column))
    number = page.index_number
    page.unpublish()
    page = publish(ArticlePage.objects.get(pk=page.pk))
    assert page.index_number == number
