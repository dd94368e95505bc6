"""A first-grade pupil in a browser at 390 px, in Chinese: signs in; the home page lists
the 一年级 resource before a newer 初中 one and says the grade comes first; /resources/
does the same with a way to the usual order; a favourite added with the toggle appears on
/resources/favourites/. Every page is checked for horizontal overflow, and the list
thumbnails (an image, or the kind's icon while there is none) must really render.
Skipped where Chromium or Playwright is missing (see conftest.py)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.blobs import blob_from_bytes
from catalog.models import Resource
from catalog.previews.thumbnails import link_thumbnail
from catalog.search import services
from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.roles import Role
from tests.browser.conftest import PHONE, assert_fits
from tests.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)

Kind = OrgUnit.Kind
PASSWORD = "Xiaoming-2024!"
OWN = "一年级 认识数字"
JUNIOR = "八年级 勾股定理"


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (240, 180), (70, 130, 180)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def pupil(db):
    bureau = actions.create_org_unit(SYSTEM, None, Kind.BUREAU, "示范县教育局", "bureau")
    school = actions.create_org_unit(SYSTEM, bureau, Kind.SCHOOL, "城南小学", "cn")
    grade = actions.create_org_unit(SYSTEM, school, Kind.GRADE, "一年级", "cn-g1")
    klass = actions.create_org_unit(SYSTEM, grade, Kind.CLASS, "一年级(1)班", "cn-g1c1")
    teacher = make_user("teacher_zhou", Role.TEACHER, school, display_name="周老师")

    def publish(title: str, grade: int, stage: str, days: int) -> Resource:
        resource = Resource.objects.create(
            title=title,
            uploader=teacher,
            org_unit=school,
            kind=Resource.Kind.COURSEWARE,
            state="published",
            visibility="public",
            status=Resource.Status.READY,
            grade=grade,
            stage=stage,
            published_at=timezone.now() - timedelta(days=days),
        )
        services.update(resource.pk)
        return resource

    publish(JUNIOR, 8, "junior", 1)
    own = publish(OWN, 1, "primary", 5)
    # The pupil's own resource has a first-page thumbnail; the other shows its kind's icon.
    own.preview_state = Resource.Preview.READY
    own.save(update_fields=["preview_state"])
    link_thumbnail(own, blob_from_bytes(jpeg(), content_type="image/jpeg"))
    return make_user("xiaoming", Role.STUDENT, klass, password=PASSWORD, display_name="小明")


def titles(scope) -> list[str]:
    return [text.strip() for text in scope.locator(".resource-title").all_inner_texts()]


def thumbnails_render(page, item_title: str, *, image: bool) -> None:
    item = page.locator(".resource-item", has_text=item_title).first
    if image:
        img = item.locator("img.resource-thumb")
        img.scroll_into_view_if_needed()
        page.wait_for_function(
            "(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle()
        )
    else:
        icon = item.locator(".resource-thumb-icon")
        box = icon.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0


def test_first_grader_sees_grade_one_first_on_a_phone(browser, live_server, pupil):
    expect = pytest.importorskip("playwright.sync_api").expect
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill("xiaoming")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/")
        expect(page.locator("header")).to_contain_text("小明")

        newest = page.locator(".home-list").first
        expect(newest).to_contain_text("优先显示一年级的内容")
        shown = titles(newest)
        assert shown.index(OWN) < shown.index(JUNIOR), shown
        assert_fits(page)
        thumbnails_render(page, OWN, image=True)
        thumbnails_render(page, JUNIOR, image=False)

        newest.get_by_role("link", name="更多最新资源").click()
        page.wait_for_url("**/resources/")
        expect(page.locator(".favour-note")).to_contain_text("优先显示一年级的内容")
        assert titles(page.locator(".results"))[:2] == [OWN, JUNIOR]
        assert_fits(page)
        thumbnails_render(page, OWN, image=True)
        thumbnails_render(page, JUNIOR, image=False)

        # The usual order is one tap away.
        page.get_by_role("link", name="按正常顺序显示全部").click()
        page.wait_for_url("**/resources/?sort=newest")
        assert titles(page.locator(".results"))[:2] == [JUNIOR, OWN]
        expect(page.locator(".favour-note")).to_have_count(0)
        assert_fits(page)

        # Keep the pupil's own resource with the star; no reload needed.
        item = page.locator(".resource-item", has_text=OWN)
        toggle = item.locator(".favourite-button")
        expect(toggle).to_have_attribute("aria-pressed", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")

        page.goto(f"{live_server.url}/resources/favourites/")
        listed = page.locator(".favourites-list")
        expect(listed).to_contain_text(OWN)
        expect(listed).not_to_contain_text(JUNIOR)
        assert_fits(page)
        thumbnails_render(page, OWN, image=True)
    finally:
        context.close()
