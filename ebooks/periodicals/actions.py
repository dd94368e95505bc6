"""Changes to periodicals: check, change, audit, and tell authors after commit.

Review decisions on articles (accept, request revisions, decline) are the shared workflow's
transitions (``edu_portal.workflow.transitions``); the author is told by the receiver of
its ``transitioned`` signal (``notify.on_transition``). Accepting an article moves it to
the workflow's ``published`` state, which means *accepted*: it becomes public only when an
editor assigns it to an issue and publishes the issue.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from pathlib import Path

import nh3
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.blobs import blob_from_file
from catalog.importer.filetypes import FILE_TYPES, HEAD
from catalog.models import Blob, Resource
from ebooks.periodicals import notify
from ebooks.periodicals.models import Article, Issue, Periodical
from ebooks.periodicals.workflow import is_editor, may_submit_to
from edu_portal.access import Visibility
from edu_portal.accounts.audit import actor_context, log_event
from edu_portal.workflow import registry, transitions
from edu_portal.workflow.models import ReviewEvent, State

log = logging.getLogger(__name__)

MAX_ATTACHMENT = 20 * 1024 * 1024
ATTACHMENT_TYPES = ("docx", "pdf", "txt")
ISSUE_FILE_TYPES = ("pdf", "epub")
EDITABLE_STATES = frozenset({State.DRAFT, State.CHANGES_REQUESTED, State.WITHDRAWN})
ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "caption", "pre", "code", "hr", "figure", "figcaption", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}


def clean_html(html: str) -> str:
    """Rich text as the portal stores it: only harmless tags, no scripts, styles or event
    handlers, links limited to http(s) and mailto."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- files -----------------------------------------------------------------------------------


def spool_upload(upload: UploadedFile) -> Path:
    """The upload as a local file (content checks of ZIP-based formats need a path)."""
    handle = tempfile.NamedTemporaryFile(prefix="periodical-", delete=False)  # noqa: SIM115
    with handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return Path(handle.name)


