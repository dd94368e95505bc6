"""The demo content: every column has items, the news is fresh, running twice creates
nothing twice."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from edu_portal.cms import demo
from edu_portal.cms.models import ArticlePage, ColumnPage, StandardPage, Validity

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    call_command("seed_demo", stdout=StringIO())


def test_demo_fills_every_column_once(org, client):
    created = demo.seed()
    assert len(created) >= 25

    for column in ColumnPage.objects.live():
        has_items = ArticlePage.objects.descendant_of(column).live().exists()
        has_pages = column.get_children().live().exists()
        # 办事指南 holds guides (their own demo), 互动交流 the letters (their own app).
        assert has_items or has_pages or column.slug in ("guides", "interact"), column.title
    for page in StandardPage.objects.live():
        assert page.body, page.title

    # Fresh enough for the inspection: news within the last two weeks.
    today = timezone.localdate()
    news = ArticlePage.objects.descendant_of(ColumnPage.objects.get(slug="news"))
    assert news.filter(published_on__gte=today - datetime.timedelta(days=14)).count() >= 4
    assert all(page.last_published_at.date() <= today for page in news)

    repealed = ArticlePage.objects.get(validity=Validity.REPEALED)
    assert repealed.superseded_by is not None and repealed.superseded_by.live
    assert "〔" in repealed.doc_number
    assert repealed.issuer.name == "基础教育科"

    assert demo.seed() == []
    assert ArticlePage.objects.count() == len(created)

    text = client.get("/").content.decode()
    assert demo.NEWS[0].title in text


def test_seed_catalog_runs_the_portal_demo(org):
    out = StringIO()
    call_command("seed_catalog", "--no-video", stdout=out)
    assert ArticlePage.objects.live().count() >= 25
    assert "门户" in out.getvalue() or "portal" in out.getvalue().lower()
