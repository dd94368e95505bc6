"""Bulk import of an existing archive (``manage.py import_resources``).

The walk lists the tree (links are not followed out of it; hidden, system and empty files
are skipped), the kind comes from the extension and the content is checked against it
(a ``.pdf`` that is not a PDF is reported, not imported). Folder names map to the taxonomy
by heuristics (小学/初中/高中, 八年级/初二, 数学, 人教版, 中央电教馆资源, 第一单元, 第3课),
overridden by an optional mapping file (see ``deploy/import-mapping.example.toml``).

Worker threads check, hash and store the files; the main thread creates each resource in
its own transaction together with its :class:`ImportRecord`, so an interruption leaves no
half-written resource and a re-run skips what is done: an unchanged file (same path, size
and modification time) is not even read again, and a file whose content is already a
resource is reported as a duplicate of it.
"""

from __future__ import annotations

import csv
import logging
import os
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog import actions, blobs
from catalog.importer.filetypes import (
    FILE_TYPES,
    SYSTEM_FILES,
    SYSTEM_FOLDERS,
    FileType,
    content_problem,
    kind_for,
)
from catalog.importer.mapping import (
    ImportAbort,
    Mapping,
    MappingError,
    Resolver,
    clean_fields,
    load_mapping,
    title_for,
)
from catalog.importer_models import ImportRecord
from catalog.models import Blob, Licence, Resource, Tag
from catalog.taxonomy import Collection
from edu_portal.access import Visibility
from edu_portal.accounts.audit import actor_context
from edu_portal.storage import get_storage
from edu_portal.workflow.models import State

__all__ = ["ImportAbort", "ImportResult", "Importer", "MappingError", "load_mapping", "run_import"]

log = logging.getLogger(__name__)

# --- statuses of a file in the report ---------------------------------------------------------

IMPORTED = "imported"
WOULD_IMPORT = "would_import"  # --dry-run
ALREADY = "already_imported"
DUPLICATE = "duplicate"
SKIPPED = "skipped"
FAILED = "failed"
INTERRUPTED = "not_done"

RECORD_PATH_MAX = ImportRecord._meta.get_field("path").max_length
BATCH_FILES = 50
BATCH_SECONDS = 1.0


# --- the walk --------------------------------------------------------------------------------


@dataclass
class Entry:
    index: int
    path: Path
    rel: str
    size: int = 0
    mtime_ns: int = 0

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]


@dataclass
class Row:
    index: int
    path: str
    status: str
    reason: str = ""
    resource_id: int | None = None


