"""The resource list: browse steps with counts, search with facets and highlights,
pagination and sorting, and what the page says when the search engine is down."""

from __future__ import annotations

import html
import re

import pytest

from catalog import browse
from catalog.search import SearchUnavailable

pytestmark = pytest.mark.django_db


def page(client, url="/resources/", **extra) -> str:
    """The page in English: the Chinese catalogue of these new strings comes with the
    lead's translation pass (see /tmp/notes/zh_pages.json)."""
    extra.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode()


def links(text: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', text)]


def test_empty_catalog_says_so_and_what_it_will_hold(client):
    text = page(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "暂无内容" in text
    assert "本栏目将提供" in text


def test_browse_steps_stage_grade_subject_book_unit_lesson(client, make_resource, book):
    make_resource("勾股定理课件", grade=8, subject="math", textbook_node=book["lesson1"])
    make_resource("逆定理练习", grade=8, subject="math", textbook_node=book["lesson2"])
    make_resource("平行四边形", grade=8, subject="math", textbook_node=book["unit2"])
    make_resource("拼音", grade=1, subject="chinese")

    text = page(client)
    assert "Choose a school stage" in text
    assert re.search(r"Primary school\s*<span class=\"count\">1</span>", text)
    assert re.search(r"Junior high school\s*<span class=\"count\">3</span>", text)
    assert "Senior" not in text.split("browse-options", 1)[1].split("</ul>", 1)[0]

    text = page(client, "/resources/?stage=junior")
    assert re.search(r"Grade 8\s*<span class=\"count\">3</span>", text)
    assert "Grade 7 <span" not in text

    text = page(client, "/resources/?stage=junior&grade=8")
    assert re.search(r"数学\s*<span class=\"count\">3</span>", text)

    text = page(client, "/resources/?stage=junior&grade=8&subject=math")
    assert re.search(r"人教版 · 八年级上册\s*<span class=\"count\">3</span>", text)

    text = page(client, f"/resources/?stage=junior&grade=8&subject=math&node={book['book'].pk}")
    assert re.search(r"第十七章 勾股定理\s*<span class=\"count\">2</span>", text)
    assert re.search(r"第十八章 平行四边形\s*<span class=\"count\">1</span>", text)
    assert "3 resources" in text

    unit = book["unit1"].pk
    text = page(client, f"/resources/?stage=junior&grade=8&subject=math&node={unit}")
    assert re.search(r"17.1 勾股定理\s*<span class=\"count\">1</span>", text)
    assert "勾股定理课件" in text and "逆定理练习" in text and "平行四边形</a>" not in text
    # The trail leads back up, every level a link.
    trail = text.split('class="browse-trail"', 1)[1].split("</nav>", 1)[0]
    assert "All resources" in trail
    assert "人教版 · 八年级上册" in trail


def test_search_highlights_and_facets(client, make_resource):
    make_resource("勾股定理课件", grade=8, subject="math", description="直角三角形")
    make_resource("勾股定理练习", grade=8, subject="math", kind="exercise")
    make_resource("古诗两首", grade=3, subject="chinese")

    text = page(client, "/resources/?q=勾股")
    assert "<mark>勾股</mark>" in text
    assert "古诗两首" not in text
    facet_links = [href for href in links(text) if "kind=exercise" in href]
    assert facet_links, "the kind facet links to a filtered list"
    assert re.search(r"Exercise</span>\s*<span class=\"count\">1</span>", text)

    filtered = page(client, facet_links[0])
    # Titles carry <mark>勾股</mark>: look for the rest of them.
    assert "定理练习" in filtered and "定理课件" not in filtered
    # The chosen value is shown as removable, and removing it restores the list.
    chosen = filtered.split('class="chosen"', 1)[1].split("</ul>", 1)[0]
    remove = links(chosen)[0]
    assert "kind=" not in remove and "q=" in remove
    assert "定理课件" in page(client, remove)


def test_highlight_fragments_cannot_carry_markup():
    fragment = "&lt;script&gt;x&lt;/script&gt;<mark>勾股</mark><img src=x onerror=alert(1)>"
    safe = browse.safe_fragment(fragment)
    assert "<mark>勾股</mark>" in safe
    assert "<script" not in safe and "<img" not in safe


def test_no_results_help(client, make_resource):
    make_resource("勾股定理课件", grade=8, subject="math")
    text = page(client, "/resources/?q=量子力学")
    assert "No resources found" in text
    assert 'href="/resources/"' in text


def test_pagination_and_sort(client, make_resource):
    for number in range(23):
        make_resource(f"练习卷{number:02d}", age_days=number, download_count=number)
    first = page(client)
    assert "23 resources" in first
    assert first.count('class="resource-item"') == 20
    assert "练习卷00" in first and "练习卷22" not in first
    assert 'href="/resources/?page=2"' in first
    second = page(client, "/resources/?page=2")
    assert second.count('class="resource-item"') == 3
    assert "练习卷22" in second
    assert 'aria-current="page" class="current">2<' in second

    most = page(client, "/resources/?sort=downloads")
    assert most.index("练习卷22") < most.index("练习卷21")
    # Beyond the last page: an empty page, not an error.
    assert page(client, "/resources/?page=99").count('class="resource-item"') == 0
    assert page(client, "/resources/?page=abc").count('class="resource-item"') == 20


def test_only_published_and_visible_are_listed(client, make_resource, intranet_settings):
    make_resource("公开课件", grade=8, subject="math")
    make_resource("内网课件", grade=8, subject="math", visibility="intranet")
    make_resource("草稿课件", grade=8, subject="math", state="draft")
    outside = page(client, REMOTE_ADDR="10.9.9.1", HTTP_X_FORWARDED_FOR="8.8.8.8")
    assert "公开课件" in outside
    assert "内网课件" not in outside
    assert "草稿课件" not in outside
    inside = page(client, REMOTE_ADDR="10.1.2.3")
    assert "内网课件" in inside and "草稿课件" not in inside


def test_search_down_with_words_says_so(client, make_resource, monkeypatch):
    make_resource("勾股定理课件", grade=8, subject="math")

    def down(query):
        raise SearchUnavailable("connection refused")

    monkeypatch.setattr(browse, "search", down)
    text = page(client, "/resources/?q=勾股")
    assert "Search is not working at the moment." in text
    assert "勾股定理课件" not in text


def test_search_down_browsing_falls_back_to_the_database(client, make_resource, monkeypatch):
    make_resource("勾股定理课件", grade=8, subject="math", collection="local")
    make_resource("古诗两首", grade=3, subject="chinese", kind="exercise")
    monkeypatch.setattr(browse, "search", lambda query: (_ for _ in ()).throw(SearchUnavailable()))
    text = page(client, "/resources/?stage=junior")
    assert "勾股定理课件" in text and "古诗两首" not in text
    assert 'role="status"' in text
    facet = [href for href in links(text) if "collection=local" in href]
    assert facet
    assert "勾股定理课件" in page(client, facet[0])


def test_videos_section_lists_videos_only(client, make_resource, intranet_settings):
    make_resource("课堂实录", kind="video", grade=8, subject="math")
    make_resource("勾股定理课件", grade=8, subject="math")
    text = page(client, "/videos/", REMOTE_ADDR="10.1.2.3")
    assert "课堂实录" in text and "勾股定理课件" not in text
    assert 'href="/videos/" aria-current="page"' in text


def test_english(client, make_resource):
    make_resource("勾股定理课件", grade=8, subject="math")
    text = page(client, HTTP_ACCEPT_LANGUAGE="en")
    assert "Choose a school stage" in text
    assert "1 resource" in text
