"""School sites: created for a new school with their sections; a host name gives a Wagtail
site served by that host; school admins choose which of their teachers write there."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import Client
from wagtail.models import Site

from edu_portal.accounts import actions
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.roles import Role
from edu_portal.cms.models import ColumnPage, SchoolSitePage
from tests.people import make_user

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/school-admin/site-editors/"


def _school(bureau, commit, name="城北小学", code="chengbei"):
    with commit():
        return actions.create_org_unit(actions.SYSTEM, bureau, OrgUnit.Kind.SCHOOL, name, code)


def test_a_new_school_gets_its_site_with_news_notices_and_introduction(tree, bureau, commit):
    unit = _school(bureau, commit)
    site = SchoolSitePage.objects.get(school=unit)
    assert site.live and site.url_path.endswith("/schools/chengbei/")
    children = {page.slug: page.specific for page in site.get_children()}
    assert children["news"].kind == "news" and children["news"].live
    assert children["notices"].kind == "notice" and children["notices"].live
    # The introduction waits as a draft until the school writes it.
    assert not children["about"].live
    home = Client().get("/schools/chengbei/").content.decode()
    assert "城北小学" in home and "学校新闻" in home and "通知公告" in home
    assert Client().get("/schools/").status_code == 200


def test_renaming_the_school_retitles_its_site_and_the_sync_is_idempotent(tree, bureau, commit):
    from django.core.management import call_command

    unit = _school(bureau, commit)
    with commit():
        unit.name = "城北实验小学"
        unit.save(update_fields=["name"])
    assert SchoolSitePage.objects.get(school=unit).title == "城北实验小学"
    call_command("sync_school_sites")
    assert SchoolSitePage.objects.count() == 1
    site = SchoolSitePage.objects.get()
    assert ColumnPage.objects.child_of(site).filter(slug="news").count() == 1


def test_a_host_name_gives_the_school_a_wagtail_site_served_by_that_host(
    tree, bureau, commit, settings
):
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "www.chengbei.example.cn"]
    unit = _school(bureau, commit)
    site_page = SchoolSitePage.objects.get(school=unit)
    site_page.hostname = "WWW.Chengbei.example.cn"
    site_page.full_clean()
    site_page.save_revision().publish()
    site = Site.objects.get(root_page=site_page)
    assert site.hostname == "www.chengbei.example.cn"
    served = Client().get("/", HTTP_HOST="www.chengbei.example.cn")
    assert served.status_code == 200 and "城北小学" in served.content.decode()
    news = Client().get("/news/", HTTP_HOST="www.chengbei.example.cn")
    assert news.status_code == 200 and "学校新闻" in news.content.decode()

    site_page = SchoolSitePage.objects.get(pk=site_page.pk)
    site_page.hostname = ""
    site_page.save_revision().publish()
    assert not Site.objects.filter(root_page=site_page).exists()


@pytest.mark.parametrize("bad", ["http://x.cn", "a b.cn", "-bad.cn", "localhost", "x.cn/path"])
def test_a_malformed_host_name_is_refused(tree, bureau, commit, bad):
    site_page = SchoolSitePage.objects.get(school=_school(bureau, commit))
    site_page.hostname = bad
    with pytest.raises(ValidationError) as refusal:
        site_page.full_clean()
    assert "host name" in str(refusal.value)


def test_a_host_name_in_use_is_refused(tree, bureau, commit):
    first = SchoolSitePage.objects.get(school=_school(bureau, commit))
    first.hostname = "www.same.example.cn"
    first.save_revision().publish()
    second = SchoolSitePage.objects.get(school=_school(bureau, commit, "城西小学", "chengxi"))
    second.hostname = "www.same.example.cn"
    with pytest.raises(ValidationError):
        second.full_clean()
    second.hostname = "localhost.example.cn"
    Site.objects.filter(is_default_site=True).update(hostname="localhost.example.cn")
    with pytest.raises(ValidationError):
        second.full_clean()


@pytest.fixture
def school_people(tree, bureau, commit):
    mine = _school(bureau, commit)
    other = _school(bureau, commit, "城西小学", "chengxi")
    return {
        "site": SchoolSitePage.objects.get(school=mine),
        "admin": make_user("sch_admin", Role.SCHOOL_ADMIN, mine, password=PASSWORD),
        "teacher": make_user("sch_teacher", Role.TEACHER, mine, display_name="李华"),
        "stranger": make_user("other_teacher", Role.TEACHER, other, display_name="王强"),
        "plain_teacher": make_user("plain", Role.TEACHER, mine, password=PASSWORD),
    }


def _client(user) -> Client:
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.force_login(user)
    return client


def test_a_school_admin_adds_and_removes_a_teacher_of_their_school(school_people):
    site, admin, teacher = school_people["site"], school_people["admin"], school_people["teacher"]
    client = _client(admin)
    page = client.get(URL).content.decode()
    assert "李华" in page and "王强" not in page

    added = client.post(URL, {"school": site.school_id, "user": teacher.pk, "action": "add"})
    assert added.status_code == 302
    assert list(SchoolSitePage.objects.get(pk=site.pk).editors.all()) == [teacher]
    entry = LogEntry.objects.filter(object_pk=str(site.pk)).latest("timestamp")
    assert entry.actor == admin and entry.remote_addr == "198.51.100.9"
    assert "李华" in entry.changes_dict["editors"][1]

    removed = client.post(URL, {"school": site.school_id, "user": teacher.pk, "action": "remove"})
    assert removed.status_code == 302
    assert not SchoolSitePage.objects.get(pk=site.pk).editors.exists()


def test_another_schools_teacher_is_refused_with_a_sentence(school_people):
    site = school_people["site"]
    client = _client(school_people["admin"])
    response = client.post(
        URL, {"school": site.school_id, "user": school_people["stranger"].pk, "action": "add"}
    )
    assert response.status_code == 400
    assert "is not a teacher of 城北小学" in response.content.decode()
    assert not SchoolSitePage.objects.get(pk=site.pk).editors.exists()


def test_bad_input_is_a_clear_400(school_people):
    site = school_people["site"]
    client = _client(school_people["admin"])
    for data in (
        {"user": "x", "action": "add"},
        {"user": school_people["teacher"].pk, "action": "hack"},
    ):
        response = client.post(URL, {"school": site.school_id, **data})
        assert response.status_code == 400 and "Choose a teacher" in response.content.decode()


def test_non_admins_are_refused(school_people):
    site, teacher = school_people["site"], school_people["teacher"]
    client = _client(school_people["plain_teacher"])
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"school": site.school_id, "user": teacher.pk, "action": "add"})
    assert response.status_code == 403
    assert not SchoolSitePage.objects.get(pk=site.pk).editors.exists()
    assert Client().get(URL).status_code == 302  # anonymous: to the sign-in page


def test_an_admin_cannot_manage_another_schools_site(school_people, bureau, commit):
    other_site = SchoolSitePage.objects.get(school__code="chengxi")
    client = _client(school_people["admin"])
    response = client.post(
        URL,
        {"school": other_site.school_id, "user": school_people["stranger"].pk, "action": "add"},
    )
    assert response.status_code == 404
    assert not other_site.editors.exists()


def test_the_school_console_links_to_the_editors_page(school_people):
    client = _client(school_people["admin"])
    site = school_people["site"]
    console = client.get(f"/school-admin/{site.school_id}/").content.decode()
    assert f"{URL}?school={site.school_id}" in console
