"""Anonymous views of live portal pages, cached whole in Django's cache (issue 14, the
article-page benchmark: p95 under 50 ms at 50 clients).

* Stored by an ``on_serve_page`` hook (``admin_hooks/reports.py`` registers it after
  Wagtail's own view-restriction check), only for a GET of a page without view
  restrictions, by a visitor without a session (so never for someone signed in), with no
  flash messages waiting, answered 200 with HTML and setting no cookie but the CSRF one.
* Answered by :class:`PageCacheMiddleware` before URL resolution: a hit costs no database
  query at all (the visit is counted by the page's beacon, below).
* The key holds the host (each Wagtail site), the language, whether the visitor is on the
  intranet (the footer says so), the path and a generation number. Publishing,
  unpublishing, moving or deleting any page, a view restriction, the footer's settings, a
  site or an org unit (department pages show its phone and head) changing bumps the
  generation, so every cached page is dropped at once: a
  publication changes the home page, the column lists, the site map and the feeds alike.
  Entries also expire after ``CMS_PAGE_CACHE_SECONDS`` for what changes without a signal.
* An anonymous page carries nothing of the visitor's own: the language switch takes no
  CSRF token from visitors who are not signed in (:func:`set_language`; switching someone's
  language is all a forged request could do), so the page is the same for everyone with
  the same key. Should a page still hold a token (a form of its own), it is stored with a
  placeholder and a fresh token is put in on every hit (with the matching cookie).
* nginx keeps such a page for ``CMS_EDGE_CACHE_SECONDS`` (deploy/nginx, the portal's
  ``location /``): Django allows it with ``X-Accel-Expires`` only on a page it stored here
  and only when the page holds no token and sets no cookie; nginx never stores or serves
  from that cache for a request with a session or messages cookie or credentials. A
  publication reaches visitors at most that many seconds late (nginx is not told).
* Visits are counted by the page's beacon (``static/cms/visit.js`` posts to
  :func:`count_visit`), not when the page is served: most views never reach Django.
  Counted are views in a browser that runs scripts; robots and scripts are not.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from django.views import i18n
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from edu_portal.accounts.models import OrgUnit
from edu_portal.cms import visits
from edu_portal.cms.models import PortalSettings

GENERATION_KEY = "cms:page-cache:generation"
EDGE_HEADER = "X-Accel-Expires"  # nginx's proxy_cache reads it and never passes it on
CSRF_PLACEHOLDER = "__cms_csrf_token__"
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
# Only the plain page and its pagination are cached: any other query (filters, search)
# could be made up freely and would fill the cache with one-off copies.
CACHEABLE_QUERY = re.compile(r"(page=\d{1,4})?")


def enabled() -> bool:
    return settings.CMS_PAGE_CACHE_SECONDS > 0


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY) or 1
    return int(value)


def invalidate(**_kwargs) -> None:
    """Forget every cached page (a new generation)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet, or evicted: any new value differs from the old keys
        cache.set(GENERATION_KEY, generation() + 1, timeout=None)


def _anonymous_candidate(request: HttpRequest) -> bool:
    """Could this request be answered from the cache? Decided from the request alone,
    without touching the database: no session cookie means nobody is signed in."""
    return (
        enabled()
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and CACHEABLE_QUERY.fullmatch(request.META.get("QUERY_STRING", "")) is not None
    )


def _key(request: HttpRequest, gen: int) -> str:
    place = f"{request.get_host()}|{getattr(request, 'LANGUAGE_CODE', '')}|"
    place += f"{int(bool(getattr(request, 'on_intranet', False)))}|{request.get_full_path()}"
    digest = hashlib.sha256(place.encode()).hexdigest()[:40]
    return f"cms:page:{gen}:{digest}"


def _edge_cacheable(entry: tuple) -> bool:
    """nginx may keep a page only if its rendering used no CSRF token at all (nginx cannot
    put in a visitor's own). Entries of an older layout (3 items) never say so."""
    return settings.CMS_EDGE_CACHE_SECONDS > 0 and len(entry) > 3 and entry[3] is True


def _with_tokens(request: HttpRequest, content: bytes) -> bytes:
    placeholder = CSRF_PLACEHOLDER.encode()
    if placeholder not in content:
        return content
    return content.replace(placeholder, get_token(request).encode())


