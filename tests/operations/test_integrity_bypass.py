"""Tamper detection attacked through the other ways a published page reaches visitors
(security review of issue 16): every renderer of a live page must get the verified page,
never the altered row."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.operations.test_integrity import raw_update_body, verify

pytestmark = pytest.mark.django_db


def test_an_altered_annual_report_page_is_served_from_its_verified_revision(
    article, commit, client, admin
):
    """The disclosure annual report renders its article from a hook of its own (it used
    to be ``before_serve_page``, which Wagtail runs before every ``on_serve_page`` hook,
    so the integrity check never saw these pages)."""
    from edu_portal.disclosure.annual_models import AnnualReport
    from edu_portal.notifications.models import Notification

    article.body = "<h2>一、总体情况</h2><p>本年度主动公开政府信息一百二十条。</p>"
    commit(lambda: article.save_revision().publish())
    AnnualReport.objects.create(year=2024, page_id=article.pk, published_at=timezone.now())
    intact = client.get(article.url)
    assert intact.status_code == 200
    assert "本年度主动公开政府信息一百二十条" in intact.content.decode()
    assert "disclosure" in " ".join(t.name for t in intact.templates)  # the report's renderer

    raw_update_body(article.pk, "<h2>一、总体情况</h2><p>已被篡改的年度报告</p>")
    response = client.get(article.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已被篡改" not in html
    assert "本年度主动公开政府信息一百二十条" in html
    assert "disclosure" in " ".join(t.name for t in response.templates)
    assert Notification.objects.filter(recipient=admin).count() == 1


@pytest.mark.xfail(
    strict=True,
    reason="Not fixed (reported): with its ledger entries deleted (database write access "
    "only), a page counts as never recorded and is served unchecked until verify_integrity "
    "finds the broken chain.",
)
def test_a_page_whose_ledger_entries_were_deleted_is_not_served_altered(article, client):
    from edu_portal.operations.models import LedgerEntry

    raw_update_body(article.pk, "<p>已被篡改的内容</p>")
    LedgerEntry.objects.filter(kind="page", ref=str(article.pk)).delete()
    assert "已被篡改" not in client.get(article.url).content.decode()


@pytest.mark.xfail(
    strict=True,
    reason="Not fixed (reported): the ledger's head (LedgerHead) lives in the same database; "
    "deleting the newest entries and pointing the head at the one before passes the chain "
    "check, so a page can be rolled back to an earlier published text unnoticed.",
)
def test_rolling_a_page_back_by_truncating_the_ledger_is_detected(article, commit, capsys):
    from edu_portal.operations.models import LedgerEntry, LedgerHead

    before = LedgerEntry.objects.order_by("-seq").first()
    article.body = "<p>九月一日开学的通知已撤回。</p>"
    commit(lambda: article.save_revision().publish())
    assert LedgerEntry.objects.order_by("-seq").first().seq > before.seq

    # Database write access only: back to the retracted text, the newer entries gone, the
    # head pointing at the last entry left.
    raw_update_body(article.pk, "<p>九月一日开学。</p>")
    LedgerEntry.objects.filter(seq__gt=before.seq).delete()
    LedgerHead.objects.filter(pk=1).update(seq=before.seq, mac=before.mac)

    status, out = verify(capsys)
    assert status == 1, out
