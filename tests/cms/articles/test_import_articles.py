"""manage.py import_articles FILE.jsonl: the old site's articles with their dates."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from edu_portal.cms.models import ArticlePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(db, settings):
    from wagtail.models import Page, Site

    from edu_portal.cms.models import ColumnPage

    settings.CMS_ORG_CODE = "IMPORTORG"
    site = Site.objects.get(is_default_site=True)
    disclosure = site.root_page.add_child(
        instance=ColumnPage(title="政务公开T", slug="t-gk", kind="disclosure")
    )
    disclosure.add_child(instance=ColumnPage(title="局发文件", slug="t-jfwj", kind="policy"))
    return Page.objects.get(pk=site.root_page.pk)


def run(path, capsys):
    try:
        call_command("import_articles", str(path))
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def line(**fields):
    base = {
        "column": "政务公开T/局发文件",
        "title": "关于印发2019年工作要点的通知",
        "published": "2019-03-04",
        "body_html": '<p class="MsoNormal" style="x">要点<script>x</script></p>',
        "doc_number": "示教发〔2019〕3号",
        "category": "policy",
        "keywords": "工作要点",
        "attachments": ["files/要点.pdf"],
    }
    base.update(fields)
    return json.dumps(base, ensure_ascii=False)


def test_import_keeps_dates_numbers_attachments_and_is_idempotent(tmp_path, home, store, capsys):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "要点.pdf").write_bytes(b"%PDF-1.4 x")
    secret = tmp_path.parent / "secret.txt"
    secret.write_text("no")
    lines = [
        line(),
        line(title="第二篇", published="2020-12-31", attachments=[]),
        "{not json",
        line(title="坏日期", published="yesterday"),
        line(title="坏栏目", column="政务公开T/不存在"),
        line(title="越界", attachments=["../secret.txt"]),
        line(title="绝对", attachments=[str(secret)]),
        line(title="坏分类", category="nonsense"),
    ]
    source = tmp_path / "old.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, out, err = run(source, capsys)
    assert code == 1
    assert "2 imported, 0 already there, 6 failed" in out
    for number in (3, 4, 5, 6, 7, 8):
        assert f"line {number}:" in err
    first = ArticlePage.objects.get(title="关于印发2019年工作要点的通知")
    assert first.live and first.published_on == dt.date(2019, 3, 4)
    assert first.first_published_at.year == 2019 and first.last_published_at.year == 2019
    assert first.index_number == "IMPORTORG/2019-00001"
    assert first.body == "<p>要点</p>" and first.doc_number == "示教发〔2019〕3号"
    assert first.attachments.get().document.filename.startswith("要点")
    second = ArticlePage.objects.get(title="第二篇")
    assert second.index_number == "IMPORTORG/2020-00001"
    assert not ArticlePage.objects.filter(title__in=["越界", "绝对", "坏分类"]).exists()

    code, out, _err = run(source, capsys)
    assert "0 imported, 2 already there, 6 failed" in out
    assert ArticlePage.objects.count() == 2


def test_a_clean_file_exits_zero(tmp_path, home, store, capsys):
    source = tmp_path / "ok.jsonl"
    source.write_text(line(attachments=[]) + "\n", encoding="utf-8")
    code, out, _ = run(source, capsys)
    assert code == 0 and "1 imported" in out
