"""Serving a published annual report: the portal's rich text has no tables, so the article
(its body holds the section texts, for search, feeds and printing) is shown with the tables
of the figures as published, from an ``on_serve_page`` hook (``wagtail_hooks``).

An ``on_serve_page`` hook, not ``before_serve_page``: Wagtail runs every
``before_serve_page`` hook before the ``on_serve_page`` chain, so a report rendered there
skipped the integrity ledger's check (operations, order 150) and showed a body altered in
the database. Registered at order 200, inside that check (and inside the page cache, 100,
which a publication of the report empties: publishing it publishes the page), this renders
the page the check hands on, its last verified revision when the row was altered.

The texts shown are the body's paragraphs as published (an editor may correct a typo in the
admin); the figures come from ``AnnualReport.published_figures``, never recomputed here."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from django.template.response import TemplateResponse

from edu_portal.disclosure import annual_display
from edu_portal.disclosure.annual_models import SECTIONS, AnnualReport

_BLOCK = re.compile(r"<(h2|p)>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def sections_from_body(body: str) -> list[dict]:
    """The body's ``<h2>`` headings with the paragraphs under each, as plain text."""
    by_heading = {heading: name for name, heading in SECTIONS}
    sections: list[dict] = []
    for tag, inner in _BLOCK.findall(body or ""):
        text = unescape(_TAG.sub("", inner)).strip()
        if tag == "h2":
            sections.append({"name": by_heading.get(text, ""), "heading": text, "lines": []})
        elif sections and text:
            sections[-1]["lines"].append(text)
    return sections


def serve_hook(next_serve: Callable) -> Callable:
    """``on_serve_page``: the report's rendering for its article, ``next_serve`` otherwise."""

    def serve(page, request, args, kwargs):
        response = serve_report(page, request, args, kwargs)
        return response if response is not None else next_serve(page, request, args, kwargs)

    return serve


def serve_report(page, request, serve_args, serve_kwargs):
    """The annual report's own rendering of its article; ``None`` (Wagtail serves as
    usual) for every other page and for sub-routes such as ``print/``."""
    if page.specific_class is None or page.specific_class.__name__ != "ArticlePage":
        return None
    if serve_args and getattr(serve_args[0], "__name__", "") != "index_route":
        return None
    report = AnnualReport.objects.filter(page_id=page.pk, published_at__isnull=False).first()
    if report is None:
        return None
    page = page.specific
    figures = report.published_figures
    context = {
        **page.get_context(request),
        "report": report,
        "sections": sections_from_body(page.body),
        **annual_display.context(figures, figures.get("entered", {})),
    }
    return TemplateResponse(request, "disclosure/annual_page.html", context)
