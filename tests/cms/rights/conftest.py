"""A small portal: a bureau with two departments and a school, columns granted to them,
and the people who write and approve there. Rights are synced as they are in production:
by the signals after each commit (``django_capture_on_commit_callbacks``)."""

from __future__ import annotations

import pytest
from django.test import Client
from wagtail.models import Page

from edu_portal.accounts.roles import Role
from tests.people import make_user

PASSWORD = "Wagtail-test-1"
ADDRESS = "203.0.113.7"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what would run after commit (the rights sync, notifications) at the end."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def portal(db, bureau, department, other_department, school, commit):
    from edu_portal.cms.models import ColumnPage, HomePage, SchoolSitePage
    from edu_portal.cms.review import ensure_workflow

    ensure_workflow()
    root = Page.get_first_root_node()
    with commit():
        home = root.add_child(instance=HomePage(title="示范县教育局", slug="portal-home"))
        news = home.add_child(instance=ColumnPage(title="教育新闻", slug="news"))
        news.editor_units.set([department])
        news.save()
        notices = home.add_child(instance=ColumnPage(title="通知公告", slug="notices"))
        notices.editor_units.set([other_department])
        notices.save()
        direct = home.add_child(
            instance=ColumnPage(title="局发文件", slug="documents", direct_publish=True)
        )
        direct.editor_units.set([department])
        direct.save()
        site = home.add_child(
            instance=SchoolSitePage(title="城南小学", slug="chengnan", school=school)
        )
    return {"home": home, "news": news, "notices": notices, "direct": direct, "site": site}


@pytest.fixture
def people(portal, bureau, department, other_department, school, commit):
    with commit():
        result = {
            "editor": make_user(
                "cms_editor", Role.DEPARTMENT_EDITOR, department, password=PASSWORD
            ),
            "other_editor": make_user(
                "cms_editor2", Role.DEPARTMENT_EDITOR, other_department, password=PASSWORD
            ),
            "office": make_user("cms_office", Role.OFFICE_REVIEWER, bureau, password=PASSWORD),
            "school_admin": make_user("cms_sadmin", Role.SCHOOL_ADMIN, school, password=PASSWORD),
            "teacher": make_user("cms_teacher", Role.TEACHER, school, password=PASSWORD),
        }
    return result


def login(user) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(user)
    return client
