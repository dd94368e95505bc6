"""The one allow-list of a notice's rich text, used wherever a body is stored or shown
(the action that saves it, the inbox, the sender's preview, the e-mail). It depends on
nothing else in the app, so the channels can use it without an import circle."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "h3", "h4",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}


def clean_body(html: str) -> str:
    """The body as stored: basic formatting only; links http(s) with rel=noopener."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
    ).strip()
