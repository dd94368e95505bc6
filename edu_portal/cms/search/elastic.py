"""The site search in Elasticsearch (``SEARCH_URL=http(s)://…``), index
``<prefix>-site``, analysed as the catalog's index is (``catalog.search.elastic``: the
built-in ``cjk_width`` + ``cjk_bigram`` with unigrams, pinyin tokens from Python indexed
as edge n-grams), so 1- and 2-character and pinyin queries behave the same.

Type counts come from a ``sampler`` aggregation (the best ``CMS_SEARCH_FACET_SAMPLE``
matches per shard) scaled to the exact total when the matches outnumber it, as the
database backend estimates. ``mapping`` and ``build_search`` are pure, so tests compare
their dicts without a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from django.conf import settings
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, helpers
from elasticsearch_dsl import A, Date, Document, Index, Keyword, Long, Q, Search, Text

from catalog.search.elastic import ElasticIndex, cjk_analyzer, pinyin_prefix, pinyin_search
from catalog.search.text import Term, pinyin_tokens, query_terms
from edu_portal.cms.search.base import (
    MAX_TEXT,
    SNIPPET_SOURCE,
    SiteBackend,
    snippet,
    title_html,
)
from edu_portal.cms.search.query import Counts, SiteHit, SiteQuery, SiteResults
from edu_portal.cms.search.registry import Entry

FIELDS = ["title^3", "text"]


class SiteDocument(Document):
    type = Keyword()
    object_id = Long()
    title = Text(analyzer=cjk_analyzer)
    title_pinyin = Text(analyzer=pinyin_prefix, search_analyzer=pinyin_search)
    text = Text(analyzer=cjk_analyzer)
    # Kept for snippets only, not searched.
    body = Keyword(index=False, doc_values=False)
    url = Keyword(index=False, doc_values=False)
    published = Date()
    visibility = Keyword()


def mapping(name: str) -> Index:
    index = Index(name)
    index.document(SiteDocument)
    return index


def doc_id(type_name: str, object_id: int) -> str:
    return f"{type_name}:{object_id}"


def source(entry: Entry) -> dict:
    return {
        "type": entry.type,
        "object_id": entry.object_id,
        "title": entry.title,
        "title_pinyin": " ".join(pinyin_tokens(entry.title)),
        "text": entry.text[:MAX_TEXT],
        "body": entry.text[:SNIPPET_SOURCE],
        "url": entry.url,
        "published": entry.published,
        "visibility": entry.visibility,
    }


def _term_query(term: Term) -> Q:
    if term.kind == "cjk":
        # All bigrams (and unigrams) present; the query found as one piece ranks higher.
        return Q(
            "bool",
            must=[Q("multi_match", query=term.value, fields=FIELDS, operator="and")],
            should=[Q("multi_match", query=term.value, fields=FIELDS, type="phrase", boost=2)],
        )
    return Q(
        "bool",
        should=[
            Q("match", title_pinyin={"query": term.value, "boost": 2}),
            Q("multi_match", query=term.value, fields=FIELDS, type="phrase_prefix"),
        ],
        minimum_should_match=1,
    )


def build_search(query: SiteQuery, terms: list[Term], name: str, sample: int) -> Search:
    """Text and visibility in the query; the type filter in ``post_filter`` so the type
    counts (a sampler over the best matches) cover every type."""
    main = Q(
        "bool",
        must=[_term_query(term) for term in terms],
        filter=[Q("terms", visibility=list(query.visibilities))],
    )
    s = Search(index=name).query(main)
    if query.types:
        s = s.post_filter(Q("terms", type=list(query.types)))
    sampler = A("sampler", shard_size=sample)
    sampler.bucket("type", "terms", field="type", size=50)
    s.aggs.bucket("sample", sampler)
    fields = ["type", "object_id", "title", "body", "url", "published"]
    s = s.extra(track_total_hits=True).source(fields)
    s = s.sort("_score", {"published": {"order": "desc", "missing": "_last"}})
    return s[query.offset : query.offset + query.page_size]


class SiteElasticBackend(ElasticIndex, SiteBackend):
    name = "elasticsearch"
    request_timeout = 10.0

    def __init__(self, url: str, *, index_prefix: str = "edu") -> None:
        super().__init__(url, index_prefix=index_prefix)
        self.client = Elasticsearch(url, request_timeout=self.request_timeout, max_retries=0)
        self.index_name = f"{index_prefix}-site"
        self._ready = False

    def index_mapping(self) -> Index:
        return mapping(self.index_name)

    def index_entries(self, entries: Sequence[Entry]) -> None:
        self.setup()
        self._bulk(
            [
                {
                    "_op_type": "index",
                    "_index": self.index_name,
                    "_id": doc_id(e.type, e.object_id),
                    "_source": source(e),
                }
                for e in entries
            ]
        )

    def delete_entries(self, type_name: str, object_ids: Iterable[int]) -> None:
        self._bulk(
            [
                {"_op_type": "delete", "_index": self.index_name, "_id": doc_id(type_name, pk)}
                for pk in object_ids
            ]
        )

    def indexed_ids(self, type_name: str) -> Iterator[int]:
        try:
            if not self.client.indices.exists(index=self.index_name):
                return iter(())
            hits = helpers.scan(
                self.client,
                index=self.index_name,
                query={"query": {"term": {"type": type_name}}, "_source": ["object_id"]},
                size=2000,
            )
            return iter([int(hit["_source"]["object_id"]) for hit in hits])
        except (TransportError, ApiError) as exc:
            raise self._unavailable(exc) from exc

    def search(self, query: SiteQuery) -> SiteResults:
        terms = query_terms(query.text)
        sample = settings.CMS_SEARCH_FACET_SAMPLE
        empty = SiteResults([], Counts(), 0, query.page, query.page_size)
        if not terms:
            return empty
        s = build_search(query, terms, self.index_name, sample).using(self.client)
        if not query.in_window():
            s = s[0:0]
        try:
            response = s.execute()
        except ApiError as exc:
            if exc.meta.status == 404:  # nothing indexed yet
                return empty
            raise self._unavailable(exc) from exc
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        counts = self._counts(query, response, sample)
        hits = [self._hit(hit, terms) for hit in response.hits]
        total = int(response.hits.total.value)
        return SiteResults(hits, counts, total, query.page, query.page_size)

    @staticmethod
    def _counts(query: SiteQuery, response, sample: int) -> Counts:
        agg = response.aggregations.sample
        by_type = {str(b.key): int(b.doc_count) for b in agg.type.buckets}
        seen = int(agg.doc_count)
        if seen < sample:
            return Counts(by_type)
        # The total counts what the type filter (post_filter) lets through: the sample's
        # share of those types scales it back to every type.
        total = int(response.hits.total.value)
        share = sum(by_type.get(t, 0) for t in query.types) if query.types else seen
        if share and total > share:
            by_type = {k: round(v * total / share) for k, v in by_type.items()}
        return Counts(by_type, approximate=True)

    @staticmethod
    def _hit(hit, terms: list[Term]) -> SiteHit:
        published = getattr(hit, "published", None)
        if isinstance(published, str):
            published = datetime.fromisoformat(published)
        return SiteHit(
            type=hit.type,
            object_id=int(hit.object_id),
            title=hit.title,
            url=hit.url,
            published=published,
            title_html=title_html(hit.title, terms),
            snippet=snippet(getattr(hit, "body", "") or "", terms),
            score=float(hit.meta.score or 0.0),
        )
