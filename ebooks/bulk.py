"""Bulk import of e-books (``manage.py import_ebooks DIR``), built for 100,000 books.

The walk streams the tree folder by folder (hidden and system files and folders are skipped,
links are not followed out of it; the rules are the catalog importer's). Workers parse and
hash the books in parallel (``ebooks.ingest.prepare``: no side effects) in processes by
default, since parsing is CPU-bound Python and PDFium runs under a lock (5,000 books on two
CPUs: 65 books/s with processes, 40 with threads), or in threads (``pool="thread"``: no
start-up cost, better for a few books); the main thread is the only writer:
it commits each book (``ebooks.ingest.commit``) in a savepoint of its own, together with
its :class:`~catalog.importer_models.ImportRecord`, inside batch transactions. So an
interruption leaves no half-written book, and a re-run skips without reading them the files
that are unchanged (same path, size and modification time) since they were imported, found
to be duplicates, or found malformed.

Memory stays flat whatever the size of the tree: the walk is a generator, at most a few
prepared books per worker are in flight, import records are looked up folder by folder,
duplicates are found in the database (``commit`` refuses a book whose blob is already an
e-book's original) rather than kept in a set, and the report is written as the import goes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.db import transaction
from django.utils import timezone

from catalog.actions import MAX_TAGS
from catalog.importer import (
    ALREADY,
    DUPLICATE,
    FAILED,
    IMPORTED,
    INTERRUPTED,
    SKIPPED,
    WOULD_IMPORT,
    Entry,
    ImportAbort,
    Row,
    check_run_options,
    make_resolver,
    open_report,
    readable,
    report_line,
)
from catalog.importer.filetypes import SYSTEM_FILES, SYSTEM_FOLDERS
from catalog.importer.mapping import Mapping, clean_fields
from catalog.importer_models import ImportRecord
from catalog.models import Resource, ResourceFile
from edu_portal.access import Visibility
from edu_portal.workflow.models import State

__all__ = ["EBookImportResult", "EBookImporter", "ImportAbort", "Progress", "import_ebooks"]

log = logging.getLogger(__name__)

EXTENSIONS = frozenset({"epub", "pdf", "txt"})
# Import records of e-books carry this prefix, so that the courseware importer (which looks
# records up by absolute path) and this one never take each other's rows for their own.
RECORD_PREFIX = "ebook:"
RECORD_PATH_MAX = ImportRecord._meta.get_field("path").max_length
# Malformed content does not get better by reading it again: an unchanged file that failed
# with one of these is skipped on a re-run (unless ``retry_failed``).
CONTENT_CODES = frozenset(
    {"bad_zip", "missing_opf", "zip_bomb", "unsafe_path", "encrypted", "unsupported", "corrupt"}
    | {"empty", "too_large"}
)
BATCH_FILES = 50
BATCH_SECONDS = 1.0
LOOKUP_CHUNK = 500
AHEAD_PER_WORKER = 4


class Progress:
    """What the importer reports as it goes; the command draws a bar."""

    def start(self, total: int) -> None: ...

    def advance(self, size: int) -> None: ...

    def close(self) -> None: ...


# --- the walk ----------------------------------------------------------------------------


def _kept_folders(here: Path, dirnames: list[str], skip) -> list[str]:
    kept = []
    for name in sorted(dirnames):
        if (here / name).is_symlink():
            skip(here / name, "link to a folder: links to folders are not followed", True)
        elif name.startswith("."):
            skip(here / name, "hidden folder: not imported", True)
        elif name.lower() in SYSTEM_FOLDERS:
            skip(here / name, "system folder: not imported", True)
        else:
            kept.append(name)
    return kept


def count_files(root: Path) -> int:
    """How many files the walk will report on (names only: nothing is opened or stat'ed)."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = _kept_folders(Path(dirpath), dirnames, lambda *args: None)
        total += len(filenames)
    return total


def scan(root: Path) -> Iterator[tuple[list[Row], list[Entry]]]:
    """Folder by folder: report rows for what is left out, and the files to consider.
    Every file name in a kept folder ends up in exactly one of the two."""
    counter = iter(range(1 << 62))
    rows: list[Row] = []

    def rel(path: Path) -> str:
        return readable(path.relative_to(root).as_posix())

    def skip(path: Path, reason: str, folder: bool = False, status: str = SKIPPED) -> None:
        rows.append(Row(next(counter), rel(path) + ("/" if folder else ""), status, reason))

    def on_error(error: OSError) -> None:
        where = Path(error.filename) if error.filename else root
        skip(where, f"could not open the folder: {error.strerror}", True, FAILED)

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=on_error):
        here = Path(dirpath)
        dirnames[:] = _kept_folders(here, dirnames, skip)
        entries: list[Entry] = []
        for name in sorted(filenames):
            path = here / name
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if name.lower() in SYSTEM_FILES:
                skip(path, f"system file ({name}), not a book")
            elif name.startswith("."):
                skip(path, "hidden file: not imported")
            elif name.startswith("~$"):
                skip(path, "temporary file left by Microsoft Office: not imported")
            elif ext not in EXTENSIONS:
                shown = f".{ext}" if ext else "no extension"
                skip(path, f"not an e-book ({shown}): only EPUB, PDF and TXT are imported")
            elif path.is_symlink() and not _link_inside(path, root):
                skip(path, "link pointing outside the folder being imported, or broken")
            else:
                try:
                    stat = path.stat()
                except OSError as error:
                    skip(path, f"could not read the file: {error.strerror}", status=FAILED)
                    continue
                if not path.is_file():
                    skip(path, "not a regular file")
                elif stat.st_size == 0:
                    skip(path, "empty file (0 bytes)")
                else:
                    entries.append(
                        Entry(next(counter), path, rel(path), stat.st_size, stat.st_mtime_ns)
                    )
        yield rows, entries
        rows = []
    if rows:
        yield rows, []


