"""The site search in the project's database (SQLite or PostgreSQL): the embedded default.

``SiteSearchEntry`` plus the full-text structure of migration ``0003_site_search`` (the
catalog's tokens: character unigrams and bigrams, words, title pinyin). Three statements
per search, each bounded:

- type counts over at most ``CMS_SEARCH_FACET_SAMPLE`` matches (a LIMIT inside, so a word
  found 50,000 times stops reading after the sample); beyond it, PostgreSQL's own estimate
  of the matches (its planner statistics on the tsvector's lexemes, which exist for
  exactly the common lexemes) scales the sample's shares, and the page says 约;
- the page of hits: ids and scores sorted, rows not carried through the sort;
- the rows of that page, for titles, snippets and URLs.
"""

# Identifiers interpolated into SQL are the model's table name; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from django.db import DatabaseError, connection, transaction

from catalog.search.text import Term, index_tokens, pinyin_tokens, query_terms
from edu_portal.cms.models import SiteSearchEntry
from edu_portal.cms.search.base import (
    MAX_TEXT,
    SNIPPET_SOURCE,
    SearchUnavailable,
    SiteBackend,
    cached_counts,
    snippet,
    title_html,
)
from edu_portal.cms.search.query import Counts, SiteHit, SiteQuery, SiteResults
from edu_portal.cms.search.registry import Entry

# Score of a term found whole in the title, in the title's pinyin, or only somewhere.
TITLE, TITLE_PINYIN, ANYWHERE = 10, 8, 1


def _table() -> str:
    return SiteSearchEntry._meta.db_table


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def _match(terms: list[Term]) -> tuple[str, list[object]]:
    """The full-text condition. Lexemes are CJK characters or [0-9a-z]+ (catalog text.py),
    so they need no quoting beyond what is written here."""
    if connection.vendor == "postgresql":
        parts = []
        for term in terms:
            if term.kind == "word":
                parts.append(f"'{term.value}':*")
            else:
                parts += [f"'{lexeme}'" for lexeme in term.lexemes]
        return "e.tsv @@ %s::tsquery", [" & ".join(parts)]
    parts = []
    for term in terms:
        if term.kind == "word":
            parts.append(f'"{term.value}"*')
        else:
            parts += [f'"{lexeme}"' for lexeme in term.lexemes]
    fts = f"{_table()}_fts"
    return f"e.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)", [" AND ".join(parts)]


def _where(query: SiteQuery, terms: list[Term], *, types: bool) -> tuple[str, list[object]]:
    match, params = _match(terms)
    sql = f"{match} AND e.visibility IN ({_placeholders(query.visibilities)})"
    params += list(query.visibilities)
    if types and query.types:
        sql += f" AND e.type IN ({_placeholders(query.types)})"
        params += list(query.types)
    return sql, params


def _score(terms: list[Term]) -> tuple[str, list[object]]:
    """Relevance: the terms found whole in the title (or its pinyin) first; the rest ties
    and is ordered by recency."""
    sql, params = f"({ANYWHERE}", []
    for term in terms:
        if term.kind == "word":
            sql += (
                f" + CASE WHEN lower(e.title) LIKE %s THEN {TITLE}"
                f" WHEN (' ' || e.title_pinyin) LIKE %s THEN {TITLE_PINYIN} ELSE 0 END"
            )
            params += [f"%{term.value}%", f"% {term.value}%"]
        else:
            sql += f" + CASE WHEN e.title LIKE %s THEN {TITLE} ELSE 0 END"
            params.append(f"%{term.value}%")
    return sql + ")", params


