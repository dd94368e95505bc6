"""The site search in the project's database (SQLite or PostgreSQL): the embedded default.

``SiteSearchEntry`` plus the full-text structure of migration ``0003_site_search`` (the
catalog's tokens: character unigrams and bigrams, words, title pinyin). Three statements
per search (the hits' one or a few on PostgreSQL), each bounded:

- type counts over at most ``CMS_SEARCH_FACET_SAMPLE`` matches (a LIMIT inside, so a word
  found 50,000 times stops reading after the sample); beyond it, PostgreSQL's own estimate
  of the matches (its planner statistics on the tsvector's lexemes, which exist for
  exactly the common lexemes) scales the sample's shares, and the page says 约;
- the page of hits: ids and scores sorted, rows not carried through the sort. On
  PostgreSQL in two tiers (title matches, then body-only matches, each newest first with
  a LIMIT: ``_ranked_in_tiers``, migration 0008's ``title_tsv``), so that a word in half
  the rows reads a page's worth of the recency index instead of sorting every match;
- the rows of that page, for titles, snippets and URLs.
"""

# Identifiers interpolated into SQL are the model's table name; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

import json
import math
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
# The hits' order after the score, as migration 0008's index cms_site_search_recent holds it;
# written as an expression when that index must not be walked (see ``_newest``).
RECENCY = "published DESC NULLS LAST, id DESC"
UNINDEXED_RECENCY = "(e.published + interval '0 s') DESC NULLS LAST, e.id DESC"
# How many of the newest rows a common word's walk reads first per hit wanted, and at most
# (about 1 and 10 ms over 200,000 rows).
PROBE_PER_HIT, PROBE_MAX = 50, 10_000


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
    allowed, allowed_params = _allowed(query, types=types)
    return f"{match} AND {allowed}", [*params, *allowed_params]


def _allowed(
    query: SiteQuery, *, types: bool, type_column: str = "e.type"
) -> tuple[str, list[object]]:
    """What the visitor may see, and the types asked for."""
    sql = f"e.visibility IN ({_placeholders(query.visibilities)})"
    params: list[object] = list(query.visibilities)
    if types and query.types:
        sql += f" AND {type_column} IN ({_placeholders(query.types)})"
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


def _title_hit(terms: list[Term]) -> tuple[str, list[object]]:
    """PostgreSQL: exactly the rows whose score (``_score``) is above ANYWHERE, i.e. a term
    found in the title or its pinyin. A CJK term's LIKE is guarded by the title's lexemes
    (migration 0008: the title's bigrams are in ``title_tsv`` whenever it contains the
    term), which PostgreSQL can look up in a GIN index; a word's LIKE matches inside words,
    which no lexeme expresses, so it stays as it is."""
    parts, params = [], []
    for term in terms:
        if term.kind == "word":
            parts.append("(lower(e.title) LIKE %s OR (' ' || e.title_pinyin) LIKE %s)")
            params += [f"%{term.value}%", f"% {term.value}%"]
        else:
            lexemes = " & ".join(f"'{lexeme}'" for lexeme in term.lexemes)
            parts.append("(e.title_tsv @@ %s::tsquery AND e.title LIKE %s)")
            params += [lexemes, f"%{term.value}%"]
    return "(" + " OR ".join(parts) + ")", params


def _type_query(types: Sequence[str]) -> str:
    """A tsquery of the types' lexemes (``type:<name>``), quoted as tsquery quotes."""
    quoted = ("'" + f"type:{name}".replace("\\", "\\\\").replace("'", "''") + "'" for name in types)
    return " | ".join(quoted)


def _one_cjk_term(terms: list[Term]) -> bool:
    return len(terms) == 1 and terms[0].kind != "word"


