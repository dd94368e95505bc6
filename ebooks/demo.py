"""Demo e-books and periodicals for `make run`: five EPUBs with Chinese metadata and drawn
covers in the library (readable, in OPDS; four filed under a grade and subject), and the
bureau's two periodicals with a published issue whose article went through submission and
review like a teacher's would."""

from __future__ import annotations

import datetime
import io
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone

from ebooks.periodicals import actions as periodicals
from ebooks.periodicals.models import Article, Issue, Periodical
from edu_portal.accounts.models import OrgUnit, User

BOOK_TITLE = "县域教育故事"
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


@dataclass(frozen=True)
class DemoBook:
    title: str
    authors: tuple[str, ...]
    publisher: str
    description: str
    chapters: tuple[tuple[str, str], ...]
    #: Grade (1–12) and subject code the library files it under; None for neither.
    grade: int | None
    subject: str | None
    #: Cover colours: background and band (the cover is drawn, no font needed).
    colours: tuple[tuple[int, int, int], tuple[int, int, int]]
    issued: str = "2026-09-01"


BOOKS = (
    DemoBook(
        BOOK_TITLE,
        ("示范县教育局",),
        "示范县教育局电教馆",
        "本县城乡学校的教学与生活故事：清晨的校园、一堂数学课、家校之间。",
        (
            ("第一章 清晨的校园", "清晨六点半，城南小学的操场上已经响起了读书声。"),
            ("第二章 一堂数学课", "李老师用赵爽弦图讲勾股定理，孩子们的眼睛亮了起来。"),
            ("第三章 家校之间", "一条通知、一次家访，让家长和学校站在了一起。"),
        ),
        None,
        None,
        ((26, 95, 180), (232, 240, 251)),
    ),
    DemoBook(
        "小学生古诗词八十首",
        ("县小学语文教研组",),
        "示范县教育局电教馆",
        "按季节编排的八十首古诗词，配有注释和朗读提示，供三年级学生课外诵读。",
        (
            ("春", "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"),
            ("夏", "小荷才露尖尖角，早有蜻蜓立上头。"),
            ("秋", "停车坐爱枫林晚，霜叶红于二月花。"),
            ("冬", "千山鸟飞绝，万径人踪灭。"),
        ),
        3,
        "chinese",
        ((192, 57, 43), (250, 240, 200)),
    ),
    DemoBook(
        "趣味数学故事",
        ("王明", "陈静"),
        "示范县教育局电教馆",
        "十个小故事讲乘法、分数和图形，每个故事后面有一道思考题。",
        (
            ("第一章 分苹果", "妈妈买了十二个苹果，要平均分给三个孩子，每人几个？"),
            ("第二章 七巧板", "七块板能拼出多少种图形？小红拼出了一只猫。"),
        ),
        4,
        "math",
        ((39, 174, 96), (236, 250, 240)),
    ),
    DemoBook(
        "英语绘本：我的一天",
        ("县小学英语教研组",),
        "示范县教育局电教馆",
        "用简单的英语句子讲述一个孩子的一天，适合二年级学生亲子共读。",
        (
            ("Morning", "I get up at seven. I brush my teeth."),
            ("School", "I go to school with my friends."),
        ),
        2,
        "english",
        ((243, 156, 18), (255, 248, 225)),
    ),
    DemoBook(
        "初中物理家庭小实验",
        ("县初中物理教研组",),
        "示范县教育局电教馆",
        "二十个用家中常见物品就能完成的物理小实验，附安全提示和记录表。",
        (
            ("第一章 会跳舞的纸片", "用梳子摩擦头发后靠近小纸片，纸片会跳起来。"),
            ("第二章 水中的硬币", "往碗里慢慢加水，原来看不见的硬币出现了。"),
        ),
        8,
        "physics",
        ((142, 68, 173), (244, 236, 250)),
    ),
)


def cover_jpeg(book: DemoBook) -> bytes:
    """A plain drawn cover (background, a band for the title area, a spine shade)."""
    from PIL import Image, ImageDraw

    background, band = book.colours
    image = Image.new("RGB", (600, 800), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 120, 540, 330), fill=band)
    draw.rectangle((0, 0, 24, 800), fill=tuple(max(0, c - 40) for c in background))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def write_epub(path: Path, book: DemoBook = BOOKS[0]) -> None:
    """A small EPUB 3 with Chinese metadata, a cover, a navigation document and chapters."""
    chapters = "".join(
        f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(book.chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(book.chapters)))
    creators = "".join(f"<dc:creator>{escape(name)}</dc:creator>" for name in book.authors)
    opf = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, book.title)}'
        f"</dc:identifier><dc:title>{escape(book.title)}</dc:title>{creators}"
        f"<dc:publisher>{escape(book.publisher)}</dc:publisher><dc:language>zh-CN</dc:language>"
        f"<dc:subject>教育</dc:subject><dc:date>{book.issued}</dc:date>"
        f"<dc:description>{escape(book.description)}</dc:description>"
        '<meta property="dcterms:modified">2026-09-01T00:00:00Z</meta></metadata>'
        '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
        'properties="nav"/><item id="cover" href="cover.jpg" media-type="image/jpeg" '
        f'properties="cover-image"/>{chapters}</manifest><spine>{spine}</spine></package>'
    )
    links = "".join(
        f'<li><a href="c{i}.xhtml">{escape(title)}</a></li>'
        for i, (title, _text) in enumerate(book.chapters)
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
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", container, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("OEBPS/content.opf", opf, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("OEBPS/nav.xhtml", nav, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("OEBPS/cover.jpg", cover_jpeg(book), compress_type=zipfile.ZIP_STORED)
        for i, (title, text) in enumerate(book.chapters):
            page = (
                '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
                f"{('<p>' + escape(text) + '</p>') * 12}</body></html>"
            )
            archive.writestr(f"OEBPS/c{i}.xhtml", page, compress_type=zipfile.ZIP_DEFLATED)


def seed_ebook(owner: User) -> bool:
    """The demo shelf: the county's own book and four filed under a grade and subject, so
    that the library can be browsed. Books already there are left alone; True if any was
    added."""
    from catalog.models import Resource, Subject
    from ebooks.ingest import ingest_file

    added = False
    with tempfile.TemporaryDirectory(prefix="edu-demo-") as tmp:
        for n, book in enumerate(BOOKS):
            if Resource.objects.filter(kind="ebook", title=book.title).exists():
                continue
            path = Path(tmp) / f"book{n}.epub"
            write_epub(path, book)
            taxonomy: dict = {}
            if book.grade is not None:
                taxonomy["grade"] = book.grade
            if book.subject is not None:
                taxonomy["subject"] = Subject.objects.get(code=book.subject)
            ingest_file(
                path, owner=owner, state="published", visibility="intranet", taxonomy=taxonomy
            )
            added = True
    return added


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
