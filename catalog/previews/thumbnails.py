"""A small image of a document's first page, shown in resource lists.

Made from the preview PDF when the preview is built (``services.build_preview``), or later
for resources whose preview was made before thumbnails existed (``services.build_thumbnail``,
run by ``manage.py make_thumbnails``). Stored as a content-addressed Blob next to the
preview and linked as the resource's THUMBNAIL file. A thumbnail is a nicety: failing to make one
never fails the preview, the list then shows the kind's icon.

PDFium renders the page in this process, like the e-book covers (``ebooks.parse``), one
page at a time under a lock (PDFium is not thread-safe) and at a scale bounded by the
page's own size, so a page that declares huge dimensions still gives a small bitmap.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.db import transaction

from catalog.models import Resource, ResourceFile

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 240  # the 96 css px list box, sharp on high-density phone screens
MAX_ASPECT = 3.0  # a page taller than 3× its width is cut, not squeezed into a sliver
JPEG_TYPE = "image/jpeg"
#: PDFium is not thread-safe: every renderer in the process (these thumbnails, the e-book
#: covers of ``ebooks.parse``) holds this one lock.
PDFIUM_LOCK = threading.Lock()


def render_first_page(pdf: Path, target: Path, *, width: int = THUMBNAIL_WIDTH) -> Path | None:
    """Write the first page of ``pdf`` as a JPEG ``width`` pixels wide; None if it cannot
    be rendered (empty, damaged or protected)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(pdf))
            try:
                if len(document) < 1:
                    return None
                page = document[0]
                page_width, page_height = page.get_size()
                if page_width <= 0 or page_height <= 0:
                    return None
                scale = width / page_width
                # Cut a very tall page before rendering, so the bitmap stays small.
                keep = min(page_height, width * MAX_ASPECT / scale)
                bitmap = page.render(scale=scale, crop=(0, page_height - keep, 0, 0))
                image = bitmap.to_pil()
            finally:
                document.close()
        except (pdfium.PdfiumError, IndexError, ValueError, OSError) as exc:
            log.warning("no thumbnail of %s: %s", pdf.name, exc)
            return None
    image.convert("RGB").save(target, "JPEG", quality=80, optimize=True)
    return target


def link_thumbnail(resource: Resource, blob) -> None:
    """Make ``blob`` the resource's one thumbnail (``None``: it has none)."""
    files = ResourceFile.objects.filter(resource=resource, role=ResourceFile.Role.THUMBNAIL)
    with transaction.atomic():
        if blob is not None:
            ResourceFile.objects.get_or_create(
                resource=resource,
                role=ResourceFile.Role.THUMBNAIL,
                blob=blob,
                defaults={"filename": "thumbnail.jpg"},
            )
            files = files.exclude(blob=blob)
        files.delete()


def needs_thumbnail():
    """Resources with a ready PDF preview and no thumbnail yet."""
    return (
        Resource.objects.filter(
            deleted_at__isnull=True,
            preview_state=Resource.Preview.READY,
            files__role=ResourceFile.Role.PREVIEW,
        )
        .exclude(files__role=ResourceFile.Role.THUMBNAIL)
        .distinct()
        .order_by("pk")
    )