class PageCacheMiddleware:
    """Answers a cached page before URL resolution (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _anonymous_candidate(request):
            entry = cache.get(_key(request, generation()))
            if entry is not None:
                content_type, content = entry[1], entry[2]
                response = HttpResponse(_with_tokens(request, content), content_type=content_type)
                response["X-Page-Cache"] = "hit"
                if _edge_cacheable(entry):
                    response[EDGE_HEADER] = str(settings.CMS_EDGE_CACHE_SECONDS)
                return response
        return self.get_response(request)


def _storable(page: Page, request: HttpRequest, response: HttpResponse) -> bool:
    if not _anonymous_candidate(request) or request.user.is_authenticated:
        return False
    if response.status_code != 200 or getattr(response, "streaming", False):
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if "no-cache" in response.get("Cache-Control", "") or "private" in response.get(
        "Cache-Control", ""
    ):
        return False
    # A page that set a cookie of its own (other than the CSRF one we replace) is personal.
    if any(name != settings.CSRF_COOKIE_NAME for name in response.cookies):
        return False
    if list(messages.get_messages(request)):
        return False
    return not page.get_view_restrictions()


def serve_hook(next_serve: Callable) -> Callable:
    """``on_serve_page`` hook: stores what may be served to anyone."""

    def serve(page: Page, request: HttpRequest, args, kwargs) -> HttpResponse:
        gen = generation()  # read before rendering: a publication meanwhile wins
        response = next_serve(page, request, args, kwargs)
        if not enabled() or request.method != "GET":
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if not _storable(page, request, response):
            return response
        html = response.content.decode()
        # Did the rendering use a CSRF token (get_token flags the cookie for sending)? One
        # used other than in a form's input could not be replaced per visitor: not stored.
        token_used = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        if not token_used or CSRF_INPUT.search(html):
            content = CSRF_INPUT.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<3>", html)
            entry = (page.pk, response["Content-Type"], content.encode(), not token_used)
            cache.set(_key(request, gen), entry, timeout=settings.CMS_PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
            if _edge_cacheable(entry):
                response[EDGE_HEADER] = str(settings.CMS_EDGE_CACHE_SECONDS)
        return response

    return serve


@csrf_exempt
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, without a CSRF token for visitors who are not signed in,
    so that an anonymous page holds nothing of its visitor's own and nginx may keep it.
    A forged switch only changes the language cookie (and ``next`` is checked by Django);
    for signed-in people the token is required as everywhere else (base.html renders it)."""
    if request.user.is_authenticated:
        return csrf_protect(i18n.set_language)(request)
    return i18n.set_language(request)


@csrf_exempt
def count_visit(request: HttpRequest, page_id: int) -> HttpResponse:
    """The page's beacon (static/cms/visit.js): one view of a live page. It carries no
    token (it changes nothing but a counter); posts from other sites' pages are refused so
    that they cannot add visits through their visitors' browsers."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"], "Only a page's own beacon counts a visit.")
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.get_host()}":
        return HttpResponse("Visits are counted from this site's pages only.", status=403)
    if visits.should_count(request) and Page.objects.filter(pk=page_id, live=True).exists():
        visits.record(page_id)
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response


def _on_delete(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page | PageViewRestriction | Site):
        invalidate()


def _on_settings_saved(sender, instance, created: bool, **kwargs) -> None:
    # The footer's row is made empty on first use, while a page renders: nothing changes.
    if not created:
        invalidate()


def connect() -> None:
    """Connect the invalidations (called once, from the hooks module)."""
    page_published.connect(invalidate, dispatch_uid="cms-page-cache-published")
    page_unpublished.connect(invalidate, dispatch_uid="cms-page-cache-unpublished")
    post_page_move.connect(invalidate, dispatch_uid="cms-page-cache-moved")
    post_delete.connect(_on_delete, dispatch_uid="cms-page-cache-deleted")
    post_save.connect(_on_settings_saved, sender=PortalSettings, dispatch_uid="cms-page-cache-ps")
    for model in (PageViewRestriction, Site, OrgUnit):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"cms-page-cache-{model}")
