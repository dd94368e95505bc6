"""Putting e-books into the library: read the file, store it with its cover and
thumbnail, and create the catalog resource, its :class:`EBook` row and search text.

Two steps so that bulk imports can read books in parallel threads and write them one
at a time: :func:`prepare` reads and checks a file with no side effects, :func:`commit`
stores objects and rows in one transaction (and removes the objects it wrote if that
transaction fails). :func:`ingest_resource` does the same for a book a teacher uploaded
through the upload page, whose original is already stored.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from catalog.actions import clean_taxonomy, create_from_blob
from catalog.blobs import blob_from_bytes, blob_from_file, remove_written, sha256_of
from catalog.models import Blob, Resource, ResourceFile, ResourceText
from ebooks.models import EBook
from ebooks.parse import BookInfo, Cover, IngestError, read_book
from edu_portal.access import Visibility
from edu_portal.storage import get_storage
from edu_portal.workflow.models import State

log = logging.getLogger(__name__)

THUMBNAIL_HEIGHT = 300
MAX_COVER_PIXELS = 60_000_000
CONTENT_TYPES = {
    EBook.Format.EPUB: "application/epub+zip",
    EBook.Format.PDF: "application/pdf",
    EBook.Format.TXT: "text/plain; charset=utf-8",
}

__all__ = ["IngestError", "Prepared", "commit", "ingest_file", "ingest_resource", "prepare"]


@dataclass
class Prepared:
    """A book read and checked, ready for :func:`commit`."""

    path: Path
    filename: str
    sha256: str
    size: int
    content_type: str
    info: BookInfo
    cover: Cover | None  # the image stored as the cover (original or rendered page)
    thumbnail: bytes | None  # JPEG, THUMBNAIL_HEIGHT pixels high


# --- reading ----------------------------------------------------------------------------------


def prepare(
    path: Path, *, sha256: str | None = None, filename: str = "", check_duplicate: bool = True
) -> Prepared:
    """Read and check the book at ``path`` (no writes anywhere; thread-safe).

    Raises :class:`IngestError` for anything that cannot be ingested, including (unless
    ``check_duplicate`` is false: worker threads of a bulk import that must not touch the
    database) a book whose file is already the original of an e-book in the library.
    :func:`commit` checks for duplicates again in any case.
    """
    path = Path(path)
    filename = filename or path.name
    info = read_book(path, filename)
    sha256 = sha256 or sha256_of(path)
    if check_duplicate:
        _refuse_duplicate(sha256)
    cover, thumbnail = _cover_and_thumbnail(info.cover)
    return Prepared(
        path=path,
        filename=filename[:255],
        sha256=sha256,
        size=path.stat().st_size,
        content_type=CONTENT_TYPES[info.format],
        info=info,
        cover=cover,
        thumbnail=thumbnail,
    )


def _refuse_duplicate(sha256: str, *, exclude: int | None = None) -> None:
    rows = ResourceFile.objects.filter(
        blob__sha256=sha256,
        role=ResourceFile.Role.ORIGINAL,
        resource__kind=Resource.Kind.EBOOK,
        resource__deleted_at__isnull=True,
    )
    if exclude is not None:
        rows = rows.exclude(resource_id=exclude)
    existing = rows.values_list("resource_id", flat=True).first()
    if existing is not None:
        raise IngestError(IngestError.DUPLICATE, sha256, id=existing)


def _cover_and_thumbnail(cover: Cover | None) -> tuple[Cover | None, bytes | None]:
    """The cover to keep (checked to be an image Pillow can read) and its thumbnail."""
    if cover is None:
        return None, None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(cover.data)) as image:
            width, height = image.size
            if not width or not height or width * height > MAX_COVER_PIXELS:
                return None, None
            image.draft("RGB", (width * THUMBNAIL_HEIGHT // height + 1, THUMBNAIL_HEIGHT))
            rgb = _flatten(image)
            size = (max(1, round(rgb.width * THUMBNAIL_HEIGHT / rgb.height)), THUMBNAIL_HEIGHT)
            thumb = rgb.resize(size, Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        log.info("cover image unreadable, book kept without one: %r", exc)
        return None, None
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=85, optimize=True)
    return cover, out.getvalue()


def _flatten(image):
    """RGB with transparency laid on white (a transparent PNG cover would turn black)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


# --- storing ----------------------------------------------------------------------------------


def _store_images(
    written: list[str], cover: Cover | None, thumbnail: bytes | None
) -> tuple[Blob | None, Blob | None]:
    """The cover and thumbnail Blobs (or None); keys newly stored are added to ``written``."""
    cover_blob = thumb_blob = None
    if cover is not None:
        cover_blob = blob_from_bytes(cover.data, content_type=cover.media_type, written=written)
    if thumbnail is not None:
        thumb_blob = blob_from_bytes(thumbnail, content_type="image/jpeg", written=written)
    return cover_blob, thumb_blob


