"""Wagtail hooks for the portal's reports and the public side's conventions (part E):
the office's inspection and visit reports, the API documentation's place in the admin,
page caching and visit counting when a page is served, alt text on images."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from edu_portal.cms import alt_text, page_cache, reports


class ReportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return reports.may_see_reports(request.user)


class StaffMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.is_authenticated


@hooks.register("register_admin_urls")
def report_urls():
    patterns = [
        path("inspection/", reports.inspection_report, name="inspection"),
        path("visits/", reports.visits_report, name="visits"),
    ]
    return [path("reports/portal/", include((patterns, "cms_reports")))]


@hooks.register("register_reports_menu_item")
def inspection_menu_item():
    return ReportMenuItem(
        _("Site inspection"), reverse("cms_reports:inspection"), icon_name="warning", order=50
    )


@hooks.register("register_reports_menu_item")
def visits_menu_item():
    return ReportMenuItem(
        _("Page visits"), reverse("cms_reports:visits"), icon_name="view", order=51
    )


# The public footer no longer links the (English, technical) API documentation; the
# people who use it sign in to the admin.
@hooks.register("register_admin_menu_item")
def api_docs_menu_item():
    return StaffMenuItem(_("API documentation"), reverse("api-docs"), icon_name="code", order=10000)


# Inside Wagtail's own view-restriction check (order 0 wraps outermost): only what passed
# it is served, counted and, for anonymous visitors, cached.
hooks.register("on_serve_page", page_cache.serve_hook, order=100)
page_cache.connect()
alt_text.connect()
