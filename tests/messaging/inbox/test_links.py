"""The short signed link: a GET shows the notice and records nothing (link scanners); a
POST from the page records once; a tampered or expired link is refused; the link opens
that notice for that guardian only, and makes no session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.test import Client
from django.urls import reverse

from edu_portal.messaging import links
from edu_portal.messaging.models import Notice
from edu_portal.notifications.actions import notify
from edu_portal.notifications.models import Category, Notification
from tests.messaging.inbox.conftest import recipient, send

pytestmark = pytest.mark.django_db


def _csrf_client() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans")


def _post_from_page(client: Client, url: str, data: dict):
    """Submit as the page's form does: its CSRF token and cookie."""
    page = client.get(url)
    assert page.status_code == 200
    token = page.context["csrf_token"]
    return client.post(url, {**data, "csrfmiddlewaretoken": str(token)})


def test_short_url_is_short_and_round_trips(notice_to_family, family):
    row = recipient(notice_to_family, family.mum)
    url = links.short_url(row)
    assert url.startswith("/n/")
    assert len(url) <= 3 + 11 + links.SIGNATURE_LENGTH
    assert url == reverse("messaging:link", args=[links.code_for(row)])
    assert links.resolve(links.code_for(row)) == row


def test_get_of_the_link_records_nothing(notice_to_family, family):
    row = recipient(notice_to_family, family.mum)
    notify(
        family.mum,
        "春游通知",
        link=f"/notices/inbox/{notice_to_family.pk}/",
        category=Category.NOTICE,
    )
    entries = LogEntry.objects.count()
    for _ in range(3):  # a mail gateway, a chat app's preview, the guardian
        response = Client().get(links.short_url(row))
        assert response.status_code == 200
        assert "春游通知" in response.content.decode()
        assert "下周三春游" in response.content.decode()
    Client().head(links.short_url(row))
    row.refresh_from_db()
    assert row.read_at is None and row.confirmed_at is None and row.replied_at is None
    assert LogEntry.objects.count() == entries
    assert Notification.objects.get(recipient=family.mum).read_at is None


