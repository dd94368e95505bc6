"""Search in Elasticsearch, through elasticsearch-dsl.

The module is named ``elastic`` so that it cannot be mistaken for the ``elasticsearch``
package it imports.

Chinese is analysed with Elasticsearch's built-in CJK tools (no plugin needed): the
standard tokenizer emits one token per ideograph, ``cjk_width`` folds full-width forms and
``cjk_bigram`` with ``output_unigrams`` adds the bigrams, so 1- and 2-character queries
both match, as in the database backend. Pinyin is computed in Python (catalog/search/
text.py) into ``title_pinyin``, indexed with edge n-grams so a query matches a prefix;
this works without the ES pinyin plugin, which many installations lack.

``mapping_for``/``build_search`` are pure functions so tests can compare their dicts
without a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import urlsplit

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, helpers
from elasticsearch_dsl import (
    A,
    Date,
    Document,
    Index,
    Keyword,
    Long,
    Q,
    Search,
    Text,
    analyzer,
    token_filter,
)

from catalog.search import highlight as py_highlight
from catalog.search.base import SearchBackend, SearchUnavailable
from catalog.search.documents import Document as Doc
from catalog.search.query import (
    FACETS,
    GRADE_BOOST,
    STAGE_BOOST,
    Hit,
    SearchQuery,
    SearchResults,
)
from catalog.search.text import Term, query_terms

cjk_analyzer = analyzer(
    "cjk_text",
    tokenizer="standard",
    filter=[
        "cjk_width",
        "lowercase",
        token_filter("cjk_bigram_unigrams", "cjk_bigram", output_unigrams=True),
    ],
)
# Indexed as every prefix of each pinyin token; searched as the typed word only.
pinyin_prefix = analyzer(
    "pinyin_prefix",
    tokenizer="whitespace",
    filter=["lowercase", token_filter("pinyin_edge", "edge_ngram", min_gram=1, max_gram=40)],
)
pinyin_search = analyzer("pinyin_search", tokenizer="whitespace", filter=["lowercase"])


class ResourceDocument(Document):
    # ``id`` duplicates _id as a number: sorting on _id is disabled in Elasticsearch 8.
    id = Long()
    title = Text(analyzer=cjk_analyzer)
    title_pinyin = Text(analyzer=pinyin_prefix, search_analyzer=pinyin_search)
    description = Text(analyzer=cjk_analyzer)
    text = Text(analyzer=cjk_analyzer)
    kind = Keyword()
    visibility = Keyword()
    stage = Keyword()
    grade = Keyword()
    subject = Keyword()
    edition = Keyword()
    collection = Keyword()
    tags = Keyword()
    textbook_node = Long()
    textbook_path = Keyword()
    published_at = Date()
    download_count = Long()


FIELDS = ["title^3", "description^1.5", "text"]
HIGHLIGHT = {
    "title": {"number_of_fragments": 0},
    "description": {"fragment_size": 80, "number_of_fragments": 3},
    "text": {"fragment_size": 80, "number_of_fragments": 3},
}
_SORT = {
    "relevance": ["_score", {"published_at": "desc"}, {"id": "desc"}],
    "newest": [{"published_at": "desc"}, {"id": "desc"}],
    "downloads": [{"download_count": "desc"}, {"published_at": "desc"}, {"id": "desc"}],
}


def mapping_for(name: str) -> Index:
    index = Index(name)
    index.document(ResourceDocument)
    return index


def _term_query(term: Term) -> Q:
    if term.kind == "cjk":
        # All bigrams (and unigrams) in one field; the phrase clause ranks the query found
        # as one piece higher, as "contiguous first" in the database backend.
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


def _favoured(query: SearchQuery, main: Q) -> Q:
    """``main`` with the student's grade favoured: weights by grade and stage (the highest
    that applies; match_all gives every other document 1). Browsing, the weight replaces the
    score and the sort puts ``_score`` first, so the grade comes first and the rest keeps
    its order; searching words, it multiplies the relevance."""
    functions = [{"filter": Q("term", grade=query.favour_grade), "weight": GRADE_BOOST}]
    if query.favour_stage:
        functions.append({"filter": Q("term", stage=query.favour_stage), "weight": STAGE_BOOST})
    functions.append({"filter": Q("match_all"), "weight": 1})
    return Q(
        "function_score",
        query=main,
        functions=functions,
        score_mode="max",
        boost_mode="replace" if query.favour_first else "multiply",
    )


def build_search(query: SearchQuery, name: str, textbook_paths: Sequence[str] = ()) -> Search:
    """The request for ``query``: text and non-facet filters in the query, facet filters
    in ``post_filter`` so each facet aggregation can leave its own filter out."""
    terms = query_terms(query.text)
    must = [_term_query(term) for term in terms] or [Q("match_all")]
    filters = [Q("terms", visibility=list(query.visibilities))]
    if tags := query.filters.get("tag"):
        filters.append(Q("terms", tags=list(tags)))
    if "textbook_node" in query.filters:
        prefixes = [Q("prefix", textbook_path=path) for path in textbook_paths]
        filters.append(Q("bool", should=prefixes, minimum_should_match=1))
    own = {f: Q("terms", **{f: list(query.filters[f])}) for f in FACETS if f in query.filters}

    main = Q("bool", must=must, filter=filters)
    if query.favour_grade:
        main = _favoured(query, main)
    s = Search(index=name).query(main)
    if own:
        s = s.post_filter(Q("bool", filter=list(own.values())))
    for facet in query.facets:
        others = [q for name_, q in own.items() if name_ != facet]
        agg = A("filter", filter=Q("bool", filter=others))
        agg.bucket(facet, "terms", field=facet, size=100)
        s.aggs.bucket(facet, agg)
    order = _SORT[query.effective_sort]
    if query.favour_first:
        order = ["_score", *order]
    s = s.extra(track_total_hits=True).source(["title"]).sort(*order)
    if terms:
        s = s.highlight_options(pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html")
        for field, options in HIGHLIGHT.items():
            s = s.highlight(field, **options)
    return s[query.offset : query.offset + query.page_size]


def _reason(exc: Exception) -> str:
    # TransportError.message is the underlying cause ("Failed to establish a new
    # connection: [Errno 111] Connection refused"); str() is often just "Connection error".
    message = getattr(exc, "message", None)
    if isinstance(exc, ApiError):
        return f"HTTP {exc.meta.status}: {message}"
    return str(message or exc)


class ElasticIndex:
    """One index's life cycle, shared by every Elasticsearch backend of the platform (the
    catalog's resources, the portal's site search): reachability, creating the index from
    ``index_mapping()`` once, rebuilding it, bulk writes. An outage is a SearchUnavailable
    with the cause in words."""

    client: Elasticsearch
    index_name: str
    #: Passed to bulk requests; tests set it to "wait_for" to search right after indexing.
    refresh: bool | str = False
    # Set once the index is known to exist, so indexing skips the check afterwards.
    _ready = False

    def index_mapping(self) -> Index:
        raise NotImplementedError

    def _unavailable(self, exc: Exception) -> SearchUnavailable:
        return SearchUnavailable(f"Elasticsearch does not answer: {_reason(exc)}")

    def ping(self, timeout: float = 3.0) -> None:
        try:
            self.client.options(request_timeout=timeout).info()
        except (TransportError, ApiError) as exc:
            raise self._unavailable(exc) from exc

    def setup(self) -> None:
        if self._ready:
            return
        try:
            if not self.client.indices.exists(index=self.index_name):
                self.index_mapping().create(using=self.client)
        except (TransportError, ApiError) as exc:
            raise self._unavailable(exc) from exc
        self._ready = True

    def rebuild(self) -> None:
        self._ready = False
        try:
            self.client.options(ignore_status=404).indices.delete(index=self.index_name)
        except (TransportError, ApiError) as exc:
            raise self._unavailable(exc) from exc
        self.setup()

    def _bulk(self, actions: list[dict]) -> None:
        if not actions:
            return
        try:
            _ok, errors = helpers.bulk(
                self.client, actions, refresh=self.refresh, raise_on_error=False
            )
        except (TransportError, ApiError) as exc:
            raise self._unavailable(exc) from exc
        # A delete of a document that is not there is fine; anything else is retried.
        real = [e for e in errors if next(iter(e.values())).get("status") != 404]
        if real:
            raise SearchUnavailable(f"Elasticsearch refused {len(real)} documents: {real[0]}")


class ElasticsearchBackend(ElasticIndex, SearchBackend):
    name = "elasticsearch"

    #: Upper bound for any request made by this backend; queries pass their own.
    request_timeout = 10.0

    def __init__(self, url: str, *, index_prefix: str = "edu") -> None:
        super().__init__(url, index_prefix=index_prefix)
        # Credentials in the URL (https://user:pass@host:9200) become a Basic auth header.
        self.client = Elasticsearch(
            url,
            request_timeout=self.request_timeout,
            max_retries=0,
            retry_on_timeout=False,
        )
        self.index_name = f"{index_prefix}-resources"
        self._ready = False

    def index_mapping(self) -> Index:
        return mapping_for(self.index_name)

    def index_documents(self, docs: Sequence[Doc]) -> None:
        self.setup()
        self._bulk(
            [
                {"_op_type": "index", "_index": self.index_name, "_id": d["id"], "_source": d}
                for d in docs
            ]
        )

    def delete_documents(self, ids: Iterable[int]) -> None:
        self._bulk([{"_op_type": "delete", "_index": self.index_name, "_id": pk} for pk in ids])

    def indexed_ids(self) -> Iterator[int]:
        try:
            if not self.client.indices.exists(index=self.index_name):
                return iter(())
            hits = helpers.scan(
                self.client, index=self.index_name, query={"_source": False}, size=2000
            )
            return iter([int(hit["_id"]) for hit in hits])
        except (TransportError, ApiError) as exc:
            raise self._unavailable(exc) from exc

    def search(self, query: SearchQuery) -> SearchResults:
        from catalog.models import TextbookNode

        paths: list[str] = []
        if nodes := query.filters.get("textbook_node"):
            ids = [int(n) for n in nodes if n.isdigit()]
            paths = list(TextbookNode.objects.filter(pk__in=ids).values_list("path", flat=True))
        s = build_search(query, self.index_name, paths).using(self.client)
        if not query.in_window():
            s = s[0:0]
        try:
            response = s.execute()
        except ApiError as exc:
            if exc.meta.status == 404:  # Nothing indexed yet: an empty result, not an outage.
                return SearchResults(0, [], {f: [] for f in query.facets}, query.page, 0)
            raise self._unavailable(exc) from exc
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        return self._results(query, response)

    @staticmethod
    def _results(query: SearchQuery, response) -> SearchResults:
        terms = query_terms(query.text)
        hits = []
        for hit in response.hits:
            marks = {}
            if terms:
                found = getattr(hit.meta, "highlight", None)
                marks = {k: list(v) for k, v in (found.to_dict().items() if found else [])}
                # A pinyin match: Elasticsearch cannot map it back to the characters.
                title = getattr(hit, "title", "")
                if "title" not in marks and (mine := py_highlight.whole(title, terms, pinyin=True)):
                    marks["title"] = mine
            hits.append(Hit(int(hit.meta.id), float(hit.meta.score or 0.0), marks))
        facets = {}
        for facet in query.facets:
            buckets = response.aggregations[facet][facet].buckets
            facets[facet] = [(str(b.key), int(b.doc_count)) for b in buckets]
        return SearchResults(
            total=int(response.hits.total.value),
            hits=hits,
            facets=facets,
            page=query.page,
            page_size=query.page_size,
        )

    def __repr__(self) -> str:
        parts = urlsplit(self.url)
        return f"<{type(self).__name__} {parts.hostname}:{parts.port} prefix={self.index_prefix!r}>"
