"""Search in the project's own database (SQLite or PostgreSQL): the embedded default.

The index is ``SearchEntry`` (catalog/search/models.py) plus a full-text structure over its
``tokens`` column (character unigrams and bigrams, words, title pinyin; see text.py):
PostgreSQL matches a GIN-indexed tsvector with a tsquery, SQLite an FTS5 table. Ranking,
filters and facets are plain SQL on the entry table, the same on both databases.

A search is one statement: a materialised CTE of the matching rows, read once for the page
of hits, once for the total and once per facet, so the full-text lookup and the table rows
are visited once however many facets are asked for.
"""

# Identifiers interpolated into SQL here are table names from model metadata and facet
# names checked against FACETS by SearchQuery; values always go in as parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from django.db import DatabaseError, connection, transaction
from django.db.models.functions import Substr

from catalog.search import highlight
from catalog.search.base import SearchBackend, SearchUnavailable
from catalog.search.documents import MAX_TEXT, Document
from catalog.search.query import (
    FACETS,
    GRADE_BOOST,
    STAGE_BOOST,
    Hit,
    SearchQuery,
    SearchResults,
)
from catalog.search.text import Term, index_tokens, query_terms

# Score of a term found in each place. A title match must beat any number of body matches,
# and a term found whole beats one whose bigrams are merely all present.
TITLE, TITLE_PINYIN, DESCRIPTION, ANYWHERE = 10, 8, 3, 1

_ORDER = {
    "relevance": "score DESC, published_at DESC, resource_id DESC",
    "newest": "published_at DESC, resource_id DESC",
    "downloads": "download_count DESC, published_at DESC, resource_id DESC",
}


def _sort_key(sort: str):
    def key(row: tuple) -> tuple:
        rid, score, published, downloads, nearness = row
        # (is set, value): NULL dates sort last, as they do in SQL above. Sorted in reverse,
        # so the nearness (0 = the favoured grade) goes in negated.
        when = (published is not None, published or "")
        if sort == "relevance":
            return (-nearness, score, when, rid)
        if sort == "downloads":
            return (-nearness, downloads, when, rid)
        return (-nearness, when, rid)

    return key


def _favour(query: SearchQuery, values: tuple[object, object, object]) -> _Sql:
    """CASE giving ``values`` for the favoured grade, the rest of its stage, anything else."""
    grade_value, stage_value, other = values
    out = _Sql().add(f"CASE WHEN e.grade = %s THEN {grade_value}", query.favour_grade)
    if query.favour_stage:
        out.add(f"WHEN e.stage = %s THEN {stage_value}", query.favour_stage)
    return out.add(f"ELSE {other} END")


def fts_table() -> str:
    from catalog.search.models import SearchEntry

    return f"{SearchEntry._meta.db_table}_fts"


