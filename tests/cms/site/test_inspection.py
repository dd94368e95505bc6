"""The inspection self-check: each single-veto situation built through pages, as
``manage.py site_inspection --json`` and the office's admin report see it."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from edu_portal.cms import inspection, rights
from edu_portal.cms.models import SchoolSitePage
from edu_portal.cms.tasks import site_inspection as inspection_task
from edu_portal.notifications.models import Notification
from tests.cms.site.conftest import in_english
from tests.people import make_user

pytestmark = pytest.mark.django_db


def run_command() -> tuple[int, dict]:
    out = StringIO()
    try:
        call_command("site_inspection", "--json", stdout=out)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, json.loads(out.getvalue())


def finding(report: dict, rule: str) -> dict:
    return next(item for item in report["findings"] if item["rule"] == rule)


@pytest.fixture
def healthy(portal):
    """A site that passes: fresh news, notices within six months, nothing empty."""
    news = portal.column("教育新闻", "news", kind="news")
    notices = portal.column("通知公告", "announcements", kind="notice")
    portal.article(news, "今天的新闻", days_ago=0)
    portal.article(notices, "三个月前的通知", days_ago=90)
    return portal


def test_a_healthy_site_passes_with_exit_status_0(healthy):
    status, report = run_command()
    assert status == 0
    assert report["passed"] is True
    assert {item["rule"] for item in report["findings"]} >= {
        "home_updated",
        "stale_columns",
        "empty_columns",
        "undated_items",
    }
    assert not any(item["failed"] for item in report["findings"])


def test_home_page_without_a_new_item_for_14_days_fails(portal):
    news = portal.column("教育新闻", "news")
    portal.article(news, "十五天前的新闻", days_ago=15)
    status, report = run_command()
    assert status == 1
    home = finding(report, "home_updated")
    assert home["failed"] is True and home["veto"] is True
    assert "15" in home["summary"]
    assert home["columns"][0]["admin_url"] == f"/cms/pages/{portal.home.pk}/edit/"


def test_fourteen_days_is_still_fresh(portal):
    news = portal.column("教育新闻", "news")
    portal.article(news, "十四天前的新闻", days_ago=14)
    assert finding(run_command()[1], "home_updated")["failed"] is False


def test_five_stale_columns_fail_and_are_named_four_do_not(healthy):
    stale = []
    for number in range(4):
        column = healthy.column(f"旧栏目{number}", f"old-{number}", kind="news")
        healthy.article(column, f"旧闻{number}", days_ago=20)
        stale.append(column)
    status, report = run_command()
    assert status == 0
    assert len(finding(report, "stale_columns")["columns"]) == 4

    notices = healthy.column("过期通知", "old-notices", kind="notice")
    healthy.article(notices, "七个月前的通知", days_ago=200)
    status, report = run_command()
    assert status == 1
    stale_finding = finding(report, "stale_columns")
    assert stale_finding["failed"] is True
    named = {column["title"]: column for column in stale_finding["columns"]}
    assert set(named) == {"旧栏目0", "旧栏目1", "旧栏目2", "旧栏目3", "过期通知"}
    assert named["过期通知"]["admin_url"] == f"/cms/pages/{notices.pk}/edit/"
    assert named["过期通知"]["url"] == "/old-notices/"
    assert named["旧栏目0"]["date"] is not None


def test_a_notice_column_within_six_months_is_not_stale(healthy):
    for number in range(5):
        column = healthy.column(f"通知{number}", f"n-{number}", kind="notice")
        healthy.article(column, f"通知{number}", days_ago=170)
    assert run_command()[0] == 0


def test_five_empty_columns_fail_interactive_ones_are_exempt(healthy):
    for number in range(4):
        healthy.column(f"空栏目{number}", f"empty-{number}", kind="disclosure")
    healthy.column("局长信箱", "mailbox", kind="interactive")
    status, report = run_command()
    assert status == 0
    assert len(finding(report, "empty_columns")["columns"]) == 4

    healthy.column("空栏目4", "empty-4", kind="static")
    status, report = run_command()
    assert status == 1
    empty = finding(report, "empty_columns")
    assert empty["failed"] is True
    assert sorted(column["title"] for column in empty["columns"]) == [
        f"空栏目{number}" for number in range(5)
    ]


def test_a_draft_does_not_fill_a_column(healthy):
    columns = [healthy.column(f"空栏目{n}", f"empty-{n}", kind="disclosure") for n in range(5)]
    for column in columns:
        healthy.article(column, "草稿", live=False)
    assert finding(run_command()[1], "empty_columns")["failed"] is True


def test_items_without_a_publication_date_fail_and_are_listed(healthy):
    news = healthy.column("学校新闻", "school-news")
    undated = healthy.article(news, "没有日期的新闻", days_ago=None)
    status, report = run_command()
    assert status == 1
    found = finding(report, "undated_items")
    assert found["failed"] is True
    assert found["items"] == [
        {
            "title": "没有日期的新闻",
            "url": undated.url,
            "admin_url": f"/cms/pages/{undated.pk}/edit/",
            "date": None,
            "note": "",
        }
    ]


def test_school_sections_are_not_the_site_inspected(healthy, school):
    site = SchoolSitePage(title="城南小学", slug="chengnan", school=school)
    healthy.home.add_child(instance=site)
    site.save_revision().publish()
    for number in range(5):
        healthy.column(f"学校空栏目{number}", f"school-empty-{number}", parent=site)
    assert run_command()[0] == 0


def test_a_registered_rule_joins_the_check(healthy):
    def unanswered(ctx):
        return inspection.Finding(
            "unanswered_messages",
            "Unanswered messages",
            True,
            True,
            "1 message older than 90 days is unanswered.",
            items=[inspection.Entry("一封来信", "/letters/1/", "/cms/letters/1/")],
        )

    inspection.register_rule("unanswered_messages", unanswered)
    try:
        status, report = run_command()
        assert status == 1
        assert finding(report, "unanswered_messages")["items"][0]["title"] == "一封来信"
    finally:
        inspection._RULES[:] = [r for r in inspection._RULES if r.code != "unanswered_messages"]


def test_the_plain_output_names_the_failures(portal):
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("site_inspection", stdout=out)
    assert exit_.value.code == 1
    assert "[FAIL]" in out.getvalue()
    assert "Site inspection FAILED" in out.getvalue()


# --- the daily task tells the office -----------------------------------------------------


@pytest.fixture
def office(bureau, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return make_user("office_zhang", "office_reviewer", bureau, email="zhang@example.cn")


def test_the_daily_task_notifies_and_mails_the_office_when_a_veto_rule_fails(
    portal, office, department, django_capture_on_commit_callbacks
):
    editor = make_user("editor_li", "department_editor", department, email="li@example.cn")
    news = portal.column("教育新闻", "news")
    portal.article(news, "旧闻", days_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        result = inspection_task.apply().get()
    assert result == {"passed": False, "told": 1}
    note = Notification.objects.get(recipient=office)
    assert "Home page updated" in note.subject or "首页" in note.subject
    assert note.link == "/cms/reports/portal/inspection/"
    assert not Notification.objects.filter(recipient=editor).exists()
    assert [message.to for message in mail.outbox] == [["zhang@example.cn"]]
    assert "/cms/reports/portal/inspection/" in mail.outbox[0].body


def test_the_daily_task_is_quiet_when_the_site_passes(healthy, office):
    assert inspection_task.apply().get() == {"passed": True, "told": 0}
    assert not Notification.objects.exists()
    assert mail.outbox == []


# --- the admin report ---------------------------------------------------------------------


def test_the_office_reads_the_report_in_the_admin(portal, office):
    news = portal.column("教育新闻", "news")
    portal.article(news, "旧闻", days_ago=30)
    rights.sync()  # the office's Wagtail rights, as the platform keeps them (part C)
    client = Client()
    client.force_login(office)
    response = client.get("/cms/reports/portal/inspection/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "教育新闻" in html or "测试门户" in html
    assert f"/cms/pages/{portal.home.pk}/edit/" in html
    menu = client.get("/cms/").content.decode()
    assert "/cms/reports/portal/inspection/" in menu


def test_a_department_editor_is_refused_the_report_with_a_sentence(portal, department):
    editor = in_english(make_user("editor_wu", "department_editor", department))
    news = portal.column("教育新闻", "news")
    news.editor_units.set([department])
    news.save_revision().publish()
    rights.sync()  # the editor may now use the admin, for their column
    client = Client()
    client.force_login(editor)
    assert client.get("/cms/").status_code == 200
    assert "/cms/reports/portal/inspection/" not in client.get("/cms/").content.decode()
    response = client.get("/cms/reports/portal/inspection/", follow=True)
    assert response.redirect_chain == [("/cms/", 302)]
    assert "Only the office and the bureau" in response.content.decode()
    assert client.get("/cms/reports/portal/visits/")["Location"] == "/cms/"


def test_an_anonymous_visitor_is_sent_to_sign_in(portal):
    response = Client().get("/cms/reports/portal/inspection/")
    assert response.status_code == 302
    assert "login" in response["Location"]