def _link_inside(path: Path, root: Path) -> bool:
    target = path.resolve()
    return target.exists() and (target == root or root in target.parents)


# --- the workers -------------------------------------------------------------------------


@dataclass
class Outcome:
    prepared: object = None
    sha256: str = ""
    code: str = ""
    reason: str = ""


def prepare_file(path: str) -> Outcome:
    """In a worker (thread or process): parse, validate and hash one book. No database."""
    from ebooks.parse import IngestError

    _ignore_ctrl_c()
    try:
        prepared = read_and_check(Path(path))
    except IngestError as error:
        # The sentence is made in the main thread, in the language of the run.
        return Outcome(code=error.code, reason=error.detail)
    except MemoryError:
        return Outcome(code="too_large", reason="the book is too large to read")
    except OSError as error:
        return Outcome(code="unreadable", reason=f"could not read the file: {error.strerror}")
    except Exception as error:  # a parser bug must not stop a 100,000-book import
        log.warning("import_ebooks: preparing %s failed", path, exc_info=True)
        return Outcome(code="error", reason=f"unexpected error: {type(error).__name__}: {error}")
    return Outcome(prepared=prepared, sha256=prepared.sha256)


def read_and_check(path: Path):
    """``ebooks.ingest.prepare`` without its duplicate check, which reads the database:
    workers never touch it (a worker process would open a connection of its own, and in
    tests see another database). The single writer finds duplicates (``commit`` refuses
    them)."""
    from ebooks import ingest

    return ingest.prepare(path, check_duplicate=False)


def describe(code: str, detail: str = "") -> str:
    """``code: sentence (detail)`` for the report, e.g. ``bad_zip: The file is not …``."""
    from ebooks.parse import IngestError

    if code in IngestError.MESSAGES and code != IngestError.DUPLICATE:
        sentence = str(IngestError(code).reason)
        return f"{code}: {sentence}" + (f" ({detail})" if detail and detail != code else "")
    return f"{code}: {detail}"


_quiet = False


