"""Search in the project's own database (SQLite or PostgreSQL): the embedded default."""

from __future__ import annotations

from django.db import DatabaseError, connection

from catalog.search.base import SearchBackend, SearchUnavailable


class DatabaseBackend(SearchBackend):
    name = "database"

    def ping(self, timeout: float = 3.0) -> None:
        # The index lives in the same database as everything else, so "reachable" means
        # the database answers a trivial query.
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as exc:
            raise SearchUnavailable(f"database does not answer: {exc}") from exc