def _rank_key(row: tuple) -> tuple:
    """The single sort's order: score DESC, published DESC NULLS LAST, id DESC."""
    pk, score, published = row
    return (-float(score), published is None, -published.timestamp() if published else 0, -pk)


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
        hits = self._hits(query, terms, counts.approximate) if query.in_window() and wanted else []
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

    def _ranked_in_tiers(
        self, query: SiteQuery, terms: list[Term], common: bool
    ) -> dict[int, float]:
        """The page's ids and scores on PostgreSQL, in the order of the single sort (score,
        then recency) but from two bounded statements: the title matches (score above
        ANYWHERE) and the body-only matches (score ANYWHERE), each cut at offset + size.
        Merged, the two cut lists hold the whole page: its rows are the first ones of the
        title tier, then of the other. Sorting every match by score read half the table for
        教学; each tier alone is in recency order, which an index can give (``_newest``)."""
        match, match_params = _match(terms)
        # The same filter as elsewhere, with the type compared as an expression: the type is
        # looked up as a lexeme of title_tsv with the words (migration 0008), and the
        # b-tree on (type, object_id) would only add a bitmap of every row of that type.
        allowed, allowed_params = _allowed(query, types=True, type_column="(e.type || '')")
        in_title, title_params = _title_hit(terms)
        if query.types:
            allowed += " AND e.title_tsv @@ %s::tsquery"
            allowed_params.append(_type_query(query.types))
        wanted = query.offset + query.page_size
        if _one_cjk_term(terms):
            # One CJK term scores the same in every title match, so recency alone orders
            # them; and a title containing it has its lexemes in ``tsv`` too (the tokens
            # are the title's and the text's), so the full-text match is implied: without
            # it PostgreSQL reads the title's GIN entries alone, not half the table's.
            rows = self._newest(
                f"{TITLE + ANYWHERE}",
                f"{allowed} AND {in_title}",
                [*allowed_params, *title_params],
                wanted,
                probe=common,
            )
        else:
            score, score_params = _score(terms)
            rows = self._run(
                f"SELECT e.id, {score} AS score, e.published FROM {_table()} e"
                f" WHERE {match} AND {allowed} AND {in_title}"
                f" ORDER BY score DESC, {UNINDEXED_RECENCY} LIMIT %s",
                [*score_params, *match_params, *allowed_params, *title_params, wanted],
            )
        if len(rows) < wanted:
            rows += self._newest(
                f"{ANYWHERE}",
                f"{match} AND {allowed} AND NOT {in_title}",
                [*match_params, *allowed_params, *title_params],
                wanted,
                probe=common,
            )
        rows.sort(key=_rank_key)
        page = rows[query.offset : wanted]
        return {int(pk): float(value) for pk, value, _published in page}

    def _newest(
        self, score: str, where: str, params: list[object], wanted: int, *, probe: bool
    ) -> list[tuple]:
        """The newest ``wanted`` rows meeting ``where``. PostgreSQL guesses how far a walk
        down the recency index must go by assuming words, types and dates independent,
        and for 教学 among articles (it is in resources' titles only) walked all 200,000
        rows. So the walk is bounded here: for a word found more than a sample's worth of
        times (``probe``), the newest rows are read first, and if the page is not among
        them the matches are few enough for the GIN indexes and a sort."""
        if probe:
            walk = (
                f"SELECT e.id, {score}, e.published FROM (SELECT * FROM {_table()}"
                f" ORDER BY {RECENCY} LIMIT %s) e WHERE {where} ORDER BY {RECENCY} LIMIT %s"
            )
            depth = PROBE_PER_HIT * wanted
            rows = self._run(walk, [depth, *params, wanted])
            if 0 < len(rows) < wanted:
                # Some matches among the newest rows, too few: walk as far again as their
                # density says the page needs, with a margin, if that stays bounded.
                depth = math.ceil(depth * wanted / len(rows) * 1.5)
                if depth <= PROBE_MAX:
                    rows = self._run(walk, [depth, *params, wanted])
            if len(rows) == wanted:
                return rows
        return self._run(
            f"SELECT e.id, {score}, e.published FROM {_table()} e WHERE {where}"
            f" ORDER BY {UNINDEXED_RECENCY} LIMIT %s",
            [*params, wanted],
        )

    def _hits(self, query: SiteQuery, terms: list[Term], common: bool = False) -> list[SiteHit]:
        if connection.vendor == "postgresql":
            scores = self._ranked_in_tiers(query, terms, common)
        else:
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
