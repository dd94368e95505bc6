"""Demo catalog content for `make run`: a textbook tree and a few published resources
with real files, so a newcomer sees browsing, search, previews and the player at once.

Files are generated here (a small Word document, plain text, and, when ffmpeg is present,
a short lesson video), then go through the same actions and background work as teachers'
uploads: previews by LibreOffice, videos through the media pipeline, search indexing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone

from catalog import actions, blobs
from catalog.models import Collection, Edition, Resource, Subject, TextbookNode
from edu_portal.workflow import transitions
from edu_portal.workflow.models import State

# (edition, subject, grade, book name, [(unit, [lessons])])
BOOKS = [
    (
        "pep",
        "math",
        8,
        "数学 八年级下册",
        [
            ("第十七章 勾股定理", ["17.1 勾股定理", "17.2 勾股定理的逆定理"]),
            ("第十八章 平行四边形", ["18.1 平行四边形", "18.2 特殊的平行四边形"]),
        ],
    ),
    (
        "pep",
        "chinese",
        7,
        "语文 七年级上册",
        [("第一单元 四季美景", ["春", "济南的冬天", "雨的四季"])],
    ),
    (
        "pep",
        "math",
        1,
        "数学 一年级上册",
        [("第一单元 准备课", ["数一数", "比多少"])],
    ),
]


@dataclass
class DemoResource:
    title: str
    kind: str
    filename: str
    lesson: str | None
    collection: str
    body: list[str] = field(default_factory=list)
    tags: tuple[str, ...] = ()
    visibility: str = "intranet"


RESOURCES = [
    DemoResource(
        "勾股定理 教学设计",
        "lesson_plan",
        "勾股定理教学设计.docx",
        "17.1 勾股定理",
        "local",
        [
            "教学目标：经历勾股定理的探索过程，会用勾股定理解决简单问题。",
            "教学重点：勾股定理的内容及其证明。",
            "教学过程：一、情境导入；二、探究新知（赵爽弦图）；三、例题讲解；四、课堂小结。",
        ],
        ("勾股定理", "教学设计"),
    ),
    DemoResource(
        "勾股定理的逆定理 练习",
        "exercise",
        "勾股定理的逆定理练习.docx",
        "17.2 勾股定理的逆定理",
        "local",
        [
            "1. 判断以 3、4、5 为边长的三角形是不是直角三角形。",
            "2. 已知三角形三边长为 5、12、13，求最长边上的高。",
        ],
        ("勾股定理", "练习"),
    ),
    DemoResource(
        "平行四边形的性质 导学案",
        "document",
        "平行四边形导学案.txt",
        "18.1 平行四边形",
        "masters",
        [
            "学习目标：掌握平行四边形对边相等、对角相等、对角线互相平分的性质。",
            "自主学习：阅读教材第 41 页，完成填空。",
        ],
        ("平行四边形",),
    ),
    DemoResource(
        "《春》朗读与赏析",
        "lesson_plan",
        "春-朗读与赏析.docx",
        "春",
        "provincial",
        [
            "朱自清《春》以诗一般的语言描绘了春天的景象。",
            "朗读指导：读出盼春、绘春、赞春的情感变化。",
        ],
        ("朱自清", "散文", "朗读"),
        "public",
    ),
    DemoResource(
        "数一数 课堂练习",
        "exercise",
        "数一数.txt",
        "数一数",
        "ncet",
        ["数一数图中有几只小鸟、几朵花。", "比一比，哪一组多？"],
        ("一年级", "数数"),
    ),
]
# Waiting for review, so that every reviewer role has something to decide on after
# `make run`: a teacher's upload (→ the school's administrator and reviewer, and the
# office), one in a bureau-wide collection (→ the office only) and a department editor's
# (→ the office only).
SCHOOL_UPLOAD = DemoResource(
    "比多少 教学设计",
    "lesson_plan",
    "比多少教学设计.docx",
    "比多少",
    "local",
    [
        "教学目标：会用一一对应的方法比较两组物体的多少。",
        "教学过程：一、摆一摆；二、比一比；三、说一说“同样多”“多”“少”。",
    ],
    ("一年级", "比较"),
)
COLLECTION_UPLOAD = DemoResource(
    "《济南的冬天》朗读指导",
    "lesson_plan",
    "济南的冬天-朗读指导.docx",
    "济南的冬天",
    "provincial",
    [
        "老舍《济南的冬天》语言亲切，朗读时要读出作者对济南冬天的喜爱。",
        "朗读指导：重音、停连与语气；配乐朗读示范。",
    ],
    ("老舍", "朗读"),
)
DEPARTMENT_UPLOAD = DemoResource(
    "勾股定理 单元作业设计",
    "exercise",
    "勾股定理单元作业设计.docx",
    "17.2 勾股定理的逆定理",
    "local",
    [
        "基础题：已知两直角边求斜边。",
        "拓展题：用勾股定理的逆定理判断直角三角形。",
    ],
    ("勾股定理", "作业设计"),
)
BUREAU_WIDE = "provincial"  # the demo's bureau-wide collection, reviewed by the office

VIDEO = DemoResource(
    "勾股定理 微课",
    "video",
    "勾股定理微课.mp4",
    "17.1 勾股定理",
    "masters",
    ["五分钟讲清勾股定理的证明思路。"],
    ("勾股定理", "微课"),
)


def write_docx(path: Path, title: str, paragraphs: list[str]) -> None:
    """A minimal Word document (what LibreOffice and our text extraction need)."""
    body = "".join(
        f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>" for text in [title, *paragraphs]
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", document)


def write_video(path: Path) -> bool:
    """A 6-second test lesson (colour bars and a tone); False without ffmpeg."""
    if shutil.which("ffmpeg") is None:
        return False
    subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [
            *("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25:d=6"),
            *("-f", "lavfi", "-i", "sine=f=330:r=44100:d=6"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-shortest", str(path)),
        ],
        check=True,
        timeout=120,
    )
    return True


def build_books() -> dict[str, TextbookNode]:
    """The demo textbook tree; returns lessons by name. Existing books are kept."""
    lessons: dict[str, TextbookNode] = {}
    for edition_code, subject_code, grade, book_name, units in BOOKS:
        edition = Edition.objects.get(code=edition_code)
        subject = Subject.objects.get(code=subject_code)
        common = {"edition": edition, "subject": subject, "grade": grade}
        book = TextbookNode.objects.filter(kind="book", name=book_name, **common).first()
        if book is None:
            book = TextbookNode.add_root(kind="book", name=book_name, **common)
        for order, (unit_name, lesson_names) in enumerate(units):
            unit = book.get_children().filter(name=unit_name).first()
            if unit is None:
                unit = book.add_child(kind="unit", name=unit_name, order=order, **common)
            for position, lesson_name in enumerate(lesson_names):
                lesson = unit.get_children().filter(name=lesson_name).first()
                if lesson is None:
                    lesson = unit.add_child(
                        kind="lesson", name=lesson_name, order=position, **common
                    )
                lessons[lesson_name] = lesson
    return lessons


def _write(path: Path, demo: DemoResource) -> str | None:
    """The demo file at ``path``; its content type, or None when it cannot be made."""
    if demo.kind == "video":
        return "video/mp4" if write_video(path) else None
    if path.suffix == ".docx":
        write_docx(path, demo.title, demo.body)
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    path.write_text("\n".join([demo.title, *demo.body]) + "\n", encoding="utf-8")
    return "text/plain"


def _create(
    demo: DemoResource, owner, lessons: dict[str, TextbookNode], tmp: str, state: str
) -> Resource | None:
    path = Path(tmp) / demo.filename
    content_type = _write(path, demo)
    if content_type is None:
        return None
    lesson = lessons.get(demo.lesson or "")
    fields = actions.clean_taxonomy({"textbook_node": lesson} if lesson else {})
    if state == State.PUBLISHED:
        fields["submitted_at"] = timezone.now()
    blob = blobs.blob_from_file(path, content_type=content_type)
    return actions.create_from_blob(
        blob,
        owner=owner,
        title=demo.title,
        kind=demo.kind,
        filename=demo.filename,
        description="\n".join(demo.body),
        visibility=demo.visibility,
        state=state,
        tags=demo.tags,
        collection=Collection.objects.get(slug=demo.collection),
        **fields,
    )


def seed(owner, *, with_video: bool = True) -> list[Resource]:
    """Create what is missing (by title); returns the resources created now."""
    lessons = build_books()
    created: list[Resource] = []
    wanted = [*RESOURCES, *([VIDEO] if with_video else [])]
    with tempfile.TemporaryDirectory(prefix="edu-demo-") as tmp:
        for demo in wanted:
            if Resource.objects.filter(title=demo.title, uploader=owner).exists():
                continue
            resource = _create(demo, owner, lessons, tmp, State.PUBLISHED)
            if resource is not None:
                created.append(resource)
    return created


def seed_review(teacher, editor=None, office=None) -> list[Resource]:
    """Uploads waiting for review, submitted by their uploaders through the workflow: the
    teacher's (always), one in the bureau-wide collection (when the office unit is given,
    which then reviews that collection unless someone chose another unit) and the
    department editor's (when given). Returns those created now."""
    if office is not None:
        Collection.objects.filter(slug=BUREAU_WIDE, review_unit__isnull=True).update(
            review_unit=office
        )
    wanted = [(SCHOOL_UPLOAD, teacher)]
    if office is not None:
        wanted.append((COLLECTION_UPLOAD, teacher))
    if editor is not None:
        wanted.append((DEPARTMENT_UPLOAD, editor))
    lessons = build_books()
    created: list[Resource] = []
    with tempfile.TemporaryDirectory(prefix="edu-demo-") as tmp:
        for demo, owner in wanted:
            if Resource.objects.filter(title=demo.title, uploader=owner).exists():
                continue
            resource = _create(demo, owner, lessons, tmp, State.DRAFT)
            if resource is not None:
                transitions.submit(owner, resource)
                created.append(resource)
    return created
