"""The feeds parse as Atom and carry what OPDS 1.2 readers need."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as ET
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.opds.conftest import (
    ACQUISITION,
    NAVIGATION,
    NS,
    entries,
    link,
    parse,
    path_of,
    titles,
)

pytestmark = pytest.mark.django_db


def test_root_is_a_navigation_feed(client, make_ebook):
    make_ebook("呐喊")
    response = client.get("/opds/")
    assert response["Content-Type"] == NAVIGATION
    root = parse(response)
    assert link(root, "self").get("href") == "http://testserver/opds/"
    assert link(root, "start").get("type") == NAVIGATION
    hrefs = {
        path_of(item.get("href")) for e in entries(root) for item in e.findall("atom:link", NS)
    }
    assert hrefs == {"/opds/new/", "/opds/subjects/", "/opds/grades/", "/opds/collections/"}
    new = link(entries(root)[0], "http://opds-spec.org/sort/new")
    assert new.get("type") == ACQUISITION
    for entry in entries(root):
        assert entry.findtext("atom:content", namespaces=NS)


def test_acquisition_entry_has_metadata_and_links(client, make_ebook, teacher):
    book = make_ebook("呐喊", subject="chinese", grade=7, collection=None)
    client.force_login(teacher)
    response = client.get("/opds/new/")
    assert response["Content-Type"] == ACQUISITION
    root = parse(response)
    (entry,) = entries(root)
    assert entry.findtext("atom:title", namespaces=NS) == "呐喊"
    assert entry.findtext("atom:id", namespaces=NS).startswith("urn:uuid:")
    assert [a.findtext("atom:name", namespaces=NS) for a in entry.findall("atom:author", NS)] == [
        "鲁迅",
        "周作人",
    ]
    assert entry.findtext("dc:language", namespaces=NS) == "zh"
    assert entry.findtext("dc:publisher", namespaces=NS) == "人民教育出版社"
    assert entry.findtext("dc:issued", namespaces=NS) == "2019-08"
    assert entry.findtext("dc:identifier", namespaces=NS) == "urn:isbn:9787107123456"
    assert entry.findtext("atom:summary", namespaces=NS) == "呐喊的内容简介。"
    terms = {(c.get("term"), c.get("label")) for c in entry.findall("atom:category", NS)}
    assert ("chinese", "语文") in terms or any(term == "chinese" for term, _l in terms)
    assert ("7", "Grade 7") in terms
    cover = link(entry, "http://opds-spec.org/image")
    assert path_of(cover.get("href")) == f"/opds/covers/{book.pk}.jpg"
    assert cover.get("type") == "image/jpeg"
    thumb = link(entry, "http://opds-spec.org/image/thumbnail")
    assert path_of(thumb.get("href")) == f"/opds/thumbnails/{book.pk}.jpg"
    acquisition = link(entry, "http://opds-spec.org/acquisition")
    assert path_of(acquisition.get("href")) == f"/opds/books/{book.pk}.epub"
    assert acquisition.get("type") == "application/epub+zip"
    assert path_of(link(entry, "alternate").get("href")) == f"/resources/{book.pk}/"
    # The same resource keeps the same id.
    again = parse(client.get("/opds/new/"))
    assert entries(again)[0].findtext("atom:id", namespaces=NS) == entry.findtext(
        "atom:id", namespaces=NS
    )


@pytest.mark.parametrize(
    ("book_format", "media_type"),
    [("epub", "application/epub+zip"), ("pdf", "application/pdf"), ("txt", "text/plain")],
)
def test_acquisition_type_per_format(client, make_ebook, teacher, book_format, media_type):
    book = make_ebook("书", book_format=book_format)
    client.force_login(teacher)
    (entry,) = entries(parse(client.get("/opds/new/")))
    acquisition = link(entry, "http://opds-spec.org/acquisition")
    assert acquisition.get("type") == media_type
    assert acquisition.get("href").endswith(f"/opds/books/{book.pk}.{book_format}")


def test_student_gets_no_acquisition_link_but_the_web_page(client, make_ebook, student):
    make_ebook("呐喊")
    client.force_login(student)
    (entry,) = entries(parse(client.get("/opds/new/")))
    assert link(entry, "http://opds-spec.org/acquisition") is None
    assert link(entry, "alternate").get("type") == "text/html"


def test_book_without_cover_has_no_image_links(client, make_ebook):
    make_ebook("无封面", cover=False, thumbnail=False)
    (entry,) = entries(parse(client.get("/opds/new/")))
    assert link(entry, "http://opds-spec.org/image") is None
    assert link(entry, "http://opds-spec.org/image/thumbnail") is None


def test_pagination_across_120_books(client, make_ebook):
    for number in range(120):
        make_ebook(f"书{number:03d}", age_minutes=number, index=False)
    first = parse(client.get("/opds/new/"))
    assert first.findtext("os:totalResults", namespaces=NS) == "120"
    assert first.findtext("os:itemsPerPage", namespaces=NS) == "50"
    assert first.findtext("os:startIndex", namespaces=NS) == "1"
    assert titles(first)[:2] == ["书000", "书001"]
    assert link(first, "previous") is None
    assert path_of(link(first, "first").get("href")) == "/opds/new/"
    assert path_of(link(first, "last").get("href")) == "/opds/new/?page=3"
    seen = titles(first)
    page = first
    while link(page, "next") is not None:
        next_href = path_of(link(page, "next").get("href"))
        page = parse(client.get(next_href))
        assert link(page, "previous") is not None
        seen += titles(page)
    assert len(seen) == 120 == len(set(seen))
    assert page.findtext("os:startIndex", namespaces=NS) == "101"
    assert path_of(link(page, "previous").get("href")) == "/opds/new/?page=2"
    assert path_of(link(page, "self").get("href")) == "/opds/new/?page=3"
    second = parse(client.get("/opds/new/?page=2"))
    assert path_of(link(second, "previous").get("href")) == "/opds/new/"
    assert client.get("/opds/new/?page=9").status_code == 404
    assert client.get("/opds/new/?page=abc").status_code == 200


def test_feed_page_costs_a_handful_of_queries(client, make_ebook, teacher):
    for number in range(30):
        make_ebook(f"书{number}", subject="math", grade=3, index=False)
    client.force_login(teacher)
    client.get("/opds/new/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        parse(client.get("/opds/new/"))
    assert len(queries) <= 8, [q["sql"][:120] for q in queries]


def test_drafts_deleted_and_other_kinds_are_never_listed(client, make_ebook, teacher):
    from django.utils import timezone

    from catalog.models import Resource

    make_ebook("已发布")
    make_ebook("草稿", state="draft")
    make_ebook("审核中", state="pending")
    make_ebook("已删除", deleted_at=timezone.now())
    Resource.objects.create(
        title="课件", kind="courseware", uploader=teacher, state="published", visibility="public"
    )
    client.force_login(teacher)
    for path in ("/opds/new/", "/opds/search/?q="):
        assert titles(parse(client.get(path))) == ["已发布"]


def test_subject_grade_and_collection_feeds(client, make_ebook):
    from catalog.taxonomy import Collection

    collection = Collection.objects.order_by("order").first()
    make_ebook("数学书", subject="math", grade=3, collection=collection)
    make_ebook("语文书", subject="chinese", grade=7)
    make_ebook("语文书二", subject="chinese", grade=7)

    subjects = parse(client.get("/opds/subjects/"))
    assert subjects.get("kind") is None
    counts = {
        path_of(link(e, "subsection").get("href")): link(e, "subsection").get(
            f"{{{NS['thr']}}}count"
        )
        for e in entries(subjects)
    }
    assert counts == {"/opds/subjects/math/": "1", "/opds/subjects/chinese/": "2"}
    assert link(subjects, "up").get("href").endswith("/opds/")
    assert titles(parse(client.get("/opds/subjects/chinese/"))) == ["语文书二", "语文书"]
    assert client.get("/opds/subjects/no-such/").status_code == 404

    grades = parse(client.get("/opds/grades/"))
    assert titles(grades) == ["Grade 3", "Grade 7"]
    grade_feed = parse(client.get("/opds/grades/3/"))
    assert titles(grade_feed) == ["数学书"]
    assert link(grade_feed, "up").get("href").endswith("/opds/grades/")
    assert client.get("/opds/grades/13/").status_code == 404

    collections = parse(client.get("/opds/collections/"))
    assert len(entries(collections)) == 1
    assert titles(parse(client.get(f"/opds/collections/{collection.slug}/"))) == ["数学书"]


def test_grade_labels_follow_the_language(client, make_ebook, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    make_ebook("数学书", subject="math", grade=3)
    grades = parse(client.get("/opds/grades/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert titles(grades) == ["三年级"]


def test_opensearch_description_and_search(client, make_ebook):
    make_ebook("勾股定理讲义")
    make_ebook("唐诗三百首")
    response = client.get("/opds/opensearch.xml")
    assert response["Content-Type"] == "application/opensearchdescription+xml"
    description = ET.fromstring(response.content)
    assert description.tag == f"{{{NS['os']}}}OpenSearchDescription"
    urls = description.findall("os:Url", NS)
    assert {u.get("type") for u in urls} >= {"application/atom+xml;profile=opds-catalog"}
    template = urls[0].get("template")
    assert template.endswith("/opds/search/?q={searchTerms}")

    root = parse(client.get(path_of(template.replace("{searchTerms}", "勾股"))))
    assert titles(root) == ["勾股定理讲义"]
    assert root.findtext("os:totalResults", namespaces=NS) == "1"
    assert "q=" in link(root, "self").get("href")


def test_search_pages_keep_the_query(client, make_ebook):
    for number in range(55):
        make_ebook(f"物理练习{number}", age_minutes=number)
    root = parse(client.get("/opds/search/?q=物理"))
    assert root.findtext("os:totalResults", namespaces=NS) == "55"
    next_href = path_of(link(root, "next").get("href"))
    assert "q=" in next_href and "page=2" in next_href
    assert len(entries(parse(client.get(next_href)))) == 5
