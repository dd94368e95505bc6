"""Build a resource's preview and extracted text (run by the ``catalog.build_preview`` task).

The ORIGINAL file decides: a PDF is its own preview (a PREVIEW ResourceFile pointing at the
same Blob); an Office file is converted by LibreOffice and the PDF stored as a Blob, shared
by content like every Blob; EPUB and plain text have no PDF preview but give text. Text
goes to ResourceText and the resource is then reindexed.

Running it twice is harmless: a resource whose preview is READY is left alone (unless
``force``), the preview Blob is found by its SHA-256, and the rows are get-or-create. State
changes are conditional updates, so a run that lost the row to another run changes nothing.
A failure stores nothing: the conversion happens in a private temporary directory and the
Blob and its object are only written once a PDF that pypdf reads exists.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.filetypes import EXTENSIONS, extension
from catalog.models import Blob, Resource, ResourceFile, ResourceText
from catalog.previews import convert, extract, thumbnails
from catalog.previews.convert import ConversionError
from catalog.previews.extract import ExtractionError
from edu_portal.storage import ObjectNotFound, get_storage

log = logging.getLogger(__name__)

PDF_TYPE = "application/pdf"
MISSING_ORIGINAL = _("The original file is missing from storage, so no preview was made.")
Preview = Resource.Preview

#: Content types back to extensions, for originals stored under a name without one.
_EXTENSION_FOR_TYPE = {mime: ext for ext, mime in reversed(list(EXTENSIONS.items()))}
_EXTENSION_FOR_TYPE["text/plain"] = "txt"


@dataclass(frozen=True)
class Outcome:
    """What a run did: the preview state it left and, on failure, the reason."""

    state: str
    reason: str = ""
    detail: str = ""


def build_preview(resource_id: int, *, force: bool = False) -> Outcome:
    resource = Resource.objects.filter(pk=resource_id, deleted_at__isnull=True).first()
    if resource is None:
        return Outcome("gone")
    if resource.preview_state == Preview.READY and not force:
        return Outcome(Preview.READY)
    original = (
        ResourceFile.objects.filter(resource=resource, role=ResourceFile.Role.ORIGINAL)
        .select_related("blob")
        .order_by("-created_at", "-pk")
        .first()
    )
    if original is None:
        _set_state(resource_id, Preview.NONE)
        return Outcome(Preview.NONE, detail="no original file")
    Resource.objects.filter(pk=resource_id).update(preview_state=Preview.PENDING)

    ext = file_extension(original)
    with convert.private_workdir() as tmp:
        workdir = Path(tmp)
        source = workdir / f"original.{ext or 'bin'}"
        try:
            _download(original.blob.key, source)
        except ObjectNotFound:
            return _fail(resource_id, str(MISSING_ORIGINAL), original.blob.key)
        try:
            preview_blob, text, pdf = _make(source, ext, original.blob, workdir)
        except (ConversionError, ExtractionError) as exc:
            return _fail(resource_id, exc.reason, exc.detail)
        thumbnail_blob = _thumbnail_blob(pdf, workdir) if pdf else None

    state = Preview.READY if preview_blob else Preview.NONE
    with transaction.atomic():
        if preview_blob:
            filename = _preview_name(original.filename)
            ResourceFile.objects.get_or_create(
                resource=resource,
                role=ResourceFile.Role.PREVIEW,
                blob=preview_blob,
                defaults={"filename": filename},
            )
            # A preview of an earlier original is stale now.
            ResourceFile.objects.filter(resource=resource, role=ResourceFile.Role.PREVIEW).exclude(
                blob=preview_blob
            ).delete()
        # The thumbnail follows the preview: none (the kind's icon) when there is no preview.
        thumbnails.link_thumbnail(resource, thumbnail_blob)
        if text is not None:
            ResourceText.objects.update_or_create(
                resource=resource, defaults={"text": text, "extracted_at": timezone.now()}
            )
        _set_state(resource_id, state, expected=Preview.PENDING)
    return Outcome(state)


def _fail(resource_id: int, reason: str, detail: str) -> Outcome:
    log.warning("preview of resource %s failed: %s (%s)", resource_id, reason, detail[-500:])
    with transaction.atomic():
        # No preview is better than one of an earlier original.
        ResourceFile.objects.filter(
            resource_id=resource_id,
            role__in=[ResourceFile.Role.PREVIEW, ResourceFile.Role.THUMBNAIL],
        ).delete()
        _set_state(resource_id, Preview.FAILED, expected=Preview.PENDING)
    return Outcome(Preview.FAILED, reason, detail)


def file_extension(original: ResourceFile) -> str:
    """The type of the original: its name's extension, else its stored content type."""
    ext = extension(original.filename)
    if ext:
        return ext
    return _EXTENSION_FOR_TYPE.get(original.blob.content_type.split(";")[0].strip(), "")


