"""Posting the compose form as a browser would."""

from __future__ import annotations

from django.urls import reverse


def notice_form(**overrides) -> dict:
    data = {
        "title": "春游通知",
        "body": "下周三春游。\n\n请家长签字同意。",
        "ack": "reply",
        "reply_choices": "同意\n不同意",
        "do": "draft",
    }
    data.update(overrides)
    return data


def compose(client, **overrides):
    return client.post(reverse("messaging:compose"), notice_form(**overrides))
