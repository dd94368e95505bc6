"""The signed-in inbox: newest first, unread marked, the children named; opening a notice
reads it (and its bell row); confirm and reply by POST; another guardian's notice is not
found; a withdrawn notice shows its reason, not its content; attachments only for its
recipients; the section dispatches staff to their sent notices; all in Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from edu_portal.accounts.roles import Role
from edu_portal.messaging.models import Notice, NoticeAttachment
from edu_portal.notifications.actions import notify
from edu_portal.notifications.models import Category, Notification
from edu_portal.storage import get_storage
from tests.messaging.inbox.conftest import client_for, english_words, recipient, send
from tests.people import make_user

pytestmark = pytest.mark.django_db


def test_inbox_names_the_children_newest_first_unread_marked(notice_to_family, family):
    older = send(
        family.teacher,
        family.school,
        {family.mum: [family.hong]},
        title="家长会通知",
        sent_ago=timedelta(days=2),
    )
    recipient(older, family.mum).__class__.objects.filter(notice=older).update(
        read_at=older.sent_at
    )
    response = client_for(family.mum).get(reverse("notices"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "关于：张小明（一年级1班）、张小红（三年级2班）" in page
    assert page.index("春游通知") < page.index("家长会通知")
    assert page.count("inbox-unread") == 1
    assert "1 条未读通知" in page
    assert "城南小学" in page
    assert 'rel="manifest"' in page
    # The section is marked in the navigation.
    assert f'href="{reverse("notices")}" aria-current="page"' in page


def test_a_father_sees_only_his_own_child(notice_to_family, family):
    page = client_for(family.dad).get(reverse("messaging:inbox")).content.decode()
    assert "张小明（一年级1班）" in page and "张小红" not in page


def test_opening_a_notice_reads_it_once_and_marks_the_bell(notice_to_family, family):
    link = reverse("messaging:inbox-notice", args=[notice_to_family.pk])
    notify(family.mum, "春游通知", link=link, category=Category.NOTICE)
    client = client_for(family.mum)
    response = client.get(link)
    assert response.status_code == 200
    page = response.content.decode()
    assert "下周三春游" in page and "关于：张小明（一年级1班）、张小红（三年级2班）" in page
    row = recipient(notice_to_family, family.mum)
    first = row.read_at
    assert first is not None
    assert Notification.objects.get(recipient=family.mum).read_at is not None
    client.get(link)
    row.refresh_from_db()
    assert row.read_at == first
    assert recipient(notice_to_family, family.dad).read_at is None
    assert "已读" in page


def test_another_guardian_s_notice_is_not_found(notice_to_family, family):
    client = client_for(family.other_parent)
    for name in ("messaging:inbox-notice", "messaging:inbox-answer"):
        url = reverse(name, args=[notice_to_family.pk])
        response = client.get(url) if name.endswith("notice") else client.post(url, {})
        assert response.status_code == 404
    assert "春游通知" not in client.get(reverse("messaging:inbox")).content.decode()


def test_drafts_are_not_in_the_inbox(notice_to_family, family):
    Notice.objects.filter(pk=notice_to_family.pk).update(state=Notice.State.DRAFT)
    client = client_for(family.mum)
    assert "春游通知" not in client.get(reverse("messaging:inbox")).content.decode()
    url = reverse("messaging:inbox-notice", args=[notice_to_family.pk])
    assert client.get(url).status_code == 404


def test_confirm_by_post_only(family):
    notice = send(family.teacher, family.school, {family.mum: [family.ming]}, ack="confirm")
    client = client_for(family.mum)
    answer = reverse("messaging:inbox-answer", args=[notice.pk])
    assert client.get(answer).status_code == 405
    page = client.get(reverse("messaging:inbox-notice", args=[notice.pk])).content.decode()
    assert "确认" in page and 'value="confirm"' in page
    row = recipient(notice, family.mum)
    assert row.confirmed_at is None
    response = client.post(answer, {"action": "confirm"})
    assert response.status_code == 302
    row.refresh_from_db()
    first = row.confirmed_at
    assert first is not None
    client.post(answer, {"action": "confirm"})
    row.refresh_from_db()
    assert row.confirmed_at == first
    page = client.get(reverse("messaging:inbox-notice", args=[notice.pk])).content.decode()
    assert "已确认" in page and 'value="confirm"' not in page


def test_reply_and_change_it(family):
    notice = send(
        family.teacher,
        family.school,
        {family.mum: [family.ming, family.hong]},
        title="秋游同意书",
        ack="reply",
        choices=["同意", "不同意"],
        text=True,
    )
    client = client_for(family.mum)
    answer = reverse("messaging:inbox-answer", args=[notice.pk])
    client.post(answer, {"action": "reply", "choice": "同意", "text": "孩子晕车"})
    row = recipient(notice, family.mum)
    assert (row.reply_choice, row.reply_text) == ("同意", "孩子晕车")
    page = client.get(reverse("messaging:inbox-notice", args=[notice.pk])).content.decode()
    assert "您的回复：" in page and "修改回复" in page
    assert 'value="同意" required checked' in page
    client.post(answer, {"action": "reply", "choice": "不同意"})
    row.refresh_from_db()
    assert (row.reply_choice, row.reply_text) == ("不同意", "")
    bad = client.post(answer, {"action": "reply", "choice": "<script>"})
    assert bad.status_code == 400
    assert "这不是可选的回答" in bad.content.decode()
    long = client.post(answer, {"action": "reply", "choice": "同意", "text": "长" * 501})
    assert long.status_code == 400
    row.refresh_from_db()
    assert row.reply_choice == "不同意"


def test_reply_refused_where_none_is_asked(notice_to_family, family):
    client = client_for(family.mum)
    answer = reverse("messaging:inbox-answer", args=[notice_to_family.pk])
    response = client.post(answer, {"action": "reply", "choice": "同意"})
    assert response.status_code == 400
    assert "本通知不需要回复" in response.content.decode()
    response = client.post(answer, {"action": "confirm"})
    assert response.status_code == 400


def test_withdrawn_notice_hides_its_content(notice_to_family, family):
    Notice.objects.filter(pk=notice_to_family.pk).update(
        state=Notice.State.WITHDRAWN, withdraw_reason="日期有误"
    )
    client = client_for(family.mum)
    listing = client.get(reverse("messaging:inbox")).content.decode()
    assert "已撤回" in listing and "0 条未读通知" in listing
    page = client.get(reverse("messaging:inbox-notice", args=[notice_to_family.pk]))
    html = page.content.decode()
    assert "已撤回" in html and "日期有误" in html and "下周三春游" not in html
    row = recipient(notice_to_family, family.mum)
    assert row.read_at is None
    answer = reverse("messaging:inbox-answer", args=[notice_to_family.pk])
    assert client.post(answer, {"action": "read"}).status_code == 400


def test_body_is_cleaned_again_when_shown(family):
    notice = send(
        family.teacher,
        family.school,
        {family.mum: [family.ming]},
        body='<p onclick="x()">好</p><script>alert(1)</script><img src=x onerror=alert(1)>',
    )
    page = client_for(family.mum).get(reverse("messaging:inbox-notice", args=[notice.pk]))
    html = page.content.decode()
    assert "<script>alert" not in html and "onerror" not in html and "onclick" not in html
    # The same allow-list as when stored, not nh3's wider default: no images (a tracking
    # pixel) and no tel: links.
    assert "<img" not in html.split('class="inbox-body"')[1].split("</div>")[0]


def test_stored_body_outside_the_allow_list_is_not_shown(family):
    notice = send(family.teacher, family.school, {family.mum: [family.ming]}, body="<p>好</p>")
    # As if written by another module (the admin, an import): not through the action.
    type(notice).objects.filter(pk=notice.pk).update(
        body='<p>好</p><img src="https://tracker.example/p.gif"><a href="tel:110">拨打</a>'
    )
    page = client_for(family.mum).get(reverse("messaging:inbox-notice", args=[notice.pk]))
    body = page.content.decode().split('class="inbox-body"')[1].split("</div>")[0]
    assert "tracker.example" not in body and "tel:" not in body and "好" in body


@pytest.fixture
def with_attachment(notice_to_family, settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    key = f"notices/{notice_to_family.pk}/plan.pdf"
    get_storage().put_bytes(key, b"%PDF-1.4 plan", content_type="application/pdf")
    return NoticeAttachment.objects.create(
        notice=notice_to_family,
        key=key,
        name="春游安排.pdf",
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
    )


def test_attachment_for_its_recipients_only(with_attachment, notice_to_family, family):
    url = reverse("messaging:inbox-attachment", args=[notice_to_family.pk, with_attachment.pk])
    page = client_for(family.mum).get(reverse("messaging:inbox-notice", args=[notice_to_family.pk]))
    assert url in page.content.decode()
    response = client_for(family.mum).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert client_for(family.other_parent).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    other = send(family.teacher, family.school, {family.other_parent: [family.other_child]})
    # An attachment id of another notice under a notice of one's own: not found.
    crossed = reverse("messaging:inbox-attachment", args=[other.pk, with_attachment.pk])
    assert client_for(family.other_parent).get(crossed).status_code == 404
    Notice.objects.filter(pk=notice_to_family.pk).update(state=Notice.State.WITHDRAWN)
    assert client_for(family.mum).get(url).status_code == 404


def test_section_for_visitors_and_staff(family):
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("notices"))
    assert page.status_code == 200 and "登录后查看您的通知" in page.content.decode()
    response = client_for(family.teacher).get(reverse("notices"))
    assert response.status_code == 302 and response["Location"] == reverse("messaging:sent")
    # A teacher who is also a parent keeps her inbox, with a way to what she sent.
    parent_teacher = make_user("teacher_mum", Role.TEACHER, family.school)
    from edu_portal.accounts import actions

    actions.link_guardian(actions.SYSTEM, parent_teacher, family.other_child, "mother")
    from tests.messaging.inbox.conftest import consent

    consent(parent_teacher)
    page = client_for(parent_teacher).get(reverse("notices"))
    assert page.status_code == 200
    assert reverse("messaging:sent") in page.content.decode()


def test_pages_have_no_english(notice_to_family, family):
    reply = send(
        family.teacher,
        family.school,
        {family.mum: [family.ming]},
        ack="reply",
        choices=["同意", "不同意"],
        text=True,
    )
    client = client_for(family.mum)
    pages = {
        "inbox": client.get(reverse("messaging:inbox")),
        "notice": client.get(reverse("messaging:inbox-notice", args=[notice_to_family.pk])),
        "reply": client.get(reverse("messaging:inbox-notice", args=[reply.pk])),
        "bad reply": client.post(
            reverse("messaging:inbox-answer", args=[reply.pk]), {"action": "reply"}
        ),
        "preferences": client.get(reverse("messaging:preferences")),
        "consent": client.get(reverse("messaging:consent")),
        "visitor": Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("notices")),
        "bad link": Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/n/abcdefghijklm"),
    }
    from edu_portal.messaging import links

    row = recipient(reply, family.mum)
    pages["link"] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(links.short_url(row))
    for name, response in pages.items():
        assert response.status_code in (200, 400, 403), name
        words = english_words(response.content.decode())
        assert not words, (name, words)
