"""The author's pages in the site's default language: no English of ours on them."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from tests.authoring.conftest import MP4_HEADER, client_for, stored, upload_url

pytestmark = pytest.mark.django_db

# Words of this part's English texts; none may reach a zh-hans page.
ENGLISH = re.compile(
    r"\b(Edit|Resubmit|Removed|Last changed|Newest upload|Save changes|Upload and replace|"
    r"New file|Sending|Note for the reviewer|Review history|reviewer asks|Withdraw|"
    r"does not fit|same file|Choose the new file|My resources|Submit for review|"
    r"Details|File|Title|Description|Kind|Tags|Visibility|Licence|Stage|Grade|Subject)\b"
)


def _text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


def test_pages_in_chinese(chinese, teacher, make):
    resource = make("退回的课件", state="changes_requested")
    make("已删除的课件", state="removed")
    make("已发布的课件", state="published")
    client = client_for(teacher)
    pages = {
        "mine": client.get("/resources/mine/"),
        "edit": client.get(f"/resources/{resource.pk}/edit/"),
        "edit-error": client.post(
            f"/resources/{resource.pk}/edit/",
            {"title": "", "kind": "courseware", "licence": "educational", "visibility": "intranet"},
        ),
        "replace-error": client.post(
            f"/resources/{resource.pk}/replace/",
            {"upload": upload_url(stored(teacher, MP4_HEADER, "a.mp4", "video/mp4"))},
        ),
    }
    for name, response in pages.items():
        text = _text(response)
        found = ENGLISH.findall(text)
        assert not found, (name, found)
    assert "我的资源" in _text(pages["mine"]) and "已删除" in _text(pages["mine"])
    edit = _text(pages["edit"])
    assert "审核人要求修改" in edit and "上传并替换" in edit and "重新提交审核" in edit
    assert "此文件与“课件”类型的资源不符" in _text(pages["replace-error"])
