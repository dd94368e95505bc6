"""The guardian's side at 390 px in Chinese: a mother opens a permission slip from her
inbox and answers 同意; a father opens it from the short link of his SMS, without
signing in, and answers 同意 too. No horizontal overflow, no CSP violation, and the link
leaves no session behind."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from edu_portal.messaging import links
from edu_portal.messaging.models import Recipient
from tests.browser.conftest import PHONE, assert_fits
from tests.browser.csp import violations, watch_violations
from tests.messaging.inbox.conftest import family, send  # noqa: F401


def _slip(family):  # noqa: F811
    return send(
        family.teacher,
        family.school,
        {family.mum: [family.ming, family.hong], family.dad: [family.ming]},
        title="关于组织学生参加秋季研学实践活动（含安全须知与费用说明）的家长知情同意书",
        body="<p>本周五全天赴县科技馆研学，请家长阅读安全须知后回复是否同意孩子参加。"
        "费用说明见https://example.cn/a-very-long-address-without-any-breaks-0123456789</p>",
        ack="reply",
        choices=["同意", "不同意"],
        text=True,
    )


def test_guardian_answers_from_the_inbox_and_from_the_link(
    open_page,
    browser,
    live_server,
    family,  # noqa: F811
):
    expect = pytest.importorskip("playwright.sync_api").expect
    notice = _slip(family)

    # The mother, signed in, from her inbox.
    page = open_page(family.mum, locale="zh-CN")
    reports = watch_violations(page)
    page.goto(f"{live_server.url}/notices/")
    expect(page.locator("h1")).to_have_text("我的通知")
    item = page.locator(".inbox-item").first
    expect(item).to_have_class("inbox-item inbox-unread")
    expect(item.locator(".inbox-concerns")).to_have_text(
        "关于：张小明（一年级1班）、张小红（三年级2班）"
    )
    assert_fits(page)
    item.locator(".inbox-open").click()
    page.wait_for_url(f"{live_server.url}/notices/inbox/{notice.pk}/")
    expect(page.locator(".inbox-notice h1")).to_contain_text("秋季研学")
    assert_fits(page)
    page.get_by_label("同意", exact=True).check()
    page.get_by_role("button", name="提交回复").click()
    expect(page.locator(".message-success")).to_have_text("谢谢，已记录您的回复。")
    expect(page.locator(".inbox-done")).to_contain_text("同意")
    assert_fits(page)
    assert violations(page, reports) == []
    mums = Recipient.objects.get(notice=notice, user=family.mum)
    assert mums.reply_choice == "同意" and mums.read_at is not None

    # The father, from the link in his SMS, not signed in.
    dads = Recipient.objects.get(notice=notice, user=family.dad)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    try:
        link_page = context.new_page()
        link_reports = watch_violations(link_page)
        link_page.goto(f"{live_server.url}{links.short_url(dads)}")
        expect(link_page.locator(".inbox-concerns")).to_have_text("关于：张小明（一年级1班）")
        assert_fits(link_page)
        dads.refresh_from_db()
        assert dads.read_at is None  # opening the link is not reading it
        link_page.get_by_label("同意", exact=True).check()
        link_page.get_by_role("button", name="提交回复").click()
        expect(link_page.locator(".message-success")).to_have_text("谢谢，已记录您的回复。")
        expect(link_page.locator(".inbox-done")).to_contain_text("同意")
        assert_fits(link_page)
        assert violations(link_page, link_reports) == []
        names = {cookie["name"] for cookie in context.cookies()}
        assert django_settings.SESSION_COOKIE_NAME not in names
    finally:
        context.close()
    dads.refresh_from_db()
    assert dads.reply_choice == "同意" and dads.read_at is not None
