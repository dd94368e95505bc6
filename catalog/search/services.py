"""Index maintenance shared by the tasks and the ``reindex`` command."""

from __future__ import annotations

from collections.abc import Callable

from catalog.search import get_backend
from catalog.search.documents import document_for, iter_documents, searchable


def update(resource_id: int) -> str:
    """Make the index agree with the database for one resource."""
    doc = document_for(resource_id)
    backend = get_backend()
    if doc is None:
        backend.delete_documents([resource_id])
        return "removed"
    backend.index_documents([doc])
    return "indexed"


def remove(resource_id: int) -> None:
    get_backend().delete_documents([resource_id])


def reindex(
    *,
    rebuild: bool = False,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Index every searchable resource and drop what should no longer be there.

    Returns (indexed, removed). ``progress(done, total)`` is called after every batch.
    """
    backend = get_backend()
    if rebuild:
        backend.rebuild()
    else:
        backend.setup()
    total = searchable().count()
    done = 0
    if progress:
        progress(0, total)
    for docs in iter_documents(batch_size=batch_size):
        backend.index_documents(docs)
        done += len(docs)
        if progress:
            progress(done, total)
    removed = 0
    if not rebuild:
        wanted = set(searchable().values_list("pk", flat=True))
        stale = [pk for pk in backend.indexed_ids() if pk not in wanted]
        for start in range(0, len(stale), batch_size):
            backend.delete_documents(stale[start : start + batch_size])
        removed = len(stale)
    return done, removed
