"""The header bell and the notifications page on a 390 px phone, in Chinese: the bell
shows the unread count, the page has no horizontal overflow, its buttons are readable,
and marking one or all read updates the bell."""

from __future__ import annotations

import pytest

from edu_portal.notifications import actions
from edu_portal.notifications.models import Category
from tests.browser.conftest import PHONE, assert_fits


def test_bell_count_and_the_page_at_390px(open_page, live_server, teacher):
    expect = pytest.importorskip("playwright.sync_api").expect
    teacher.display_name = "李老师"
    teacher.save(update_fields=["display_name"])
    actions.notify(
        teacher,
        "您的资源“小学数学三年级上册第一单元时分秒综合练习课件（含课堂练习与课后作业）”已发布",
        "审核人已通过。https://example.cn/a-very-long-address-without-any-breaks-in-it-at-all-0123456789",
        "/resources/",
        category=Category.RESOURCE,
    )
    actions.notify(teacher, "系统维护通知", "本周六晚停机维护。", category=Category.SYSTEM)
    actions.notify(teacher, "期刊来稿已收到", "", "/periodicals/", category=Category.PERIODICAL)

    page = open_page(teacher, locale="zh-CN")
    page.goto(f"{live_server.url}/")
    expect(page.locator(".header-bell .bell-count")).to_contain_text("3")
    expect(page.locator(".user-name")).to_have_text("李老师")
    assert_fits(page)

    page.locator(".header-bell").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    expect(page.locator("h1")).to_have_text("通知")
    expect(page.locator(".note-unread")).to_have_count(3)
    assert_fits(page)

    # The "mark as read" button is readable: its text colour is not its background's.
    button = page.locator(".note-actions .button-secondary").first
    expect(button).to_have_text("标为已读")
    colours = button.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    )
    assert colours[0] != colours[1], colours
    box = page.locator(".note").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    button.click()
    expect(page.locator(".header-bell .bell-count")).to_contain_text("2")
    expect(page.locator(".note-unread")).to_have_count(2)

    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator(".header-bell .bell-count")).to_have_count(0)
    expect(page.locator(".note-unread")).to_have_count(0)
    assert_fits(page)

    # Opening one follows its link.
    page.locator(".note", has_text="期刊来稿已收到").get_by_role("button", name="查看").click()
    page.wait_for_url(f"{live_server.url}/periodicals/")
