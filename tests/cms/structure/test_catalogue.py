"""公开目录: every live article of the site with a category, filterable by 信息分类, 发布机构
and year from the query string; a bad value is named in a sentence, never a 500."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from edu_portal.cms.models import Category
from tests.cms.structure.conftest import column, draft, publish

pytestmark = pytest.mark.django_db

URL = "/disclosure/information/catalogue/"


@pytest.fixture
def documents(offices):
    office, basic = offices
    docs = column("disclosure/documents")
    today = timezone.localdate()
    last_year = (today - datetime.date(today.year - 1, 6, 1)).days
    a = publish(docs, "a", "办公室的政策文件", category=Category.POLICY, issuer=office)
    b = publish(docs, "b", "基础教育科的计划", category=Category.PLANNING, issuer=basic)
    c = publish(
        docs,
        "c",
        "去年的统计公报",
        days_ago=last_year,
        category=Category.STATISTICS,
        issuer=office,
    )
    draft(docs, "d", "草稿不应出现", category=Category.POLICY, issuer=office)
    return a, b, c


def titles(response) -> set[str]:
    assert response.status_code == 200
    text = response.content.decode()
    return {t for t in ("办公室的政策文件", "基础教育科的计划", "去年的统计公报") if t in text}


def test_lists_every_live_categorised_article_with_index_and_date(client, documents):
    response = client.get(URL)
    assert titles(response) == {"办公室的政策文件", "基础教育科的计划", "去年的统计公报"}
    text = response.content.decode()
    assert "草稿不应出现" not in text
    for page in documents:
        page.refresh_from_db()
        assert page.published_on.strftime("%Y-%m-%d") in text
        if page.index_number:
            assert page.index_number in text
    assert "3 份文件" in text


def test_filter_by_category(client, documents):
    assert titles(client.get(URL, {"category": "planning"})) == {"基础教育科的计划"}


def test_filter_by_issuer(client, documents, offices):
    office, basic = offices
    assert titles(client.get(URL, {"issuer": office.pk})) == {"办公室的政策文件", "去年的统计公报"}
    assert titles(client.get(URL, {"issuer": basic.pk})) == {"基础教育科的计划"}


def test_filter_by_year(client, documents):
    last_year = timezone.localdate().year - 1
    assert titles(client.get(URL, {"year": last_year})) == {"去年的统计公报"}


def test_filters_combine_and_are_kept_in_the_form(client, documents, offices):
    office, _ = offices
    year = timezone.localdate().year
    response = client.get(URL, {"category": "policy", "issuer": office.pk, "year": year})
    assert titles(response) == {"办公室的政策文件"}
    text = response.content.decode()
    assert '<option value="policy" selected>' in text
    assert f'<option value="{office.pk}" selected>' in text


@pytest.mark.parametrize(
    ("params", "sentence"),
    [
        ({"category": "secret"}, "没有信息分类"),
        ({"issuer": "abc"}, "所选发布机构没有已发布的文件"),
        ({"issuer": "999999"}, "所选发布机构没有已发布的文件"),
        ({"year": "20x6"}, "不是有效的年份"),
        ({"year": "99999999999999999999"}, "不是有效的年份"),
        ({"year": "-1"}, "不是有效的年份"),
        ({"category": "<script>alert(1)</script>"}, "没有信息分类"),
    ],
)
def test_bad_values_are_explained_and_ignored(client, documents, params, sentence):
    response = client.get(URL, params)
    assert titles(response) == {"办公室的政策文件", "基础教育科的计划", "去年的统计公报"}
    text = response.content.decode()
    assert sentence in text
    assert "<script>alert(1)</script>" not in text


def test_an_issuer_with_no_document_is_refused(client, documents, bureau):
    # The bureau itself issued nothing: choosing it is an error, not an empty list.
    assert "所选发布机构没有已发布的文件" in client.get(URL, {"issuer": bureau.pk}).content.decode()


def test_pagination_keeps_the_filters(client, offices):
    office, _ = offices
    docs = column("disclosure/documents")
    for number in range(32):
        publish(docs, f"p{number}", f"政策{number:02d}", category=Category.POLICY, issuer=office)
    text = client.get(URL, {"category": "policy"}).content.decode()
    assert "category=policy&amp;page=2" in text
    second = client.get(URL, {"category": "policy", "page": 2}).content.decode()
    assert "政策00" in second