def _ebook_fields(info: BookInfo) -> dict:
    return {
        "format": info.format,
        "epub_version": info.epub_version,
        "authors": info.authors,
        "publisher": info.publisher[:200],
        "language": info.language[:35],
        "isbn": info.isbn[:17],
        "subjects": info.subjects,
        "issued": info.issued[:32],
        "page_count": info.page_count,
        "chapter_count": info.chapter_count,
        "toc": info.toc,
        "ingested_at": timezone.now(),
    }


def commit(
    prepared: Prepared,
    *,
    owner,
    collection=None,
    visibility: str = Visibility.INTRANET,
    state: str = State.PUBLISHED,
    taxonomy: dict | None = None,
    tags: Iterable[str] = (),
) -> Resource:
    """Store the prepared book and create its resource, in one transaction.

    Refuses a duplicate (:class:`IngestError` ``duplicate`` naming the resource that
    has the file). If anything fails, the objects this call wrote are removed again and
    no rows remain. Search indexing follows from the saved rows after commit.
    """
    info = prepared.info
    fields = clean_taxonomy(dict(taxonomy or {}))
    written: list[str] = []  # keys of the objects this call stored, removed if it fails
    try:
        with transaction.atomic():
            # Lock the blob row (when it exists) so two imports of one file cannot both pass.
            list(Blob.objects.select_for_update().filter(sha256=prepared.sha256))
            _refuse_duplicate(prepared.sha256)
            book_blob = blob_from_file(
                prepared.path,
                content_type=prepared.content_type,
                sha256=prepared.sha256,
                written=written,
            )
            cover_blob, thumb_blob = _store_images(written, prepared.cover, prepared.thumbnail)
            is_pdf = info.format == EBook.Format.PDF
            # The book is read already: no ingest task, and pdf.js shows a PDF itself.
            resource = create_from_blob(
                book_blob,
                owner=owner,
                title=(info.title or Path(prepared.filename).stem)[:200],
                kind=Resource.Kind.EBOOK,
                filename=prepared.filename,
                description=info.description,
                visibility=visibility,
                state=state,
                tags=tags,
                process=False,
                collection=collection,
                status=Resource.Status.READY,
                preview_state=Resource.Preview.READY if is_pdf else Resource.Preview.NONE,
                **fields,
            )
            if is_pdf:
                ResourceFile.objects.create(
                    resource=resource,
                    blob=book_blob,
                    role=ResourceFile.Role.PREVIEW,
                    filename=prepared.filename,
                )
            EBook.objects.create(
                resource=resource, cover=cover_blob, thumbnail=thumb_blob, **_ebook_fields(info)
            )
            ResourceText.objects.create(resource=resource, text=info.text)
    except BaseException:
        remove_written(written)
        raise
    return resource


def ingest_file(path: Path, **kwargs) -> Resource:
    """Read, check and store one book file: ``commit(prepare(path), **kwargs)``."""
    prepare_kwargs = {k: kwargs.pop(k) for k in ("sha256", "filename") if k in kwargs}
    prepare_kwargs["check_duplicate"] = False  # commit() checks, under a lock
    return commit(prepare(path, **prepare_kwargs), **kwargs)


# --- books uploaded through the upload page ------------------------------------------------------


def ingest_resource(resource_id: int) -> str:
    """Fill the EBook row, search text, cover and thumbnail of an uploaded e-book whose
    original is already stored. Idempotent: running it again rewrites the same values.

    Returns "ingested", "skipped" (not an e-book, or gone) or the :class:`IngestError`
    code when the file cannot be read (the resource is then left without an EBook row).
    """
    resource = Resource.objects.filter(pk=resource_id, kind=Resource.Kind.EBOOK).first()
    original = (
        ResourceFile.objects.filter(resource_id=resource_id, role=ResourceFile.Role.ORIGINAL)
        .select_related("blob")
        .first()
    )
    if resource is None or original is None or resource.is_deleted:
        return "skipped"
    suffix = Path(original.filename or "").suffix.lower()
    suffix = suffix if suffix in {".epub", ".pdf", ".txt"} else ""
    workdir = Path(tempfile.mkdtemp(prefix="ebook-ingest-"))
    try:
        path = workdir / f"book{suffix}"  # never a name chosen by the uploader
        with get_storage().open(original.blob.key) as stream, path.open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        try:
            info = read_book(path, original.filename)
            _refuse_duplicate(original.blob.sha256, exclude=resource_id)
        except IngestError as exc:
            log.info("e-book %s not ingested: %s", resource_id, exc)
            return exc.code
        cover, thumbnail = _cover_and_thumbnail(info.cover)
        written: list[str] = []
        try:
            with transaction.atomic():
                cover_blob, thumb_blob = _store_images(written, cover, thumbnail)
                EBook.objects.update_or_create(
                    resource=resource,
                    defaults={"cover": cover_blob, "thumbnail": thumb_blob, **_ebook_fields(info)},
                )
                ResourceText.objects.update_or_create(
                    resource=resource, defaults={"text": info.text, "extracted_at": timezone.now()}
                )
                if not resource.description and info.description:
                    Resource.objects.filter(pk=resource_id).update(description=info.description)
        except BaseException:
            remove_written(written)
            raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return "ingested"
