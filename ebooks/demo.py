"""Demo e-books and periodicals for `make run`: one EPUB with Chinese metadata in the
library (readable, in OPDS), and the bureau's two periodicals with a published issue whose
article went through submission and review like a teacher's would."""

from __future__ import annotations

import datetime
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone

from ebooks.periodicals import actions as periodicals
from ebooks.periodicals.models import Article, Issue, Periodical
from edu_portal.accounts.models import OrgUnit, User

BOOK_TITLE = "县域教育故事"
CHAPTERS = [
    ("第一章 清晨的校园", "清晨六点半，城南小学的操场上已经响起了读书声。"),
    ("第二章 一堂数学课", "李老师用赵爽弦图讲勾股定理，孩子们的眼睛亮了起来。"),
    ("第三章 家校之间", "一条通知、一次家访，让家长和学校站在了一起。"),
]
PERIODICALS = [
    (
        "weekly",
        "教育周刊",
        Periodical.Frequency.WEEKLY,
        "本县教育新闻、校园动态与教师随笔，每周出版。",
    ),
    (
        "research",
        "教育研究",
        Periodical.Frequency.BIMONTHLY,
        "本县教学研究成果、课例研讨与教研论文，双月出版。",
    ),
]


def write_epub(path: Path) -> None:
    """A small EPUB 3 with Chinese metadata, a navigation document and three chapters."""
    chapters = "".join(
        f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(CHAPTERS))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(CHAPTERS)))
    opf = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:identifier id="id">urn:uuid:6b1f4c52-2f0e-4c6e-9a53-demo00000001</dc:identifier>'
        f"<dc:title>{BOOK_TITLE}</dc:title><dc:creator>示范县教育局</dc:creator>"
        "<dc:publisher>示范县教育局电教馆</dc:publisher><dc:language>zh-CN</dc:language>"
        "<dc:subject>教育</dc:subject><dc:date>2026-09-01</dc:date>"
        '<meta property="dcterms:modified">2026-09-01T00:00:00Z</meta></metadata>'
        '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
        f'properties="nav"/>{chapters}</manifest><spine>{spine}</spine></package>'
    )
    links = "".join(
        f'<li><a href="c{i}.xhtml">{escape(title)}</a></li>'
        for i, (title, _text) in enumerate(CHAPTERS)
    )
    nav = (
        '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
        'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>目录</title></head><body>'
        f'<nav epub:type="toc"><ol>{links}</ol></nav></body></html>'
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", container, compress_type=zipfile.ZIP_DEFLATED)
        book.writestr("OEBPS/content.opf", opf, compress_type=zipfile.ZIP_DEFLATED)
        book.writestr("OEBPS/nav.xhtml", nav, compress_type=zipfile.ZIP_DEFLATED)
        for i, (title, text) in enumerate(CHAPTERS):
            page = (
                '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
                f"{('<p>' + escape(text) + '</p>') * 12}</body></html>"
            )
            book.writestr(f"OEBPS/c{i}.xhtml", page, compress_type=zipfile.ZIP_DEFLATED)


def seed_ebook(owner: User) -> bool:
    from catalog.models import Resource
    from ebooks.ingest import ingest_file

    if Resource.objects.filter(kind="ebook", title=BOOK_TITLE).exists():
        return False
    with tempfile.TemporaryDirectory(prefix="edu-demo-") as tmp:
        path = Path(tmp) / "县域教育故事.epub"
        write_epub(path)
        ingest_file(path, owner=owner, state="published", visibility="intranet")
    return True


def seed_periodicals(teacher: User, editor: User, unit: OrgUnit) -> int:
    """The two periodicals; the weekly gets one published issue with one article that went
    through submission, review and publication. Returns the issues created."""
    made = 0
    for order, (slug, name, frequency, description) in enumerate(PERIODICALS):
        Periodical.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "frequency": frequency,
                "description": description,
                "editor_unit": unit,
                "ordering": order,
            },
        )
    weekly = Periodical.objects.get(slug="weekly")
    today = timezone.localdate()
    if Issue.objects.filter(periodical=weekly).exists():
        return made
    article = periodicals.submit_article(
        teacher,
        weekly,
        title="用赵爽弦图上好勾股定理第一课",
        abstract="一次八年级数学公开课的教学反思。",
        body="<p>课前，我让学生剪拼四个全等的直角三角形……</p><p>课后反思：让学生自己发现。</p>",
    )
    periodicals.accept(editor, article, "选题好，反思具体，录用。")
    issue = periodicals.create_issue(
        editor,
        weekly,
        volume=today.year,
        number=1,
        date=today - datetime.timedelta(days=today.weekday()),
        title=f"{today.year}年第1期",
    )
    periodicals.assign_to_issue(editor, Article.objects.get(pk=article.pk), issue, order=1)
    periodicals.publish_issue(editor, Issue.objects.get(pk=issue.pk))
    return made + 1
