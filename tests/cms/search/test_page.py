"""``/search/``: the page a visitor uses, the header box on every page, and the counts that
say 约 when they are estimates."""

from __future__ import annotations

import re

import pytest

PAGE = "/search/"


def test_the_header_of_every_page_has_an_accessible_search_box(client, portal):
    for url in ["/", "/resources/", PAGE]:
        html = client.get(url).content.decode()
        box = re.search(r'<form class="site-search"[^>]*>.*?</form>', html, re.S)
        assert box, url
        assert 'role="search"' in box.group(0)
        assert 'action="/search/"' in box.group(0)
        assert '<label class="visually-hidden" for="site-search-q">' in box.group(0)
        assert 'id="site-search-q"' in box.group(0) and 'name="q"' in box.group(0)


def test_results_of_several_types_with_facet_links(client, make_article, make_resource):
    make_article("暑期教师培训通知", "全体教师参加")
    make_resource("教师口语训练课件")

    html = client.get(PAGE, {"q": "教师"}).content.decode()

    assert "2 results for “教师”" in html or "2 个结果" in html or "“教师”" in html
    assert 'data-type="article"' in html and 'data-type="resource"' in html
    assert "<mark>教师</mark>" in html
    assert 'href="?q=%E6%95%99%E5%B8%88&amp;type=article"' in html
    assert "2026-11-20" in html  # the article's publication date is shown


def test_a_facet_link_shows_only_that_type(client, make_article, make_resource):
    make_article("暑期教师培训通知")
    make_resource("教师口语训练课件")

    html = client.get(PAGE, {"q": "教师", "type": "resource"}).content.decode()

    assert 'class="search-result" data-type="resource"' in html
    assert 'class="search-result" data-type="article"' not in html
    assert re.search(r'data-type="resource" aria-current="true"', html)


def test_no_results_gives_help(client, portal):
    response = client.get(PAGE, {"q": "不存在的词"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "no-results" in html
    assert "jiaoyu" in html  # the pinyin hint


def test_an_empty_query_shows_the_form(client, portal):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert 'id="search-page-q"' in response.content.decode()


@pytest.mark.parametrize(
    "params", [{"q": "教" * 101}, {"q": "教育", "type": "bogus"}, {"q": "教育", "page": "x"}]
)
def test_bad_input_is_a_400_page_with_a_sentence(client, portal, params):
    response = client.get(PAGE, params)

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_the_query_is_escaped_on_the_page(client, portal):
    html = client.get(PAGE, {"q": '<script>alert("x")</script>'}).content.decode()

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_pagination_links(client, make_article):
    for i in range(21):
        make_article(f"家长学校第{i}讲")

    html = client.get(PAGE, {"q": "家长"}).content.decode()
    assert 'rel="next"' in html and "page=2" in html
    html = client.get(PAGE, {"q": "家长", "page": "2"}).content.decode()
    assert 'rel="prev"' in html and 'rel="next"' not in html


def test_counts_of_a_very_common_word_are_sampled_and_say_so(client, make_article, settings):
    """Over the sample the counts are estimates: the page says 约 ("about"), the API still
    answers with the same keys."""
    settings.CMS_SEARCH_FACET_SAMPLE = 10
    for i in range(12):
        make_article(f"教育简讯第{i}期")

    html = client.get(PAGE, {"q": "教育"}).content.decode()
    assert "About" in html or "约" in html
    assert "estimates" in html or "估" in html
    body = client.get("/api/v1/search/", {"q": "教育"}).json()
    assert set(body) == {"count", "results", "facets"}
    assert body["count"] >= 10


def test_exact_counts_are_not_cached(client, make_article, settings):
    make_article("教研通讯一")
    assert client.get("/api/v1/search/", {"q": "教研"}).json()["count"] == 1
    make_article("教研通讯二")
    assert client.get("/api/v1/search/", {"q": "教研"}).json()["count"] == 2


def test_the_page_in_chinese(client, make_article):
    make_article("教育新闻一则")
    client.cookies["django_language"] = "zh-hans"

    html = client.get(PAGE, {"q": "教育"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "站内搜索" in html