def readable(text: str) -> str:
    """A name as people read it: names copied from Chinese Windows are often GBK bytes, not
    UTF-8 (Python keeps such bytes as surrogates, which no database accepts)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("gb18030", errors="replace")
    return text


def _rel(path: Path, root: Path) -> str:
    return readable(path.relative_to(root).as_posix())


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def walk(root: Path) -> tuple[list[Entry], list[Row]]:
    """Files to consider and, for what is left out, report rows (in walk order)."""
    entries: list[Entry] = []
    rows: list[Row] = []
    counter = iter(range(1 << 62))

    def skip(rel: str, reason: str, status: str = SKIPPED) -> None:
        rows.append(Row(next(counter), rel, status, reason))

    def on_error(error: OSError) -> None:
        rel = _rel(Path(error.filename), root) if error.filename else "."
        skip(rel + "/", f"could not open the folder: {error.strerror}", FAILED)

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=on_error):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            rel = _rel(here / name, root)
            if (here / name).is_symlink():
                skip(rel + "/", "link to a folder: links to folders are not followed")
            elif name.startswith("."):
                skip(rel + "/", "hidden folder: not imported")
            elif name.lower() in SYSTEM_FOLDERS:
                skip(rel + "/", "system folder: not imported")
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = here / name
            rel = _rel(path, root)
            if name.lower() in SYSTEM_FILES:
                skip(rel, f"system file ({name}), not a teaching resource")
                continue
            if name.startswith("."):
                skip(rel, "hidden file: not imported")
                continue
            if name.startswith("~$"):
                skip(rel, "temporary file left by Microsoft Office: not imported")
                continue
            if path.is_symlink():
                target = path.resolve()
                if not target.exists():
                    skip(rel, "broken link: the file it points to does not exist")
                    continue
                if not _within(target, root):
                    skip(rel, "link pointing outside the folder being imported: not followed")
                    continue
            try:
                stat = path.stat()
            except OSError as error:
                skip(rel, f"could not read the file: {error.strerror}", FAILED)
                continue
            if not path.is_file():
                skip(rel, "not a regular file")
            elif stat.st_size == 0:
                skip(rel, "empty file (0 bytes)")
            else:
                entries.append(Entry(next(counter), path, rel, stat.st_size, stat.st_mtime_ns))
    return entries, rows


# --- the run ---------------------------------------------------------------------------------


class Progress:
    """What the importer reports as it goes; the command draws a bar."""

    def start(self, total: int) -> None: ...

    def advance(self, size: int) -> None: ...

    def close(self) -> None: ...


@dataclass
class ImportResult:
    rows: list[Row]
    elapsed: float
    bytes_done: int
    interrupted: bool
    dry_run: bool
    report_path: Path | None = None

    def count(self, *statuses: str) -> int:
        return sum(1 for row in self.rows if row.status in statuses)

    @property
    def imported(self) -> int:
        return self.count(IMPORTED, WOULD_IMPORT)

    @property
    def files_per_second(self) -> float:
        return len(self.rows) / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        mb = self.bytes_done / 1e6
        return (
            f"{verb} {self.imported}, already imported {self.count(ALREADY)}, "
            f"duplicates {self.count(DUPLICATE)}, skipped {self.count(SKIPPED)}, "
            f"failed {self.count(FAILED)}"
            + (f", not done {self.count(INTERRUPTED)}" if self.interrupted else "")
            + f"; {len(self.rows)} files in {self.elapsed:.1f} s "
            f"({self.files_per_second:.1f} files/s, {mb / (self.elapsed or 1):.1f} MB/s)"
        )


@dataclass
class Prepared:
    sha256: str = ""
    error: str = ""


def _prepare(entry: Entry, file_type: FileType, hash_it: bool, store: bool) -> Prepared:
    """In a worker thread: check the content, hash, store the bytes (no database here)."""
    try:
        problem = content_problem(entry.path, file_type)
        if problem:
            return Prepared(error=problem)
        if not hash_it:
            return Prepared()
        sha256 = blobs.sha256_of(entry.path)
        if store:
            storage = get_storage()
            key = Blob.key_for(sha256)
            if not storage.exists(key):
                with entry.path.open("rb") as handle:
                    storage.put(
                        key,
                        handle,
                        length=entry.size,
                        content_type=file_type.content_type,
                        expected_sha256=sha256,
                    )
        return Prepared(sha256=sha256)
    except OSError as error:
        return Prepared(error=f"could not read the file: {error.strerror or error}")
    except Exception as error:
        log.warning("import: storing %s failed", entry.rel, exc_info=True)
        return Prepared(error=f"could not store the file (it may have changed meanwhile): {error}")


def _describe(kind: str, fields: dict, tags: list[str]) -> str:
    parts = [kind]
    for key in ("stage", "grade", "subject", "edition", "textbook_node", "collection"):
        if fields.get(key):
            value = fields[key]
            parts.append(f"grade {value}" if key == "grade" else str(value))
    if tags:
        parts.append("tags: " + ", ".join(tags))
    return " · ".join(parts)


def check_run_options(
    root: str | Path, *, owner, dry_run: bool, state: str, visibility: str
) -> Path:
    """The resolved ``root`` folder, or :class:`ImportAbort` for options no import can run
    with (shared by the courseware and the e-book importers)."""
    resolved = Path(root).resolve()
    if not resolved.is_dir():
        raise ImportAbort(f"{root} is not a folder")
    if owner is None and not dry_run:
        raise ImportAbort("an owner (the uploader of record) is needed unless --dry-run")
    if state not in (State.DRAFT, State.PUBLISHED):
        raise ImportAbort("the state must be draft or published")
    if visibility not in Visibility.values:
        raise ImportAbort(f"the visibility must be one of {', '.join(Visibility.values)}")
    return resolved


def make_resolver(
    *, visibility: str, collection: str | None, mapping: Mapping | str | Path | None
) -> Resolver:
    """The folder-name resolver with the run's defaults (visibility, collection by slug)
    and its mapping (a :class:`Mapping` or the path of a mapping file)."""
    defaults: dict = {"visibility": visibility}
    if collection:
        found = Collection.objects.filter(slug=collection).first()
        if found is None:
            known = ", ".join(Collection.objects.values_list("slug", flat=True))
            raise ImportAbort(f"unknown collection {collection!r} (known: {known})")
        defaults["collection"] = found
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    return Resolver(mapping or Mapping(), defaults)


class Importer:
    def __init__(
        self,
        root: str | Path,
        *,
        owner=None,
        dry_run: bool = False,
        mapping: Mapping | str | Path | None = None,
        workers: int = 4,
        collection: str | None = None,
        visibility: str = Visibility.INTRANET,
        state: str = State.PUBLISHED,
        hash_in_dry_run: bool = True,
        progress: Progress | None = None,
    ) -> None:
        self.root = check_run_options(
            root, owner=owner, dry_run=dry_run, state=state, visibility=visibility
        )
        self.resolver = make_resolver(visibility=visibility, collection=collection, mapping=mapping)
        self.owner = owner
        self.dry_run = dry_run
        self.workers = max(1, int(workers))
        self.state = state
        self.hash_it = hash_in_dry_run or not dry_run
        self.progress = progress or Progress()
        self.run_id = f"{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
        self.rows: dict[int, Row] = {}
        self.bytes_done = 0

    # -- bookkeeping --

    def _row(self, entry: Entry, status: str, reason: str = "", resource_id=None) -> None:
        self.rows[entry.index] = Row(entry.index, entry.rel, status, reason, resource_id)

    def _record(self, entry: Entry, status: str, sha256: str, reason: str, resource_id) -> None:
        if self.dry_run:
            return
        values = {
            "size": entry.size,
            "mtime_ns": entry.mtime_ns,
            "sha256": sha256,
            "status": status,
            "reason": reason[:2000],
            "resource_id": resource_id,
            "run_id": self.run_id,
        }
        path = readable(str(entry.path))
        if len(path) > RECORD_PATH_MAX:
            return  # not kept for resuming; a re-run finds it by its content instead
        if path in self.records:
            ImportRecord.objects.filter(path=path).update(**values, updated_at=timezone.now())
        else:
            ImportRecord.objects.create(path=path, **values)

    def _tags(self, names: list[str]) -> list[Tag]:
        """Tag rows for these names (as ``actions.set_tags`` cleans them), made once per run,
        in the batch's transaction rather than in a file's (which may be rolled back)."""
        cleaned = list(dict.fromkeys(" ".join(str(name).split())[:40] for name in names))
        tags = []
        for name in [name for name in cleaned if name][: actions.MAX_TAGS]:
            if name not in self.tag_cache:
                try:
                    with transaction.atomic():
                        self.tag_cache[name] = Tag.objects.get_or_create(name=name)[0]
                except IntegrityError:
                    self.tag_cache[name] = Tag.objects.get(name=name)
            tags.append(self.tag_cache[name])
        return tags

    # -- one file, in the main thread --

    def _metadata(self, entry: Entry, file_type: FileType) -> tuple[str, dict, list[str], list]:
        folders = tuple(entry.rel.split("/")[:-1])
        fields, tags = self.resolver.resolve(folders)
        kind = kind_for(entry.rel, file_type)
        notes = []
        wanted = fields.pop("kind", None)
        if wanted and wanted != kind:
            if (wanted in actions.MEDIA_KINDS) == (kind in actions.MEDIA_KINDS):
                kind = wanted
            else:
                notes.append(f"kind {wanted} from the mapping does not fit this file")
        taxonomy, dropped = clean_fields(fields)
        notes += dropped
        meta = {
            "visibility": fields.get("visibility", Visibility.INTRANET),
            "collection": fields.get("collection"),
            "licence": fields.get("licence", Licence.EDUCATIONAL),
            **taxonomy,
        }
        return kind, meta, tags, notes

    def _create(self, entry: Entry, file_type: FileType, sha256: str, kind, meta, tags):
        with transaction.atomic(), actor_context(self.owner):
            blob = blobs.blob_from_file(
                entry.path, content_type=file_type.content_type, sha256=sha256
            )
            resource = actions.create_from_blob(
                blob,
                owner=self.owner,
                title=title_for(entry.name),
                kind=kind,
                filename=entry.name[:255],
                state=self.state,
                tags=tags,
                audit={"imported": [None, entry.rel]},
                **{key: value for key, value in meta.items() if value is not None},
            )
            self._record(entry, ImportRecord.Status.IMPORTED, sha256, "", resource.pk)
        return resource

    def _finish(self, entry: Entry, file_type: FileType, prepared: Prepared) -> None:
        if prepared.error:
            self._row(entry, FAILED, prepared.error)
            self._record(entry, ImportRecord.Status.FAILED, "", prepared.error, None)
            return
        sha256 = prepared.sha256
        existing = self.by_sha.get(sha256) if sha256 else None
        if existing is not None:
            resource_id, where = existing
            reason = f"same content as resource {resource_id}" if resource_id else "same content"
            reason += f" ({where})" if where else ""
            self._row(entry, DUPLICATE, reason, resource_id)
            self._record(entry, ImportRecord.Status.DUPLICATE, sha256, reason, resource_id)
            return
        kind, meta, tags, notes = self._metadata(entry, file_type)
        if self.dry_run:
            if sha256:
                self.by_sha[sha256] = (None, entry.rel)
            reason = "; ".join([_describe(kind, meta, tags), *notes])
            self._row(entry, WOULD_IMPORT, reason)
            return
        try:
            resource = self._create(entry, file_type, sha256, kind, meta, self._tags(tags))
        except (ValidationError, ValueError, OSError, IntegrityError) as error:
            reason = f"could not create the resource: {error}"
            log.warning("import: %s: %s", entry.rel, reason)
            self._row(entry, FAILED, reason)
            self._record(entry, ImportRecord.Status.FAILED, sha256, reason, None)
            return
        self.by_sha[sha256] = (resource.pk, entry.rel)
        self._row(entry, IMPORTED, "; ".join(notes), resource.pk)

    # -- the whole run --

    def _quick(self, entry: Entry, records: dict) -> tuple[FileType | None, bool]:
        """Decide without reading the file: unsupported, or unchanged since imported."""
        ext = entry.path.suffix.lower().lstrip(".")
        file_type = FILE_TYPES.get(ext)
        if file_type is None:
            shown = f".{ext}" if ext else "no extension"
            self._row(entry, FAILED, f"unsupported file type ({shown})")
            return None, True
        record = records.get(readable(str(entry.path)))
        if (
            record is not None
            and record[0] == entry.size
            and record[1] == entry.mtime_ns
            and record[2] in (ImportRecord.Status.IMPORTED, ImportRecord.Status.DUPLICATE)
            and record[3] is not None
        ):
            how = "imported before" if record[2] == ImportRecord.Status.IMPORTED else "duplicate"
            self._row(entry, ALREADY, f"{how}: resource {record[3]}", record[3])
            return file_type, True
        return file_type, False

    def _batch(self, pool, todo: deque, in_flight: deque, batch: list[Entry]) -> bool:
        """Finish files until the batch is full; True when interrupted (what is finished
        in the batch is still committed)."""
        deadline = time.monotonic() + BATCH_SECONDS
        try:
            while (todo or in_flight) and len(batch) < BATCH_FILES:
                while todo and len(in_flight) < self.workers * 3:
                    entry, file_type = todo.popleft()
                    store = not self.dry_run
                    future = pool.submit(_prepare, entry, file_type, self.hash_it, store)
                    in_flight.append((future, entry, file_type))
                future, entry, file_type = in_flight[0]
                prepared = future.result()
                batch.append(entry)
                self._finish(entry, file_type, prepared)
                in_flight.popleft()
                self.bytes_done += entry.size
                self.progress.advance(entry.size)
                if time.monotonic() > deadline:
                    break
        except KeyboardInterrupt:
            return True
        return False

    def run(self, report_path: str | Path | None = None) -> ImportResult:
        started = time.perf_counter()
        entries, walk_rows = walk(self.root)
        for row in walk_rows:
            self.rows[row.index] = row
        prefix = readable(str(self.root)).rstrip(os.sep) + os.sep
        records = {
            path: (size, mtime, status, resource_id)
            for path, size, mtime, status, resource_id in ImportRecord.objects.filter(
                path__startswith=prefix
            ).values_list("path", "size", "mtime_ns", "status", "resource_id")
        }
        self.by_sha: dict[str, tuple[int | None, str]] = {
            sha: (pk, "")
            for sha, pk in Resource.objects.exclude(source_sha256="").values_list(
                "source_sha256", "pk"
            )
        }
        self.progress.start(len(entries))
        todo: deque[tuple[Entry, FileType]] = deque()
        for entry in entries:
            file_type, done = self._quick(entry, records)
            if done:
                self.progress.advance(0)
            else:
                todo.append((entry, file_type))
        self.records = set(records)
        self.tag_cache: dict[str, Tag] = {}
        interrupted = False
        # Results are taken in walk order (a small window ahead is checked and hashed in
        # parallel), so that which of two identical files becomes the resource never
        # depends on timing. Each file is created in a savepoint of its own inside a batch
        # transaction that commits every BATCH_FILES files or BATCH_SECONDS.
        with ThreadPoolExecutor(self.workers, thread_name_prefix="import") as pool:
            in_flight: deque = deque()
            try:
                while (todo or in_flight) and not interrupted:
                    batch: list[Entry] = []
                    try:
                        with transaction.atomic():
                            interrupted = self._batch(pool, todo, in_flight, batch)
                    except BaseException:
                        for entry in batch:  # rolled back: not done after all
                            self.rows.pop(entry.index, None)
                        raise
            except KeyboardInterrupt:
                interrupted = True
            finally:
                for future, _entry, _type in in_flight:
                    future.cancel()  # those not started; the pool waits for the others
        self.progress.close()
        for entry in entries:
            if entry.index not in self.rows:
                reason = "not imported yet: the import was interrupted; run it again to continue"
                self._row(entry, INTERRUPTED, reason)
        result = ImportResult(
            rows=[self.rows[index] for index in sorted(self.rows)],
            elapsed=time.perf_counter() - started,
            bytes_done=self.bytes_done,
            interrupted=interrupted,
            dry_run=self.dry_run,
        )
        if report_path is not None:
            result.report_path = write_report(result, report_path)
        return result


def open_report(path: Path) -> tuple[TextIO, Any]:
    """A new CSV report at ``path`` (UTF-8 with a BOM, so that Excel shows the Chinese
    names), its header written: the open file and its ``csv.writer``. The caller closes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("w", encoding="utf-8-sig", newline="")
    writer = csv.writer(handle)
    writer.writerow(["path", "status", "reason", "resource_id"])
    return handle, writer


def report_line(row: Row) -> list:
    """A row of the CSV report: path, status, reason, resource id."""
    return [row.path, row.status, row.reason, row.resource_id or ""]


def write_report(result: ImportResult, path: str | Path) -> Path:
    """CSV (UTF-8 with a BOM, so that Excel shows the Chinese names): path, status, reason,
    resource id."""
    path = Path(path)
    handle, writer = open_report(path)
    with handle:
        for row in result.rows:
            writer.writerow(report_line(row))
    return path


def run_import(root: str | Path, *, report_path=None, **options) -> ImportResult:
    """Import the tree under ``root``; see :class:`Importer` for the options."""
    return Importer(root, **options).run(report_path)
