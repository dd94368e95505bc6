"""The inspection self-check (issue 14 item 9; 国办秘函〔2019〕19号's single-veto items as
digested in the shared reference "Inspection rules").

Each rule looks at the bureau's site (the default Wagtail site's tree, without the schools'
own sections, which are not the government website being inspected) and returns a
:class:`Finding` naming the columns and items concerned. A rule marked ``veto`` that fails
fails the whole site: ``manage.py site_inspection`` exits 1, the admin report says so in
red, and the daily task tells the office.

Rules the portal cannot see for itself are registered by the app that can, with
:func:`register_rule`: the interaction app adds "valid messages left unanswered for more
than 90 days".
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Page, Site

from edu_portal.cms.models import ArticlePage, ColumnPage, SchoolSitePage

# Columns whose content comes from elsewhere (letters, answers: the interaction app) are
# not "empty" for having no pages below them.
EMPTY_EXEMPT_KINDS = frozenset({"interactive"})
# 5 or more stale columns, or 5 or more empty columns, fail the site.
STALE_COLUMNS_LIMIT = 5
EMPTY_COLUMNS_LIMIT = 5
LISTED_ITEMS_LIMIT = 200


@dataclass
class Entry:
    """A column or an item named by a finding."""

    title: str
    url: str
    admin_url: str
    date: str | None = None
    note: str = ""


@dataclass
class Finding:
    rule: str
    title: str
    veto: bool
    failed: bool
    summary: str
    columns: list[Entry] = field(default_factory=list)
    items: list[Entry] = field(default_factory=list)


@dataclass
class Context:
    """What every rule gets: the day of the check and the tree inspected."""

    today: datetime.date
    root: Page

    def pages(self):
        """The live, public pages of the bureau's site, schools' sections left out."""
        pages = Page.objects.live().public().descendant_of(self.root, inclusive=True)
        for school in SchoolSitePage.objects.descendant_of(self.root).only("path"):
            pages = pages.exclude(path__startswith=school.path)
        return pages

    def articles(self):
        return ArticlePage.objects.filter(pk__in=self.pages().values("pk"))

    def columns(self):
        return ColumnPage.objects.filter(pk__in=self.pages().values("pk")).order_by("path")


Rule = Callable[[Context], Finding]


@dataclass
class _Registered:
    code: str
    check: Rule


_RULES: list[_Registered] = []


def register_rule(code: str, check: Rule) -> None:
    """Add a rule (``check(context) -> Finding``); registering a code again replaces it."""
    _RULES[:] = [rule for rule in _RULES if rule.code != code]
    _RULES.append(_Registered(code, check))


def entry(page: Page, *, date: datetime.date | None = None, note: str = "") -> Entry:
    site = Site.objects.filter(is_default_site=True).first()
    return Entry(
        title=page.title,
        # The path on the inspected (default) site, whatever other sites exist.
        url=(page.relative_url(site) if site else page.url) or "",
        admin_url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
        date=date.isoformat() if date else None,
        note=note,
    )


# --- the portal's own rules -----------------------------------------------------------------


def home_updated(ctx: Context) -> Finding:
    """Home page without a new item for CMS_HOME_STALE_DAYS. Only the shown 发布日期 counts:
    an item without a visible date counts as not updated."""
    days = settings.CMS_HOME_STALE_DAYS
    newest = ctx.articles().aggregate(newest=Max("published_on"))["newest"]
    failed = newest is None or (ctx.today - newest).days > days
    if newest is None:
        summary = _("The site has no dated item at all.")
    else:
        age = (ctx.today - newest).days
        summary = ngettext(
            "The newest item is %(age)d day old (allowed: %(days)d).",
            "The newest item is %(age)d days old (allowed: %(days)d).",
            age,
        ) % {"age": age, "days": days}
    columns = [entry(ctx.root.specific, date=newest)]
    return Finding("home_updated", _("Home page updated"), True, failed, summary, columns=columns)


def _newest_by_column(ctx: Context) -> dict[int, datetime.date | None]:
    """Each column's newest 发布日期 over its whole subtree (its sub-columns' items too)."""
    dated = list(ctx.articles().filter(published_on__isnull=False).values("path", "published_on"))
    newest: dict[int, datetime.date | None] = {}
    for column in ctx.columns():
        dates = [row["published_on"] for row in dated if row["path"].startswith(column.path)]
        newest[column.pk] = max(dates) if dates else None
    return newest


def _has_children(ctx: Context) -> set[str]:
    """Paths of the columns that have at least one live, public page below them."""
    paths = set(ctx.pages().filter(depth__gt=ctx.root.depth + 1).values_list("path", flat=True))
    return {path[: -Page.steplen] for path in paths}


def stale_columns(ctx: Context) -> Finding:
    """Columns whose kind has an allowed age (CMS_STALE_DAYS) and whose newest item is
    older; 5 or more fail the site. Empty columns are the next rule's."""
    newest = _newest_by_column(ctx)
    nonempty = _has_children(ctx)
    stale = []
    for column in ctx.columns():
        days = settings.CMS_STALE_DAYS.get(column.kind)
        if days is None or column.path not in nonempty:
            continue
        last = newest.get(column.pk)
        if last is None or (ctx.today - last).days > days:
            note = _("allowed %(days)d days") % {"days": days}
            stale.append(entry(column, date=last, note=note))
    failed = len(stale) >= STALE_COLUMNS_LIMIT
    summary = ngettext(
        "%(n)d column is stale (the site fails from %(limit)d).",
        "%(n)d columns are stale (the site fails from %(limit)d).",
        len(stale),
    ) % {"n": len(stale), "limit": STALE_COLUMNS_LIMIT}
    return Finding("stale_columns", _("Stale columns"), True, failed, summary, columns=stale)


