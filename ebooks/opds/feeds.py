"""Atom documents of the OPDS 1.2 catalog, built with ElementTree.

Views describe a feed with plain data (:class:`Feed`, :class:`Entry`, :class:`Link`); this
module only knows the namespaces and the element order OPDS readers expect. It makes no
queries and takes no decisions about who may see what.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
OPDS = "http://opds-spec.org/2010/catalog"
DC = "http://purl.org/dc/terms/"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
THREAD = "http://purl.org/syndication/thread/1.0"

# Names are written with these prefixes and all of them declared on the root element, as
# readers' examples show them (ElementTree's own namespace handling would give ns0:feed, or
# refuse plain attributes next to a default namespace). Atom is the default namespace.
_PREFIXES = {ATOM: "", OPDS: "opds", DC: "dc", OPENSEARCH: "opensearch", THREAD: "thr"}

NAVIGATION = "navigation"
ACQUISITION = "acquisition"
CATALOG_TYPE = "application/atom+xml;profile=opds-catalog"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"

REL_ACQUISITION = "http://opds-spec.org/acquisition"
REL_IMAGE = "http://opds-spec.org/image"
REL_THUMBNAIL = "http://opds-spec.org/image/thumbnail"
REL_SORT_NEW = "http://opds-spec.org/sort/new"

# Fixed, so that entry and feed ids stay the same across deployments and restarts.
_ID_NAMESPACE = uuid.UUID("8f5f0a4e-3c1e-5b7e-9a53-6f2d7c1b0e42")


def catalog_type(kind: str) -> str:
    return f"{CATALOG_TYPE};kind={kind}"


def urn(name: str) -> str:
    """A stable ``urn:uuid:`` for ``name`` (``resource:42``, ``feed:/opds/new/``)."""
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, name)}"


@dataclass(frozen=True)
class Link:
    rel: str
    href: str
    type: str
    title: str = ""
    count: int | None = None  # thr:count: how many entries a navigation link leads to


@dataclass(frozen=True)
class Category:
    scheme: str
    term: str
    label: str


@dataclass
class Entry:
    id: str
    title: str
    updated: datetime
    links: list[Link]
    authors: list[str] = field(default_factory=list)
    summary: str = ""
    content: str = ""  # navigation entries: a short text under the title
    categories: list[Category] = field(default_factory=list)
    published: datetime | None = None
    language: str = ""
    publisher: str = ""
    issued: str = ""
    identifiers: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)


@dataclass
class Page:
    total: int
    per_page: int
    start_index: int  # 1-based index of the first entry on this page


@dataclass
class Feed:
    id: str
    title: str
    updated: datetime
    kind: str
    links: list[Link]
    entries: list[Entry]
    author: str = ""
    subtitle: str = ""
    page: Page | None = None

    @property
    def content_type(self) -> str:
        return catalog_type(self.kind)


def _q(namespace: str, name: str) -> str:
    prefix = _PREFIXES[namespace]
    return f"{prefix}:{name}" if prefix else name


def _root(name: str, default: str) -> ET.Element:
    attrs = {"xmlns": default}
    attrs.update({f"xmlns:{p}": uri for uri, p in _PREFIXES.items() if p and uri != default})
    return ET.Element(name, attrs)


def _text(parent: ET.Element, namespace: str, name: str, text: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, _q(namespace, name), attrs)
    element.text = text
    return element


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _link(parent: ET.Element, link: Link) -> None:
    attrs = {"rel": link.rel, "href": link.href, "type": link.type}
    if link.title:
        attrs["title"] = link.title
    if link.count is not None:
        attrs[_q(THREAD, "count")] = str(link.count)
    ET.SubElement(parent, _q(ATOM, "link"), attrs)


def _entry(parent: ET.Element, entry: Entry) -> None:
    element = ET.SubElement(parent, _q(ATOM, "entry"))
    _text(element, ATOM, "title", entry.title)
    _text(element, ATOM, "id", entry.id)
    _text(element, ATOM, "updated", _iso(entry.updated))
    if entry.published is not None:
        _text(element, ATOM, "published", _iso(entry.published))
    for name in entry.authors:
        author = ET.SubElement(element, _q(ATOM, "author"))
        _text(author, ATOM, "name", name)
    if entry.language:
        _text(element, DC, "language", entry.language)
    if entry.publisher:
        _text(element, DC, "publisher", entry.publisher)
    if entry.issued:
        _text(element, DC, "issued", entry.issued)
    for identifier in entry.identifiers:
        _text(element, DC, "identifier", identifier)
    for subject in entry.subjects:
        _text(element, DC, "subject", subject)
    for category in entry.categories:
        ET.SubElement(
            element,
            _q(ATOM, "category"),
            {"scheme": category.scheme, "term": category.term, "label": category.label},
        )
    if entry.summary:
        _text(element, ATOM, "summary", entry.summary, type="text")
    if entry.content:
        _text(element, ATOM, "content", entry.content, type="text")
    for link in entry.links:
        _link(element, link)


def render(feed: Feed) -> bytes:
    """The feed as UTF-8 XML with its declaration."""
    root = _root("feed", ATOM)
    _text(root, ATOM, "id", feed.id)
    _text(root, ATOM, "title", feed.title)
    if feed.subtitle:
        _text(root, ATOM, "subtitle", feed.subtitle)
    _text(root, ATOM, "updated", _iso(feed.updated))
    if feed.author:
        author = ET.SubElement(root, _q(ATOM, "author"))
        _text(author, ATOM, "name", feed.author)
    for link in feed.links:
        _link(root, link)
    if feed.page is not None:
        _text(root, OPENSEARCH, "totalResults", str(feed.page.total))
        _text(root, OPENSEARCH, "itemsPerPage", str(feed.page.per_page))
        _text(root, OPENSEARCH, "startIndex", str(feed.page.start_index))
    for entry in feed.entries:
        _entry(root, entry)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def opensearch_description(
    *, short_name: str, description: str, template: str, language: str
) -> bytes:
    """The OpenSearch 1.1 description that tells readers how to search the catalog."""
    root = ET.Element("OpenSearchDescription", {"xmlns": OPENSEARCH})
    for name, text in (
        ("ShortName", short_name[:16]),
        ("Description", description),
        ("InputEncoding", "UTF-8"),
        ("OutputEncoding", "UTF-8"),
        ("Language", language),
    ):
        ET.SubElement(root, name).text = text
    ET.SubElement(root, "Url", {"type": catalog_type(ACQUISITION), "template": template})
    ET.SubElement(root, "Url", {"type": CATALOG_TYPE, "template": template})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
