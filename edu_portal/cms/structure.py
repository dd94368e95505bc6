"""The bureau portal's column tree as data, and ``ensure_structure()`` that creates what is
missing of it.

The data migration ``0002_site_structure`` and the demo both call ``ensure_structure``;
the migration passes its historical app registry, so the function uses nothing but plain
model operations (no treebeard or Wagtail methods, which historical models lack): it
writes each page's tree path, depth and URL path itself, as Wagtail's own initial-data
migration does. Running it again creates nothing twice and never touches a page that
exists (administrators may have retitled or moved it since).

Slugs are ASCII and were checked against the platform's own paths (``/notices/`` is the
parents' notices section, hence ``announcements`` for 通知公告).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.db.models import F
from django.utils import timezone

# Treebeard's materialised path as Wagtail configures it: 4 characters per level, base 36.
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_STEPLEN = 4


@dataclass(frozen=True)
class Node:
    slug: str
    title: str
    model: str = "columnpage"
    fields: dict = field(default_factory=dict)
    children: tuple[Node, ...] = ()
    in_menu: bool = False


def _column(slug, title, kind, category="", children=(), in_menu=False) -> Node:
    fields = {"kind": kind, "default_category": category}
    return Node(slug, title, "columnpage", fields, tuple(children), in_menu)


def _page(slug: str, title: str, model: str = "standardpage") -> Node:
    return Node(slug, title, model)


HOME_SLUG = "home"
HOME_TITLE = "首页"

# Children of the home page, in navigation order. ``in_menu`` columns are the header's.
STRUCTURE: tuple[Node, ...] = (
    _column("news", "教育新闻", "news", "news", in_menu=True),
    _column("announcements", "通知公告", "notice", "other", in_menu=True),
    _column(
        "disclosure",
        "政务公开",
        "disclosure",
        in_menu=True,
        children=(
            _column("personnel", "人事任免", "notice", "personnel"),
            _column("documents", "局发文件", "policy", "policy"),
            _column("projects", "重大项目", "notice", "projects"),
            _column("downloads", "相关材料下载", "notice", "other"),
            _column("plans", "计划总结", "notice", "planning"),
            _column("statistics", "教育统计", "notice", "statistics"),
            _column("on-request", "依申请公开", "static", "other"),
            _column("planning", "发展规划", "policy", "planning"),
            _column(
                "information",
                "信息公开",
                "disclosure",
                children=(
                    _page("guide", "公开指南"),
                    _page("catalogue", "公开目录", "catalogueindexpage"),
                    _column("annual-reports", "年度报告", "static", "other"),
                ),
            ),
        ),
    ),
    Node("departments", "机关处室", "departmentindexpage", in_menu=True),
    _column(
        "services",
        "便民服务",
        "service",
        "services",
        in_menu=True,
        children=(
            _column("guides", "办事指南", "service", "services"),
            _page("teacher-qualification", "教师资格"),
            _page("professional-titles", "职称评审"),
        ),
    ),
    _column(
        "policy",
        "政策法规",
        "policy",
        "policy",
        children=(_page("salary-policy", "工资政策"),),
    ),
    _column("admissions", "招生考试", "notice", "admissions"),
    _column("community", "教育社区", "news", "news"),
    _column("students", "学生天地", "news", "news"),
    # 局长信箱, consultations and 热点问答 (edu_portal.interaction offers them here).
    _column("interact", "互动交流", "interactive", in_menu=True),
    Node("sitemap", "网站地图", "sitemappage"),
)


def _step(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, len(_ALPHABET))
        digits = _ALPHABET[rest] + digits
    return digits.rjust(_STEPLEN, "0")


def _next_child_path(page_model, parent) -> str:
    last = (
        page_model.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    number = int(last[-_STEPLEN:], len(_ALPHABET)) + 1 if last else 1
    return parent.path + _step(number)


class _Builder:
    def __init__(self, apps) -> None:
        self.apps = apps
        self.page_model = apps.get_model("wagtailcore", "Page")
        self.content_type_model = apps.get_model("contenttypes", "ContentType")
        locale_model = apps.get_model("wagtailcore", "Locale")
        self.locale = locale_model.objects.order_by("pk").first()
        if self.locale is None:
            # A flushed database (live-server tests) has lost what Wagtail's migrations made.
            from django.conf import settings
            from wagtail.coreutils import get_supported_content_language_variant

            code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
            self.locale = locale_model.objects.create(language_code=code)
        self.now = timezone.now()
        self.created = 0

    def child(self, parent, slug: str):
        return self.page_model.objects.filter(
            path__startswith=parent.path, depth=parent.depth + 1, slug=slug
        ).first()

    def add(self, parent, node: Node):
        """``node`` as the last child of ``parent``, live, with its content type."""
        model = self.apps.get_model("cms", node.model)
        content_type, _ = self.content_type_model.objects.get_or_create(
            app_label="cms", model=node.model
        )
        page = model(
            title=node.title,
            draft_title=node.title,
            slug=node.slug,
            content_type=content_type,
            path=_next_child_path(self.page_model, parent),
            depth=parent.depth + 1,
            numchild=0,
            url_path=f"{parent.url_path}{node.slug}/",
            live=True,
            has_unpublished_changes=False,
            show_in_menus=node.in_menu,
            first_published_at=self.now,
            last_published_at=self.now,
            locale=self.locale,
            **node.fields,
        )
        page.save()
        self.page_model.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
        parent.numchild += 1
        self.created += 1
        return page

    def ensure(self, parent, nodes: tuple[Node, ...]) -> None:
        for node in nodes:
            page = self.child(parent, node.slug) or self.add(parent, node)
            if node.children:
                self.ensure(page, node.children)


def _home(builder: _Builder):
    """The default site's HomePage: Wagtail's "Welcome" placeholder is replaced on a fresh
    database; a site already rooted at a HomePage is kept as it is."""
    apps = builder.apps
    site_model = apps.get_model("wagtailcore", "Site")
    home_model = apps.get_model("cms", "HomePage")
    site = site_model.objects.filter(is_default_site=True).first()
    if site is not None:
        existing = home_model.objects.filter(pk=site.root_page_id).first()
        if existing is not None:
            return existing
    root = builder.page_model.objects.filter(depth=1).order_by("path").first()
    if root is None:
        content_type, _ = builder.content_type_model.objects.get_or_create(
            app_label="wagtailcore", model="page"
        )
        root = builder.page_model.objects.create(
            title="Root",
            draft_title="Root",
            slug="root",
            content_type=content_type,
            path=_step(1),
            depth=1,
            numchild=0,
            url_path="/",
            locale=builder.locale,
        )
    placeholder = site.root_page_id if site is not None else None
    welcome = builder.page_model.objects.filter(
        pk=placeholder, depth=2, numchild=0, content_type__app_label="wagtailcore"
    ).first()
    if site is not None and welcome is None:
        # An administrator rooted the site somewhere else on purpose: leave it.
        return None
    if welcome is not None:
        site.root_page_id = root.pk  # keep the site row valid while its root is replaced
        site.save()
        welcome.delete()
        root.numchild = builder.page_model.objects.filter(depth=2).count()
        builder.page_model.objects.filter(pk=root.pk).update(numchild=root.numchild)
    home = builder.add(root, Node(HOME_SLUG, HOME_TITLE, "homepage"))
    if site is None:
        site = site_model(hostname="localhost", port=80, is_default_site=True)
    site.root_page_id = home.pk
    site.save()
    return home


def ensure_structure(apps=None) -> int:
    """Create the home page and every column and page of ``STRUCTURE`` that is missing.
    Returns how many pages were created."""
    builder = _Builder(apps or global_apps)
    home = _home(builder)
    if home is not None:
        builder.ensure(home, STRUCTURE)
    return builder.created
