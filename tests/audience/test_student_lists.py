"""A signed-in student's home page and resource lists put the student's own grade first,
then the rest of its stage, then the other stages, while the student chooses no sort or
grade; everyone else sees the usual order; the visibility rules are untouched."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from django.utils import timezone

from catalog import browse
from catalog.search import SearchUnavailable

pytestmark = pytest.mark.django_db


def get(client, url, lang="zh-hans", **extra) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang, **extra)
    assert response.status_code == 200
    return response.content.decode()


def order(text: str, *titles: str) -> list[str]:
    """``titles`` in the order they appear in ``text`` (each must appear)."""
    positions = {title: text.index(title) for title in titles}
    return sorted(titles, key=positions.__getitem__)


def results(text: str) -> str:
    return text.split('class="resource-list"', 1)[1].split("</ol>", 1)[0]


def links(text: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', text)]


@pytest.fixture
def shelf(make_resource):
    """Newest first: 初中, 高中, 二年级, 一年级 (the first-grader's own is the oldest)."""
    make_resource("八年级 勾股定理", grade=8, age_days=1, download_count=50)
    make_resource("高一 函数", grade=10, age_days=2, download_count=40)
    make_resource("二年级 认识时间", grade=2, age_days=3, download_count=30)
    make_resource("一年级 认识数字", grade=1, age_days=4, download_count=20)


ALL = ("八年级 勾股定理", "高一 函数", "二年级 认识时间", "一年级 认识数字")
GRADE_FIRST = ["一年级 认识数字", "二年级 认识时间", "八年级 勾股定理", "高一 函数"]


def home_lists(text: str) -> tuple[str, str]:
    lists = text.split('class="home-lists"', 1)[1]
    newest, popular = lists.split('class="home-list"', 2)[1:]
    return newest, popular


def test_home_puts_a_first_graders_grade_first(client, pupil, shelf):
    client.force_login(pupil)
    text = get(client, "/")
    newest, popular = home_lists(text)
    assert order(newest, *ALL) == GRADE_FIRST
    assert order(popular, *ALL) == GRADE_FIRST
    assert "优先显示一年级的内容。" in newest
    # "More" keeps the grade first: the list page then offers the usual order.
    assert 'href="/resources/"' in newest


def test_home_unchanged_for_teachers_and_visitors(client, teacher, shelf):
    for signed_in in (None, teacher):
        if signed_in:
            client.force_login(signed_in)
        newest, popular = home_lists(get(client, "/"))
        assert order(newest, *ALL) == list(ALL)
        assert order(popular, *ALL) == list(ALL)  # downloads fall with age here too
        assert "优先显示" not in newest
        assert 'href="/resources/?sort=newest"' in newest


def test_resource_list_grade_first_with_a_way_out(client, pupil, shelf):
    client.force_login(pupil)
    text = get(client, "/resources/")
    assert order(results(text), *ALL) == GRADE_FIRST
    note = text.split("favour-note", 1)[1].split("</p>", 1)[0]
    assert "优先显示一年级的内容。" in note
    only, usual = links(note)
    assert only == "/resources/?grade=1"
    assert usual == "/resources/?sort=newest"
    # No sort is shown as current while the grade comes first.
    assert 'aria-current="true">最新' not in text

    usual_text = get(client, usual)
    assert order(results(usual_text), *ALL) == list(ALL)
    assert "favour-note" not in usual_text
    # Choosing the usual order sticks while filtering.
    assert any("sort=newest" in href and "kind=courseware" in href for href in links(usual_text))

    only_text = get(client, only)
    assert "一年级 认识数字" in only_text and "二年级 认识时间" not in only_text
    assert "favour-note" not in only_text


def test_a_chosen_grade_stage_or_sort_wins(client, pupil, shelf):
    client.force_login(pupil)
    junior = get(client, "/resources/?stage=junior")
    assert "favour-note" not in junior and "八年级 勾股定理" in junior
    assert "一年级 认识数字" not in results(junior)
    by_downloads = get(client, "/resources/?sort=downloads")
    assert order(results(by_downloads), *ALL) == list(ALL)
    assert "favour-note" not in by_downloads
    # Another filter (the kind) keeps the grade first.
    courseware = get(client, "/resources/?kind=courseware")
    assert order(results(courseware), *ALL) == GRADE_FIRST


def test_list_unchanged_for_a_teacher(client, teacher, shelf):
    client.force_login(teacher)
    text = get(client, "/resources/")
    assert order(results(text), *ALL) == list(ALL)
    assert "favour-note" not in text


def test_grade_first_across_pages(client, pupil, make_resource):
    for number in range(21):
        make_resource(f"初中练习{number:02d}", grade=8, age_days=number)
    make_resource("一年级 儿歌", grade=1, age_days=30)
    client.force_login(pupil)
    first = results(get(client, "/resources/"))
    assert first.index("一年级 儿歌") < first.index("初中练习00")
    # 20 a page: the pupil's one and the 19 newest others, then the last two.
    assert "初中练习18" in first and "初中练习19" not in first
    second = results(get(client, "/resources/?page=2"))
    assert "初中练习19" in second and "初中练习20" in second and "一年级 儿歌" not in second


def test_videos_grade_first(client, pupil, make_resource):
    make_resource("初中 实验视频", grade=8, kind="video", age_days=1)
    make_resource("一年级 儿歌视频", grade=1, kind="video", age_days=2)
    make_resource("一年级 课件", grade=1, age_days=0)
    client.force_login(pupil)
    text = get(client, "/videos/", REMOTE_ADDR="10.1.2.3")
    listed = results(text)
    assert order(listed, "一年级 儿歌视频", "初中 实验视频") == ["一年级 儿歌视频", "初中 实验视频"]
    assert "一年级 课件" not in listed
    assert "favour-note" in text


def test_search_favours_the_grade_among_equal_matches(client, pupil, teacher, make_resource):
    make_resource("数学 七年级", grade=7, age_days=1)
    make_resource("数学 一年级", grade=1, age_days=2)
    client.force_login(teacher)
    assert order(results(get(client, "/resources/?q=数学")), "七年级", "一年级") == [
        "七年级",
        "一年级",
    ]
    client.force_login(pupil)
    text = get(client, "/resources/?q=数学")
    assert order(results(text), "七年级", "一年级") == ["一年级", "七年级"]
    note = text.split("favour-note", 1)[1].split("</p>", 1)[0]
    assert f"/resources/?q={quote('数学')}&sort=relevance" in links(note)
    plain = results(get(client, "/resources/?q=数学&sort=relevance"))
    assert order(plain, "七年级", "一年级") == ["七年级", "一年级"]


def test_database_fallback_keeps_the_grade_first(client, pupil, shelf, monkeypatch):
    def down(query):
        raise SearchUnavailable("connection refused")

    monkeypatch.setattr(browse, "search", down)
    client.force_login(pupil)
    text = get(client, "/resources/")
    assert "favour-note" in text
    assert order(results(text), *ALL) == GRADE_FIRST


def test_no_leak_for_the_student(client, pupil, make_resource, intranet_settings):
    make_resource("一年级 公开", grade=1)
    make_resource("一年级 草稿", grade=1, state="draft")
    make_resource("一年级 审核中", grade=1, state="review")
    make_resource("一年级 已删除", grade=1, deleted_at=timezone.now())
    make_resource("一年级 内网专享", grade=1, visibility="intranet")
    client.force_login(pupil)
    outside = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}
    for url in ("/", "/resources/", "/resources/?q=一年级"):
        text = get(client, url, **outside)
        assert "公开" in text, url  # in a search the title carries <mark>
        for hidden in ("草稿", "审核中", "已删除", "内网专享"):
            assert hidden not in text, (url, hidden)


def test_favour_only_reaches_the_database_through_parameters(client, pupil, shelf):
    # The grade comes from the pupil's class, never from the query string.
    client.force_login(pupil)
    text = get(client, "/resources/?favour_grade=8")
    assert order(results(text), *ALL) == GRADE_FIRST
