"""The operations page in Chromium on a 390 px phone, in Chinese: it fits the width (the
history table stacks), the stylesheet loads under the Content-Security-Policy without a
violation, and "Back up now" answers with its sentence. Skipped where Chromium or
Playwright is missing (see conftest.py)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.roles import Role
from edu_portal.operations.models import BackupRun, IntegrityRun, RunStatus
from tests.browser.conftest import assert_fits
from tests.browser.csp import violations, watch_violations
from tests.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_page_fits_a_phone_without_csp_violations(open_page, live_server):
    bureau = actions.create_org_unit(SYSTEM, None, OrgUnit.Kind.BUREAU, "示范县教育局", "ob")
    admin = make_user("ops_browser_chief", Role.BUREAU_ADMIN, bureau, display_name="张局")
    server = "s3://backup-server-with-a-long-name.example.org:9000/edu"
    long_error = f"备份服务器 {server} 无法连接。" * 3
    for hours, status in ((40, RunStatus.OK), (2, RunStatus.FAILED), (1, RunStatus.RUNNING)):
        run = BackupRun.objects.create(
            status=status,
            target=f"{server}/daily/county",
            error=long_error if status == RunStatus.FAILED else "",
            bytes_total=2 * 1000**3,
            objects_total=10_000,
            objects_copied=10_000,
            duration_seconds=95.0,
        )
        started = timezone.now() - datetime.timedelta(hours=hours)
        BackupRun.objects.filter(pk=run.pk).update(started_at=started)
    IntegrityRun.objects.create(
        status=RunStatus.FAILED,
        changed=1,
        findings=[
            {"kind": "object", "ref": "hls/12/34/" + "a" * 64 + ".m4s", "problem": "changed"}
        ],
    )

    page = open_page(admin, locale="zh-CN")
    reports = watch_violations(page)
    page.goto(f"{live_server.url}/operations/")
    assert page.locator("h1").inner_text() == "备份和完整性"
    assert page.locator(".ops-section").first.evaluate(
        "el => getComputedStyle(el).borderRadius"
    ) not in ("", "0px")  # dashboard.css was loaded
    assert_fits(page)
    page.get_by_role("button", name="立即备份").click()
    page.wait_for_load_state()
    assert "仍在进行" in page.locator(".messages").inner_text()
    assert_fits(page)
    assert violations(page, reports) == []