def check_file(path: Path, filename: str, allowed: tuple[str, ...], field: str) -> str:
    """The type (extension) of ``path`` once its content agrees with its name."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in allowed:
        raise _error(
            field,
            _("Only these file types are accepted: %(types)s.")
            % {"types": ", ".join(t.upper() for t in allowed)},
            "file_type",
        )
    with path.open("rb") as handle:
        head = handle.read(HEAD)
    if not FILE_TYPES[ext].check(path, head):
        raise _error(
            field,
            _("The file is damaged or is not really a %(type)s file.") % {"type": ext.upper()},
            "file_content",
        )
    return ext


def store_attachment(upload: UploadedFile) -> tuple[Blob, str]:
    """Check an author's attachment (type by content, size) and store it once by content."""
    if upload.size is not None and upload.size > MAX_ATTACHMENT:
        raise _error(
            "attachment",
            _("The file is too large: attachments may be up to %(mb)d MB.")
            % {"mb": MAX_ATTACHMENT // (1024 * 1024)},
            "file_size",
        )
    name = Path(upload.name or "").name[-255:]
    path = spool_upload(upload)
    try:
        ext = check_file(path, name, ATTACHMENT_TYPES, "attachment")
        blob = blob_from_file(path, content_type=FILE_TYPES[ext].content_type)
    finally:
        path.unlink(missing_ok=True)
    return blob, name


# --- articles --------------------------------------------------------------------------------


def _article_fields(title: str, abstract: str, body: str) -> dict:
    title = (title or "").strip()
    if not title:
        raise _error("title", _("Please give the article a title."), "required")
    if len(title) > 200:
        raise _error("title", _("The title is too long (200 characters at most)."), "max_length")
    body = clean_html(body)
    if not body:
        raise _error("body", _("Please write the text of the article."), "required")
    return {"title": title, "abstract": (abstract or "").strip(), "body": body}


def submit_article(
    author,
    periodical: Periodical,
    *,
    title: str,
    abstract: str = "",
    body: str,
    attachment: UploadedFile | None = None,
) -> Article:
    """Create the article and submit it for review (the author is told it was received)."""
    if not may_submit_to(author, periodical):
        raise PermissionDenied(_("Only teachers and staff with the right to submit may do so."))
    fields = _article_fields(title, abstract, body)
    if attachment is not None:
        fields["attachment"], fields["attachment_name"] = store_attachment(attachment)
    with transaction.atomic(), actor_context(author):
        article = Article.objects.create(periodical=periodical, author=author, **fields)
        log_event(article, {"title": [None, article.title]}, action=LogEntry.Action.CREATE)
        transitions.submit(author, article)
    return article


def revise_article(
    author,
    article: Article,
    *,
    title: str,
    abstract: str = "",
    body: str,
    attachment: UploadedFile | None = None,
    submit: bool = True,
) -> Article:
    """Change an article sent back (or withdrawn, or a draft) and, normally, resubmit it."""
    policy = registry.policy_for(article)
    if not policy.may_manage(author, article):
        raise PermissionDenied(_("Only the author can revise this article."))
    if article.state not in EDITABLE_STATES:
        raise ValidationError(
            _("Only drafts, withdrawn articles and articles sent back for revision can be edited."),
            code="invalid_state",
        )
    fields = _article_fields(title, abstract, body)
    if attachment is not None:
        fields["attachment"], fields["attachment_name"] = store_attachment(attachment)
    with transaction.atomic(), actor_context(author):
        before = {name: getattr(article, name) for name in ("title", "abstract", "body")}
        for name, value in fields.items():
            setattr(article, name, value)
        article.save()
        changes = {k: [before[k], fields[k]] for k in before if before[k] != fields[k]}
        if changes:
            log_event(article, changes)
        if submit:
            transitions.submit(author, article)
    return article


def accept(editor, article: Article, comment: str = "") -> Article:
    """In review → accepted (the workflow's ``published``); not public until its issue is."""
    return transitions.approve(editor, article, comment)


def request_revisions(editor, article: Article, comment: str) -> Article:
    return transitions.request_changes(editor, article, comment)


def decline(editor, article: Article, comment: str) -> Article:
    return transitions.decline(editor, article, comment)


# --- issues ----------------------------------------------------------------------------------


def _require_editor(user, periodical: Periodical) -> None:
    if not is_editor(user, periodical):
        raise PermissionDenied(
            _("Only editors of %(periodical)s (at %(unit)s or above) can do this.")
            % {"periodical": periodical.name, "unit": periodical.editor_unit}
        )


def _require_draft(issue: Issue) -> None:
    if issue.is_published:
        raise ValidationError(
            _("%(issue)s is already published.") % {"issue": issue}, code="issue_published"
        )


def create_issue(
    editor,
    periodical: Periodical,
    *,
    volume: int,
    number: int,
    date: datetime.date,
    title: str = "",
) -> Issue:
    _require_editor(editor, periodical)
    if Issue.objects.filter(periodical=periodical, volume=volume, number=number).exists():
        raise _error(
            "number",
            _("%(periodical)s already has an issue %(volume)s-%(number)s.")
            % {"periodical": periodical.name, "volume": volume, "number": number},
            "unique",
        )
    title = (title or "").strip() or _("%(volume)s, No. %(number)s") % {
        "volume": volume,
        "number": number,
    }
    with transaction.atomic(), actor_context(editor):
        issue = Issue.objects.create(
            periodical=periodical, volume=volume, number=number, date=date, title=title[:120]
        )
        log_event(issue, {"title": [None, issue.title]}, action=LogEntry.Action.CREATE)
    return issue


def assign_to_issue(editor, article: Article, issue: Issue | None, order: int = 0) -> Article:
    """Place an accepted article in a draft issue at ``order`` (or take it out: None)."""
    _require_editor(editor, article.periodical)
    if not article.is_accepted:
        raise ValidationError(
            _("Only accepted articles can be placed in an issue."), code="not_accepted"
        )
    if issue is not None:
        if issue.periodical_id != article.periodical_id:
            raise ValidationError(
                _("The article was submitted to another periodical."), code="wrong_periodical"
            )
        _require_draft(issue)
    if article.issue_id is not None and article.issue.is_published:
        raise ValidationError(
            _("The article already appeared in a published issue."), code="issue_published"
        )
    before = [article.issue_id, article.order]
    with transaction.atomic(), actor_context(editor):
        article.issue = issue
        article.order = max(int(order or 0), 0)
        article.save(update_fields=["issue", "order", "updated_at"])
        log_event(article, {"issue": [before[0], article.issue_id], "order": [before[1], order]})
    return article


def attach_issue_file(editor, issue: Issue, path: Path, filename: str = "") -> Issue:
    """Make the full issue (PDF or EPUB at ``path``) a catalog e-book and link it; its
    cover becomes the issue's cover unless one is set. It stays a draft until the issue
    is published."""
    _require_editor(editor, issue.periodical)
    _require_draft(issue)
    check_file(path, filename or path.name, ISSUE_FILE_TYPES, "file")
    # The e-book ingest owns PDF/EPUB parsing, covers and thumbnails.
    from ebooks.ingest import ingest_file
    from ebooks.parse import IngestError

    try:
        resource = ingest_file(
            path,
            filename=filename or path.name,
            owner=editor,
            visibility=Visibility.PUBLIC,
            state=State.DRAFT,
        )
    except IngestError as error:
        raise _error("file", str(error.reason), error.code) from None
    with transaction.atomic(), actor_context(editor):
        if resource.title != str(issue):
            Resource.objects.filter(pk=resource.pk).update(title=str(issue)[:200])
        before = issue.resource_id
        issue.resource = resource
        fields = ["resource"]
        ebook = getattr(resource, "ebook", None)
        if issue.cover_id is None and ebook is not None and ebook.cover_id:
            issue.cover_id = ebook.cover_id
            fields.append("cover")
        issue.save(update_fields=fields)
        log_event(issue, {"resource": [before, resource.pk]})
    return issue


def set_cover(editor, issue: Issue, upload: UploadedFile) -> Issue:
    """A cover image (JPEG or PNG, checked by content)."""
    _require_editor(editor, issue.periodical)
    if upload.size is not None and upload.size > MAX_ATTACHMENT:
        raise _error("cover", _("The image is too large."), "file_size")
    path = spool_upload(upload)
    try:
        ext = check_file(path, Path(upload.name or "").name, ("jpg", "jpeg", "png"), "cover")
        blob = blob_from_file(path, content_type=FILE_TYPES[ext].content_type)
    finally:
        path.unlink(missing_ok=True)
    with transaction.atomic(), actor_context(editor):
        before = issue.cover_id
        issue.cover = blob
        issue.save(update_fields=["cover"])
        log_event(issue, {"cover": [before, blob.pk]})
    return issue


def _publish_resource(editor, resource: Resource, now) -> None:
    """The issue's e-book goes public with the issue: the editor's decision is the review."""
    if resource.state == State.PUBLISHED:
        return
    from_state = resource.state
    resource.state, resource.published_at = State.PUBLISHED, now
    resource.save(update_fields=["state", "published_at", "updated_at"])
    ReviewEvent.objects.create(
        content_type=ContentType.objects.get_for_model(Resource),
        object_id=str(resource.pk),
        action="approve",
        from_state=from_state,
        to_state=State.PUBLISHED,
        actor=editor,
        comment=_("Published with its periodical issue."),
        created_at=now,
    )
    log_event(resource, {"state": [from_state, State.PUBLISHED]})


def publish_issue(editor, issue: Issue) -> Issue:
    """Publish the issue, its accepted articles and its full file; tell each author."""
    _require_editor(editor, issue.periodical)
    _require_draft(issue)
    if not issue.articles.filter(state=State.PUBLISHED).exists() and issue.resource_id is None:
        raise ValidationError(
            _("An issue needs at least one accepted article or the full issue file."),
            code="empty_issue",
        )
    now = timezone.now()
    with transaction.atomic(), actor_context(editor):
        updated = Issue.objects.filter(pk=issue.pk, state=Issue.State.DRAFT).update(
            state=Issue.State.PUBLISHED, published_at=now
        )
        if not updated:
            raise ValidationError(
                _("Someone else has already published this issue."), code="state_changed"
            )
        issue.state, issue.published_at = Issue.State.PUBLISHED, now
        if issue.resource_id is not None:
            _publish_resource(editor, issue.resource, now)
        log_event(issue, {"state": [Issue.State.DRAFT, Issue.State.PUBLISHED]})
        transaction.on_commit(lambda: _tell_authors(issue.pk))
    return issue


def _tell_authors(issue_id: int) -> None:
    try:
        notify.issue_published(Issue.objects.select_related("periodical").get(pk=issue_id))
    except Exception:  # a failed notice must not look like a failed publication
        log.exception("could not notify the authors of issue %s", issue_id)
