"""The review queue, the user's own submissions, and the POST endpoint of the buttons.

Thin views: the decisions are in ``transitions`` (permission, state, audit), what each
model shows in ``registry`` policies.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edu_portal.access import AccessDenied
from edu_portal.workflow import registry, transitions
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


def _item(user, policy: registry.Policy, obj) -> dict:
    label = obj._meta.label_lower
    actions = [
        {
            "name": name,
            "label": _button(name),
            "url": reverse("workflow:act", args=[label, obj.pk, name]),
        }
        for name in transitions.available_actions(user, obj)
    ]
    return {
        "object": obj,
        "key": f"{label}-{obj.pk}",
        "label": policy.label(obj),
        "kind": policy.kind_label(obj),
        "owner": policy.owner(obj),
        "org_unit": policy.org_unit(obj),
        "submitted_at": obj.submitted_at,
        "url": policy.url(obj),
        "state": obj.state,
        "state_label": State(obj.state).label,
        "review_comment": obj.review_comment,
        "actions": actions,
        "can_decline": any(action["name"] == "decline" for action in actions),
    }


def _page(request: HttpRequest, entries: list, querysets: dict) -> tuple:
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
            items.append(_item(request.user, registry.policy_for(model), obj))
    return page, items


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Items in review the user may decide on, oldest first."""
    reviewing = [(m, p) for m, p in registry.registered() if p.is_reviewer(request.user)]
    if not reviewing:
        raise AccessDenied(
            "not_a_reviewer",
            _("The review queue is for reviewers, and your account does not review content."),
            _(
                "To follow what you have submitted, open “My submissions”. If you should "
                "review content, ask the bureau administrator for the reviewer role."
            ),
        )
    entries, querysets = [], {}
    for model, policy in reviewing:
        querysets[model] = policy.review_queryset(request.user)
        for pk, submitted in querysets[model].values_list("pk", "submitted_at"):
            entries.append(((submitted or _OLDEST, str(pk)), model, pk))
    entries.sort(key=lambda entry: entry[0])
    page, items = _page(request, entries, querysets)
    return render(request, "workflow/queue.html", {"page": page, "items": items})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The user's own items that are not published: their state and the reviewer's word."""
    entries, querysets = [], {}
    for model, policy in registry.registered():
        querysets[model] = policy.own_queryset(request.user)
        for pk, submitted in querysets[model].values_list("pk", "submitted_at"):
            entries.append(((submitted or _OLDEST, str(pk)), model, pk))
    entries.sort(key=lambda entry: entry[0], reverse=True)
    page, items = _page(request, entries, querysets)
    return render(request, "workflow/mine.html", {"page": page, "items": items})


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
    try:
        transitions.perform(
            action,
            request.user,
            obj,
            request.POST.get("comment", ""),
            expected_state=request.POST.get("state", ""),
        )
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _done(action, policy.label(obj)))
    return redirect(_next_url(request))
