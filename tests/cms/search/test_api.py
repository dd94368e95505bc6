"""``GET /api/v1/search/``: one list over every type, its exact shape, the type filter and
the refusals of bad input."""

from __future__ import annotations

import pytest

API = "/api/v1/search/"


@pytest.fixture
def mixed(make_article, make_guide, make_resource):
    make_article("关于做好2026年秋季学期教育收费工作的通知", "学校不得擅自设立收费项目。")
    make_guide("教师资格认定", conditions="具有教育学历的中国公民")
    make_resource("七年级数学《一元二次方程》教学课件", description="教育教学课件")
    make_resource("小学语文电子课本", kind="ebook", description="教育出版社")


def test_one_query_finds_articles_guides_resources_and_ebooks_in_one_list(client, mixed):
    body = client.get(API, {"q": "教育"}).json()

    assert set(body) == {"count", "results", "facets"}
    assert {r["type"] for r in body["results"]} == {"article", "guide", "resource", "ebook"}
    assert body["count"] == len(body["results"]) == 4
    assert body["facets"] == {"type": {"article": 1, "guide": 1, "resource": 1, "ebook": 1}}
    for result in body["results"]:
        assert set(result) == {"type", "title", "url", "snippet", "published"}
        assert result["url"].startswith("http://testserver/")
        assert result["published"] is None or len(result["published"]) == 10


def test_result_fields_of_an_article(client, mixed):
    body = client.get(API, {"q": "收费"}).json()

    article = next(r for r in body["results"] if r["type"] == "article")
    assert article["title"] == "关于做好2026年秋季学期教育收费工作的通知"
    assert article["published"] == "2026-11-20"  # 发布日期, not the day it was indexed
    assert "<mark>收费</mark>" in article["snippet"]
    assert client.get(article["url"]).status_code == 200  # the URL opens the article


def test_type_filter_narrows_the_hits_but_counts_every_type(client, mixed):
    body = client.get(API, {"q": "教育", "type": "guide"}).json()

    assert [r["type"] for r in body["results"]] == ["guide"]
    assert body["count"] == 1
    assert body["facets"]["type"]["article"] == 1  # the other types stay countable


def test_two_types_at_once(client, mixed):
    body = client.get(API + "?q=教育&type=article&type=ebook").json()

    assert sorted(r["type"] for r in body["results"]) == ["article", "ebook"]


def test_one_character_and_pinyin_queries(client, mixed):
    assert client.get(API, {"q": "师"}).json()["count"] >= 1  # 教师资格认定
    found = client.get(API, {"q": "jiaoshi"}).json()
    assert "教师资格认定" in [r["title"] for r in found["results"]]
    found = client.get(API, {"q": "jszg"}).json()
    assert [r["title"] for r in found["results"]] == ["教师资格认定"]


def test_title_matches_rank_before_body_matches(client, make_article):
    make_article("家长会安排", "本次会议讨论课后服务。")
    make_article("课后服务实施方案", "方案全文。")

    titles = [r["title"] for r in client.get(API, {"q": "课后"}).json()["results"]]
    assert titles == ["课后服务实施方案", "家长会安排"]


def test_snippets_escape_html_in_content(client, make_article):
    make_article("安全提示", "&lt;script&gt;alert(1)&lt;/script&gt; 防溺水安全")

    snippet = client.get(API, {"q": "防溺水"}).json()["results"][0]["snippet"]
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>防溺水</mark>" in snippet


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "empty_query"),
        ({"q": "   "}, "empty_query"),
        ({"q": "！？。"}, "empty_query"),
        ({"q": "教" * 101}, "query_too_long"),
        ({"q": "教育", "type": "secret"}, "unknown_type"),
        ({"q": "教育", "type": "article,nope"}, "unknown_type"),
        ({"q": "教育", "page": "0"}, "bad_page"),
        ({"q": "教育", "page": "-1"}, "bad_page"),
        ({"q": "教育", "page": "abc"}, "bad_page"),
        ({"q": "教育", "page": "51"}, "bad_page"),
        ({"q": "教育", "page": "1e3"}, "bad_page"),
    ],
)
def test_bad_input_is_a_400_with_a_sentence(client, site_backend, params, code):
    response = client.get(API, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["detail"][-1] in ".。" and len(body["detail"]) > 8


def test_sql_and_query_syntax_in_the_words_are_just_words(client, make_article):
    make_article("招生政策解读", "政策")
    for q in ["' OR 1=1 --", '"招生" OR *', "招生 & | ! :*", "a'b\"c"]:
        response = client.get(API, {"q": q})
        assert response.status_code == 200, q
    assert client.get(API, {"q": "招生' OR '1'='1"}).json()["count"] == 0


def test_paging(client, make_article, settings):
    for i in range(23):
        make_article(f"教研活动简报第{i}期")

    first = client.get(API, {"q": "简报"}).json()
    second = client.get(API, {"q": "简报", "page": "2"}).json()
    assert first["count"] == second["count"] == 23
    assert len(first["results"]) == 20 and len(second["results"]) == 3
    assert not {r["url"] for r in first["results"]} & {r["url"] for r in second["results"]}


def test_search_unavailable_is_a_503_with_a_sentence(client, site_backend, monkeypatch):
    from edu_portal.cms.search import SearchUnavailable, views

    def down(query):
        raise SearchUnavailable("connection refused")

    monkeypatch.setattr(views, "search", down)
    response = client.get(API, {"q": "教育"})
    assert response.status_code == 503
    assert response.json()["code"] == "search_unavailable"
