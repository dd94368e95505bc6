"""A student's grade favoured by every search backend (``SearchQuery.favour_grade``):
browsing puts that grade first, then the rest of its stage, then the others, each group
in the usual order; a word search multiplies the relevance instead. Elasticsearch's
requests are checked as dicts (no server needed)."""

from __future__ import annotations

import pytest

from catalog.search import SearchQuery
from catalog.search.elastic import build_search
from catalog.search.query import GRADE_BOOST, STAGE_BOOST
from tests.search.conftest import run_search, titles


@pytest.fixture
def shelf(search_backend, make_resource, reindex):
    make_resource("八年级 数学", stage="junior", grade=8, days_ago=1, download_count=9)
    make_resource("高一 数学", stage="senior", grade=10, days_ago=2, download_count=8)
    make_resource("小学 数学 综合", stage="primary", grade=None, days_ago=3, download_count=7)
    make_resource("二年级 数学", stage="primary", grade=2, days_ago=4, download_count=6)
    make_resource("一年级 数学 老教材", stage="primary", grade=1, days_ago=9, download_count=1)
    make_resource("一年级 数学", stage="primary", grade=1, days_ago=5, download_count=5)
    make_resource("一年级 草稿", stage="primary", grade=1, state="draft")
    make_resource("一年级 内部", stage="primary", grade=1, visibility="staff")
    make_resource("没有学段的资料", stage="", grade=None, days_ago=0)
    reindex()


FIRST_GRADE = {"favour_grade": "1", "favour_stage": "primary"}


@pytest.mark.django_db
def test_browse_favours_grade_then_stage_then_newest(shelf):
    assert titles(run_search("", **FIRST_GRADE)) == [
        "一年级 数学",
        "一年级 数学 老教材",
        "小学 数学 综合",
        "二年级 数学",
        "没有学段的资料",
        "八年级 数学",
        "高一 数学",
    ]
    # Without a favoured grade: newest first, as before.
    assert titles(run_search(""))[:2] == ["没有学段的资料", "八年级 数学"]


@pytest.mark.django_db
def test_favour_pages_and_totals(shelf):
    first = run_search("", page=1, page_size=3, **FIRST_GRADE)
    second = run_search("", page=2, page_size=3, **FIRST_GRADE)
    assert first.total == second.total == 7
    assert titles(first) == ["一年级 数学", "一年级 数学 老教材", "小学 数学 综合"]
    assert titles(second) == ["二年级 数学", "没有学段的资料", "八年级 数学"]
    # The facets count what they counted before.
    assert dict(first.facets["grade"]) == dict(run_search("").facets["grade"])


@pytest.mark.django_db
def test_favour_with_an_explicit_sort(shelf):
    # The caller drops the favour when a sort is chosen; if it passes both, the grade
    # still comes first and the sort orders each group.
    found = titles(run_search("", sort="downloads", **FIRST_GRADE))
    assert found[:2] == ["一年级 数学", "一年级 数学 老教材"]


@pytest.mark.django_db
def test_words_weigh_the_grade_with_the_relevance(shelf):
    # Every title holds 数学 once: equal relevance, so the favoured grade then its stage.
    found = titles(run_search("数学", **FIRST_GRADE))
    assert found[:2] == ["一年级 数学", "一年级 数学 老教材"]
    assert set(found[2:4]) == {"小学 数学 综合", "二年级 数学"}
    assert set(found[4:]) == {"八年级 数学", "高一 数学"}
    plain = titles(run_search("数学"))
    assert plain[0] == "八年级 数学"


@pytest.mark.django_db
def test_favour_never_reveals_drafts_or_hidden_levels(shelf):
    found = titles(run_search("", visibilities=["public"], **FIRST_GRADE))
    assert "一年级 草稿" not in found and "一年级 内部" not in found
    assert "一年级 草稿" not in titles(run_search("草稿", **FIRST_GRADE))


def test_query_refuses_a_stage_without_its_grade():
    with pytest.raises(ValueError):
        SearchQuery(favour_stage="primary")


# --- Elasticsearch as dicts ----------------------------------------------------------------


def _body(**kwargs):
    kwargs.setdefault("visibilities", ["public"])
    return build_search(SearchQuery(**kwargs), "edu-resources").to_dict()


def test_es_browse_for_a_student_scores_by_grade_and_sorts_by_score_first():
    body = _body(**FIRST_GRADE)
    score = body["query"]["function_score"]
    assert score["query"] == {
        "bool": {"must": [{"match_all": {}}], "filter": [{"terms": {"visibility": ["public"]}}]}
    }
    assert score["functions"] == [
        {"filter": {"term": {"grade": "1"}}, "weight": GRADE_BOOST},
        {"filter": {"term": {"stage": "primary"}}, "weight": STAGE_BOOST},
        {"filter": {"match_all": {}}, "weight": 1},
    ]
    assert score["score_mode"] == "max"
    assert score["boost_mode"] == "replace"
    assert body["sort"] == ["_score", {"published_at": "desc"}, {"id": "desc"}]


def test_es_word_search_for_a_student_multiplies_the_relevance():
    body = _body(text="数学", **FIRST_GRADE)
    score = body["query"]["function_score"]
    assert score["boost_mode"] == "multiply"
    assert score["query"]["bool"]["must"][0]["bool"]["must"][0]["multi_match"]["query"] == "数学"
    assert body["sort"][0] == "_score"


def test_es_query_without_a_student_has_no_boost():
    for text in ("", "数学"):
        body = _body(text=text)
        assert "function_score" not in str(body)
        assert "bool" in body["query"]
        assert "weight" not in str(body)
    assert _body()["sort"][0] != "_score"


def test_es_visibility_filter_stays_inside_the_boosted_query():
    # The boost wraps the query: the filter on what the viewer may see is still applied.
    body = _body(visibilities=["public", "intranet"], **FIRST_GRADE)
    inner = body["query"]["function_score"]["query"]["bool"]
    assert {"terms": {"visibility": ["public", "intranet"]}} in inner["filter"]
