"""Where the file of a new resource comes from: a registry of upload resolvers.

The resource API accepts the address of a finished upload (``upload`` in
``POST /api/v1/resources/``). The catalog does not know upload protocols; the app that
receives uploads (``media_pipeline.uploads``, tus) registers a resolver that turns its
addresses into a :class:`StoredSource`, or raises ``ValidationError`` on the ``upload``
field saying why not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class StoredSource:
    """A complete file in the object store that may become a resource's original."""

    key: str
    sha256: str
    size: int
    content_type: str
    filename: str
    # Frees what the upload held once the resource has its own copy (run after commit).
    release: Callable[[], None] = lambda: None


Resolver = Callable[[object, str], "StoredSource | None"]
_resolvers: list[Resolver] = []


def register(resolver: Resolver) -> None:
    """``resolver(user, url)`` returns None for addresses it does not handle."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def resolve(user, url: str) -> StoredSource:
    for resolver in _resolvers:
        source = resolver(user, url)
        if source is not None:
            return source
    message = _("This is not the address of an upload.")
    raise ValidationError({"upload": ValidationError(message, code="invalid_upload")})


# --- the file picker of the catalog's pages ---------------------------------------------------


@dataclass(frozen=True)
class Picker:
    """How a page of the catalog lets a person send a file (the edit page's "replace the
    file"): a template to include and its context. The app that receives uploads provides
    it, so the catalog's pages need not know the upload protocol."""

    template: str
    context: dict
    # Static paths the page loads for it: stylesheets, classic scripts, then ES modules.
    styles: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()


PickerFactory = Callable[[object], "Picker | None"]
_pickers: list[PickerFactory] = []


def register_picker(factory: PickerFactory) -> None:
    """``factory(request)`` returns a Picker, or None when it offers none to that request."""
    if factory not in _pickers:
        _pickers.append(factory)


def picker(request) -> Picker | None:
    for factory in _pickers:
        found = factory(request)
        if found is not None:
            return found
    return None
