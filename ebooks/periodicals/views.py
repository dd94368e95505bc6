"""Pages of the periodicals. Thin: rights and changes are in ``workflow`` and ``actions``;
review decisions are taken on the shared ``/review/`` queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ebooks.periodicals import actions
from ebooks.periodicals.forms import ArticleForm, CoverForm, IssueFileForm, IssueForm
from ebooks.periodicals.models import Article, Issue, Periodical
from ebooks.periodicals.workflow import ArticlePolicy, is_editor, may_submit_to
from edu_portal.access import AccessDenied
from edu_portal.storage.serving import serve_stored
from edu_portal.workflow import registry
from edu_portal.workflow.models import State

ISSUES_PER_PAGE = 24


def _policy() -> ArticlePolicy:
    return registry.policy_for(Article)


def _form_errors(form, error: ValidationError) -> None:
    """Put an action's ValidationError on the form (per field when it names one)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _issue(request: HttpRequest, slug: str, volume: int, number: int) -> Issue:
    issue = get_object_or_404(
        Issue.objects.select_related("periodical__editor_unit", "resource"),
        periodical__slug=slug,
        volume=volume,
        number=number,
    )
    if not issue.is_published and not is_editor(request.user, issue.periodical):
        raise Http404
    return issue


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    # Explicit order: Django leaves Meta.ordering out of a query with an aggregate, and
    # PostgreSQL's grouping then returns the periodicals in any order.
    periodicals = Periodical.objects.annotate(
        published_issues=Count("issues", filter=Q(issues__state=Issue.State.PUBLISHED))
    ).order_by("ordering", "name")
    # A handful of periodicals: one small query each for the latest issue is fine.
    published = Issue.objects.filter(state=Issue.State.PUBLISHED).select_related("periodical")
    items = [
        {"periodical": p, "latest": published.filter(periodical=p).first()} for p in periodicals
    ]
    return render(request, "periodicals/index.html", {"items": items})


@require_safe
def periodical(request: HttpRequest, slug: str) -> HttpResponse:
    journal = get_object_or_404(Periodical.objects.select_related("editor_unit"), slug=slug)
    editor = is_editor(request.user, journal)
    issues = journal.issues.all() if editor else journal.issues.filter(state=Issue.State.PUBLISHED)
    page = Paginator(issues, ISSUES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "periodical": journal,
        "page": page,
        "is_editor": editor,
        "may_submit": may_submit_to(request.user, journal),
    }
    return render(request, "periodicals/periodical.html", context)


@require_safe
def issue(request: HttpRequest, slug: str, volume: int, number: int) -> HttpResponse:
    item = _issue(request, slug, volume, number)
    resource = item.resource
    context = {
        "issue": item,
        "periodical": item.periodical,
        "articles": item.toc(),
        "read_url": reverse("reader:read", args=[resource.pk]) if resource is not None else "",
        "is_editor": is_editor(request.user, item.periodical),
    }
    return render(request, "periodicals/issue.html", context)


@require_safe
def cover(request: HttpRequest, slug: str, volume: int, number: int) -> HttpResponse:
    item = _issue(request, slug, volume, number)
    if item.cover_id is None:
        raise Http404
    cache = "public, max-age=3600" if item.is_published else "private, no-store"
    return serve_stored(request, item.cover.key, cache_control=cache)


def _article(request: HttpRequest, pk: int) -> Article:
    obj = get_object_or_404(
        Article.objects.select_related("periodical__editor_unit", "issue", "author"), pk=pk
    )
    if not _policy().may_view(request.user, obj):
        raise Http404  # do not confirm that someone else's draft exists
    return obj


