"""The order of the hits through ``GET /api/v1/search/``: entries with the words in their
title first, then the others, newest first within each, page after page. On PostgreSQL the
page comes from two statements (title matches, then body-only matches) that walk the
recency index for common words (cms/search/database.py); these tests hold it to the single
sort it replaces. A tiny facet sample makes every word here "common", so that path runs;
the word 教学 is put in resources' titles only, where PostgreSQL's independence guess would
read the whole table for articles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

API = "/api/v1/search/"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def entries(site_backend, settings):
    from edu_portal.cms.search.registry import Entry

    settings.CMS_SEARCH_FACET_SAMPLE = 10
    rows = []
    for i in range(70):
        kind = "resource" if i % 2 else "article"
        in_title = (kind == "resource" and i % 3 == 0) or i in (40, 64)
        title = f"第{i}号 教学设计" if in_title else f"第{i}号 通知"
        if i % 7 == 0:
            title += " 课件"
        rows.append(
            Entry(
                type=kind,
                object_id=1000 + i,
                title=title,
                # Every entry has the word in its text; 课件 too in some.
                text="课堂教学要求。" + ("附课件。" if i % 5 == 0 else ""),
                url=f"/r/{i}/",
                # Older as i grows; a few without a date (they come last).
                published=None if i in (13, 14) else NOW - timedelta(hours=i),
                visibility="staff" if i in (3, 4) else "public",
            )
        )
    site_backend.index_entries(rows)
    return rows


def _expected(rows, words, types=()):
    def score(row):
        return 1 + sum(10 for word in words if word in row.title)

    def key(row):
        stamp = row.published.timestamp() if row.published else 0
        return (-score(row), row.published is None, -stamp, -row.object_id)

    seen = [
        r
        for r in rows
        if r.visibility == "public"
        and (not types or r.type in types)
        and all(word in r.title + r.text for word in words)
    ]
    return [f"http://testserver{r.url}" for r in sorted(seen, key=key)]


def _all_pages(client, params):
    urls, page = [], 1
    while True:
        body = client.get(API, {**params, "page": page}).json()
        urls += [r["url"] for r in body["results"]]
        if len(body["results"]) < 20:
            return urls, body
        page += 1


@pytest.mark.parametrize("types", [(), ("article",), ("resource",)])
def test_title_matches_first_then_newest_on_every_page(client, entries, types):
    params = {"q": "教学", **({"type": ",".join(types)} if types else {})}

    urls, _body = _all_pages(client, params)

    assert urls == _expected(entries, ["教学"], types)
    assert "http://testserver/r/3/" not in urls  # staff only, never for the public


def test_two_words_rank_by_how_many_are_in_the_title(client, entries):
    urls, _body = _all_pages(client, {"q": "教学 课件"})

    expected = _expected(entries, ["教学", "课件"])
    assert urls == expected
    assert urls[0] == "http://testserver/r/21/"  # both words in the title, newest such


def test_a_word_in_no_title_is_listed_newest_first(client, entries):
    urls, _body = _all_pages(client, {"q": "课堂"})

    assert urls == _expected(entries, ["课堂"])
    assert urls[-2:] == ["http://testserver/r/14/", "http://testserver/r/13/"]  # undated last