def _ignore_ctrl_c() -> None:
    """In a worker process, Ctrl-C is the parent's business: it stops submitting books,
    commits what is finished and shuts the pool down."""
    global _quiet
    if not _quiet:
        _quiet = True
        if multiprocessing.parent_process() is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def make_pool(workers: int, pool: str) -> Executor:
    if pool == "thread":
        return ThreadPoolExecutor(workers, thread_name_prefix="import-ebooks")
    # forkserver: the workers do not inherit the parent's threads, database connections
    # or open files; each sets Django up once.
    # (The initializer is Django's own: this module cannot be imported before it ran.)
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("forkserver"), initializer=django.setup
    )


# --- the run -----------------------------------------------------------------------------


@dataclass
class EBookImportResult:
    counts: Counter
    elapsed: float
    bytes_done: int
    interrupted: bool
    dry_run: bool
    report_path: Path | None = None
    rows: list[Row] = field(default_factory=list)  # only with keep_rows

    def count(self, *statuses: str) -> int:
        return sum(self.counts[status] for status in statuses)

    @property
    def imported(self) -> int:
        return self.count(IMPORTED, WOULD_IMPORT)

    @property
    def files(self) -> int:
        return sum(self.counts.values())

    @property
    def books_per_second(self) -> float:
        return self.imported / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        rate = self.files / self.elapsed if self.elapsed else 0.0
        return (
            f"{verb} {self.imported}, already imported {self.count(ALREADY)}, "
            f"duplicates {self.count(DUPLICATE)}, skipped {self.count(SKIPPED)}, "
            f"failed {self.count(FAILED)}"
            + (f", not done {self.count(INTERRUPTED)}" if self.interrupted else "")
            + f"; {self.files} files in {self.elapsed:.1f} s "
            f"({self.books_per_second:.1f} books/s, {rate:.1f} files/s, "
            f"{self.bytes_done / 1e6 / (self.elapsed or 1):.1f} MB/s)"
        )


