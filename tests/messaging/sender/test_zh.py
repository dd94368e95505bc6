"""The sender's pages in the default language (zh-hans): Chinese, no English left."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from edu_portal.messaging import receipts
from edu_portal.messaging.models import Notice, Recipient
from tests.messaging.sender.helpers import compose
from tests.schools.conftest import client_for

pytestmark = pytest.mark.django_db

# Words of these pages' English text (labels, buttons, states, channels, help).
ENGLISH = re.compile(
    r"\b(Notices? sent|New notice|Save draft|Send now|Schedule|Who receives|How guardians|"
    r"Recipients|Remind|By class|Delivery|Withdraw|Not (read|confirmed|replied)|Replies|"
    r"Answers?|Acknowledgement|Channels?|Reply form|Read only|Confirm with|Urgent|Draft|"
    r"Sent|Scheduled|Held|Delivered|Handed|In-app|E-mail|SMS text|characters|pupils?|"
    r"guardians?|whole grade|Staff|Title|Content|Attachments|Add files|Pupils|Report)\b"
)


def _text(html: str) -> str:
    """What a reader sees: the page without tags, scripts, attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_sender_pages_in_chinese(schools, families, eager, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SMS_REPEAT_SECONDS = 0
    client = client_for(families.class_teacher)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    compose(client, classes=["cn-g1c1"], channels=["sms", "email"], title="家长会草稿")
    draft = Notice.objects.get()
    with eager():
        compose(client, classes=["cn-g1c1"], do="send", channels=["sms"], urgent="on")
    sent = Notice.objects.exclude(pk=draft.pk).get()
    receipts.reply(Recipient.objects.filter(notice=sent).first(), "同意", "")
    pages = {
        "list": client.get(reverse("messaging:sent")),
        "compose": client.get(reverse("messaging:compose")),
        "draft": client.get(reverse("messaging:edit", args=[draft.pk])),
        "sent": client.get(reverse("messaging:edit", args=[sent.pk])),
        "report": client.get(reverse("messaging:report", args=[sent.pk])),
        "refused": compose(client, classes=["cn-g1c2"]),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 400), name
        text = _text(response.content.decode())
        assert not ENGLISH.search(text), (name, ENGLISH.search(text))
    assert "已发通知" in pages["list"].content.decode()
    assert "保存草稿" in pages["compose"].content.decode()
    assert "家长看到的样子" in pages["draft"].content.decode()
    assert "短信" in pages["draft"].content.decode()
    assert "撤回通知" in pages["sent"].content.decode()
    assert "按班级" in pages["report"].content.decode()
    assert "不在您可以发送通知的班级和学校范围内" in pages["refused"].content.decode()
