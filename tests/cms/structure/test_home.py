"""The portal's home page (a Wagtail HomePage at ``/``): the latest news and notices with
their dates, the 政务公开 entry points, and what the platform's home showed before."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cms.structure.conftest import column, draft, publish

pytestmark = pytest.mark.django_db


def test_home_shows_latest_news_and_notices_with_dates(client):
    news = publish(column("news"), "fresh", "全县教师培训开班", days_ago=1)
    notice = publish(column("announcements"), "holiday", "关于寒假放假的通知", days_ago=2)
    draft(column("news"), "hidden", "草稿新闻")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    text = response.content.decode()
    assert f'href="{news.url}">全县教师培训开班</a>' in text
    assert f'href="{notice.url}">关于寒假放假的通知</a>' in text
    assert news.published_on.strftime("%Y-%m-%d") in text
    assert notice.published_on.strftime("%Y-%m-%d") in text
    assert "草稿新闻" not in text


def test_home_lists_at_most_eight_news_newest_first(client):
    for number in range(10):
        publish(column("news"), f"n{number}", f"新闻{number:02d}", days_ago=number)
    text = client.get("/").content.decode()
    assert text.index("新闻00") < text.index("新闻07")
    assert "新闻08" not in text
    assert 'href="/news/">更多' in text


def test_home_has_the_disclosure_entry_points(client):
    text = client.get("/").content.decode()
    for path in ("personnel", "documents", "information", "planning"):
        assert f'href="/disclosure/{path}/"' in text


def test_home_keeps_the_platform_sections_and_shows_update_time(client):
    text = client.get("/").content.decode()
    for name in ("resources", "videos", "ebooks", "notices"):
        assert f'href="{reverse(name)}"' in text
    assert 'href="/" aria-current="page"' in text


def test_news_column_found_by_kind_after_renaming(client):
    news = column("news")
    news.title = "要闻动态"
    news.save_revision().publish()
    publish(news, "x", "改名后的新闻")
    text = client.get("/").content.decode()
    assert ">要闻动态</a>" in text
    assert "改名后的新闻" in text