class Report:
    """The CSV report (UTF-8 with a BOM, so that Excel shows the Chinese names), written as
    the import goes: path, status, reason, resource id."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.handle = None
        if path is not None:
            self.handle, self.writer = open_report(path)

    def write(self, rows: list[Row]) -> None:
        if self.handle is not None:
            for row in rows:
                self.writer.writerow(report_line(row))

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


class EBookImporter:
    def __init__(
        self,
        root: str | Path,
        *,
        owner=None,
        dry_run: bool = False,
        workers: int | None = None,
        pool: str = "process",
        collection: str | None = None,
        visibility: str = Visibility.INTRANET,
        state: str = State.PUBLISHED,
        mapping: Mapping | str | Path | None = None,
        retry_failed: bool = False,
        progress: Progress | None = None,
        keep_rows: bool = False,
    ) -> None:
        self.root = check_run_options(
            root, owner=owner, dry_run=dry_run, state=state, visibility=visibility
        )
        if pool not in ("process", "thread"):
            raise ImportAbort("the pool must be process or thread")
        self.resolver = make_resolver(visibility=visibility, collection=collection, mapping=mapping)
        self.owner = owner
        self.dry_run = dry_run
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.pool_kind = pool
        self.state = state
        self.retry_failed = retry_failed
        self.progress = progress or Progress()
        self.keep_rows = keep_rows
        self.run_id = f"{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
        self.counts: Counter = Counter()
        self.kept: list[Row] = []
        self.bytes_done = 0
        self.seen: dict[str, str] = {}  # dry run only: SHA-256 → path of the first copy

    # -- resuming --

    @staticmethod
    def record_key(entry: Entry) -> str:
        return RECORD_PREFIX + readable(str(entry.path))

    def _records(self, entries: list[Entry]) -> dict[str, tuple]:
        """The import records of one folder's files (a few indexed queries, not a table
        of the whole tree in memory)."""
        keys = [self.record_key(entry) for entry in entries]
        found: dict[str, tuple] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            found.update(
                (path, rest)
                for path, *rest in ImportRecord.objects.filter(
                    path__in=keys[start : start + LOOKUP_CHUNK]
                ).values_list("path", "size", "mtime_ns", "status", "resource_id", "reason")
            )
        return found

    def _unchanged(self, entry: Entry, record: tuple | None) -> Row | None:
        """The row of a file to skip without reading it, if it is one."""
        if record is None or (record[0], record[1]) != (entry.size, entry.mtime_ns):
            return None
        _size, _mtime, status, resource_id, reason = record
        if status in (ImportRecord.Status.IMPORTED, ImportRecord.Status.DUPLICATE):
            if resource_id is None:
                return None  # the book was deleted since: import it again
            how = "imported before" if status == ImportRecord.Status.IMPORTED else "duplicate"
            reason = f"{how}: resource {resource_id}"
            return Row(entry.index, entry.rel, ALREADY, reason, resource_id)
        code = reason.split(":", 1)[0]
        if status == ImportRecord.Status.FAILED and code in CONTENT_CODES and not self.retry_failed:
            return Row(entry.index, entry.rel, FAILED, f"{reason} (unchanged since it failed)")
        return None

    def _record(self, entry: Entry, status: str, sha256: str, reason: str, resource_id) -> None:
        if self.dry_run:
            return
        key = self.record_key(entry)
        if len(key) > RECORD_PATH_MAX:
            return  # not kept for resuming; a re-run finds it by its content instead
        ImportRecord.objects.update_or_create(
            path=key,
            defaults={
                "size": entry.size,
                "mtime_ns": entry.mtime_ns,
                "sha256": sha256,
                "status": status,
                "reason": reason[:2000],
                "resource_id": resource_id,
                "run_id": self.run_id,
            },
        )

    # -- one book, in the main thread --

    def _copy_of(self, sha256: str) -> tuple[int | None, str] | None:
        """An e-book with this content already: (resource id, where), or None. Outside a
        dry run ``commit`` finds it (and says which resource it is)."""
        if not self.dry_run:
            return None
        if sha256 in self.seen:
            return None, self.seen[sha256]
        existing = (
            ResourceFile.objects.filter(
                blob__sha256=sha256,
                role=ResourceFile.Role.ORIGINAL,
                resource__kind=Resource.Kind.EBOOK,
                resource__deleted_at__isnull=True,
            )
            .values_list("resource_id", flat=True)
            .first()
        )
        return None if existing is None else (existing, "")

    def _metadata(self, entry: Entry) -> tuple[dict, list[str], list[str]]:
        folders = tuple(entry.rel.split("/")[:-1])
        fields, tags = self.resolver.resolve(folders)
        taxonomy, notes = clean_fields(fields)
        options = {
            "collection": fields.get("collection"),
            "visibility": fields.get("visibility", Visibility.INTRANET),
            "taxonomy": taxonomy or None,
            "tags": tuple(dict.fromkeys(tag[:40] for tag in tags))[:MAX_TAGS],
        }
        return options, tags, notes

    def _finish(self, entry: Entry, outcome: Outcome) -> Row:
        from ebooks import ingest
        from ebooks.parse import IngestError

        if outcome.code:
            reason = describe(outcome.code, outcome.reason)
            self._record(entry, ImportRecord.Status.FAILED, "", reason, None)
            return Row(entry.index, entry.rel, FAILED, reason)
        sha256 = outcome.sha256
        copy = self._copy_of(sha256)
        if copy is not None:
            return self._duplicate(entry, sha256, *copy)
        options, tags, notes = self._metadata(entry)
        if self.dry_run:
            self.seen[sha256] = entry.rel
            taxonomy = options["taxonomy"] or {}
            parts = [f"{key} {value}" for key, value in taxonomy.items()]
            parts += [f"tag {tag}" for tag in tags] + notes
            return Row(entry.index, entry.rel, WOULD_IMPORT, "; ".join(parts))
        try:
            with transaction.atomic():
                resource = ingest.commit(
                    outcome.prepared, owner=self.owner, state=self.state, **options
                )
                self._record(entry, ImportRecord.Status.IMPORTED, sha256, "", resource.pk)
        except IngestError as error:
            if error.code == IngestError.DUPLICATE:
                return self._duplicate(entry, sha256, error.params.get("id"), "")
            reason = describe(error.code, error.detail)
        except Exception as error:  # the database refused it: report, go on with the rest
            log.warning("import_ebooks: committing %s failed", entry.rel, exc_info=True)
            reason = f"error: could not save the book: {type(error).__name__}: {error}"
        else:
            return Row(entry.index, entry.rel, IMPORTED, "; ".join(notes), resource.pk)
        self._record(entry, ImportRecord.Status.FAILED, sha256, reason, None)
        return Row(entry.index, entry.rel, FAILED, reason)

    def _duplicate(self, entry: Entry, sha256: str, resource_id, where: str) -> Row:
        reason = f"same book as resource {resource_id}" if resource_id else "same book"
        reason += f" ({where})" if where else ""
        self._record(entry, ImportRecord.Status.DUPLICATE, sha256, reason, resource_id)
        return Row(entry.index, entry.rel, DUPLICATE, reason, resource_id)

    # -- the whole run --

    def _items(self) -> Iterator[Row | Entry]:
        """Rows decided without reading a file, and entries to prepare, in walk order."""
        for rows, entries in scan(self.root):
            yield from rows
            records = self._records(entries) if entries else {}
            for entry in entries:
                row = self._unchanged(entry, records.get(self.record_key(entry)))
                yield entry if row is None else row

    def _emit(self, rows: list[Row], report: Report) -> None:
        """Rows of a committed batch: counted, reported, shown."""
        for row in rows:
            self.counts[row.status] += 1
            if not row.path.endswith("/"):  # folders are not in the bar's total
                self.progress.advance(0)
        report.write(rows)
        if self.keep_rows:
            self.kept.extend(rows)

    def _batch(self, pool: Executor, items: Iterator, ahead: deque, batch: list[Row]) -> bool:
        """Finish files until the batch is full; True when interrupted (what is finished in
        the batch is still committed)."""
        deadline = time.monotonic() + BATCH_SECONDS
        limit = self.workers * AHEAD_PER_WORKER
        try:
            while len(batch) < BATCH_FILES:
                while len(ahead) < limit and (item := next(items, None)) is not None:
                    if isinstance(item, Entry):
                        item = (item, pool.submit(prepare_file, str(item.path)))
                    ahead.append(item)
                if not ahead:
                    break
                item = ahead[0]
                if isinstance(item, Row):
                    batch.append(item)
                else:
                    entry, future = item
                    batch.append(self._finish(entry, future.result()))
                    self.bytes_done += entry.size
                ahead.popleft()
                if time.monotonic() > deadline:
                    break
        except KeyboardInterrupt:
            return True
        return False

    def run(self, report_path: str | Path | None = None) -> EBookImportResult:
        started = time.perf_counter()
        report = Report(Path(report_path) if report_path is not None else None)
        self.progress.start(count_files(self.root))
        items = self._items()
        ahead: deque = deque()
        interrupted = False
        pool = make_pool(self.workers, self.pool_kind)
        try:
            # Results are taken in walk order (a window ahead is prepared in parallel), so
            # which of two identical files becomes the book never depends on timing.
            while not interrupted:
                batch: list[Row] = []
                with transaction.atomic():
                    interrupted = self._batch(pool, items, ahead, batch)
                self._emit(batch, report)
                if not ahead and not batch:
                    break
        except KeyboardInterrupt:
            interrupted = True
        finally:
            for item in ahead:
                if not isinstance(item, Row):
                    item[1].cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            self.progress.close()
            if interrupted:
                note = "not imported yet: the import was interrupted; run it again to continue"
                rows = [
                    item
                    if isinstance(item, Row)
                    else Row(item[0].index, item[0].rel, INTERRUPTED, note)
                    for item in ahead
                ]
                self._emit(rows, report)
            report.close()
        return EBookImportResult(
            counts=self.counts,
            elapsed=time.perf_counter() - started,
            bytes_done=self.bytes_done,
            interrupted=interrupted,
            dry_run=self.dry_run,
            report_path=report.path,
            rows=self.kept,
        )


def import_ebooks(root: str | Path, *, report_path=None, **options) -> EBookImportResult:
    """Import the e-books under ``root``; see :class:`EBookImporter` for the options."""
    return EBookImporter(root, **options).run(report_path)
