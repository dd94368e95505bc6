"""What the site search can find: a registry of types, each with a provider.

The portal registers its page types and the catalog's resources and e-books
(``providers.register_defaults``); an app above the catalog that has more to find (the
``interaction`` app's answered letters) calls :func:`register` from its ``ready()``::

    from edu_portal.cms.search import register
    register("letter", _("Answered letters"), LetterProvider())

A provider turns an object id into an :class:`Entry` (or None: "not searchable now, remove
it") and lists every searchable entry for a rebuild. The index code never imports the
providers' models, so a new type needs nothing but its provider.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.utils.functional import Promise

#: Type names go into URLs (``?type=``), the index and the facet counts: short and plain.
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,15}$")


@dataclass(frozen=True)
class Entry:
    """The searchable form of one object, the same for every backend.

    ``visibility`` is a level of ``edu_portal.access.Visibility`` (public, intranet,
    staff) or ``"login"`` (any signed-in person); a viewer sees the entry only when their
    levels include it. ``text`` is the whole searchable text; only its start is kept for
    snippets."""

    type: str
    object_id: int
    title: str
    text: str
    url: str
    published: datetime | None
    visibility: str = "public"


class Provider(Protocol):
    def entry_for(self, object_id: int) -> Entry | None:
        """The current entry, or None when the object must not be in the index."""

    def iter_entries(self, batch_size: int = 500) -> Iterator[list[Entry]]:
        """Every searchable entry of this type, in batches."""


@dataclass(frozen=True)
class SearchType:
    name: str
    label: str | Promise
    provider: Provider


_types: dict[str, SearchType] = {}


def register(type_name: str, label: str | Promise, provider: Provider) -> None:
    """Make ``type_name`` searchable (registering a name again replaces its provider)."""
    if not _NAME.match(type_name):
        raise ValueError(f"a search type name is 1-16 of a-z, 0-9 and _: {type_name!r}")
    _types[type_name] = SearchType(type_name, label, provider)


def unregister(type_name: str) -> None:
    _types.pop(type_name, None)


def get(type_name: str) -> SearchType | None:
    return _types.get(type_name)


def types() -> list[SearchType]:
    """Registered types in the order they were registered (the facets' order)."""
    return list(_types.values())
