"""The home page lists new and most downloaded resources the visitor may open."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.models import Resource

pytestmark = pytest.mark.django_db


def make(teacher, title, **fields):
    fields = {"kind": "courseware", "state": "published", "visibility": "public", **fields}
    return Resource.objects.create(
        title=title, uploader=teacher, published_at=timezone.now(), **fields
    )


def test_new_and_most_downloaded(client, teacher, intranet_settings):
    make(teacher, "勾股定理 课件", download_count=30)
    make(teacher, "一元二次方程 练习", kind="exercise")
    make(teacher, "内网 微课", visibility="intranet", download_count=5)
    make(teacher, "未发布的草稿", state="draft", download_count=99)
    make(teacher, "已删除", deleted_at=timezone.now(), download_count=98)

    html = client.get("/", REMOTE_ADDR="10.1.2.3", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New resources" in html and "Most downloaded" in html
    for title in ("勾股定理 课件", "一元二次方程 练习", "内网 微课"):
        assert title in html
    assert "未发布的草稿" not in html and "已删除" not in html
    popular = html.split("Most downloaded", 1)[1]
    assert popular.index("勾股定理 课件") < popular.index("内网 微课")
    assert "一元二次方程 练习" not in popular  # never downloaded

    outside = client.get(
        "/", REMOTE_ADDR="10.9.9.1", HTTP_X_FORWARDED_FOR="8.8.8.8", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "勾股定理 课件" in outside and "内网 微课" not in outside


def test_empty_catalog_shows_only_the_sections(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New resources" not in html
