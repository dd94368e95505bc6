"""Dumping and restoring the configured database, consistently while the platform runs.

PostgreSQL: a REPEATABLE READ transaction exports its snapshot, ``pg_dump --snapshot``
dumps exactly that snapshot in the custom format, and the row counts and applied
migrations recorded in the manifest are read inside the same transaction, so they
describe the dump and not the moving database. SQLite: the online backup API copies the
live database page by page into a temporary file, and the counts are read from the copy.

Credentials reach pg_dump and pg_restore through libpq's environment (never the command
line, which ``ps`` shows) and are never written anywhere.
"""

# Table names come from the database's own catalogue and are quoted; the tools run are
# fixed names with no shell.
# ruff: noqa: S603, S608

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.db.migrations.loader import MigrationLoader

DUMP_TIMEOUT = 6 * 3600


class DatabaseError(Exception):
    """The database cannot be dumped or restored; the message is a sentence."""


@dataclass
class Dump:
    path: Path
    vendor: str
    server_version: str
    tool: str
    tool_version: str
    row_counts: dict[str, int] = field(default_factory=dict)
    migrations: list[list[str]] = field(default_factory=list)


def vendor() -> str:
    return connection.vendor


def _libpq_env() -> dict[str, str]:
    settings_dict = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    pairs = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            pairs[variable] = options[option]
    env.update({key: str(value) for key, value in pairs.items() if value})
    return env


def tool_version(tool: str) -> str:
    """``15.20`` from ``pg_dump (PostgreSQL) 15.20 (Debian ...)``."""
    try:
        result = subprocess.run(
            [tool, "--version"], capture_output=True, text=True, timeout=30, check=True
        )
    except FileNotFoundError:
        raise DatabaseError(
            f"{tool} is not installed: install the PostgreSQL client (Debian: postgresql-client)."
        ) from None
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise DatabaseError(f"{tool} --version failed: {exc}") from None
    match = re.search(r"\)\s*(\d+(?:\.\d+)?)", result.stdout)
    if not match:
        raise DatabaseError(f"cannot read the version of {tool} from {result.stdout.strip()!r}")
    return match.group(1)


def major(version: str) -> int:
    return int(version.split(".")[0])


def _table_counts(cursor, tables: list[str], quote) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _applied(cursor, quote) -> list[list[str]]:
    cursor.execute(f"SELECT app, name FROM {quote('django_migrations')} ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def code_migrations() -> set[tuple[str, str]]:
    """Every migration the code has (on disk), as (app label, name)."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def dump(directory: Path) -> Dump:
    """Dump the configured database into ``directory`` (a private temporary folder)."""
    if connection.vendor == "postgresql":
        return _dump_postgresql(directory)
    if connection.vendor == "sqlite":
        return _dump_sqlite(directory)
    raise DatabaseError(f"backups support PostgreSQL and SQLite, not {connection.vendor}")


def _dump_postgresql(directory: Path) -> Dump:
    client = tool_version("pg_dump")
    db = connection.copy()
    try:
        db.ensure_connection()
        server_num = db.pg_version  # e.g. 150020
        server = f"{server_num // 10000}.{server_num % 10000}"
        if major(client) < server_num // 10000:
            raise DatabaseError(
                f"pg_dump {client} is older than the PostgreSQL server {server}: its dump "
                f"would be incomplete. Install the PostgreSQL {server_num // 10000} client."
            )
        path = directory / "database.pgdump"
        with db.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                tables = db.introspection.table_names(cursor)
                counts = _table_counts(cursor, tables, db.ops.quote_name)
                migrations = _applied(cursor, db.ops.quote_name)
                _run(
                    [
                        "pg_dump",
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        "--no-password",
                        "--file",
                        str(path),
                    ],
                    "pg_dump",
                )
            finally:
                cursor.execute("COMMIT")
    finally:
        db.close()
    return Dump(path, "postgresql", server, "pg_dump", client, counts, migrations)


def _run(command: list[str], tool: str) -> None:
    try:
        result = subprocess.run(
            command, env=_libpq_env(), capture_output=True, text=True, timeout=DUMP_TIMEOUT
        )
    except FileNotFoundError:
        raise DatabaseError(
            f"{tool} is not installed: install the PostgreSQL client (Debian: postgresql-client)."
        ) from None
    except subprocess.TimeoutExpired:
        raise DatabaseError(f"{tool} did not finish within {DUMP_TIMEOUT} seconds.") from None
    if result.returncode != 0:
        raise DatabaseError(f"{tool} failed: {result.stderr.strip()[-2000:]}")


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [name for (name,) in rows]


def _dump_sqlite(directory: Path) -> Dump:
    path = directory / "database.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    with contextlib.closing(target):
        # One step: a single read transaction, so the copy is one consistent state. The
        # platform runs SQLite in WAL mode, where a reader never blocks the writers (copying
        # in several steps would restart whenever another connection writes meanwhile).
        connection.connection.backup(target, pages=-1)
    copy = sqlite3.connect(path)
    with contextlib.closing(copy):
        cursor = copy.cursor()
        quote = lambda name: '"' + name.replace('"', '""') + '"'  # noqa: E731
        counts = _table_counts(cursor, _sqlite_tables(copy), quote)
        migrations = _applied(cursor, quote)
    return Dump(
        path,
        "sqlite",
        sqlite3.sqlite_version,
        "sqlite3-backup-api",
        sqlite3.sqlite_version,
        counts,
        migrations,
    )


# --- restore -------------------------------------------------------------------------------


def tables_present() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def current_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return _table_counts(cursor, tables_present(), connection.ops.quote_name)


def check_restorable(manifest_db: dict) -> None:
    """Refuse a dump the configured database or the installed tools cannot take."""
    names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
    wanted = manifest_db.get("vendor")
    if wanted != connection.vendor:
        raise DatabaseError(
            f"This backup holds a {names.get(wanted, wanted)} database, but the platform is "
            f"configured for {names.get(connection.vendor, connection.vendor)} "
            "(DATABASE_URL): restore it into the same kind of database."
        )
    if wanted == "postgresql":
        restore_tool = tool_version("pg_restore")
        dumped_with = manifest_db.get("tool_version", "0")
        if major(restore_tool) < major(dumped_with):
            raise DatabaseError(
                f"pg_restore {restore_tool} cannot read a dump made by pg_dump {dumped_with}: "
                f"install the PostgreSQL {major(dumped_with)} client (or newer)."
            )


def wipe() -> None:
    """Empty the configured PostgreSQL database (restore --force). SQLite needs nothing:
    the backup API replaces the whole destination database, page by page."""
    connection.close()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()


def load(path: Path) -> None:
    """Load a verified dump file into the (empty) configured database."""
    connection.close()
    if connection.vendor == "postgresql":
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                "--dbname",
                connection.settings_dict["NAME"],
                str(path),
            ],
            "pg_restore",
        )
    else:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    connection.close()
