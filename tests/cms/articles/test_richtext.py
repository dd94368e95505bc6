"""Pasted Word HTML is reduced to the portal's rich text before it reaches the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from edu_portal.cms import articles
from edu_portal.cms.models import ArticlePage
from edu_portal.cms.richtext import clean_html

WORD = (Path(__file__).parent / "word_clipboard.html").read_text(encoding="utf-8")


def test_word_clipboard_sample_is_cleaned():
    html = clean_html(WORD)
    for dirt in ("mso-", "<o:p", "<span", "<font", "class=", "style", "<script", "onclick",
                 "javascript:", "<!--", "<xml", "Normal", "<table", "<img"):  # fmt: skip
        assert dirt not in html, dirt
    assert "<h2>关于做好2026年义务教育招生工作的通知</h2>" in html
    assert "<b>各学校：</b>" in html
    assert "<ol><li>" in html.replace("\n", "")
    assert '<a href="https://www.example.gov.cn/zs">招生平台</a>' in html
    assert "附表：学区划分" in html  # a table's text stays, its markup goes


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="data:text/html,x">x</a>', "<a>x</a>"),
        ('<p onmouseover="x()">t</p>', "<p>t</p>"),
        ("<svg><script>alert(1)</script></svg>t", "t"),
        ('<a linktype="page" id="12">p</a>', '<a linktype="page" id="12">p</a>'),
        ('<a linktype="page" id="1 onclick=x">p</a>', '<a linktype="page">p</a>'),
        ('<a linktype="external" id="3">p</a>', '<a id="3">p</a>'),
        (
            '<embed embedtype="image" id="5" format="left" alt="图"/>',
            '<embed embedtype="image" id="5" format="left" alt="图"/>',
        ),
        ('<embed embedtype="media" url="http://x"/>', "<embed/>"),
        ("<p>a<br>b</p><hr>", "<p>a<br/>b</p><hr/>"),
        ("<strong>b</strong><em>i</em>", "<b>b</b><i>i</i>"),
        ("", ""),
    ],
)
def test_allow_list(dirty, clean):
    assert clean_html(dirty) == clean


@pytest.mark.django_db
def test_every_write_of_a_cms_page_is_cleaned(column, store):
    page = articles.create_article(None, column, title="t", body_html=WORD)
    row = ArticlePage.objects.get(pk=page.pk)
    assert "mso-" not in row.body and "<script" not in row.body
    # A later draft (a revision, not the page row) is cleaned as well.
    page.body = '<p style="color:red" onclick="x()">改<script>alert(1)</script></p>'
    revision = page.save_revision()
    revision.refresh_from_db()
    assert revision.content["body"] == "<p>改</p>"
    # And code that writes the row directly.
    row.body = '<p class="MsoNormal"><span style="x">直接</span></p>'
    row.save()
    assert ArticlePage.objects.get(pk=page.pk).body == "<p>直接</p>"
