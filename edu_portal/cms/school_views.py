"""The school console's page for the school site's editors (``/school-admin/site-editors/``).

Thin: finds the site among those the actor manages (404 otherwise), calls one action of
``cms.schools`` and renders. Refusals are sentences: 403 for someone who is not a school
administrator, 400 for a person who is not a teacher of the school.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from edu_portal.accounts import permissions
from edu_portal.accounts.models import User
from edu_portal.cms import schools


def _site(request: HttpRequest, sites, raw_id: str | None):
    if raw_id in (None, ""):
        return sites[0] if len(sites) == 1 else None
    try:
        school_id = int(raw_id)
    except (TypeError, ValueError):
        raise Http404(_("There is no such school.")) from None
    for site in sites:
        if site.school_id == school_id:
            return site
    raise Http404(_("There is no such school among those you manage."))


@never_cache
@login_required
def site_editors(request: HttpRequest) -> HttpResponse:
    if not permissions.has_perm(request.user, "users.manage"):
        raise PermissionDenied(
            _("Only school administrators can choose who writes on a school's site.")
        )
    sites = list(schools.manageable_sites(request.user).order_by("title"))
    site = _site(request, sites, request.POST.get("school") or request.GET.get("school"))
    if site is None:
        return render(request, "cms/school_site_editors.html", {"sites": sites, "site": None})
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        user = (
            User.objects.filter(pk=request.POST.get("user") or 0).first()
            if (request.POST.get("user") or "").isdigit()
            else None
        )
        if action not in ("add", "remove") or user is None:
            error = _("Choose a teacher and whether to add or remove them.")
        else:
            try:
                if action == "add":
                    changed = schools.add_editor(request.user, site, user)
                    note = (
                        _("%(user)s can now write on the site.")
                        if changed
                        else _("%(user)s could already write on the site.")
                    )
                else:
                    changed = schools.remove_editor(request.user, site, user)
                    note = (
                        _("%(user)s can no longer write on the site.")
                        if changed
                        else _("%(user)s could not write on the site.")
                    )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, note % {"user": user})
                return redirect(f"{reverse('cms:school-site-editors')}?school={site.school_id}")
    editors = list(site.editors.order_by("display_name", "username"))
    editor_ids = {user.pk for user in editors}
    candidates = [
        user
        for user in schools.teachers_of(site).order_by("display_name", "username")
        if user.pk not in editor_ids
    ]
    context = {
        "sites": sites,
        "site": site,
        "editors": editors,
        "candidates": candidates,
        "error": error,
    }
    return render(request, "cms/school_site_editors.html", context, status=400 if error else 200)
