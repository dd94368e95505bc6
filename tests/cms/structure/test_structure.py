"""The column tree after ``migrate``: the home page is the default site's root, the
columns sit where a bureau's portal has them, with ASCII slugs no platform path shadows."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse
from wagtail.models import Page, Site

from edu_portal.cms.models import (
    CatalogueIndexPage,
    ColumnPage,
    DepartmentIndexPage,
    HomePage,
    SitemapPage,
    StandardPage,
)
from edu_portal.cms.structure import ensure_structure
from tests.cms.structure.conftest import column

pytestmark = pytest.mark.django_db

EXPECTED = [
    # (path, title, type, kind)
    ("news", "教育新闻", ColumnPage, "news"),
    ("announcements", "通知公告", ColumnPage, "notice"),
    ("disclosure", "政务公开", ColumnPage, "disclosure"),
    ("disclosure/personnel", "人事任免", ColumnPage, "notice"),
    ("disclosure/documents", "局发文件", ColumnPage, "policy"),
    ("disclosure/projects", "重大项目", ColumnPage, "notice"),
    ("disclosure/downloads", "相关材料下载", ColumnPage, "notice"),
    ("disclosure/plans", "计划总结", ColumnPage, "notice"),
    ("disclosure/statistics", "教育统计", ColumnPage, "notice"),
    ("disclosure/on-request", "依申请公开", ColumnPage, "static"),
    ("disclosure/planning", "发展规划", ColumnPage, "policy"),
    ("disclosure/information", "信息公开", ColumnPage, "disclosure"),
    ("disclosure/information/guide", "公开指南", StandardPage, None),
    ("disclosure/information/catalogue", "公开目录", CatalogueIndexPage, None),
    ("disclosure/information/annual-reports", "年度报告", ColumnPage, "static"),
    ("departments", "机关处室", DepartmentIndexPage, None),
    ("services", "便民服务", ColumnPage, "service"),
    ("services/guides", "办事指南", ColumnPage, "service"),
    ("services/teacher-qualification", "教师资格", StandardPage, None),
    ("services/professional-titles", "职称评审", StandardPage, None),
    ("policy", "政策法规", ColumnPage, "policy"),
    ("policy/salary-policy", "工资政策", StandardPage, None),
    ("admissions", "招生考试", ColumnPage, "notice"),
    ("community", "教育社区", ColumnPage, "news"),
    ("students", "学生天地", ColumnPage, "news"),
    ("sitemap", "网站地图", SitemapPage, None),
]


def test_the_home_page_replaced_wagtails_welcome_page():
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert site.root_page.title == "首页"
    assert site.root_page.url == "/"
    # Wagtail's placeholder is gone, and the tree's bookkeeping is right.
    assert not Page.objects.filter(depth=2, content_type__app_label="wagtailcore").exists()
    root = Page.objects.get(depth=1)
    assert root.numchild == root.get_children().count()


@pytest.mark.parametrize(("path", "title", "page_type", "kind"), EXPECTED)
def test_each_column_exists_live_where_expected(path, title, page_type, kind):
    page = column(path)
    assert page.title == title
    assert type(page) is page_type
    assert page.live
    if kind is not None:
        assert page.kind == kind
    assert page.url == f"/{path}/"


def test_tree_bookkeeping_is_consistent():
    """numchild and url_path written by the migration agree with the tree (Wagtail's move
    and add-child rely on them)."""
    for page in Page.objects.filter(depth__gte=2):
        assert page.numchild == page.get_children().count(), page.url_path
        parent = page.get_parent()
        assert page.url_path == f"{parent.url_path}{page.slug}/"


@pytest.mark.parametrize("path", sorted({p.split("/")[0] for p, *_ in EXPECTED}))
def test_no_platform_path_shadows_a_column(path):
    match = resolve(f"/{path}/")
    # Either Wagtail's own page view, or the named entry that serves the same page.
    assert match.func.__module__ == "wagtail.views", (path, match.view_name)


def test_the_named_entries_serve_the_pages(client):
    assert reverse("home") == "/"
    assert reverse("disclosure") == "/disclosure/"
    response = client.get("/disclosure/")
    assert response.status_code == 200
    assert response.context["page"].slug == "disclosure"


def test_header_columns_are_marked_for_menus():
    home = Site.objects.get(is_default_site=True).root_page
    in_menu = list(home.get_children().in_menu().values_list("slug", flat=True))
    assert in_menu == ["news", "announcements", "disclosure", "departments", "services", "interact"]


def test_ensure_structure_is_idempotent_and_restores_what_is_missing():
    assert ensure_structure() == 0
    column("disclosure/statistics").delete()
    retitled = column("news")
    retitled.title = "要闻"
    retitled.save()

    assert ensure_structure() == 1
    assert column("disclosure/statistics").title == "教育统计"
    # An administrator's change is kept: existing pages are never touched.
    assert column("news").title == "要闻"
    assert ensure_structure() == 0