def _make(
    source: Path, ext: str, original: Blob, workdir: Path
) -> tuple[Blob | None, str | None, Path | None]:
    """The preview Blob (None when the type has no PDF preview), the text (None when the
    type has no text reader) and the preview PDF's path in ``workdir`` (for the thumbnail)."""
    with source.open("rb") as handle:
        is_pdf = b"%PDF-" in handle.read(1024)
    if is_pdf or ext == "pdf":
        if not is_pdf:
            raise ExtractionError(ExtractionError.CORRUPT, "not a PDF")
        extract.open_pdf(source)  # damaged or password-protected: no preview
        return original, _text_or_none(source, "pdf"), source
    if ext in convert.OFFICE_EXTENSIONS:
        outdir = workdir / "convert"
        outdir.mkdir()
        pdf = convert.convert_to_pdf(source, ext, outdir)
        # The PDF LibreOffice wrote is the best text source for the old binary formats.
        text = _text_or_none(source if extract.can_extract(ext) else pdf, ext)
        if text is None or not text.strip():
            text = _text_or_none(pdf, "pdf") or text
        return store_blob(pdf, PDF_TYPE), text, pdf
    if extract.can_extract(ext):
        return None, extract.extract_text(source, ext), None
    return None, None, None


def _text_or_none(path: Path, ext: str) -> str | None:
    """Text of a file whose preview is fine: a text problem only costs the search text."""
    if path.suffix == ".pdf":
        ext = "pdf"
    try:
        return extract.extract_text(path, ext)
    except ExtractionError as exc:
        log.warning("no text from %s: %s", path.name, exc)
        return None


def _preview_name(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem or 'preview'}.pdf"[:255]


def _set_state(resource_id: int, state: str, *, expected: str | None = None) -> bool:
    rows = Resource.objects.filter(pk=resource_id)
    if expected is not None:
        rows = rows.filter(preview_state=expected)
    return rows.update(preview_state=state) > 0


def _download(key: str, target: Path) -> None:
    with get_storage().open(key) as stream, target.open("wb") as out:
        shutil.copyfileobj(stream, out, 1024 * 1024)


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def store_blob(path: Path, content_type: str) -> Blob:
    """The Blob holding the bytes of ``path``: an existing one with the same SHA-256, or a
    new one whose object is written first (content-addressed, so rewriting is harmless)."""
    sha256, size = _sha256(path)
    storage = get_storage()
    key = Blob.key_for(sha256)
    existing = Blob.objects.filter(sha256=sha256).first()
    if existing is not None:
        if not storage.exists(existing.key):
            _put(storage, existing.key, path, size, content_type, sha256)
        return existing
    created_object = not storage.exists(key)
    if created_object:
        _put(storage, key, path, size, content_type, sha256)
    try:
        with transaction.atomic():
            return Blob.objects.create(sha256=sha256, size=size, content_type=content_type, key=key)
    except IntegrityError:
        # Another run stored the same bytes first: use its row (and the object is shared).
        return Blob.objects.get(sha256=sha256)
    except BaseException:
        if created_object:
            storage.delete(key)
        raise


def _put(storage, key: str, path: Path, size: int, content_type: str, sha256: str) -> None:
    with path.open("rb") as handle:
        storage.put(key, handle, length=size, content_type=content_type, expected_sha256=sha256)


def _thumbnail_blob(pdf: Path, workdir: Path) -> Blob | None:
    image = thumbnails.render_first_page(pdf, workdir / "thumbnail.jpg")
    return store_blob(image, thumbnails.JPEG_TYPE) if image else None


def build_thumbnail(resource_id: int) -> bool:
    """Make the thumbnail of a resource whose preview was built before thumbnails existed;
    True if it has one after. Idempotent: one that has a thumbnail is left alone."""
    resource = Resource.objects.filter(pk=resource_id, deleted_at__isnull=True).first()
    if resource is None or resource.preview_state != Preview.READY:
        return False
    files = resource.files.select_related("blob")
    if files.filter(role=ResourceFile.Role.THUMBNAIL).exists():
        return True
    preview = files.filter(role=ResourceFile.Role.PREVIEW).order_by("-created_at", "-pk").first()
    if preview is None:
        return False
    with convert.private_workdir() as tmp:
        workdir = Path(tmp)
        pdf = workdir / "preview.pdf"
        try:
            _download(preview.blob.key, pdf)
        except ObjectNotFound:
            log.warning("preview of resource %s is missing from storage", resource_id)
            return False
        blob = _thumbnail_blob(pdf, workdir)
    if blob is None:
        return False
    thumbnails.link_thumbnail(resource, blob)
    return True
