"""The Elasticsearch backend's mapping and requests, as dicts (no server needed), and its
behaviour when the server is down."""

from __future__ import annotations

import socket

import pytest

from catalog.search import SearchQuery, SearchUnavailable
from catalog.search.elastic import ElasticsearchBackend, build_search, mapping_for


def test_mapping_uses_cjk_bigrams_with_unigrams_and_pinyin_prefixes():
    body = mapping_for("edu-resources").to_dict()
    analysis = body["settings"]["analysis"]
    assert analysis["analyzer"]["cjk_text"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["cjk_width", "lowercase", "cjk_bigram_unigrams"],
    }
    assert analysis["filter"]["cjk_bigram_unigrams"] == {
        "type": "cjk_bigram",
        "output_unigrams": True,
    }
    assert analysis["filter"]["pinyin_edge"]["type"] == "edge_ngram"
    fields = body["mappings"]["properties"]
    for name in ("title", "description", "text"):
        assert fields[name] == {"type": "text", "analyzer": "cjk_text"}
    assert fields["title_pinyin"] == {
        "type": "text",
        "analyzer": "pinyin_prefix",
        "search_analyzer": "pinyin_search",
    }
    for name in ("kind", "stage", "grade", "subject", "edition", "collection", "tags"):
        assert fields[name] == {"type": "keyword"}
    assert fields["published_at"] == {"type": "date"}
    assert fields["download_count"] == {"type": "long"}


def _body(**kwargs):
    kwargs.setdefault("visibilities", ["public"])
    return build_search(SearchQuery(**kwargs), "edu-resources", ["0001"]).to_dict()


def test_text_query_filters_and_highlight():
    body = _body(
        text="勾股定 ggdl",
        filters={"tag": ["期中"], "textbook_node": ["7"]},
        visibilities=["public", "intranet"],
    )
    query = body["query"]["bool"]
    cjk, word = query["must"]
    assert cjk["bool"]["must"][0]["multi_match"] == {
        "query": "勾股定",
        "fields": ["title^3", "description^1.5", "text"],
        "operator": "and",
    }
    assert cjk["bool"]["should"][0]["multi_match"]["type"] == "phrase"
    assert {"match": {"title_pinyin": {"query": "ggdl", "boost": 2}}} in word["bool"]["should"]
    assert query["filter"] == [
        {"terms": {"visibility": ["public", "intranet"]}},
        {"terms": {"tags": ["期中"]}},
        {"bool": {"should": [{"prefix": {"textbook_path": "0001"}}], "minimum_should_match": 1}},
    ]
    assert body["highlight"]["pre_tags"] == ["<mark>"]
    assert body["highlight"]["encoder"] == "html"
    assert set(body["highlight"]["fields"]) == {"title", "description", "text"}
    assert body["sort"][0] == "_score"
    assert body["track_total_hits"] is True


def test_facet_filters_go_to_post_filter_and_each_aggregation_drops_its_own():
    body = _body(filters={"kind": ["video"], "stage": ["junior"]}, page=3, page_size=10)
    assert body["post_filter"] == {
        "bool": {"filter": [{"terms": {"kind": ["video"]}}, {"terms": {"stage": ["junior"]}}]}
    }
    kind = body["aggs"]["kind"]
    assert kind["filter"] == {"bool": {"filter": [{"terms": {"stage": ["junior"]}}]}}
    assert kind["aggs"]["kind"] == {"terms": {"field": "kind", "size": 100}}
    assert body["aggs"]["grade"]["filter"]["bool"]["filter"] == [
        {"terms": {"kind": ["video"]}},
        {"terms": {"stage": ["junior"]}},
    ]
    assert set(body["aggs"]) == {"kind", "stage", "grade", "subject", "collection"}
    assert (body["from"], body["size"]) == (20, 10)
    # No text: match everything, newest first, nothing to highlight.
    assert body["query"]["bool"]["must"] == [{"match_all": {}}]
    assert body["sort"] == [{"published_at": "desc"}, {"id": "desc"}]
    assert "highlight" not in body


def test_sort_by_downloads():
    assert _body(text="教育", sort="downloads")["sort"][0] == {"download_count": "desc"}


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_outage_raises_search_unavailable(closed_port):
    backend = ElasticsearchBackend(f"http://127.0.0.1:{closed_port}", index_prefix="t")
    with pytest.raises(SearchUnavailable, match="does not answer"):
        backend.search(SearchQuery(text="教育"))
    with pytest.raises(SearchUnavailable):
        backend.index_documents([])
    with pytest.raises(SearchUnavailable):
        backend.delete_documents([1])


def test_response_becomes_results():
    """Parsing of a response shaped like Elasticsearch 8's (hits, highlight, aggregations)."""
    from elasticsearch_dsl.response import Response

    query = SearchQuery(text="ggdl 勾股", visibilities=["public"], facets=("kind", "grade"))
    raw = {
        "hits": {
            "total": {"value": 2, "relation": "eq"},
            "max_score": 3.5,
            "hits": [
                {
                    "_index": "edu-resources",
                    "_id": "7",
                    "_score": 3.5,
                    "_source": {"title": "勾股定理"},
                    "highlight": {"description": ["直角三角形与<mark>勾股</mark>"]},
                },
                {"_index": "edu-resources", "_id": "9", "_score": None, "_source": {"title": "x"}},
            ],
        },
        "aggregations": {
            "kind": {"doc_count": 2, "kind": {"buckets": [{"key": "video", "doc_count": 2}]}},
            "grade": {"doc_count": 2, "grade": {"buckets": [{"key": "8", "doc_count": 1}]}},
        },
    }
    response = Response(build_search(query, "edu-resources"), raw)
    results = ElasticsearchBackend._results(query, response)
    assert results.total == 2
    assert results.ids == [7, 9]
    assert results.hits[0].score == 3.5
    assert results.hits[0].highlights["description"] == ["直角三角形与<mark>勾股</mark>"]
    # The pinyin part of the query is marked in the title by Python.
    assert results.hits[0].highlights["title"] == ["<mark>勾股定理</mark>"]
    assert results.hits[1].highlights == {}
    assert results.facets == {"kind": [("video", 2)], "grade": [("8", 1)]}
