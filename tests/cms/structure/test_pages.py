"""Every page type renders for an anonymous visitor with its dates and, for articles, the
disclosure catalogue; columns list their live articles newest first."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from wagtail.models import PageViewRestriction

from edu_portal.cms.models import ArticlePage, Category
from tests.cms.structure.conftest import column, draft, publish

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_article_page_shows_the_catalogue_fields(client, offices):
    office, _ = offices
    page = publish(
        column("disclosure/documents"),
        "rules",
        "关于规范办学行为的通知",
        days_ago=3,
        category=Category.POLICY,
        issuer=office,
        doc_number="示教发〔2026〕12号",
        keywords="办学 规范",
        body="<p>正文内容。</p>",
    )
    page.written_on = page.published_on
    page.save_revision().publish()
    text = html(client.get(page.url))
    for label in (
        "索引号",
        "信息分类",
        "发布机构",
        "成文日期",
        "发布日期",
        "文号",
        "主题词",
        "有效性",
    ):
        assert label in text
    assert "示教发〔2026〕12号" in text
    assert "办公室" in text
    assert page.published_on.strftime("%Y-%m-%d") in text
    assert "最后更新" in text
    assert "正文内容。" in text
    # Breadcrumbs lead back through the columns.
    assert 'href="/disclosure/documents/"' in text
    assert 'href="/disclosure/"' in text


def test_date_falls_back_to_the_first_publication(client):
    """A row without 发布日期 (numbering fixes one at first publication, so only rows from
    before it) shows the day it was first published."""
    page = publish(column("news"), "no-date", "没有发布日期的新闻")
    first = timezone.now() - datetime.timedelta(days=5)
    ArticlePage.objects.filter(pk=page.pk).update(published_on=None, first_published_at=first)
    shown = timezone.localdate(first).strftime("%Y-%m-%d")
    for url in (page.url, column("news").url):
        assert f'<time datetime="{shown}">{shown}</time>' in html(client.get(url))


def test_column_lists_live_articles_newest_first_with_dates(client):
    news = column("news")
    old = publish(news, "old", "较早的新闻", days_ago=10)
    new = publish(news, "new", "最新的新闻", days_ago=1)
    draft(news, "draft", "尚未发布的草稿")
    text = html(client.get(news.url))
    assert text.index("最新的新闻") < text.index("较早的新闻")
    assert new.published_on.strftime("%Y-%m-%d") in text
    assert old.published_on.strftime("%Y-%m-%d") in text
    assert "尚未发布的草稿" not in text


def test_a_private_article_is_not_listed(client):
    news = column("news")
    hidden = publish(news, "staff-only", "仅限内部的新闻")
    PageViewRestriction.objects.create(page=hidden, restriction_type="login")
    assert "仅限内部的新闻" not in html(client.get(news.url))
    assert client.get(hidden.url).status_code == 302  # to the sign-in page


def test_column_pagination_and_bad_page_numbers(client):
    news = column("news")
    for number in range(23):
        publish(news, f"n{number}", f"新闻第{number:02d}条", days_ago=number)
    first = html(client.get(news.url))
    assert "新闻第00条" in first and "新闻第22条" not in first
    assert "第 1 页，共 2 页" in first
    second = html(client.get(news.url, {"page": 2}))
    assert "新闻第22条" in second
    # A malformed or too-large page number shows a real page, never an error.
    assert "新闻第22条" in html(client.get(news.url, {"page": 99}))
    assert "新闻第00条" in html(client.get(news.url, {"page": "x'--"}))


def test_parent_column_lists_sub_columns_and_their_articles(client):
    publish(column("disclosure/plans"), "plan", "2026年工作要点")
    text = html(client.get("/disclosure/"))
    for title in ("人事任免", "局发文件", "信息公开"):
        assert title in text
    assert "2026年工作要点" in text


def test_empty_column_says_so(client):
    text = html(client.get(column("students").url))
    assert "本栏目暂无内容" in text


def test_standard_page_renders_with_last_update(client):
    page = column("policy/salary-policy")
    page.body = "<p>义务教育教师平均工资收入水平不低于当地公务员。</p>"
    page.save_revision().publish()
    text = html(client.get(page.url))
    assert "义务教育教师平均工资收入水平" in text
    assert "最后更新" in text
    assert 'aria-current="page">工资政策<' in text


def test_print_view_has_the_article_without_the_site_chrome(client):
    page = publish(
        column("announcements"), "print-me", "关于寒假放假的通知", body="<p>放假安排</p>"
    )
    article = html(client.get(page.url))
    assert f'href="{page.url}print/"' in article
    assert "打印" in article
    printed = html(client.get(f"{page.url}print/"))
    assert "关于寒假放假的通知" in printed
    assert "放假安排" in printed
    assert "索引号" in printed
    assert 'class="site-nav"' not in printed
    assert 'class="site-header"' not in printed
    assert "<script" not in printed


def test_print_view_of_a_draft_is_not_found(client):
    page = draft(column("news"), "secret", "未发布")
    assert client.get(f"/news/{page.slug}/print/").status_code == 404


def test_header_navigation_lists_the_portal_columns_and_marks_the_current(client):
    page = publish(column("news"), "nav", "导航测试")
    text = html(client.get(page.url))
    nav = text[
        text.index('class="site-nav"') : text.index("</nav>", text.index('class="site-nav"'))
    ]
    for title in (
        "首页",
        "教育新闻",
        "通知公告",
        "政务公开",
        "机关处室",
        "便民服务",
        "资源",
        "视频",
    ):
        assert f">{title}<" in nav
    assert 'href="/news/" aria-current="page"' in nav
    # 政务公开 is a column and a platform section: listed once.
    assert nav.count('href="/disclosure/"') == 1
    assert 'aria-controls="site-nav-list"' in nav
