"""The school administrator's main task in a browser at 390 px: import a class roster (two
guardians for one child, one guardian with children in two classes), reset a pupil's
password, and the pupil signs in with it; a guardian signs in and sees their children.
Every page visited is checked for horizontal overflow."""

from __future__ import annotations

import re

import pytest

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import GuardianLink, OrgUnit, User
from edu_portal.accounts.roles import Role
from tests.browser.conftest import PHONE, assert_fits
from tests.people import make_user
from tests.schools.rosters import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

Kind = OrgUnit.Kind


@pytest.fixture
def school_admin(db):
    bureau = actions.create_org_unit(SYSTEM, None, Kind.BUREAU, "示范县教育局", "bureau")
    school = actions.create_org_unit(SYSTEM, bureau, Kind.SCHOOL, "城南小学", "cn")
    grade = actions.create_org_unit(SYSTEM, school, Kind.GRADE, "一年级", "cn-g1")
    actions.create_org_unit(SYSTEM, grade, Kind.CLASS, "1班", "cn-g1c1")
    actions.create_org_unit(SYSTEM, grade, Kind.CLASS, "2班", "cn-g1c2")
    return make_user("admin_a", Role.SCHOOL_ADMIN, school, display_name="王校长")


def sheet(page) -> dict[str, str]:
    rows = page.locator("table.data-table tbody tr")
    found = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        found[cells.nth(2).inner_text().strip()] = cells.nth(3).inner_text().strip()
    return found


def sign_in(browser, live_server, username, password):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    return context, page


def test_school_admin_imports_resets_and_guardian_sees_children(
    browser, live_server, open_page, school_admin, tmp_path
):
    roster = tmp_path / "花名册.csv"
    roster.write_bytes(csv_bytes(encoding="gbk"))
    page = open_page(school_admin, locale="zh-CN")

    page.goto(f"{live_server.url}/school-admin/")
    assert "城南小学" in page.locator("h1").inner_text()
    assert_fits(page)

    page.get_by_role("link", name="导入花名册").click()
    assert_fits(page)
    page.locator("input[type=file]").set_input_files(str(roster))
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_load_state()
    assert page.locator("table.error-report").count() == 0
    assert "张小明" in page.content()
    assert_fits(page)
    page.get_by_role("button", name="导入").click()
    page.wait_for_load_state()
    assert "花名册已导入" in page.locator("h1").inner_text()
    assert_fits(page)
    imported = sheet(page)
    assert {"cn-2024001", "cn-2024002", "cn-2024003", "13800000003"} <= set(imported)

    xiaoming = User.objects.get(username="cn-2024001")
    assert xiaoming.guardian_links.count() == 2
    assert GuardianLink.objects.filter(guardian__username="13800000003").count() == 2

    # Reset 李雷's password from the class page (students list → pupil page).
    page.goto(f"{live_server.url}/school-admin/")
    page.get_by_role("link", name="1班").first.click()
    assert_fits(page)
    page.get_by_role("link", name="李雷").click()
    assert_fits(page)
    page.get_by_role("button", name="新密码").click()
    page.wait_for_load_state()
    assert_fits(page)
    password = sheet(page)["cn-2024002"]
    assert re.fullmatch(r"[A-Za-z0-9]{10}", password)

    # The pupil signs in with it and is asked to choose their own.
    context, pupil_page = sign_in(browser, live_server, "cn-2024002", password)
    try:
        assert "/accounts/password/change/" in pupil_page.url
        assert_fits(pupil_page)
        pupil_page.locator("input[name=old_password]").fill(password)
        pupil_page.locator("input[name=new_password1]").fill("Lilei-own-pass-8")
        pupil_page.locator("input[name=new_password2]").fill("Lilei-own-pass-8")
        pupil_page.locator("main form button[type=submit]").click()
        pupil_page.wait_for_load_state()
        pupil_page.goto(f"{live_server.url}/")
        assert "/accounts/password/change/" not in pupil_page.url
        assert_fits(pupil_page)
    finally:
        context.close()

    # The guardian of 李雷 and 李梅 signs in (password from the import sheet).
    context, family = sign_in(browser, live_server, "13800000003", imported["13800000003"])
    try:
        assert "/accounts/password/change/" in family.url
        family.locator("input[name=old_password]").fill(imported["13800000003"])
        family.locator("input[name=new_password1]").fill("Wangfang-pass-27")
        family.locator("input[name=new_password2]").fill("Wangfang-pass-27")
        family.locator("main form button[type=submit]").click()
        family.wait_for_load_state()
        family.goto(f"{live_server.url}/")
        family.get_by_role("link", name="我的孩子").first.click()
        family.wait_for_load_state()
        text = family.locator("main").inner_text()
        assert "李雷" in text and "李梅" in text and "1班" in text and "2班" in text
        assert "城南小学" in text
        assert_fits(family)
    finally:
        context.close()
