"""Checking a published page when it is served (an ``on_serve_page`` hook).

The cost per request is one indexed query for the page's newest ledger entry, one HMAC of
that entry and one digest of the page's fields; no object is read. The portal's page cache
(``cms.page_cache``) wraps this hook, so only a cache miss is checked, and a page that was
replaced is marked ``no-cache`` so neither Django's cache nor nginx keep it as good.

A page whose live fields do not match its entry is served from the newest revision whose
content matches a ledger entry of the page (an entry whose MAC verifies), never as it is
in the database; administrators are alerted once per page and altered content, and an
audit entry and a log line are written. With no verified revision to fall back on, the
page is not served at all (404).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from wagtail.models import Page, Revision

from edu_portal.accounts.audit import log_event
from edu_portal.operations.alerts import alert_administrators
from edu_portal.operations.ledger import chain
from edu_portal.operations.ledger.content import page_digest
from edu_portal.operations.ledger.recording import PAGE, enabled
from edu_portal.operations.models import LedgerEntry

log = logging.getLogger(__name__)

ALERT_SECONDS = 7 * 24 * 3600  # the same altered page is reported again after a week
MAX_CANDIDATES = 20  # how many recorded revisions are tried, newest first


def verified_revision_page(page: Page) -> Page | None:
    """The page as in its newest recorded revision that still matches the ledger."""
    key = chain.ledger_key()
    entries = (
        LedgerEntry.objects.filter(kind=PAGE, ref=str(page.pk), removed=False)
        .exclude(revision_id=None)
        .order_by("-seq")[:MAX_CANDIDATES]
    )
    for entry in entries:
        if not chain.entry_intact(entry, key):
            continue
        revision = Revision.page_revisions.filter(
            pk=entry.revision_id, object_id=str(page.pk)
        ).first()
        if revision is None:
            continue
        candidate = revision.as_object()
        if page_digest(candidate) == entry.digest:
            return candidate
    return None


def report_altered(page: Page, digest: str, restored: Page | None) -> None:
    log.warning(
        "integrity: page %s (%s) does not match the ledger (SHA-256 %s); %s",
        page.pk,
        page.url_path,
        digest,
        "served its last verified revision" if restored else "not served",
    )
    try:
        first = cache.add(f"operations:integrity:page:{page.pk}:{digest}", 1, ALERT_SECONDS)
    except Exception:  # the cache is down: the daily check alerts, not every request
        log.exception("integrity: cannot deduplicate the alert for page %s", page.pk)
        return
    if not first:
        return  # already reported for this content
    log_event(page, {"integrity": ["verified", "altered"]})
    subject = gettext("A published page was altered outside the platform: %(title)s") % {
        "title": page.title
    }
    body = gettext(
        "The page's content in the database does not match the integrity ledger. Visitors "
        "are shown its last verified revision. Run “manage.py verify_integrity” and "
        "republish the page once its content is checked."
    )
    alert_administrators(subject, body, reverse("wagtailadmin_pages:edit", args=[page.pk]))


def _rebound(args, page: Page, restored: Page) -> tuple:
    """A routable page's route hands over its view as a method bound to the live object;
    the restored one's own method must render instead."""
    return tuple(
        getattr(restored, arg.__name__) if getattr(arg, "__self__", None) is page else arg
        for arg in args
    )


def serve_hook(next_serve: Callable) -> Callable:
    """``on_serve_page`` hook, inside the page cache's (see the module docstring)."""

    def serve(page: Page, request: HttpRequest, args, kwargs) -> HttpResponse:
        if not enabled():
            return next_serve(page, request, args, kwargs)
        entry = chain.current_entry(PAGE, str(page.pk))
        if entry is None:
            # Not recorded (a page from before the baseline): verify_integrity reports it.
            return next_serve(page, request, args, kwargs)
        if type(page) is Page:  # a plain Page has none of its type's fields
            page = page.specific
        digest = page_digest(page)
        if not entry.removed and entry.digest == digest and chain.entry_intact(entry):
            return next_serve(page, request, args, kwargs)
        # Live although the platform took it off the site: nothing of it is to be shown.
        restored = None if entry.removed else verified_revision_page(page)
        report_altered(page, digest, restored)
        if restored is None:
            raise Http404
        response = next_serve(restored, request, _rebound(args, page, restored), kwargs)
        response["Cache-Control"] = "no-cache, private"
        return response

    return serve
