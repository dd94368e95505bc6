"""The review queue, the user's own submissions, and the POST endpoints of the buttons
(one item, or several ticked items at once).

Thin views: the decisions are in ``transitions`` (permission, state, audit), what each
model shows in ``registry`` policies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from edu_portal.access import AccessDenied
from edu_portal.workflow import bulk, notes, registry, transitions
from edu_portal.workflow.forms import QueueFilterForm
from edu_portal.workflow.models import State

PER_PAGE = 20
_OLDEST = datetime.min.replace(tzinfo=UTC)


def _done(action: str, title: str) -> str:
    """What happened, in plain words, after a successful step."""
    messages_by_action = {
        "submit": _("“%(title)s” was submitted for review."),
        "approve": _("“%(title)s” is now published."),
        "request_changes": _("“%(title)s” was sent back to the uploader with your comment."),
        "decline": _("“%(title)s” was declined; the author has been told why."),
        "withdraw": _("“%(title)s” was withdrawn; others can no longer see it."),
        "reopen": _("“%(title)s” is a draft again: edit it, then submit it when it is ready."),
    }
    return messages_by_action[action] % {"title": title}


def _button(action: str) -> str:
    return {
        "submit": _("Submit for review"),
        "approve": _("Approve and publish"),
        "request_changes": _("Request changes"),
        "decline": _("Decline"),
        "withdraw": _("Withdraw"),
        "reopen": _("Reopen as draft"),
    }[action]


ERRORS_KEY = "workflow_item_errors"


def _item(user, policy: registry.Policy, obj, errors: dict[str, str] | None = None) -> dict:
    label = obj._meta.label_lower
    actions = [
        {
            "name": name,
            "label": _button(name),
            "url": reverse("workflow:act", args=[label, obj.pk, name]),
        }
        for name in transitions.available_actions(user, obj)
    ]
    value = bulk.item_key(obj)
    return {
        "object": obj,
        "key": f"{label}-{obj.pk}",
        "value": value,
        "label": policy.label(obj),
        "kind": policy.kind_label(obj),
        "owner": policy.owner(obj),
        "org_unit": policy.org_unit(obj),
        "submitted_at": obj.submitted_at,
        "url": policy.url(obj),
        "preview_url": policy.preview_url(obj),
        "thumbnail": policy.thumbnail_url(obj),
        "state": obj.state,
        "state_label": State(obj.state).label,
        "review_comment": obj.review_comment,
        "author_note": notes.author_note(obj),
        "edit_url": policy.edit_url(user, obj),
        "actions": actions,
        "can_decline": any(action["name"] == "decline" for action in actions),
        "error": (errors or {}).pop(value, ""),
    }


def _page(request: HttpRequest, entries: list, querysets: dict, errors: dict) -> tuple:
    """Paginate (sort key, model, pk) entries, then load only the objects on the page."""
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    wanted: dict = {}
    for _key, model, pk in page.object_list:
        wanted.setdefault(model, []).append(pk)
    loaded = {model: querysets[model].in_bulk(pks) for model, pks in wanted.items()}
    items = []
    for _key, model, pk in page.object_list:
        obj = loaded[model].get(pk)
        if obj is not None:
            items.append(_item(request.user, registry.policy_for(model), obj, errors))
    return page, items


def _entries(querysets: dict, *, newest_first: bool) -> list:
    entries = []
    for model, queryset in querysets.items():
        for pk, submitted in queryset.values_list("pk", "submitted_at"):
            entries.append(((submitted or _OLDEST, str(pk)), model, pk))
    entries.sort(key=lambda entry: entry[0], reverse=newest_first)
    return entries


def _pop_errors(request: HttpRequest) -> dict[str, str]:
    """Per-item errors of the last POST (shown next to their items once)."""
    return dict(request.session.pop(ERRORS_KEY, {}) or {})


def _routing_help() -> list[str]:
    sentences: list[str] = []
    for _model, policy in registry.registered():
        sentences.extend(s for s in policy.routing_help() if s not in sentences)
    return sentences


def _own(request: HttpRequest, errors: dict) -> tuple:
    querysets = {m: policy.own_queryset(request.user) for m, policy in registry.registered()}
    return _page(request, _entries(querysets, newest_first=True), querysets, errors)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Items in review the user may decide on, oldest first, with filters and a form to
    decide on several at once. People who submit but review nothing see their own
    submissions here and who reviews them."""
    user = request.user
    reviewing = [(m, p) for m, p in registry.registered() if p.is_reviewer(user)]
    errors = _pop_errors(request)
    context: dict = {"routing": _routing_help()}
    if not reviewing:
        if not any(policy.is_submitter(user) for _m, policy in registry.registered()):
            raise AccessDenied(
                "not_a_reviewer",
                _("The review queue is for reviewers, and your account does not review content."),
                _("If you should review content, ask your administrator for a reviewer role."),
            )
        page, items = _own(request, errors)
        context.update(page=page, items=items, reviewer=False, stray_errors=_stray(errors))
        return render(request, "workflow/queue.html", context)

    scoped = {model: policy.review_queryset(user) for model, policy in reviewing}
    offered = {model: policy.filter_fields(user, scoped[model]) for model, policy in reviewing}
    form = QueueFilterForm(request.GET, [f for fields in offered.values() for f in fields])
    querysets = {
        model: form.apply(policy, scoped[model], {f.name for f in offered[model]})
        for model, policy in reviewing
    }
    page, items = _page(request, _entries(querysets, newest_first=False), querysets, errors)
    scope: list[str] = []
    for _model, policy in reviewing:
        scope.extend(s for s in policy.review_scope(user) if s not in scope)
    context.update(
        page=page,
        items=items,
        reviewer=True,
        form=form,
        filtered=form.active(),
        scope=scope,
        stray_errors=_stray(errors),
        bulk_actions=[(name, _button(name)) for name in bulk.BULK_ACTIONS],
        bulk_max=bulk.MAX_ITEMS,
    )
    return render(request, "workflow/queue.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The user's own items that are not published: their state and the reviewer's word."""
    errors = _pop_errors(request)
    page, items = _own(request, errors)
    return render(
        request,
        "workflow/mine.html",
        {"page": page, "items": items, "stray_errors": _stray(errors)},
    )


def _stray(errors: dict[str, str]) -> list[str]:
    """Errors about items not on this page (decided meanwhile, not found), once each."""
    return list(dict.fromkeys(errors.values()))


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("workflow:queue")


@require_POST
@login_required
def act(request: HttpRequest, label: str, pk: str, action: str) -> HttpResponse:
    """Perform one transition and come back with a message saying what happened."""
    model = registry.model_for_label(label)
    if model is None or action not in transitions.ACTIONS:
        raise Http404
    policy = registry.policy_for(model)
    try:
        obj = model._default_manager.get(pk=pk)
    except (model.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if not policy.may_view(request.user, obj):
        raise Http404  # do not confirm that someone else's draft exists
    target = _next_url(request)
    try:
        transitions.perform(
            action,
            request.user,
            obj,
            request.POST.get("comment", ""),
            expected_state=request.POST.get("state", ""),
        )
    except PermissionDenied as refusal:
        _report(request, target, obj, str(refusal))
    except ValidationError as error:
        _report(request, target, obj, " ".join(error.messages))
    else:
        messages.success(request, _done(action, policy.label(obj)))
    return redirect(target)


def _lists_items(target: str) -> bool:
    """Does ``target`` show items with their errors (the queue, "my submissions")?"""
    path = urlsplit(target).path
    return path in (reverse("workflow:queue"), reverse("workflow:mine"))


def _report(request: HttpRequest, target: str, obj, message: str) -> None:
    """An error goes next to its item on the list pages, else into the page's messages."""
    if _lists_items(target):
        errors = request.session.get(ERRORS_KEY, {}) or {}
        errors[bulk.item_key(obj)] = message
        request.session[ERRORS_KEY] = errors
    else:
        messages.error(request, message)


@require_POST
@login_required
def bulk_act(request: HttpRequest) -> HttpResponse:
    """Approve, or request changes to, the ticked items: a result per item; those that
    succeeded leave the queue, the others show their error next to them."""
    target = _next_url(request)
    action = request.POST.get("action", "")
    # Keys are short ("<app>.<model>-<pk>"); a longer one names nothing and would only
    # swell the session that carries the per-item errors back to the page.
    keys = [key[:80] for key in request.POST.getlist("items")]
    try:
        result = bulk.perform_many(request.user, action, keys, request.POST.get("comment", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(target)
    if result.done:
        # Translators: separates the titles of the items a bulk decision applied to.
        titles = _(", ").join(f"“{label}”" for _key, label in result.done)
        messages.success(request, _bulk_done(action, len(result.done), titles))
    if result.errors:
        request.session[ERRORS_KEY] = result.errors
        messages.error(
            request,
            ngettext(
                "%(count)d item was not changed: the reason is shown next to it.",
                "%(count)d items were not changed: the reason is shown next to each.",
                len(result.errors),
            )
            % {"count": len(result.errors)},
        )
    return redirect(target)


def _bulk_done(action: str, count: int, titles: str) -> str:
    if action == "approve":
        text = ngettext(
            "%(count)d item is now published: %(titles)s.",
            "%(count)d items are now published: %(titles)s.",
            count,
        )
    else:
        text = ngettext(
            "%(count)d item was sent back to its uploader with your comment: %(titles)s.",
            "%(count)d items were sent back to their uploaders with your comment: %(titles)s.",
            count,
        )
    return text % {"count": count, "titles": titles}
