"""Demo content of the 机关处室, 办事指南 and school-site parts of the portal, for `make run`
(``seed()``, called from ``seed_catalog``). Safe to run again: a page that exists (by its
slug under its parent) is left as it is. The texts are demo data, not interface text.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from edu_portal.accounts.models import OrgUnit
from edu_portal.cms import departments, schools
from edu_portal.cms.models import (
    ArticlePage,
    ColumnKind,
    ColumnPage,
    SchoolSitePage,
    ServiceGuidePage,
)

# (slug, title, department code, fields)
GUIDES: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "teacher-certification",
        "教师资格认定",
        "demo-office",
        {
            "basis": "<p>《中华人民共和国教师法》；《教师资格条例》；"
            "《〈教师资格条例〉实施办法》。</p>",
            "conditions": "<ul><li>遵守宪法和法律，热爱教育事业，具有良好的思想品德；</li>"
            "<li>具备《教师法》规定的相应学历，或通过国家教师资格考试；</li>"
            "<li>普通话水平达到二级乙等及以上；</li><li>体检合格。</li></ul>",
            "materials": "<ol><li>身份证原件；</li><li>学历证书原件；</li>"
            "<li>中小学教师资格考试合格证明（免考人员除外）；</li>"
            "<li>普通话水平测试等级证书；</li><li>县级以上医院出具的体检表；</li>"
            "<li>近期免冠证件照一张。</li></ol>",
            "procedure": "<ol><li>登录中国教师资格网网上申报；</li><li>现场确认并提交材料；</li>"
            "<li>体检；</li><li>县教育局审核、公示；</li><li>发放教师资格证书。</li></ol>",
            "time_limit": "自受理之日起20个工作日内作出决定",
            "fees": "不收费",
            "location": "示范县政务服务中心二楼教育窗口（人民路88号）",
            "phone": "0000-1000001",
            "faq": "<p><strong>问：</strong>非师范专业毕业可以申请吗？</p>"
            "<p><strong>答：</strong>可以，须先通过中小学教师资格考试并取得合格证明。</p>",
        },
    ),
    (
        "student-transfer",
        "中小学学籍转学",
        "demo-basic-edu",
        {
            "basis": "<p>《中小学生学籍管理办法》（教基一〔2013〕7号）；"
            "本省中小学生学籍管理实施细则。</p>",
            "conditions": "<p>因户籍迁移、家庭住址变更或其他正当理由"
            "需转入、转出本县中小学校的在籍学生。</p>",
            "materials": "<ol><li>转学申请表（学校领取）；</li><li>学生户口簿或居住证明；</li>"
            "<li>监护人身份证；</li><li>转入学校同意接收的证明。</li></ol>",
            "procedure": "<ol><li>向转入学校提出申请；</li><li>转入学校在学籍系统发起转学；</li>"
            "<li>转出学校核办；</li><li>转出、转入地教育局审核；</li><li>学籍转接完成。</li></ol>",
            "time_limit": "10个工作日",
            "fees": "不收费",
            "location": "转入学校教务处；示范县教育局基础教育科（办公楼4楼405室）",
            "phone": "0000-1000012",
            "faq": "<p><strong>问：</strong>学期中可以转学吗？</p>"
            "<p><strong>答：</strong>可以，但毕业年级在毕业前一学期原则上不予办理。</p>",
        },
    ),
    (
        "private-school-approval",
        "民办学校设立审批",
        "demo-office",
        {
            "basis": "<p>《中华人民共和国民办教育促进法》及其实施条例。</p>",
            "conditions": "<ul><li>举办者具有法人资格或完全民事行为能力；</li>"
            "<li>有规范的章程、合格的校长和教师；</li>"
            "<li>有与办学规模相适应的校舍、设施和资金；</li><li>符合本县教育发展规划。</li></ul>",
            "materials": "<ol><li>申办报告；</li><li>举办者资格证明；</li>"
            "<li>学校章程和首届决策机构组成人员名单；</li>"
            "<li>资产来源、资金数额及有效证明文件；</li><li>校舍产权或租赁证明；</li>"
            "<li>拟聘校长、教师的资格证明。</li></ol>",
            "procedure": "<ol><li>提交申请；</li><li>材料审查；</li><li>实地考察、专家评审；</li>"
            "<li>局务会议研究决定；</li><li>颁发办学许可证或书面说明不予批准的理由。</li></ol>",
            "time_limit": "筹设：受理之日起30日内；正式设立：受理之日起3个月内",
            "fees": "不收费",
            "location": "示范县政务服务中心二楼教育窗口（人民路88号）",
            "phone": "0000-1000001",
            "faq": "<p><strong>问：</strong>可以设立营利性民办义务教育学校吗？</p>"
            "<p><strong>答：</strong>不可以，义务教育阶段只能设立非营利性民办学校。</p>",
        },
    ),
    (
        "compulsory-enrolment",
        "义务教育入学登记",
        "demo-basic-edu",
        {
            "basis": "<p>《中华人民共和国义务教育法》；示范县年度义务教育招生入学工作方案。</p>",
            "conditions": "<p>当年8月31日前年满6周岁、户籍或居住地在本县学区内的适龄儿童；"
            "小学毕业升入初中的学生。</p>",
            "materials": "<ol><li>儿童户口簿；</li><li>房产证或购房合同、租赁备案证明；</li>"
            "<li>随迁子女另需居住证；</li><li>预防接种证查验证明。</li></ol>",
            "procedure": "<ol><li>网上报名（每年6月）；</li><li>学校审核材料；</li>"
            "<li>公布录取结果；</li><li>8月下旬报到注册。</li></ol>",
            "time_limit": "报名截止后15个工作日内公布结果",
            "fees": "免收学费、杂费",
            "location": "学区内公办中小学；示范县教育局基础教育科（办公楼4楼405室）",
            "phone": "0000-1000012",
            "faq": "<p><strong>问：</strong>不在学区内可以就读吗？</p>"
            "<p><strong>答：</strong>学区学位有空余时按规定统筹安排，请关注招生公告。</p>",
        },
    ),
]

SCHOOLS: dict[str, dict] = {
    "demo-chengnan": {
        "intro": "<p>城南小学创办于1958年，现有教学班24个、学生一千余人，"
        "以“阅读点亮童年”为办学特色。</p>",
        "about": "<p>城南小学位于示范县城南路12号，占地二十余亩，现有教职工68人。"
        "学校坚持立德树人，开设书法、合唱、科技等二十余个社团。</p>"
        "<p>联系电话：0000-2000001</p>",
        "news": [
            ("reading-festival", "城南小学举行第十二届读书节开幕式", 2),
            ("autumn-sports", "城南小学秋季田径运动会圆满落幕", 6),
            ("teacher-training", "我校开展青年教师课堂教学比武", 11),
        ],
        "notices": [
            ("winter-schedule", "关于冬季作息时间调整的通知", 3),
            ("parent-meeting", "关于召开一年级家长会的通知", 8),
        ],
    },
    "demo-shiyan": {
        "intro": "<p>实验初级中学是县直属公办初中，以“实验求真、和而不同”为校训。</p>",
        "about": "<p>实验初级中学位于示范县文化路30号，现有教学班36个，"
        "学生一千六百余人，教职工142人。</p><p>联系电话：0000-3000001</p>",
        "news": [
            ("science-fair", "实验初级中学举办第八届科技节", 1),
            ("study-visit", "七年级开展研学实践活动", 5),
            ("exam-analysis", "学校召开期中考试质量分析会", 9),
        ],
        "notices": [
            ("safety-week", "关于开展冬季安全教育周活动的通知", 2),
            ("holiday-notice", "关于元旦放假安排的通知", 4),
        ],
    },
}


def _backdate(page: Page, day: datetime.date) -> None:
    # Demo items carry realistic dates, as if they had been published then.
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    Page.objects.filter(pk=page.pk).update(first_published_at=moment, last_published_at=moment)


def _publish(parent: Page, page: Page, day: datetime.date | None = None) -> Page:
    parent.add_child(instance=page)
    page.save_revision(clean=False).publish()
    if day is not None:
        _backdate(page, day)
    return page


def _fill_departments() -> None:
    """Demo databases made before the org tree had addresses and heads get them."""
    from edu_portal.accounts.management.commands.seed_demo import ORG_TREE

    for code, _parent, _kind, _name, extra in ORG_TREE:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            continue
        changed = [name for name, value in extra.items() if not getattr(unit, name)]
        for name in changed:
            setattr(unit, name, extra[name])
        if changed:
            unit.save(update_fields=changed)


def _guides_column() -> ColumnPage | None:
    home = departments.home_page()
    if home is None:
        return None
    services = ColumnPage.objects.child_of(home).filter(slug="services").first()
    column = (
        ColumnPage.objects.child_of(services).filter(slug="guides").first() if services else None
    )
    return column or ColumnPage.objects.filter(kind=ColumnKind.SERVICE, title="办事指南").first()


def _seed_guides() -> int:
    column = _guides_column()
    if column is None:
        return 0
    made = 0
    today = timezone.localdate()
    for n, (slug, title, unit_code, fields) in enumerate(GUIDES):
        if column.get_children().filter(slug=slug).exists():
            continue
        guide = ServiceGuidePage(
            title=title,
            slug=slug,
            department=OrgUnit.objects.filter(code=unit_code).first(),
            **fields,
        )
        _publish(column, guide, today - datetime.timedelta(days=20 + 7 * n))
        made += 1
    return made


def _seed_school(site: SchoolSitePage, data: dict) -> int:
    made = 0
    today = timezone.localdate()
    if not site.intro:
        site.intro = data["intro"]
        site.save_revision(clean=False).publish()
    about = site.get_children().filter(slug="about").first()
    if about is not None and not about.live:
        about = about.specific
        about.body = data["about"]
        about.save_revision(clean=False).publish()
    for column_slug, key, category in (("news", "news", "news"), ("notices", "notices", "other")):
        column = site.get_children().filter(slug=column_slug).first()
        if column is None:
            continue
        for slug, title, days_ago in data[key]:
            if column.get_children().filter(slug=slug).exists():
                continue
            day = today - datetime.timedelta(days=days_ago)
            article = ArticlePage(
                title=title,
                slug=slug,
                summary=title,
                body=f"<p>{title}。</p><p>（{site.title}供稿）</p>",
                category=category,
                issuer=site.school,
                published_on=day,
            )
            _publish(column, article, day)
            made += 1
    return made


@transaction.atomic
def seed() -> dict[str, int]:
    """Department pages complete, four service guides, the demo schools' sites with news,
    notices and an introduction. Returns what was created."""
    _fill_departments()
    created = {
        "departments": len(departments.sync_all().created),
        "school_sites": len(schools.sync_all().created),
        "guides": _seed_guides(),
        "school_items": 0,
    }
    for code, data in SCHOOLS.items():
        site = SchoolSitePage.objects.filter(school__code=code).first()
        if site is not None:
            created["school_items"] += _seed_school(site, data)
    return created
