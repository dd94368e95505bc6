"""Catalog models: resources with their taxonomy, files stored once by content hash, and
the text extracted from them for search."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.taxonomy import (
    GRADE_CHOICES,
    Collection,
    Edition,
    Stage,
    Subject,
    Tag,
    TextbookNode,
)
from edu_portal.access import Visibility
from edu_portal.workflow.models import Reviewable


class Licence(models.TextChoices):
    EDUCATIONAL = "educational", _("Teaching use within the county")
    ALL_RIGHTS = "all_rights_reserved", _("All rights reserved")
    CC_BY = "cc_by", _("CC BY 4.0")
    CC_BY_SA = "cc_by_sa", _("CC BY-SA 4.0")
    CC_BY_NC = "cc_by_nc", _("CC BY-NC 4.0")
    CC_BY_NC_SA = "cc_by_nc_sa", _("CC BY-NC-SA 4.0")
    CC0 = "cc0", _("CC0 (public domain)")


class Blob(models.Model):
    """One stored file, by content: identical uploads share it (``blobs/ab/cd/<sha256>``)."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=120)
    key = models.CharField(_("object key"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.sha256[:12]

    @staticmethod
    def key_for(sha256: str) -> str:
        return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class Resource(Reviewable):
    class Kind(models.TextChoices):
        COURSEWARE = "courseware", _("Courseware")
        LESSON_PLAN = "lesson_plan", _("Lesson plan")
        EXERCISE = "exercise", _("Exercise")
        VIDEO = "video", _("Video")
        EBOOK = "ebook", _("E-book")
        AUDIO = "audio", _("Audio")
        IMAGE = "image", _("Image")
        DOCUMENT = "document", _("Document")
        PACKAGE = "package", _("Package")

    class Preview(models.TextChoices):
        NONE = "none", _("No preview")
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.INTRANET
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="resources",
        verbose_name=_("uploader"),
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("org unit"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED
    )
    source_key = models.CharField(_("source object key"), max_length=255, blank=True)
    source_size = models.PositiveBigIntegerField(_("source size"), default=0)
    source_sha256 = models.CharField(_("source SHA-256"), max_length=64, blank=True)
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    # hls/<resource>/<job>/ of the output set being served; empty until the first is ready.
    output_prefix = models.CharField(_("published output"), max_length=255, blank=True)
    poster_key = models.CharField(_("poster key"), max_length=255, blank=True)
    # A progressive MP4 (720p or the top rung below it) for teachers who take a copy.
    mp4_key = models.CharField(_("MP4 download key"), max_length=255, blank=True)
    # The name the file had on the teacher's computer: offered when the original is
    # downloaded, so it opens with the right program.
    source_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    # Soft deletion: links and bookmarks then get "removed" (410), not "never existed".
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    # --- taxonomy ---------------------------------------------------------------------------
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    grade = models.PositiveSmallIntegerField(
        _("grade"), choices=GRADE_CHOICES, null=True, blank=True
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("subject")
    )
    edition = models.ForeignKey(
        Edition, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("edition")
    )
    textbook_node = models.ForeignKey(
        TextbookNode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("unit or lesson"),
    )
    collection = models.ForeignKey(
        Collection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("source collection"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="resources", verbose_name=_("tags"))
    licence = models.CharField(
        _("licence"), max_length=24, choices=Licence.choices, default=Licence.EDUCATIONAL
    )
    view_count = models.PositiveBigIntegerField(_("views"), default=0)
    download_count = models.PositiveBigIntegerField(_("downloads"), default=0)
    preview_state = models.CharField(
        _("preview"), max_length=10, choices=Preview.choices, default=Preview.NONE
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "kind"], name="resource_status_kind_idx"),
            models.Index(fields=["state", "-published_at"], name="resource_state_published_idx"),
            models.Index(fields=["stage", "grade", "subject"], name="resource_taxonomy_idx"),
            # The OPDS and library feeds: published e-books, newest first, 100,000 of them.
            # Covering visibility too, so that a deep page's ids come from the index alone.
            models.Index(
                fields=["-published_at", "-id"],
                include=["visibility"],
                name="ebook_published_idx",
                condition=Q(kind="ebook", state="published", deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ResourceFile(models.Model):
    """A file of a resource: the original, a generated preview (PDF), or an attachment."""

    class Role(models.TextChoices):
        ORIGINAL = "original", _("Original")
        PREVIEW = "preview", _("Preview")
        ATTACHMENT = "attachment", _("Attachment")
        # A small image of the first page for lists, made with the preview.
        THUMBNAIL = "thumbnail", _("Thumbnail")

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="files", verbose_name=_("resource")
    )
    blob = models.ForeignKey(
        Blob, on_delete=models.PROTECT, related_name="uses", verbose_name=_("stored file")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    filename = models.CharField(_("file name"), max_length=255)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("resource file")
        verbose_name_plural = _("resource files")
        constraints = [
            models.UniqueConstraint(fields=["resource", "role", "blob"], name="resource_file_once")
        ]

    def __str__(self) -> str:
        return self.filename


class ResourceText(models.Model):
    """Text extracted from a resource's files, for full-text search (kept out of the
    resource row so that listing resources never drags megabytes of text along)."""

    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, related_name="text", verbose_name=_("resource")
    )
    text = models.TextField(_("text"), blank=True)
    extracted_at = models.DateTimeField(_("extracted"), default=timezone.now)

    class Meta:
        verbose_name = _("extracted text")
        verbose_name_plural = _("extracted texts")

    def __str__(self) -> str:
        return f"{self.resource_id}: {len(self.text)} characters"


# Models kept in their own modules but owned by this app (migrations live in catalog/).
class CounterBatch(models.Model):
    """A batch of buffered counts already applied (``catalog.counters``), so a flush
    retried after a crash between the database commit and the cleanup counts nothing twice."""

    batch_id = models.CharField(_("batch"), max_length=96, unique=True)
    applied_at = models.DateTimeField(_("applied"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("applied counter batch")
        verbose_name_plural = _("applied counter batches")

    def __str__(self) -> str:
        return self.batch_id


from catalog.importer_models import ImportRecord  # noqa: E402, F401
from catalog.search.models import SearchEntry  # noqa: E402, F401


class Favourite(models.Model):
    """A resource a signed-in user keeps (收藏); listed only while the user may still view
    it (``catalog.favourites``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="favourites",
        verbose_name=_("user"),
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="favourites", verbose_name=_("resource")
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "resource"], name="favourite_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.resource_id}"