class SiteDatabaseBackend(SiteBackend):
    name = "database"

    def ping(self, timeout: float = 3.0) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as exc:
            raise SearchUnavailable(f"database does not answer: {exc}") from exc

    # --- indexing -----------------------------------------------------------------------------

    def setup(self) -> None:
        """The table and its full-text structure come from migrations."""

    def rebuild(self) -> None:
        try:
            SiteSearchEntry.objects.all().delete()
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    @staticmethod
    def _row(entry: Entry) -> SiteSearchEntry:
        pinyin = " ".join(pinyin_tokens(entry.title))
        tokens = index_tokens(entry.title, entry.text[:MAX_TEXT])
        return SiteSearchEntry(
            type=entry.type,
            object_id=entry.object_id,
            title=entry.title[:255],
            body=entry.text[:SNIPPET_SOURCE],
            tokens=" ".join([*tokens, pinyin]).strip(),
            title_pinyin=pinyin,
            url=entry.url[:500],
            published=entry.published,
            visibility=entry.visibility,
        )

    def index_entries(self, entries: Sequence[Entry]) -> None:
        rows = [self._row(entry) for entry in entries]
        by_type: dict[str, list[int]] = {}
        for entry in entries:
            by_type.setdefault(entry.type, []).append(entry.object_id)
        try:
            # Delete and insert rather than upsert: the SQLite FTS triggers then see a plain
            # delete and insert, and one transaction keeps readers from seeing a gap.
            with transaction.atomic():
                for type_name, ids in by_type.items():
                    SiteSearchEntry.objects.filter(type=type_name, object_id__in=ids).delete()
                SiteSearchEntry.objects.bulk_create(rows, batch_size=500)
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def delete_entries(self, type_name: str, object_ids: Iterable[int]) -> None:
        try:
            SiteSearchEntry.objects.filter(type=type_name, object_id__in=list(object_ids)).delete()
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def indexed_ids(self, type_name: str) -> Iterator[int]:
        rows = SiteSearchEntry.objects.filter(type=type_name).order_by("object_id")
        return rows.values_list("object_id", flat=True).iterator(2000)

    # --- searching ------------------------------------------------------------------------------

    def _run(self, sql: str, params: list[object]) -> list[tuple]:
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        except DatabaseError as exc:
            raise SearchUnavailable(f"search query failed: {exc}") from exc

    def search(self, query: SiteQuery) -> SiteResults:
        terms = query_terms(query.text)
        if not terms:
            # Only punctuation: nothing can match (the views refuse it before).
            return SiteResults([], Counts(), 0, query.page, query.page_size)
        counts = cached_counts(self, query, terms, lambda n: self._counts(query, terms, n))
        total = counts.total_for(query.types)
        # An estimate may miss a rare type altogether: its hits are still looked up.
        wanted = total or counts.approximate
        hits = self._hits(query, terms) if query.in_window() and wanted else []
        total = max(total, query.offset + len(hits)) if hits else total
        return SiteResults(hits, counts, total, query.page, query.page_size)

    def _counts(self, query: SiteQuery, terms: list[Term], sample: int) -> Counts:
        where, params = _where(query, terms, types=False)
        rows = self._run(
            f"SELECT type, COUNT(*) FROM (SELECT e.type FROM {_table()} e WHERE {where}"
            " LIMIT %s) s GROUP BY type",
            [*params, sample],
        )
        by_type = {name: int(count) for name, count in rows}
        seen = sum(by_type.values())
        if seen < sample:
            return Counts(by_type)
        estimate = self._estimate(where, params)
        if estimate > seen:
            by_type = {name: round(count * estimate / seen) for name, count in by_type.items()}
        return Counts(by_type, approximate=True)

    def _estimate(self, where: str, params: list[object]) -> int:
        """PostgreSQL's estimate of the matching rows (0 elsewhere: the sample's size is
        then shown as a lower bound)."""
        if connection.vendor != "postgresql":
            return 0
        rows = self._run(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {_table()} e WHERE {where}", params)
        plan = rows[0][0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])

    def _hits(self, query: SiteQuery, terms: list[Term]) -> list[SiteHit]:
        where, params = _where(query, terms, types=True)
        score, score_params = _score(terms)
        rows = self._run(
            f"SELECT e.id, {score} AS score FROM {_table()} e WHERE {where}"
            " ORDER BY score DESC, e.published DESC NULLS LAST, e.id DESC LIMIT %s OFFSET %s",
            [*score_params, *params, query.page_size, query.offset],
        )
        scores = {int(pk): float(s) for pk, s in rows}
        found = SiteSearchEntry.objects.defer("tokens").in_bulk(list(scores))
        hits = []
        for pk, value in scores.items():
            row = found.get(pk)
            if row is None:
                continue
            hits.append(
                SiteHit(
                    type=row.type,
                    object_id=row.object_id,
                    title=row.title,
                    url=row.url,
                    published=row.published,
                    title_html=title_html(row.title, terms),
                    snippet=snippet(row.body, terms),
                    score=value,
                )
            )
        return hits
