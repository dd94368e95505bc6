"""The Elasticsearch backend's mapping and requests as dicts (no server needed), and an
integration run against a real server when ELASTICSEARCH_URL is set."""

from __future__ import annotations

import os

import pytest

from edu_portal.cms.search.query import SiteQuery


def _terms(text):
    from catalog.search.text import query_terms

    return query_terms(text)


def test_mapping_uses_the_catalogs_chinese_analysis():
    from edu_portal.cms.search.elastic import mapping

    body = mapping("edu-site").to_dict()
    props = body["mappings"]["properties"]
    assert props["title"] == {"type": "text", "analyzer": "cjk_text"}
    assert props["text"] == {"type": "text", "analyzer": "cjk_text"}
    assert props["title_pinyin"] == {
        "type": "text",
        "analyzer": "pinyin_prefix",
        "search_analyzer": "pinyin_search",
    }
    assert props["type"] == {"type": "keyword"}
    assert props["visibility"] == {"type": "keyword"}
    assert props["published"] == {"type": "date"}
    assert props["body"] == {"type": "keyword", "index": False, "doc_values": False}
    analysis = body["settings"]["analysis"]
    assert analysis["analyzer"]["cjk_text"]["filter"] == [
        "cjk_width",
        "lowercase",
        "cjk_bigram_unigrams",
    ]
    assert analysis["filter"]["cjk_bigram_unigrams"] == {
        "type": "cjk_bigram",
        "output_unigrams": True,
    }


def test_query_with_a_type_filter_and_sampled_counts():
    from edu_portal.cms.search.elastic import build_search

    query = SiteQuery("教育", types=("article",), page=2, visibilities=("public", "intranet"))
    body = build_search(query, _terms("教育"), "edu-site", 2000).to_dict()

    [term] = body["query"]["bool"]["must"]
    assert term["bool"]["must"][0]["multi_match"] == {
        "query": "教育",
        "fields": ["title^3", "text"],
        "operator": "and",
    }
    assert body["query"]["bool"]["filter"] == [{"terms": {"visibility": ["intranet", "public"]}}]
    # The type filter narrows the hits only: the counts cover every type.
    assert body["post_filter"] == {"terms": {"type": ["article"]}}
    assert body["aggs"]["sample"] == {
        "sampler": {"shard_size": 2000},
        "aggs": {"type": {"terms": {"field": "type", "size": 50}}},
    }
    assert body["from"] == 20 and body["size"] == 20
    assert body["sort"] == ["_score", {"published": {"order": "desc", "missing": "_last"}}]
    assert body["track_total_hits"] is True


def test_a_pinyin_word_searches_the_title_pinyin():
    from edu_portal.cms.search.elastic import build_search

    body = build_search(SiteQuery("jy"), _terms("jy"), "edu-site", 100).to_dict()

    should = body["query"]["bool"]["must"][0]["bool"]["should"]
    assert {"match": {"title_pinyin": {"query": "jy", "boost": 2}}} in should
    assert "post_filter" not in body


def test_sampled_counts_are_scaled_to_the_total():
    from types import SimpleNamespace as NS

    from edu_portal.cms.search.elastic import SiteElasticBackend

    response = NS(
        aggregations=NS(
            sample=NS(
                doc_count=100,
                type=NS(
                    buckets=[NS(key="article", doc_count=60), NS(key="resource", doc_count=40)]
                ),
            )
        ),
        hits=NS(total=NS(value=1000)),
    )
    counts = SiteElasticBackend._counts(SiteQuery("教育"), response, 100)
    assert counts.approximate
    assert counts.by_type == {"article": 600, "resource": 400}
    small = NS(
        aggregations=NS(sample=NS(doc_count=3, type=NS(buckets=[NS(key="page", doc_count=3)]))),
        hits=NS(total=NS(value=3)),
    )
    exact = SiteElasticBackend._counts(SiteQuery("教育"), small, 100)
    assert not exact.approximate and exact.by_type == {"page": 3}


@pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="ELASTICSEARCH_URL not set")
def test_against_a_real_server(settings, db):
    import uuid
    from datetime import UTC, datetime

    from edu_portal.cms.search import Entry, search
    from edu_portal.cms.search.backends import get_backend

    settings.SEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    settings.SEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:10]}"
    backend = get_backend()
    backend.refresh = "wait_for"
    backend.rebuild()
    try:
        when = datetime(2026, 12, 1, tzinfo=UTC)
        backend.index_entries(
            [
                Entry("article", 1, "教育局召开会议", "会议内容", "/a/1/", when),
                Entry("resource", 2, "教育学课件", "课件", "/r/2/", when, "staff"),
                Entry("guide", 3, "教师资格认定", "办理材料", "/g/3/", when),
            ]
        )
        found = search(SiteQuery("教育", visibilities=("public",)))
        assert [h.title for h in found.hits] == ["教育局召开会议"]
        assert found.counts.by_type == {"article": 1}
        assert [h.title for h in search(SiteQuery("jszg")).hits] == ["教师资格认定"]
        assert search(SiteQuery("师")).total == 1
        backend.delete_entries("article", [1])
        assert search(SiteQuery("教育")).total == 0
    finally:
        backend.client.options(ignore_status=404).indices.delete(index=backend.index_name)