class _Sql:
    """SQL text with its parameters, built in order so the two never drift apart."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[object] = []

    def add(self, sql: str, *params: object) -> _Sql:
        self.parts.append(sql)
        self.params.extend(params)
        return self

    def extend(self, other: _Sql) -> _Sql:
        self.parts.extend(other.parts)
        self.params.extend(other.params)
        return self

    @property
    def sql(self) -> str:
        return " ".join(self.parts)


def _in(column: str, values: Sequence[object]) -> _Sql:
    return _Sql().add(f"{column} IN ({', '.join(['%s'] * len(values))})", *values)


def _and(conditions: list[_Sql]) -> _Sql:
    out = _Sql()
    for i, cond in enumerate(conditions or [_Sql().add("1 = 1")]):
        if i:
            out.add("AND")
        out.add("(").extend(cond).add(")")
    return out


class DatabaseBackend(SearchBackend):
    name = "database"

    def ping(self, timeout: float = 3.0) -> None:
        # The index lives in the same database as everything else, so "reachable" means
        # the database answers a trivial query.
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as exc:
            raise SearchUnavailable(f"database does not answer: {exc}") from exc

    # --- indexing -------------------------------------------------------------------------

    def setup(self) -> None:
        """The table and its full-text structure come from migrations: nothing to do."""

    def rebuild(self) -> None:
        from catalog.search.models import SearchEntry

        try:
            SearchEntry.objects.all().delete()
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def index_documents(self, docs: Sequence[Document]) -> None:
        from catalog.search.models import SearchEntry

        entries = [self._entry(doc) for doc in docs]
        try:
            # Delete and insert rather than upsert: the SQLite FTS triggers then see a plain
            # delete and insert, and one transaction keeps readers from seeing a gap.
            with transaction.atomic():
                SearchEntry.objects.filter(pk__in=[doc["id"] for doc in docs]).delete()
                SearchEntry.objects.bulk_create(entries, batch_size=500)
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    @staticmethod
    def _entry(doc: Document):
        from catalog.search.models import SearchEntry

        tokens = index_tokens(doc["title"], doc["description"], doc["text"], " ".join(doc["tags"]))
        return SearchEntry(
            resource_id=doc["id"],
            title=doc["title"],
            description=doc["description"],
            tokens=" ".join([*tokens, doc["title_pinyin"]]).strip(),
            title_pinyin=doc["title_pinyin"],
            kind=doc["kind"],
            visibility=doc["visibility"],
            stage=doc["stage"],
            grade=doc["grade"],
            subject=doc["subject"],
            edition=doc["edition"],
            collection=doc["collection"],
            textbook_path=doc["textbook_path"],
            published_at=doc["published_at"],
            download_count=doc["download_count"],
        )

    def delete_documents(self, ids: Iterable[int]) -> None:
        from catalog.search.models import SearchEntry

        try:
            SearchEntry.objects.filter(pk__in=list(ids)).delete()
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def indexed_ids(self) -> Iterator[int]:
        from catalog.search.models import SearchEntry

        return SearchEntry.objects.values_list("pk", flat=True).order_by("pk").iterator(2000)

    # --- searching ------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        terms = query_terms(query.text)
        try:
            return self._search(query, terms)
        except DatabaseError as exc:
            raise SearchUnavailable(f"search query failed: {exc}") from exc

    def _search(self, query: SearchQuery, terms: list[Term]) -> SearchResults:
        from catalog.search.models import SearchEntry

        table = SearchEntry._meta.db_table
        base = self._base_where(query, terms)
        own = {f: _in(f, query.filters[f]) for f in FACETS if f in query.filters}
        sort = query.effective_sort

        # One statement: the matching rows are looked up once (a materialised CTE), then
        # give the page of hits, the total and each facet's counts.
        columns = ", ".join(FACETS)
        stmt = _Sql().add(
            f"WITH base AS MATERIALIZED (SELECT e.resource_id, {columns}, e.published_at,"
            " e.download_count,"
        )
        stmt.extend(self._score(terms))
        if query.favour_grade and terms:
            # Searching words: the student's grade weighs in, relevance still counts.
            stmt.add("*").extend(_favour(query, (GRADE_BOOST, STAGE_BOOST, 1)))
        stmt.add("AS score,")
        if query.favour_first:
            stmt.extend(_favour(query, (0, 1, 2)))
        else:
            stmt.add("0")
        stmt.add(f"AS nearness FROM {table} e WHERE").extend(base)
        stmt.add(")")
        limit = query.page_size if query.in_window() else 0
        # Hit rows carry their nearness in the column that holds counts for the others.
        stmt.add(
            "SELECT * FROM (SELECT '#hit', '', nearness, resource_id, score, published_at,"
            " download_count FROM base WHERE"
        ).extend(_and(list(own.values())))
        stmt.add(f"ORDER BY nearness, {_ORDER[sort]} LIMIT %s OFFSET %s) h", limit, query.offset)
        # The total and the facets without a filter of their own share one condition (all
        # facet filters); each facet that is filtered drops its own filter (drill-down).
        shared = [f for f in query.facets if f not in own]
        drilled = [f for f in query.facets if f in own]
        if connection.vendor == "postgresql":
            # One hashed pass computes the total and every shared facet together.
            name = " ".join(f"WHEN GROUPING({f}) = 0 THEN '{f}'" for f in shared)
            value = " ".join(f"WHEN GROUPING({f}) = 0 THEN {f}" for f in shared)
            sets = ", ".join([*(f"({f})" for f in shared), "()"])
            stmt.add(
                f"UNION ALL SELECT CASE {name} ELSE '#total' END, CASE {value} ELSE '' END,"
                " COUNT(*), NULL, NULL, NULL, NULL FROM base WHERE"
                if shared
                else "UNION ALL SELECT '#total', '', COUNT(*), NULL, NULL, NULL, NULL"
                " FROM base WHERE"
            )
            stmt.extend(_and(list(own.values())))
            if shared:
                stmt.add(f"GROUP BY GROUPING SETS ({sets})")
        else:
            stmt.add("UNION ALL SELECT '#total', '', COUNT(*), NULL, NULL, NULL, NULL")
            stmt.add("FROM base WHERE").extend(_and(list(own.values())))
            drilled = list(query.facets)
        for facet in drilled:
            others = [cond for name, cond in own.items() if name != facet]
            stmt.add(
                f"UNION ALL SELECT '{facet}', {facet}, COUNT(*), NULL, NULL, NULL, NULL"
                " FROM base WHERE"
            )
            stmt.extend(_and(others)).add(f"GROUP BY {facet}")
        with connection.cursor() as cursor:
            cursor.execute(stmt.sql, stmt.params)
            rows = cursor.fetchall()

        total = 0
        hit_rows = []
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in query.facets}
        for name, value, count, rid, score, published, downloads in rows:
            if name == "#hit":
                hit_rows.append((rid, score, published, downloads, int(count)))
            elif name == "#total":
                total = int(count)
            elif value not in ("", None):
                facets[name].append((str(value), int(count)))
        for values in facets.values():
            values.sort(key=lambda vc: (-vc[1], vc[0]))
        # SQL returns the page in order; sorting again only guards against a database
        # that reorders the members of a UNION ALL.
        hit_rows.sort(key=_sort_key(sort), reverse=True)
        hits = [(int(rid), float(score)) for rid, score, _p, _d, _n in hit_rows]

        highlights: dict[int, dict[str, list[str]]] = {}
        if terms and hits:
            highlights = self._highlights([rid for rid, _ in hits], terms)
        return SearchResults(
            total=total,
            hits=[Hit(rid, score, highlights.get(rid, {})) for rid, score in hits],
            facets=facets,
            page=query.page,
            page_size=query.page_size,
        )

    @staticmethod
    def _highlights(ids: list[int], terms: list[Term]) -> dict[int, dict[str, list[str]]]:
        from catalog.models import ResourceText
        from catalog.search.models import SearchEntry

        # The extracted text is read from its own table for these few hits only, capped as
        # it is for indexing.
        texts = dict(
            ResourceText.objects.filter(resource_id__in=ids)
            .annotate(head=Substr("text", 1, MAX_TEXT))
            .values_list("resource_id", "head")
        )
        rows = SearchEntry.objects.filter(pk__in=ids).values("resource_id", "title", "description")
        return {
            row["resource_id"]: highlight.highlight(
                row["title"], row["description"], texts.get(row["resource_id"], ""), terms
            )
            for row in rows
        }

    def _base_where(self, query: SearchQuery, terms: list[Term]) -> _Sql:
        """Text, visibility and the filters that are not facets."""
        from catalog.models import Resource, Tag, TextbookNode

        conditions = [_in("e.visibility", query.visibilities or [""])]
        if terms:
            conditions.append(self._match(terms))
        if tags := query.filters.get("tag"):
            through = Resource.tags.through._meta.db_table
            tag_table = Tag._meta.db_table
            cond = _Sql().add(
                f"e.resource_id IN (SELECT rt.resource_id FROM {through} rt"
                f" JOIN {tag_table} t ON t.id = rt.tag_id WHERE"
            )
            conditions.append(cond.extend(_in("t.name", tags)).add(")"))
        if nodes := query.filters.get("textbook_node"):
            ids = [int(n) for n in nodes if n.isdigit()]
            paths = list(TextbookNode.objects.filter(pk__in=ids).values_list("path", flat=True))
            cond = _Sql()
            for i, path in enumerate(paths or [None]):
                if path is None:
                    cond.add("1 = 0")  # Only unknown nodes: nothing can match.
                    continue
                cond.add("OR" if i else "").add("e.textbook_path LIKE %s", f"{path}%")
            conditions.append(cond)
        return _and(conditions)

    @staticmethod
    def _match(terms: list[Term]) -> _Sql:
        # Lexemes are CJK characters or [0-9a-z]+ (text.py), so they need no quoting beyond
        # what is written here.
        if connection.vendor == "postgresql":
            parts = []
            for term in terms:
                if term.kind == "word":
                    parts.append(f"'{term.value}':*")
                else:
                    parts += [f"'{lexeme}'" for lexeme in term.lexemes]
            return _Sql().add("e.tsv @@ %s::tsquery", " & ".join(parts))
        parts = []
        for term in terms:
            if term.kind == "word":
                parts.append(f'"{term.value}"*')
            else:
                parts += [f'"{lexeme}"' for lexeme in term.lexemes]
        fts = fts_table()
        return _Sql().add(
            f"e.resource_id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)", " AND ".join(parts)
        )

    @staticmethod
    def _score(terms: list[Term]) -> _Sql:
        """Relevance in portable SQL: where each term occurs whole (title, title pinyin,
        description). Only the matching rows are scored, and titles are short, so this
        costs less than a ts_rank over the documents' tokens."""
        if not terms:
            return _Sql().add("0")
        out = _Sql().add(f"({ANYWHERE}")
        for term in terms:
            like = f"%{term.value}%"
            if term.kind == "word":
                out.add(
                    f"+ CASE WHEN lower(e.title) LIKE %s THEN {TITLE}"
                    f" WHEN (' ' || e.title_pinyin) LIKE %s THEN {TITLE_PINYIN} ELSE 0 END"
                    f" + CASE WHEN lower(e.description) LIKE %s THEN {DESCRIPTION} ELSE 0 END",
                    like,
                    f"% {term.value}%",
                    like,
                )
            else:
                out.add(
                    f"+ CASE WHEN e.title LIKE %s THEN {TITLE} ELSE 0 END"
                    f" + CASE WHEN e.description LIKE %s THEN {DESCRIPTION} ELSE 0 END",
                    like,
                    like,
                )
        return out.add(")")
