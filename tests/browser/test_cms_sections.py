"""The portal's structured pages on a 390 px phone, as an anonymous visitor: a department
page (机关处室, facts from the org tree), a service guide (办事指南, its elements) and a
school's site home; nothing wider than the screen, no Content-Security-Policy violation.
Skipped where Chromium or Playwright is missing."""

from __future__ import annotations

import pytest

from edu_portal.accounts import actions
from edu_portal.accounts.models import OrgUnit
from tests.browser.conftest import PHONE, assert_fits
from tests.browser.csp import violations, watch_violations
from tests.cms.sections.conftest import tree  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "负责全县中小学教职工人事管理、职称评审、岗位设置和教师资格认定的组织实施工作" * 2


@pytest.fixture
def sections(tree, bureau):  # noqa: F811
    from edu_portal.cms.models import ServiceGuidePage

    actions.create_org_unit(
        actions.SYSTEM,
        bureau,
        OrgUnit.Kind.DEPARTMENT,
        "人事与教师工作科",
        "renshi",
        phone="0000-1000088",
        duties=LONG,
        address="示范县人民路88号教育局办公楼四楼402室",
        head="林涛",
    )
    actions.create_org_unit(actions.SYSTEM, bureau, OrgUnit.Kind.SCHOOL, "城北实验小学", "chengbei")
    guide = ServiceGuidePage(
        title="中小学教师资格认定（含幼儿园、中等职业学校实习指导教师资格）",
        slug="certification",
        basis="<p>《中华人民共和国教师法》《教师资格条例》《〈教师资格条例〉实施办法》</p>",
        conditions="<p>具备相应学历，普通话水平达到二级乙等以上，体检合格。</p>",
        materials="<p>身份证、学历证书、普通话水平测试等级证书、体检表、个人承诺书。</p>",
        procedure="<p>网上申报 → 现场确认 → 审核 → 公示 → 颁发证书。</p>",
        time_limit="20个工作日",
        fees="不收费",
        location="示范县政务服务中心二楼教育窗口（https://zwfw.example.gov.cn/education/teacher）",
        phone="0000-1000001",
        faq="<p>问：可以委托他人代办吗？答：不可以，须本人现场确认。</p>",
        live=False,
    )
    tree["guides"].add_child(instance=guide)
    guide.save_revision().publish()
    return {
        "/departments/renshi/": ("人事与教师工作科", "0000-1000088", "林涛"),
        "/services/guides/certification/": ("教师资格认定", "20个工作日", "不收费"),
        "/schools/chengbei/": ("城北实验小学", "学校新闻", "通知公告"),
    }


def test_department_guide_and_school_site_fit_a_phone(browser, live_server, sections):
    expect = pytest.importorskip("playwright.sync_api").expect
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    context.set_default_timeout(20_000)
    page = context.new_page()
    reports = watch_violations(page)
    try:
        for path, facts in sections.items():
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            for fact in facts:
                expect(page.locator("main")).to_contain_text(fact)
            assert_fits(page)
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=f"/tmp/cms-section-{name}.png", full_page=True)
        assert violations(page, reports) == []
    finally:
        context.close()
