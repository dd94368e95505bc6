"""A repealed or expired document says so prominently and links the one that replaced it;
the new one names what it replaces (国办发〔2017〕47号)."""

from __future__ import annotations

import pytest

from edu_portal.cms.models import Category, Validity
from tests.cms.structure.conftest import column, draft, publish

pytestmark = pytest.mark.django_db


def test_repealed_document_is_marked_and_links_its_successor(client):
    docs = column("disclosure/documents")
    new = publish(docs, "rules-2026", "招生入学实施办法（2026年）", category=Category.POLICY)
    old = publish(
        docs,
        "rules-2023",
        "招生入学实施办法（2023年）",
        category=Category.POLICY,
        doc_number="示教发〔2023〕15号",
        validity=Validity.REPEALED,
        superseded_by=new,
    )
    text = client.get(old.url).content.decode()
    assert "本文件已废止" in text
    assert f'<a href="{new.url}">招生入学实施办法（2026年）</a>' in text
    assert "<dd>废止</dd>" in text

    newer = client.get(new.url).content.decode()
    assert "本文件修订或替代了" in newer
    assert f'<a href="{old.url}">招生入学实施办法（2023年）</a>' in newer
    assert "示教发〔2023〕15号" in newer
    assert "本文件已废止" not in newer


def test_expired_document_without_successor(client):
    old = publish(column("disclosure/plans"), "plan-2020", "2020年计划", validity=Validity.EXPIRED)
    text = client.get(old.url).content.decode()
    assert "本文件已失效" in text
    assert "已被以下文件替代" not in text


def test_catalogue_and_column_show_the_state(client):
    publish(
        column("disclosure/documents"),
        "gone",
        "已废止的文件",
        category=Category.POLICY,
        validity=Validity.REPEALED,
    )
    for url in ("/disclosure/documents/", "/disclosure/information/catalogue/"):
        text = client.get(url).content.decode()
        assert '已废止的文件</a> <span class="badge badge-muted">废止</span>' in text


def test_a_draft_successor_is_not_linked(client):
    docs = column("disclosure/documents")
    successor = draft(docs, "next", "尚未发布的新文件")
    old = publish(docs, "old", "旧文件", validity=Validity.REPEALED, superseded_by=successor)
    text = client.get(old.url).content.decode()
    assert "本文件已废止" in text
    assert "尚未发布的新文件" not in text