def empty_columns(ctx: Context) -> Finding:
    """Columns with nothing published below them; 5 or more fail the site."""
    nonempty = _has_children(ctx)
    empty = [
        entry(column)
        for column in ctx.columns()
        if column.path not in nonempty and column.kind not in EMPTY_EXEMPT_KINDS
    ]
    failed = len(empty) >= EMPTY_COLUMNS_LIMIT
    summary = ngettext(
        "%(n)d column is empty (the site fails from %(limit)d).",
        "%(n)d columns are empty (the site fails from %(limit)d).",
        len(empty),
    ) % {"n": len(empty), "limit": EMPTY_COLUMNS_LIMIT}
    return Finding("empty_columns", _("Empty columns"), True, failed, summary, columns=empty)


def undated_items(ctx: Context) -> Finding:
    """Published items without a 发布日期: an item without a visible date counts as not
    updated, and inspectors fail a site for them."""
    undated = ctx.articles().filter(Q(published_on__isnull=True)).order_by("path")
    items = [entry(page) for page in undated[:LISTED_ITEMS_LIMIT]]
    count = undated.count()
    summary = ngettext(
        "%(n)d published item has no publication date.",
        "%(n)d published items have no publication date.",
        count,
    ) % {"n": count}
    return Finding(
        "undated_items",
        _("Items without a publication date"),
        True,
        count > 0,
        summary,
        items=items,
    )


for _code, _check in (
    ("home_updated", home_updated),
    ("stale_columns", stale_columns),
    ("empty_columns", empty_columns),
    ("undated_items", undated_items),
):
    register_rule(_code, _check)


# --- running them ---------------------------------------------------------------------------


@dataclass
class Report:
    checked_at: str
    site: str
    findings: list[Finding]

    @property
    def failed(self) -> bool:
        """True when a single-veto rule fails (the site would fail the inspection)."""
        return any(finding.failed and finding.veto for finding in self.findings)

    def as_dict(self) -> dict:
        return {
            "checked_at": self.checked_at,
            "site": self.site,
            "passed": not self.failed,
            "findings": [asdict(finding) for finding in self.findings],
        }


def default_root() -> Page | None:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page if site else None


def run(today: datetime.date | None = None, root: Page | None = None) -> Report:
    """Every registered rule over the bureau's site."""
    today = today or timezone.localdate()
    root = root or default_root()
    if root is None:
        missing = Finding(
            "site",
            _("Site exists"),
            True,
            True,
            _("No default site is configured, so there is nothing to inspect."),
        )
        return Report(timezone.now().isoformat(), "", [missing])
    ctx = Context(today=today, root=root)
    findings = [rule.check(ctx) for rule in _RULES]
    return Report(timezone.now().isoformat(), root.title, findings)


# --- telling the office -----------------------------------------------------------------------


def office() -> list:
    """The active holders of the office reviewer role (the office that answers for the
    site)."""
    from edu_portal.accounts.models import RoleAssignment, User
    from edu_portal.accounts.roles import Role

    holders = RoleAssignment.objects.filter(role=Role.OFFICE_REVIEWER).values("user_id")
    return list(User.objects.filter(is_active=True, pk__in=holders).order_by("pk"))


def alert_office(report: Report) -> int:
    """When a single-veto rule fails: a notification for each office member (mailed by the
    centre to those who chose e-mail) and an e-mail to the others who have an address, so
    that everyone hears of it by mail. Returns how many people were told."""
    from django.core.mail import send_mass_mail
    from django.db import transaction

    from edu_portal.notifications.actions import notify_many, wants_email
    from edu_portal.notifications.models import Category

    if not report.failed:
        return 0
    people = office()
    if not people:
        return 0
    failed = [finding for finding in report.findings if finding.failed and finding.veto]
    subject = _("Site inspection failed: %(rules)s") % {
        "rules": "; ".join(finding.title for finding in failed)
    }
    lines = [f"- {finding.title}: {finding.summary}" for finding in failed]
    for finding in failed:
        lines.extend(f"    {item.title} {item.admin_url}" for item in finding.columns[:20])
        lines.extend(f"    {item.title} {item.admin_url}" for item in finding.items[:20])
    body = "\n".join(lines)
    link = reverse("cms_reports:inspection")
    with transaction.atomic():
        notify_many(people, subject, body, link, category=Category.SYSTEM)
    site_url = settings.NOTIFICATIONS_SITE_URL.rstrip("/")
    mails = [
        (subject, f"{body}\n\n{site_url}{link}", None, [person.email])
        for person in people
        if person.email and not wants_email(person)
    ]
    if mails:
        send_mass_mail(mails, fail_silently=False)
    return len(people)
