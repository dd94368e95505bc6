"""Reading a search request: the query, the type filter and the page, checked, with a
sentence for the person when something is wrong; and what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext as _

from catalog import policy
from edu_portal.cms.search import registry
from edu_portal.cms.search.query import MAX_QUERY, MAX_WINDOW, PAGE_SIZE, SiteQuery


class BadSearch(ValueError):
    """A request the search cannot answer; ``str()`` says why, for the person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Params:
    text: str
    types: tuple[str, ...]
    page: int


def parse(data: QueryDict, *, require_text: bool = True) -> Params:
    text = (data.get("q") or "").strip()
    if not text and require_text:
        raise BadSearch("empty_query", _("Type one or more words to search for."))
    if len(text) > MAX_QUERY:
        raise BadSearch(
            "query_too_long",
            _("The search words are too long: use at most %(max)d characters.")
            % {"max": MAX_QUERY},
        )
    if text and not any(ch.isalnum() for ch in text):
        raise BadSearch("empty_query", _("Type letters, digits or Chinese characters to search."))
    types = tuple(t for value in data.getlist("type") for t in value.split(",") if t)
    known = {t.name for t in registry.types()}
    unknown = sorted(set(types) - known)
    if unknown:
        raise BadSearch(
            "unknown_type",
            _("There is no type %(given)s to search in; choose from: %(known)s.")
            % {"given": ", ".join(unknown), "known": ", ".join(sorted(known))},
        )
    raw_page = (data.get("page") or "1").strip()
    last = MAX_WINDOW // PAGE_SIZE
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= last:
        raise BadSearch(
            "bad_page",
            _("The page must be a whole number from 1 to %(last)d.") % {"last": last},
        )
    return Params(text, types, int(raw_page))


def visible_levels(request) -> tuple[str, ...]:
    """The catalog's network rules (public; intranet on the intranet or with remote access;
    staff for staff on the intranet), and pages for signed-in people when signed in."""
    levels = list(policy.visible_levels(request))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        levels.append("login")
    return tuple(levels)


def query_for(request, params: Params) -> SiteQuery:
    return SiteQuery(
        text=params.text,
        types=params.types,
        page=params.page,
        page_size=PAGE_SIZE,
        visibilities=visible_levels(request),
    )
