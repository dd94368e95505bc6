"""One allow-list for the portal's rich text, in Wagtail's database format.

Editors paste from Word, and the DOCX import and the old site's export bring HTML of their
own: mso styles, ``<o:p>``, ``<span style>``, ``<font>``, classes, conditional comments,
sometimes scripts or ``javascript:`` links. :func:`clean_html` keeps only what the editor's
features (``RICH_TEXT_FEATURES``) can express, written the way Wagtail stores it
(``<b>``, ``<i>``, ``<a linktype="page" id="3">``, ``<embed embedtype="image" .../>``).

:func:`connect` hooks it in front of every write of a cms page: the page row (``pre_save``)
and the revision that holds a draft (``pre_save`` of Wagtail's ``Revision``), so nothing
dirty reaches the database by the admin, the import or code calling ``save()``.
"""

from __future__ import annotations

import re

import nh3
from django.db.models.signals import pre_save
from wagtail.fields import RichTextField
from wagtail.models import Page, Revision

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "b", "i", "ol", "ul", "li", "hr", "br", "a", "embed",
    # Renamed below to what Wagtail stores; allowed here so their text keeps its form.
    "strong", "em", "h1", "h5", "h6",
}  # fmt: skip
# Attributes whose values are a fixed set (nh3 drops the attribute for any other value).
ATTRIBUTE_VALUES = {
    "a": {"linktype": {"page", "document"}},
    "embed": {"embedtype": {"image"}, "format": {"fullwidth", "left", "right"}},
}
ATTRIBUTES = {"a": {"href", "id"}, "embed": {"id", "alt"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Removed with their content (Word's clipboard carries its style sheet and XML islands).
DROPPED_WITH_CONTENT = {"script", "style", "xml", "title", "head", "template", "noscript"}

_RENAMES = [
    (re.compile(r"<(/?)strong>"), r"<\1b>"),
    (re.compile(r"<(/?)em>"), r"<\1i>"),
    (re.compile(r"<(/?)h1>"), r"<\1h2>"),
    (re.compile(r"<(/?)h[56]>"), r"<\1h4>"),
    # Wagtail's rewriter finds embeds only in their self-closing form; void elements are
    # written that way too, as Wagtail's own converter writes them.
    (re.compile(r"<(embed\b[^>]*?|br|hr)\s*/?>"), r"<\1/>"),
    # Line breaks and indentation between blocks (Word's and mammoth's) carry nothing.
    (re.compile(r"(</?(?:p|h[2-4]|ol|ul|li)>|<hr/>)\s+(?=</?(?:p|h[2-4]|ol|ul|li|hr)\b)"), r"\1"),
    # A paragraph left empty by the cleaning (Word's <p><o:p>&nbsp;</o:p></p> spacers).
    (re.compile(r"<p>(?:\s|&nbsp;|\xa0)*</p>"), ""),
]


# Word's fallback list markers (a bullet glyph and spaces) between <![if !supportLists]> and
# <![endif]>: removed before cleaning (nh3 still cleans whatever is left).
_WORD_LIST_MARKER = re.compile(r"<!\[if !supportLists\]>.*?<!\[endif\]>", re.S | re.I)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # Ids of linked pages, documents and images are numbers; anything else is not ours.
    if attribute == "id" and not value.isdigit():
        return None
    return value


def clean_html(html: str) -> str:
    """``html`` reduced to the portal's rich-text features, in Wagtail's DB format."""
    if not html:
        return ""
    cleaned = nh3.clean(
        _WORD_LIST_MARKER.sub("", html),
        tags=ALLOWED_TAGS,
        attributes=ATTRIBUTES,
        tag_attribute_values=ATTRIBUTE_VALUES,
        attribute_filter=_attribute_filter,
        clean_content_tags=DROPPED_WITH_CONTENT,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    for pattern, replacement in _RENAMES:
        cleaned = pattern.sub(replacement, cleaned)
    return cleaned.strip()


def rich_text_fields(model: type) -> list[str]:
    return [
        field.attname for field in model._meta.concrete_fields if isinstance(field, RichTextField)
    ]


def _is_portal_page(model: type) -> bool:
    return issubclass(model, Page) and model._meta.app_label == "cms"


def clean_page(sender: type, instance: Page, **kwargs: object) -> None:
    if kwargs.get("raw") or not _is_portal_page(sender):
        return
    for name in rich_text_fields(sender):
        value = getattr(instance, name)
        if value:
            setattr(instance, name, clean_html(value))


def clean_revision(sender: type, instance: Revision, **kwargs: object) -> None:
    if kwargs.get("raw") or not isinstance(instance.content, dict):
        return
    model = instance.content_type.model_class() if instance.content_type_id else None
    if model is None or not _is_portal_page(model):
        return
    for name in rich_text_fields(model):
        value = instance.content.get(name)
        if isinstance(value, str) and value:
            instance.content[name] = clean_html(value)


def connect() -> None:
    """Called once from the app's ``ready()``."""
    pre_save.connect(clean_page, dispatch_uid="cms.richtext.clean_page")
    pre_save.connect(clean_revision, sender=Revision, dispatch_uid="cms.richtext.clean_revision")
