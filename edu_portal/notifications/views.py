"""The notifications page: the person's own notifications, newest first, and their e-mail
choice. Every change is a POST (CSRF-checked); the work is in ``actions``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from edu_portal.notifications import actions
from edu_portal.notifications.forms import PreferenceForm
from edu_portal.notifications.models import Notification, Preference

PER_PAGE = 20


def _show(value: str | None) -> str:
    return "unread" if value == "unread" else "all"


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the list the person was looking at (filter and page)."""
    url = reverse("notifications:list")
    params = []
    if _show(request.POST.get("show")) == "unread":
        params.append("show=unread")
    page = request.POST.get("page", "")
    if page.isdigit() and page != "1":
        params.append(f"page={page}")
    return redirect(f"{url}?{'&'.join(params)}" if params else url)


def _render_list(request: HttpRequest, form: PreferenceForm | None = None, status: int = 200):
    show = _show(request.GET.get("show"))
    notes = Notification.objects.for_user(request.user).select_related("target_type")
    if show == "unread":
        notes = notes.unread()
    page = Paginator(notes, PER_PAGE).get_page(request.GET.get("page"))
    if form is None:
        preference = Preference.objects.filter(user_id=request.user.pk).first()
        form = PreferenceForm(instance=preference, user=request.user)
    context = {
        "page": page,
        "show": show,
        "unread": actions.unread_count(request.user),
        "form": form,
        "has_address": bool(request.user.email),
    }
    return render(request, "notifications/list.html", context, status=status)


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        actions.mark_read(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = actions.mark_all_read(request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return _back(request)


@login_required
@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark it read and go where it points; the link was checked when it was stored and
    is checked again here, so a row written by other means cannot redirect off the site."""
    try:
        note = actions.mark_read(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if note.link and actions.is_site_relative(note.link):
        return redirect(note.link)
    return _back(request)


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    preference = Preference.objects.filter(user_id=request.user.pk).first()
    form = PreferenceForm(request.POST, instance=preference, user=request.user)
    if not form.is_valid():
        return _render_list(request, form=form, status=400)
    wanted = form.cleaned_data["email"]
    actions.set_email_preference(request.user, wanted)
    if wanted:
        messages.success(
            request,
            _("Notifications will also be sent to %(address)s.") % {"address": request.user.email},
        )
    else:
        messages.success(request, _("Notifications will no longer be sent by e-mail."))
    return redirect("notifications:list")
