"""网站地图: generated from the live, public tree under the site's root."""

from __future__ import annotations

import pytest
from wagtail.models import PageViewRestriction

from edu_portal.cms.models import ColumnPage, StandardPage
from tests.cms.structure.conftest import column, publish

pytestmark = pytest.mark.django_db


def test_lists_the_columns_nested(client):
    page = client.get("/sitemap/").content.decode()
    text = page[page.index('<ul class="sitemap-tree">') :]  # after the header's menu
    for title in (
        "教育新闻",
        "政务公开",
        "人事任免",
        "公开指南",
        "公开目录",
        "办事指南",
        "工资政策",
    ):
        assert f">{title}</a>" in text
    # Nested: 人事任免 appears inside 政务公开's list.
    disclosure = text.index(">政务公开</a>")
    assert disclosure < text.index(">人事任免</a>") < text.index(">机关处室</a>")


def test_hides_drafts_private_pages_and_what_is_below_them(client):
    parent = column("services")
    hidden = ColumnPage(title="内部栏目", slug="internal", live=True)
    parent.add_child(instance=hidden)
    hidden.add_child(instance=StandardPage(title="内部栏目的子页面", slug="child", live=True))
    PageViewRestriction.objects.create(page=hidden, restriction_type="login")
    unpublished = StandardPage(title="未发布的页面", slug="draft-page", live=False)
    parent.add_child(instance=unpublished)
    text = client.get("/sitemap/").content.decode()
    assert "内部栏目" not in text
    assert "未发布的页面" not in text


def test_articles_are_left_to_their_columns(client):
    publish(column("news"), "item", "一条新闻")
    assert "一条新闻" not in client.get("/sitemap/").content.decode()


def test_a_new_column_appears_without_editing_the_map(client):
    column("community").add_child(
        instance=ColumnPage(title="家校共育", slug="family-school", live=True)
    )
    assert ">家校共育</a>" in client.get("/sitemap/").content.decode()
