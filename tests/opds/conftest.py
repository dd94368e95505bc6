"""E-books for the OPDS tests, made directly as rows (the ingest has its own tests), with
small stored objects for the book file, the cover and the thumbnail."""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree as ET
from django.utils import timezone

from catalog.models import Blob, Resource, ResourceFile
from catalog.search import services
from catalog.taxonomy import Collection, Subject, stage_of_grade
from ebooks.models import EBook
from edu_portal.storage import get_storage
from edu_portal.workflow.models import State

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "opds": "http://opds-spec.org/2010/catalog",
    "dc": "http://purl.org/dc/terms/",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
    "thr": "http://purl.org/syndication/thread/1.0",
}
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
BOOK_BYTES = b"PK\x03\x04" + bytes(range(256)) * 8  # 2052 bytes, enough for ranges
PASSWORD = "Reader-pass-2024"
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _opds_settings(settings, tmp_path, intranet_settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.SEARCH_URL = "db://"
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()
    return settings


def stored_blob(content: bytes, content_type: str) -> Blob:
    sha = hashlib.sha256(content + str(next(_serial)).encode()).hexdigest()
    key = Blob.key_for(sha)
    get_storage().put_bytes(key, content, content_type=content_type)
    return Blob.objects.create(sha256=sha, size=len(content), content_type=content_type, key=key)


@pytest.fixture
def make_ebook(teacher):
    """``make_ebook(title, **fields)``: a published e-book by the teacher, indexed."""

    def make(
        title: str,
        *,
        book_format: str = "epub",
        cover: bool = True,
        thumbnail: bool = True,
        index: bool = True,
        age_minutes: int = 0,
        **fields,
    ) -> Resource:
        subject = fields.pop("subject", None)
        if isinstance(subject, str):
            subject = Subject.objects.get(code=subject)
        collection = fields.pop("collection", None)
        if isinstance(collection, str):
            collection = Collection.objects.get(slug=collection)
        fields.setdefault("state", State.PUBLISHED)
        fields.setdefault("visibility", "intranet")
        fields.setdefault("status", Resource.Status.READY)
        if fields["state"] == State.PUBLISHED:
            fields.setdefault("published_at", timezone.now() - timedelta(minutes=age_minutes))
        if fields.get("grade"):
            fields.setdefault("stage", stage_of_grade(fields["grade"]))
        resource = Resource.objects.create(
            title=title,
            kind=Resource.Kind.EBOOK,
            uploader=fields.pop("uploader", teacher),
            org_unit=teacher.org_unit,
            subject=subject,
            collection=collection,
            description=fields.pop("description", f"{title}的内容简介。"),
            **fields,
        )
        types = {"epub": "application/epub+zip", "pdf": "application/pdf", "txt": "text/plain"}
        blob = stored_blob(BOOK_BYTES, types[book_format])
        ResourceFile.objects.create(
            resource=resource,
            blob=blob,
            role=ResourceFile.Role.ORIGINAL,
            filename=f"{title}.{book_format}",
        )
        EBook.objects.create(
            resource=resource,
            format=book_format,
            authors=["鲁迅", "周作人"],
            publisher="人民教育出版社",
            language="zh",
            isbn="9787107123456",
            subjects=["文学"],
            issued="2019-08",
            cover=stored_blob(b"\xff\xd8\xff cover", "image/jpeg") if cover else None,
            thumbnail=stored_blob(b"\xff\xd8\xff thumb", "image/jpeg") if thumbnail else None,
        )
        if index:
            services.update(resource.pk)
        return resource

    return make


def parse(response) -> Element:
    """The response body as an Atom feed, after checking the OPDS basics every feed has."""
    assert response.status_code == 200, response.content[:300]
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{NS['atom']}}}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"atom:{name}", NS) is not None, name
    rels = {link.get("rel") for link in root.findall("atom:link", NS)}
    assert {"self", "start", "search"} <= rels
    search = link(root, "search")
    assert search.get("type") == "application/opensearchdescription+xml"
    for entry in root.findall("atom:entry", NS):
        for name in ("id", "title", "updated"):
            assert entry.find(f"atom:{name}", NS) is not None, name
    return root


def link(element: Element, rel: str) -> Element | None:
    for item in element.findall("atom:link", NS):
        if item.get("rel") == rel:
            return item
    return None


def entries(root: Element) -> list[Element]:
    return root.findall("atom:entry", NS)


def titles(root: Element) -> list[str]:
    return [entry.findtext("atom:title", namespaces=NS) for entry in entries(root)]


def path_of(href: str) -> str:
    """The path and query of an absolute link, for the test client."""
    return "/" + href.split("://", 1)[1].split("/", 1)[1]


def basic(username: str, password: str) -> dict:
    import base64

    value = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {value}"}
