"""Keeping the site index in step: what the tasks and ``rebuild_site_search`` do. Each
step reads the current state from the providers, so running it twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from edu_portal.cms.search import registry
from edu_portal.cms.search.backends import get_backend


def update(keys: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Make the index agree with the database for these (type, object id) pairs: index
    what is searchable, remove what is not (or whose type is no longer registered)."""
    entries, gone = [], {}
    for type_name, object_id in dict.fromkeys((str(t), int(i)) for t, i in keys):
        kind = registry.get(type_name)
        entry = kind.provider.entry_for(object_id) if kind else None
        if entry is None:
            gone.setdefault(type_name, []).append(object_id)
        else:
            entries.append(entry)
    backend = get_backend()
    if entries:
        backend.index_entries(entries)
    for type_name, ids in gone.items():
        backend.delete_entries(type_name, ids)
    return {"indexed": len(entries), "removed": sum(len(ids) for ids in gone.values())}


def rebuild(
    *,
    types: Iterable[str] | None = None,
    clear: bool = False,
    batch_size: int = 500,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, tuple[int, int]]:
    """Index every searchable entry of each type and drop what is no longer there.
    ``clear`` empties the whole index first (a new mapping). Returns type → (indexed,
    removed)."""
    backend = get_backend()
    if clear:
        backend.rebuild()
    else:
        backend.setup()
    chosen = [t for t in registry.types() if types is None or t.name in set(types)]
    out = {}
    for kind in chosen:
        seen: set[int] = set()
        for entries in kind.provider.iter_entries(batch_size=batch_size):
            backend.index_entries(entries)
            seen.update(e.object_id for e in entries)
            if progress:
                progress(kind.name, len(seen))
        stale = [pk for pk in backend.indexed_ids(kind.name) if pk not in seen]
        for start in range(0, len(stale), batch_size):
            backend.delete_entries(kind.name, stale[start : start + batch_size])
        out[kind.name] = (len(seen), len(stale))
    return out