@require_safe
def article(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _article(request, pk)
    policy = _policy()
    context = {
        "article": obj,
        "periodical": obj.periodical,
        "is_author": policy.may_manage(request.user, obj),
        "may_revise": policy.may_manage(request.user, obj) and obj.state in actions.EDITABLE_STATES,
        "may_review": policy.may_review(request.user, obj),
        "state_label": State(obj.state).label,
    }
    return render(request, "periodicals/article.html", context)


@require_safe
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """The author's manuscript: for the author and the editors only."""
    obj = _article(request, pk)
    policy = _policy()
    if obj.attachment_id is None or not (
        policy.may_manage(request.user, obj) or policy.may_review(request.user, obj)
    ):
        raise Http404
    return serve_stored(
        request,
        obj.attachment.key,
        cache_control="private, no-store",
        filename=obj.attachment_name or f"article-{obj.pk}",
    )


@login_required
def submit(request: HttpRequest, slug: str) -> HttpResponse:
    journal = get_object_or_404(Periodical, slug=slug)
    if not may_submit_to(request.user, journal):
        raise AccessDenied(
            "submit_not_allowed",
            _("Your account may not submit articles."),
            _("Articles are submitted by teachers and staff. Ask your school administrator."),
        )
    form = ArticleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            obj = actions.submit_article(
                request.user,
                journal,
                title=data["title"],
                abstract=data["abstract"],
                body=data["body"],
                attachment=data.get("attachment") or None,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("“%(title)s” was submitted to the editors.") % {"title": obj.title}
            )
            return redirect("periodicals:mine")
    return render(request, "periodicals/submit.html", {"periodical": journal, "form": form})


@login_required
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _article(request, pk)
    if not _policy().may_manage(request.user, obj) or obj.state not in actions.EDITABLE_STATES:
        raise AccessDenied(
            "not_editable",
            _("This article cannot be edited now."),
            _("Only its author can revise it, and only while it is a draft or sent back."),
        )
    initial = {"title": obj.title, "abstract": obj.abstract, "body": obj.body}
    form = ArticleForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.revise_article(
                request.user,
                obj,
                title=data["title"],
                abstract=data["abstract"],
                body=data["body"],
                attachment=data.get("attachment") or None,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("“%(title)s” was submitted again.") % {"title": obj.title})
            return redirect("periodicals:mine")
    context = {"periodical": obj.periodical, "form": form, "article": obj}
    return render(request, "periodicals/submit.html", context)


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    articles = (
        Article.objects.filter(author_id=request.user.pk)
        .select_related("periodical", "issue")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(articles, 20).get_page(request.GET.get("page"))
    return render(request, "periodicals/mine.html", {"page": page})


def notifications(request: HttpRequest) -> HttpResponse:
    """The periodicals' own notifications page moved into the site's notification centre."""
    return redirect("notifications:list", permanent=True)


# --- editors ---------------------------------------------------------------------------------


def _require_editor(request: HttpRequest, journal: Periodical) -> None:
    if not is_editor(request.user, journal):
        raise AccessDenied(
            "editors_only",
            _("Only the editors of this periodical may do this."),
            _("Editors hold the review right at the periodical's editorial unit."),
        )


@login_required
def new_issue(request: HttpRequest, slug: str) -> HttpResponse:
    journal = get_object_or_404(Periodical.objects.select_related("editor_unit"), slug=slug)
    _require_editor(request, journal)
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.create_issue(request.user, journal, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("%(issue)s was created.") % {"issue": created})
            return redirect("periodicals:edit-issue", slug, created.volume, created.number)
    return render(request, "periodicals/new_issue.html", {"periodical": journal, "form": form})


def _edit_post(request: HttpRequest, item: Issue) -> str:
    """Carry out one editor action from the issue page; returns the success message."""
    step = request.POST.get("step", "")
    user = request.user
    if step == "assign":
        obj = get_object_or_404(
            Article, pk=request.POST.get("article", 0), periodical=item.periodical
        )
        try:
            order = int(request.POST.get("order") or 0)
        except ValueError:
            order = 0
        target = None if request.POST.get("remove") else item
        actions.assign_to_issue(user, obj, target, order)
        return _("“%(title)s” was updated.") % {"title": obj.title}
    if step == "file":
        form = IssueFileForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError(_("Choose a PDF or EPUB file."))
        upload = form.cleaned_data["file"]
        path = actions.spool_upload(upload)
        try:
            actions.attach_issue_file(user, item, path, upload.name or "")
        finally:
            path.unlink(missing_ok=True)
        return _("The full issue file was added.")
    if step == "cover":
        form = CoverForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError(_("Choose a JPEG or PNG image."))
        actions.set_cover(user, item, form.cleaned_data["cover"])
        return _("The cover was updated.")
    if step == "publish":
        actions.publish_issue(user, item)
        return _("%(issue)s is published; the authors have been told.") % {"issue": item}
    raise Http404


@login_required
def edit_issue(request: HttpRequest, slug: str, volume: int, number: int) -> HttpResponse:
    item = _issue(request, slug, volume, number)
    _require_editor(request, item.periodical)
    if request.method == "POST":
        try:
            messages.success(request, _edit_post(request, item))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied as refusal:
            messages.error(request, str(refusal))
        return redirect("periodicals:edit-issue", slug, volume, number)
    accepted = (
        Article.objects.filter(
            periodical=item.periodical, state=State.PUBLISHED, issue__isnull=True
        )
        .select_related("author")
        .order_by("published_at", "pk")
    )
    context = {
        "issue": item,
        "periodical": item.periodical,
        "articles": item.toc(),
        "accepted": accepted,
        "file_form": IssueFileForm(),
        "cover_form": CoverForm(),
    }
    return render(request, "periodicals/edit_issue.html", context)
