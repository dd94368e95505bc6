"""Alternative text is required for every image on the portal (适老化 and accessibility,
issue 14 item 8): a screen reader reads the alt text, and an image without one is a hole
in the page for a blind visitor.

One check, on every rich-text field of every portal page: the images editors put in rich
text are ``<embed embedtype="image" ... alt="...">`` in Wagtail's stored format, and an
empty or missing ``alt`` (Wagtail's chooser lets an editor mark an image "decorative",
which leaves it empty) is refused with a sentence saying what to do. Wagtail's
``Page.save()`` and ``save_revision()`` run the model's validation, so the check holds for
the admin's editor (the error shows on the field), the DOCX and old-site imports and the
demo alike. The validator is added to the fields' live validator lists at start-up rather
than declared on the models, so migrations do not depend on it.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext
from wagtail.fields import RichTextField
from wagtail.models import Page

IMAGE_EMBED = re.compile(r"<embed\b[^>]*\bembedtype=\"image\"[^>]*>", re.IGNORECASE)
ALT = re.compile(r"\balt=\"([^\"]*)\"", re.IGNORECASE)


def images_without_alt(html: str) -> int:
    """How many images in stored rich text have no (or only blank) alternative text."""
    count = 0
    for embed in IMAGE_EMBED.findall(html or ""):
        alt = ALT.search(embed)
        if alt is None or not alt.group(1).strip():
            count += 1
    return count


def validate_alt_text(value: object) -> None:
    missing = images_without_alt(str(value or ""))
    if missing:
        raise ValidationError(
            ngettext(
                "%(n)d image has no alternative text. Select the image, choose edit and "
                "describe what it shows (it must not be marked decorative), so that people "
                "who cannot see it know what it says.",
                "%(n)d images have no alternative text. Select each image, choose edit and "
                "describe what they show (they must not be marked decorative), so that people "
                "who cannot see them know what they say.",
                missing,
            )
            % {"n": missing},
            code="alt_text_missing",
        )


def connect() -> None:
    """Add the check to every rich-text field of the portal's page models (once)."""
    for model in apps.get_app_config("cms").get_models():
        if not issubclass(model, Page):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, RichTextField) and validate_alt_text not in field.validators:
                field.validators.append(validate_alt_text)


__all__ = ["connect", "images_without_alt", "validate_alt_text"]
