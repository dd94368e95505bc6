"""Demo content of the public portal for ``make run`` (called by ``seed_catalog``): every
column of ``cms.structure`` gets realistic items, the news dated within the last two weeks
so that the home page passes the inspection's freshness rule.

Items are published through Wagtail's revision API, as an editor's would be, with their
real-looking past dates kept (``first_published_at``, ``published_on``, and the last
publication's time). Safe to run again: an item whose slug exists in its column is left
as it is, and a page's text is filled only while it is empty.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Collection, Page, Site

from edu_portal.accounts.models import OrgUnit
from edu_portal.cms.models import (
    ArticleAttachment,
    ArticlePage,
    Category,
    ColumnPage,
    StandardPage,
    Validity,
)
from edu_portal.cms.structure import ensure_structure

OFFICE, BASIC_EDU, AV_CENTER = "demo-office", "demo-basic-edu", "demo-av-center"


@dataclass(frozen=True)
class Item:
    slug: str
    title: str
    days_ago: int
    body: str
    issuer: str = OFFICE
    category: str = ""
    doc_number: str = ""
    keywords: str = ""
    summary: str = ""
    attachment: str = ""


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


NEWS = [
    Item(
        "winter-safety",
        "全县中小学开展冬季校园安全大检查",
        1,
        _p(
            "为切实做好冬季校园安全工作，县教育局近日组织检查组，对全县中小学、幼儿园开展"
            "冬季校园安全大检查。",
            "检查组重点查看了消防设施、食堂食品安全、取暖设备和校车管理等情况，"
            "对发现的问题现场反馈、限期整改。",
        ),
        BASIC_EDU,
        keywords="校园安全 冬季",
    ),
    Item(
        "teaching-contest",
        "2026年全县中小学青年教师教学能力大赛落幕",
        2,
        _p(
            "12月3日，2026年全县中小学青年教师教学能力大赛在实验初级中学落下帷幕。",
            "来自全县32所学校的86名青年教师参加比赛，评出一等奖12名、二等奖24名。",
        ),
        BASIC_EDU,
    ),
    Item(
        "smart-classroom",
        "县电教馆完成第二批智慧教室建设验收",
        4,
        _p(
            "县电教馆近日对第二批18间智慧教室进行了验收，全部达到建设标准。",
            "智慧教室已接入教育资源平台，教师可直接调用平台课件开展教学。",
        ),
        AV_CENTER,
        keywords="教育信息化 智慧教室",
    ),
    Item(
        "reading-month",
        "城南小学举办“书香校园”读书月活动",
        6,
        _p("城南小学以“读好书、好读书”为主题，开展为期一个月的读书活动，全校师生共同参与。"),
        BASIC_EDU,
    ),
    Item(
        "teacher-training",
        "全县新任教师岗前培训班开班",
        9,
        _p("为帮助新任教师尽快适应岗位，县教育局举办新任教师岗前培训班，共培训教师65名。"),
        OFFICE,
    ),
    Item(
        "sports-meeting",
        "全县中小学生冬季长跑比赛圆满结束",
        12,
        _p("本次比赛共有来自各校的400余名学生参加，展现了我县中小学生积极向上的精神风貌。"),
        BASIC_EDU,
    ),
]

NOTICES = [
    Item(
        "winter-holiday-2027",
        "关于2027年寒假放假时间的通知",
        3,
        _p(
            "各中小学校：",
            "根据市教育局校历安排，我县中小学2027年寒假自1月23日开始，2月22日开学。"
            "请各校做好假期安全教育和值班安排。",
        ),
        OFFICE,
        Category.OTHER,
    ),
    Item(
        "qualification-interview",
        "关于做好2026年下半年中小学教师资格面试报名工作的通知",
        10,
        _p("2026年下半年中小学教师资格考试面试报名将于12月中旬进行，请考生及时关注报名网站。"),
        OFFICE,
        Category.SERVICES,
    ),
    Item(
        "platform-maintenance",
        "关于教育资源平台系统维护的公告",
        25,
        _p("为提升服务质量，教育资源平台将于周六22:00至次日2:00进行系统维护，期间暂停访问。"),
        AV_CENTER,
        Category.OTHER,
    ),
    Item(
        "heating-safety",
        "关于加强冬季取暖安全管理的通知",
        60,
        _p("各学校要落实取暖设施安全责任，严禁在教室、宿舍使用明火取暖。"),
        OFFICE,
        Category.OTHER,
    ),
]

# 政务公开 sub-columns by slug: (items), every one with the catalogue fields.
DISCLOSURE = {
    "personnel": [
        Item(
            "appointment-2026-11",
            "示范县教育局关于王明等同志任职的通知",
            20,
            _p("经局党组研究决定：任命王明同志为基础教育科科长；任命李红同志为电教馆副馆长。"),
            OFFICE,
            Category.PERSONNEL,
            "示教人〔2026〕8号",
            "人事 任免",
        ),
    ],
    "documents": [
        Item(
            "enrolment-rules-2026",
            "示范县义务教育阶段学校招生入学工作实施办法",
            95,
            _p(
                "第一条 为规范义务教育阶段学校招生入学工作，依据《中华人民共和国义务教育法》，"
                "结合本县实际，制定本办法。",
                "第二条 义务教育阶段公办学校实行划片招生、免试就近入学。",
            ),
            BASIC_EDU,
            Category.POLICY,
            "示教发〔2026〕12号",
            "招生 义务教育 入学",
            "规范全县义务教育阶段学校招生入学工作。",
        ),
        Item(
            "homework-rules",
            "示范县教育局关于进一步加强中小学作业管理的通知",
            140,
            _p("各中小学校要严格控制书面作业总量，小学一二年级不布置书面家庭作业。"),
            BASIC_EDU,
            Category.POLICY,
            "示教发〔2026〕7号",
            "作业管理 减负",
        ),
    ],
    "projects": [
        Item(
            "new-school-project",
            "城东新区九年一贯制学校建设项目进展情况",
            30,
            _p("城东新区九年一贯制学校总投资1.2亿元，主体工程已封顶，计划2027年秋季投入使用。"),
            OFFICE,
            Category.PROJECTS,
            keywords="重大项目 学校建设",
        ),
    ],
    "downloads": [
        Item(
            "application-form",
            "政府信息公开申请表（下载）",
            40,
            _p("申请人可下载本表填写后，到县教育局办公室提交或邮寄。"),
            OFFICE,
            Category.SERVICES,
            keywords="申请表",
            attachment="政府信息公开申请表.pdf",
        ),
    ],
    "plans": [
        Item(
            "work-plan-2026",
            "示范县教育局2026年工作要点",
            300,
            _p("2026年，全县教育系统将围绕立德树人根本任务，重点做好以下工作……"),
            OFFICE,
            Category.PLANNING,
            "示教发〔2026〕1号",
            "工作要点 计划",
        ),
        Item(
            "half-year-summary",
            "示范县教育局2026年上半年工作总结",
            150,
            _p("上半年，全县教育系统各项工作稳步推进，义务教育优质均衡发展取得新进展。"),
            OFFICE,
            Category.PLANNING,
            keywords="工作总结",
        ),
    ],
    "statistics": [
        Item(
            "statistics-2025",
            "2025年示范县教育事业发展统计公报",
            200,
            _p("2025年全县共有各级各类学校86所，在校学生4.3万人，专任教师3120人。"),
            OFFICE,
            Category.STATISTICS,
            keywords="教育统计 公报",
        ),
    ],
    "on-request": [
        Item(
            "how-to-apply",
            "依申请公开办理说明",
            120,
            _p(
                "公民、法人或者其他组织可以向县教育局申请获取相关政府信息。",
                "申请应当包括申请人的姓名或者名称、身份证明、联系方式，申请公开的政府信息的"
                "名称、文号或者便于查询的其他特征性描述，以及获取信息的方式、途径。",
            ),
            OFFICE,
            Category.SERVICES,
        ),
    ],
    "planning": [
        Item(
            "plan-15th",
            "示范县“十五五”教育事业发展规划",
            180,
            _p("规划提出，到2030年，全县基本实现教育现代化，学前教育普及普惠、义务教育优质均衡。"),
            OFFICE,
            Category.PLANNING,
            "示教发〔2026〕10号",
            "发展规划 十五五",
        ),
    ],
}

# 年度报告 sits under 信息公开.
ANNUAL_REPORTS = [
    Item(
        "report-2025",
        "示范县教育局2025年政府信息公开工作年度报告",
        310,
        _p(
            "一、总体情况",
            "2025年，县教育局认真贯彻《中华人民共和国政府信息公开条例》，"
            "主动公开政府信息326条，受理依申请公开12件，均按期答复。",
        ),
        OFFICE,
        Category.ORGANISATION,
        keywords="年度报告 政府信息公开",
    ),
]

# The other columns of the home page, by slug.
OTHER_COLUMNS = {
    "admissions": [
        Item(
            "junior-enrolment",
            "2026年初中招生工作安排",
            70,
            _p("2026年初中招生实行电脑派位与划片入学相结合的方式。"),
            BASIC_EDU,
            Category.ADMISSIONS,
        ),
        Item(
            "exam-reminder",
            "2027年中考报名工作提示",
            8,
            _p("2027年中考网上报名将于明年3月进行，请考生和家长提前了解报名要求。"),
            BASIC_EDU,
            Category.ADMISSIONS,
        ),
    ],
    "community": [
        Item(
            "parent-school",
            "家长学校开展家庭教育公益讲座",
            5,
            _p("讲座围绕“陪伴与沟通”主题，为200余名家长解答了家庭教育中的常见问题。"),
            BASIC_EDU,
        ),
    ],
    "students": [
        Item(
            "science-festival",
            "我县学生在市青少年科技创新大赛中获佳绩",
            7,
            _p("在市第十届青少年科技创新大赛中，我县学生共获一等奖3项、二等奖6项。"),
            AV_CENTER,
        ),
    ],
    "policy": [
        Item(
            "double-reduction",
            "关于进一步减轻义务教育阶段学生作业负担和校外培训负担的实施意见",
            160,
            _p("为深入落实“双减”工作要求，现提出如下实施意见……"),
            BASIC_EDU,
            Category.POLICY,
            "示教发〔2026〕9号",
            "双减 作业 校外培训",
        ),
    ],
}

# The amended enrolment rules: the 2023 version is repealed and points at the 2026 one.
REPEALED = Item(
    "enrolment-rules-2023",
    "示范县义务教育阶段学校招生入学工作实施办法（2023年）",
    900,
    _p("（本文件已废止，现行规定见2026年修订的实施办法。）"),
    BASIC_EDU,
    Category.POLICY,
    "示教发〔2023〕15号",
    "招生 义务教育 入学",
)

PAGE_TEXTS = {
    "guide": _p(
        "一、主动公开：县教育局主动公开的政府信息按信息分类编排，可通过本网站“政务公开”"
        "栏目及“公开目录”查阅。",
        "二、依申请公开：公民、法人或者其他组织可通过网站在线申请、信函或当面提交申请。",
        "三、受理机构：示范县教育局办公室。办公地址：示范县人民路88号教育局大楼二楼；"
        "办公时间：工作日上午8:30—12:00，下午14:30—17:30；联系电话：0000-1000001；"
        "传真：0000-1000009；电子邮箱：gongkai@edu.example.cn。",
    ),
    "teacher-qualification": _p(
        "教师资格认定每年春、秋两季受理。申请人须具备规定学历、通过教师资格考试并取得"
        "普通话水平测试等级证书。",
        "受理地点：县政务服务中心教育窗口；咨询电话：0000-1000002。",
    ),
    "professional-titles": _p(
        "中小学教师职称评审每年开展一次，申报人按岗位设置和评审条件在学校推荐后申报。",
        "评审结果在本网站公示，公示期为5个工作日。",
    ),
    "salary-policy": _p(
        "义务教育教师平均工资收入水平不低于当地公务员平均工资收入水平。",
        "教师绩效工资、乡村教师生活补助按县人民政府有关规定执行。",
    ),
}

# A one-page PDF, written out rather than generated, so the demo needs no PDF library.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 52>>stream\nBT /F1 18 Tf 72 760 Td (Application form) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class _Seeder:
    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.units = {unit.code: unit for unit in OrgUnit.objects.filter(code__startswith="demo-")}
        self.created: list[ArticlePage] = []

    def when(self, days_ago: int) -> datetime.datetime:
        day = self.today - datetime.timedelta(days=days_ago)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))

    def article(self, column: Page, item: Item, **extra) -> ArticlePage:
        existing = ArticlePage.objects.child_of(column).filter(slug=item.slug).first()
        if existing is not None:
            return existing
        published = self.when(item.days_ago)
        page = ArticlePage(
            title=item.title,
            slug=item.slug,
            summary=item.summary,
            body=item.body,
            category=item.category or getattr(column.specific, "default_category", ""),
            issuer=self.units.get(item.issuer),
            written_on=published.date() - datetime.timedelta(days=3) if item.doc_number else None,
            published_on=published.date(),
            doc_number=item.doc_number,
            keywords=item.keywords,
            first_published_at=published,
            live=False,
            **extra,
        )
        column.add_child(instance=page)
        if item.attachment:
            self.attach(page, item.attachment)
        page.save_revision().publish()
        # Publishing stamps "now"; the demo's item was last changed on its own day.
        ArticlePage.objects.filter(pk=page.pk).update(last_published_at=published)
        self.created.append(page)
        return page

    def attach(self, page: ArticlePage, filename: str) -> None:
        document_model = get_document_model()
        title = filename.rsplit(".", 1)[0]
        document = document_model.objects.filter(title=title).first()
        if document is None:
            if Collection.get_first_root_node() is None:
                # A flushed database (live-server tests) lost the root Wagtail's migration made.
                Collection.add_root(name="Root")
            document = document_model(title=title)
            document.file.save(filename, ContentFile(_PDF), save=False)
            document.save()
        page.attachments.add(ArticleAttachment(document=document, title=title))

    def column(self, home: Page, slug_path: str) -> Page | None:
        page = home
        for slug in slug_path.split("/"):
            page = page.get_children().filter(slug=slug).first()
            if page is None:
                return None
        return page

    def fill_text(self, page: Page) -> None:
        text = PAGE_TEXTS.get(page.slug)
        specific = page.specific
        if text and isinstance(specific, StandardPage) and not specific.body:
            specific.body = text
            specific.save_revision().publish()


def _home() -> Page | None:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page if site else None


def seed() -> list[ArticlePage]:
    """Fill the portal's columns; returns the articles created by this run."""
    ensure_structure()
    home = _home()
    if home is None:
        return []
    seeder = _Seeder()
    with transaction.atomic():
        for slug_path, items in [
            ("news", NEWS),
            ("announcements", NOTICES),
            *((f"disclosure/{slug}", items) for slug, items in DISCLOSURE.items()),
            ("disclosure/information/annual-reports", ANNUAL_REPORTS),
            *OTHER_COLUMNS.items(),
        ]:
            column = seeder.column(home, slug_path)
            if column is None or not isinstance(column.specific, ColumnPage):
                continue
            for item in items:
                seeder.article(column, item)
        documents = seeder.column(home, "disclosure/documents")
        if documents is not None:
            current = ArticlePage.objects.child_of(documents).get(slug="enrolment-rules-2026")
            seeder.article(documents, REPEALED, validity=Validity.REPEALED, superseded_by=current)
        for page in home.get_descendants().type(StandardPage):
            seeder.fill_text(page)
    return seeder.created