def test_post_from_the_page_records_read_once(notice_to_family, family):
    row = recipient(notice_to_family, family.mum)
    url = links.short_url(row)
    client = _csrf_client()
    response = _post_from_page(client, url, {"action": "read"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?done=read"
    row.refresh_from_db()
    first = row.read_at
    assert first is not None
    _post_from_page(client, url, {"action": "read"})
    row.refresh_from_db()
    assert row.read_at == first
    entries = LogEntry.objects.filter(object_pk=str(row.pk), changes__has_key="read_at")
    assert entries.count() == 1
    assert entries.get().actor == family.mum
    page = client.get(f"{url}?done=read").content.decode()
    assert "已记录：您已阅读本通知" in page


def test_post_without_csrf_token_is_refused(notice_to_family, family):
    row = recipient(notice_to_family, family.mum)
    response = _csrf_client().post(links.short_url(row), {"action": "read"})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.read_at is None


def test_link_answers_同意_and_can_change_it(family):
    notice = send(
        family.teacher,
        family.school,
        {family.mum: [family.ming, family.hong]},
        title="秋游同意书",
        ack=Notice.Ack.REPLY,
        choices=["同意", "不同意"],
    )
    row = recipient(notice, family.mum)
    url = links.short_url(row)
    client = _csrf_client()
    assert 'value="同意"' in client.get(url).content.decode()
    _post_from_page(client, url, {"action": "reply", "choice": "同意"})
    row.refresh_from_db()
    assert (row.reply_choice, row.read_at is not None) == ("同意", True)
    _post_from_page(client, url, {"action": "reply", "choice": "不同意"})
    row.refresh_from_db()
    assert row.reply_choice == "不同意"
    response = _post_from_page(client, url, {"action": "reply", "choice": "随便"})
    assert response.status_code == 400
    assert "不是可选的回答" in response.content.decode()
    row.refresh_from_db()
    assert row.reply_choice == "不同意"


def test_link_confirms(family):
    notice = send(family.teacher, family.school, {family.dad: [family.ming]}, ack="confirm")
    row = recipient(notice, family.dad)
    _post_from_page(_csrf_client(), links.short_url(row), {"action": "confirm"})
    row.refresh_from_db()
    assert row.confirmed_at is not None and row.read_at is not None


@pytest.mark.parametrize("position", [0, 3, -1, -5])
def test_tampered_link_is_refused(notice_to_family, family, position):
    code = links.code_for(recipient(notice_to_family, family.mum))
    char = code[position]
    replacement = "a" if char != "a" else "b"
    bad = list(code)
    bad[position] = replacement
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/n/{''.join(bad)}")
    assert response.status_code == 403
    page = response.content.decode()
    assert "链接无效，请登录平台查看" in page
    assert "春游通知" not in page


@pytest.mark.parametrize("code", ["x", "0" * 40, "!!!!!!!!!!!!!", "00" + "A" * 10])
def test_junk_codes_are_refused(db, code):
    assert Client().get(f"/n/{code}").status_code == 403


def test_a_link_for_another_notice_is_refused(family):
    first = send(family.teacher, family.school, {family.mum: [family.ming]}, title="一")
    second = send(family.teacher, family.school, {family.mum: [family.ming]}, title="二")
    row = recipient(first, family.mum)
    # The signature binds the notice: the same row id signed for another notice fails.
    forged = links._base62(row.pk) + links._signature(row.pk, second.pk)
    assert Client().get(f"/n/{forged}").status_code == 403


def test_expired_link_is_gone(family, settings):
    settings.NOTICE_LINK_DAYS = 30
    notice = send(
        family.teacher, family.school, {family.mum: [family.ming]}, sent_ago=timedelta(days=31)
    )
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(
        links.short_url(recipient(notice, family.mum))
    )
    assert response.status_code == 410
    assert "链接已过期，请登录平台查看" in response.content.decode()
    assert "春游通知" not in response.content.decode()
    fresh = send(
        family.teacher, family.school, {family.mum: [family.ming]}, sent_ago=timedelta(days=29)
    )
    assert Client().get(links.short_url(recipient(fresh, family.mum))).status_code == 200


def test_expired_link_takes_no_post(family):
    notice = send(
        family.teacher, family.school, {family.mum: [family.ming]}, sent_ago=timedelta(days=31)
    )
    row = recipient(notice, family.mum)
    assert Client().post(links.short_url(row), {"action": "read"}).status_code == 410
    row.refresh_from_db()
    assert row.read_at is None


def test_the_link_opens_nothing_else(notice_to_family, family):
    other = send(family.teacher, family.school, {family.mum: [family.hong]}, title="家长会通知")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    url = links.short_url(recipient(notice_to_family, family.mum))
    page = client.get(url).content.decode()
    assert "家长会通知" not in page
    _post_from_page(client, url, {"action": "read"})
    # No session: the client is as anonymous as before.
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    inbox = client.get(reverse("messaging:inbox"))
    assert inbox.status_code == 200 and "家长会通知" not in inbox.content.decode()
    assert "登录" in inbox.content.decode()
    detail = client.get(reverse("messaging:inbox-notice", args=[other.pk]))
    assert detail.status_code == 302 and "/login" in detail["Location"]
    assert client.get(reverse("messaging:api-inbox")).status_code in (401, 403)
    assert client.get(reverse("notifications:list")).status_code == 302


def test_the_link_acts_for_its_guardian_whoever_is_signed_in(notice_to_family, family):
    client = Client()
    client.force_login(family.dad)
    mums = recipient(notice_to_family, family.mum)
    page = client.get(links.short_url(mums)).content.decode()
    # The mother's link names both her children (the father's only 小明).
    assert "张小红" in page
    _post_from_page(client, links.short_url(mums), {"action": "read"})
    mums.refresh_from_db()
    assert mums.read_at is not None
    assert recipient(notice_to_family, family.dad).read_at is None


def test_withdrawn_notice_shows_reason_not_content(notice_to_family, family):
    Notice.objects.filter(pk=notice_to_family.pk).update(
        state=Notice.State.WITHDRAWN, withdraw_reason="日期有误，将另行通知"
    )
    row = recipient(notice_to_family, family.mum)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get(links.short_url(row)).content.decode()
    assert "已撤回" in page and "日期有误，将另行通知" in page
    assert "下周三春游" not in page
    assert client.post(links.short_url(row), {"action": "read"}).status_code == 400
    row.refresh_from_db()
    assert row.read_at is None


def test_a_locked_guardian_s_link_is_refused(notice_to_family, family):
    family.mum.is_active = False
    family.mum.save()
    url = links.short_url(recipient(notice_to_family, family.mum))
    assert Client().get(url).status_code == 403


def test_the_link_asks_for_consent_first(notice_to_family, family):
    from edu_portal.messaging.models import ChannelPreference

    ChannelPreference.objects.filter(user=family.mum).delete()
    row = recipient(notice_to_family, family.mum)
    url = links.short_url(row)
    client = _csrf_client()
    page = client.get(url).content.decode()
    assert "张小红" not in page and "下周三春游" not in page
    assert 'name="agree"' in page
    response = _post_from_page(client, url, {"action": "read"})
    row.refresh_from_db()
    assert row.read_at is None
    response = _post_from_page(client, url, {"action": "consent", "agree": "yes"})
    assert response.status_code == 302
    preference = ChannelPreference.objects.get(user=family.mum)
    assert preference.consent_at is not None and preference.consent_ip == "127.0.0.1"
    assert "张小红" in client.get(url).content.decode()
    row.refresh_from_db()
    assert row.read_at is None  # agreeing is not reading
