"""The Wagtail editor in Chromium, as the people who use it: a department editor opens the
editor at 390 px and at 1280 px without a Content-Security-Policy violation (the admin's
relaxed policy: inline scripts and styles under /cms/ only), writes an article in their
column and submits it for approval; the office reviewer approves it from ``/review/``; the
article is live for visitors. Skipped where Chromium or Playwright is missing."""

from __future__ import annotations

import time
import uuid

import pytest

from edu_portal.accounts.roles import Role
from tests.browser.conftest import PHONE
from tests.browser.csp import violations, watch_violations
from tests.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}


def expect():
    return pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def eager_tasks():
    from edu_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def newsroom(eager_tasks, bureau, department, settings):
    """A home page served at the live server, a reviewed news column granted to a
    department, its editor and the office reviewer (the Wagtail admin in English for
    both, so the test reads the msgids)."""
    from wagtail.models import Collection, Locale, Page, Site
    from wagtail.users.models import UserProfile

    from edu_portal.cms import rights
    from edu_portal.cms.models import ColumnPage, HomePage
    from edu_portal.cms.review import ensure_workflow

    settings.SEARCH_URL = "db://"
    # A live-server test ends by emptying every table, also the rows Wagtail's migrations
    # made (the tree's root, the root collection, the locales): made again when missing.
    for code in ("zh-hans", "en"):
        Locale.objects.get_or_create(language_code=code)
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    ensure_workflow()
    home = root.add_child(instance=HomePage(title="示范县教育局", slug=f"h-{uuid.uuid4().hex[:6]}"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )
    news = home.add_child(instance=ColumnPage(title="通知公告", slug="notices", kind="notice"))
    news.editor_units.set([department])
    news.save()
    editor = make_user("news_editor", Role.DEPARTMENT_EDITOR, department)
    office = make_user("office_reviewer", Role.OFFICE_REVIEWER, bureau)
    for user in (editor, office):
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"
        profile.save()
    rights.sync()
    return {"home": home, "news": news, "editor": editor, "office": office}


def wait_for(predicate, timeout: float = 20.0):
    """Poll the database until ``predicate()`` returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the database")
        time.sleep(0.1)


def submit_in_editor(page) -> None:
    """Wagtail's "Submit to 审核发布", from the footer's action menu (a button of the
    editor's form, in a dropdown): clicked as the person would, after opening the menu."""
    page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    button = page.locator('button[name="action-submit"]')
    expect()(button).to_be_visible()
    button.click()
    page.wait_for_load_state("load")


def approve_in_queue(page, base_url: str, item_pk: int) -> None:
    page.goto(f"{base_url}/review/")
    item = page.locator(f"#item-cms\\.pagereview-{item_pk}")
    item.locator("button[value=approve]").click()
    page.wait_for_url("**/review/*")
    expect()(page.locator(".message-success")).to_be_visible()


def review_item(article):
    from edu_portal.cms.models import PageReview

    return PageReview.objects.filter(
        workflow_state__object_id=str(article.pk), status="in_progress"
    ).first()


def test_editor_writes_and_submits_the_office_approves(browser, open_page, live_server, newsroom):
    from edu_portal.cms.models import ArticlePage

    title = f"关于做好冬季校园安全工作的通知{uuid.uuid4().hex[:4]}"
    news = newsroom["news"]
    page = open_page(newsroom["editor"])
    reports = watch_violations(page)
    add_url = f"{live_server.url}/cms/pages/add/cms/articlepage/{news.pk}/"
    response = page.goto(add_url)  # at 390 px (the fixture's phone)
    assert response.status == 200
    expect()(page.locator("#id_title")).to_be_visible()
    assert page.viewport_size == PHONE
    assert violations(page, reports) == []

    page.set_viewport_size(DESKTOP)
    page.goto(add_url)
    page.locator("#id_title").fill(title)
    page.locator(".public-DraftEditor-content").first.click()
    page.keyboard.type("各学校要做好冬季防火、防滑和交通安全工作。")
    # The slug is not made from Chinese characters: the editor types one (Promote tab).
    page.get_by_role("tab", name="Promote").click()
    page.locator("#id_slug").fill("winter-safety")
    page.get_by_role("tab", name="Content").click()
    submit_in_editor(page)
    article = wait_for(lambda: ArticlePage.objects.filter(title=title).first())
    item = wait_for(lambda: review_item(article))
    assert not article.live
    assert violations(page, reports) == []

    reviewer = open_page(newsroom["office"])
    approve_in_queue(reviewer, live_server.url, item.pk)
    article = wait_for(lambda: ArticlePage.objects.filter(title=title, live=True).first())
    anonymous = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        visitor = anonymous.new_page()
        response = visitor.goto(f"{live_server.url}/notices/winter-safety/")
        assert response.status == 200
        expect()(visitor.locator("h1")).to_contain_text(title)
    finally:
        anonymous.close()
