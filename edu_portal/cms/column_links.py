"""Services a column offers above its items, registered by the apps above the portal
(依申请公开's form and look-up, the letters' form and 热点问答), so that the portal never
imports them and a column shows them whoever moves or renames it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ColumnLink:
    label: str
    url: str
    primary: bool = False


Applies = Callable[[object], bool]
Links = Callable[[], list[ColumnLink]]

_registry: list[tuple[Applies, Links]] = []


def register(applies: Applies, links: Links) -> None:
    """``applies(column)`` says whether a column (a ColumnPage) offers ``links()``."""
    _registry.append((applies, links))


def links_for(column) -> list[ColumnLink]:
    found: list[ColumnLink] = []
    for applies, links in _registry:
        if applies(column):
            found.extend(links())
    return found
