"""Tamper detection (issue 16, done-when 2): a page's body altered in the database and an
object's bytes altered in the store are named by ``verify_integrity`` (exit 1), the page
is served from its last verified revision, administrators are told."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def verify(capsys) -> tuple[int, str]:
    """Run the command as an operator would; (exit status, what it printed)."""
    try:
        call_command("verify_integrity")
    except CommandError as error:
        out = capsys.readouterr().out
        return error.returncode, out + str(error)
    return 0, capsys.readouterr().out


def raw_update_body(page_id: int, body: str) -> None:
    from edu_portal.cms.models import ArticlePage

    table = ArticlePage._meta.db_table
    with connection.cursor() as cursor:
        # The table name is the model's own, not input.
        cursor.execute(f"UPDATE {table} SET body = %s WHERE page_ptr_id = %s", [body, page_id])  # noqa: S608


def stored_path(store, key: str):
    path = store.root / key
    assert path.is_file()
    return path


def test_untouched_platform_verifies(article, capsys):
    from edu_portal.operations.models import IntegrityRun

    status, out = verify(capsys)
    assert status == 0, out
    run = IntegrityRun.objects.filter(trigger="manual").first()
    assert run.status == "ok" and run.chain_ok
    assert run.findings == []


def test_altered_page_and_object_are_named_served_from_verified_revision_and_reported(
    article, ledger_on, admin, client, capsys
):
    from auditlog.models import LogEntry

    from edu_portal.notifications.models import Notification
    from edu_portal.operations.models import IntegrityRun

    document = article.attachments.get().document
    from django.core.files.storage import default_storage

    document_key = default_storage.key_for(document.file.name)

    raw_update_body(article.pk, "<p>已被篡改的内容</p>")
    stored_path(ledger_on, document_key).write_bytes(b"attachment tampered")

    status, out = verify(capsys)
    assert status == 1
    assert f"changed    page   {article.pk}" in out
    assert f"changed    object {document_key}" in out
    run = IntegrityRun.objects.first()
    assert (run.status, run.changed, run.missing, run.unexpected) == ("failed", 2, 0, 0)
    assert {(f["kind"], f["ref"]) for f in run.findings} == {
        ("page", str(article.pk)),
        ("object", document_key),
    }
    alerts = Notification.objects.filter(recipient=admin)
    assert alerts.count() == 1

    response = client.get(article.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "九月一日开学" in html
    assert "已被篡改" not in html
    assert "no-cache" in response["Cache-Control"]
    assert Notification.objects.filter(recipient=admin).count() == 2
    told = Notification.objects.filter(recipient=admin).order_by("-pk").first()
    assert told.subject == "已发布的页面在平台之外被篡改：关于开学的通知"
    assert told.link == reverse("wagtailadmin_pages:edit", args=[article.pk])
    audit = LogEntry.objects.get_for_object(article).order_by("-pk").first()
    assert audit.changes_dict == {"integrity": ["verified", "altered"]}
    # Served again: the same altered content is not reported a second time.
    assert "已被篡改" not in client.get(article.url).content.decode()
    assert Notification.objects.filter(recipient=admin).count() == 2

    # The next day's check finds the same: no new alert.
    assert verify(capsys)[0] == 1
    assert Notification.objects.filter(recipient=admin).count() == 2


def test_altered_page_is_not_cached_as_good(article, settings, client):
    from edu_portal.cms import page_cache

    settings.CMS_PAGE_CACHE_SECONDS = 300
    page_cache.invalidate()
    raw_update_body(article.pk, "<p>已被篡改的内容</p>")
    for _ in range(2):
        response = client.get(article.url)
        assert response.status_code == 200
        assert "已被篡改" not in response.content.decode()
        assert response.get("X-Page-Cache") != "hit"


def test_unaltered_page_is_served_and_cached(article, settings, client):
    from edu_portal.cms import page_cache

    settings.CMS_PAGE_CACHE_SECONDS = 300
    page_cache.invalidate()
    assert client.get(article.url)["X-Page-Cache"] == "miss"
    assert client.get(article.url)["X-Page-Cache"] == "hit"


def test_new_revision_published_normally_is_not_a_finding(article, commit, client, capsys):
    article.body = "<p>开学时间改为九月二日。</p>"
    commit(lambda: article.save_revision().publish())
    assert verify(capsys)[0] == 0
    assert "九月二日" in client.get(article.url).content.decode()


def test_page_altered_after_two_publications_falls_back_to_the_newest(article, commit, client):
    article.body = "<p>开学时间改为九月二日。</p>"
    commit(lambda: article.save_revision().publish())
    raw_update_body(article.pk, "<p>已被篡改的内容</p>")
    html = client.get(article.url).content.decode()
    assert "九月二日" in html and "已被篡改" not in html


def test_altered_page_without_a_verified_revision_is_not_served(article, client):
    from wagtail.models import Revision

    raw_update_body(article.pk, "<p>已被篡改的内容</p>")
    # The revisions were altered too: nothing verified is left to show.
    for revision in Revision.page_revisions.filter(object_id=str(article.pk)):
        revision.content["body"] = "<p>已被篡改的内容</p>"
        revision.save(update_fields=["content"])
    assert client.get(article.url).status_code == 404


def test_replaced_attachment_file_is_not_a_finding(article, commit, capsys):
    from django.core.files.base import ContentFile

    document = article.attachments.get().document
    old_name = document.file.name
    commit(lambda: document.file.save("fujian-v2.txt", ContentFile(b"attachment v2"), save=True))
    commit(lambda: document.file.storage.delete(old_name))
    assert verify(capsys)[0] == 0


def test_unpublished_page_is_not_missing(article, commit, capsys):
    commit(lambda: article.unpublish())
    assert verify(capsys)[0] == 0


def test_deleted_object_and_unrecorded_page_are_reported(article, ledger_on, portal, capsys):
    from edu_portal.cms.models import StandardPage

    document = article.attachments.get().document
    from django.core.files.storage import default_storage

    key = default_storage.key_for(document.file.name)
    stored_path(ledger_on, key).unlink()
    # A live page put into the tree behind the platform's back (no publication).
    sneaked = portal.home.add_child(instance=StandardPage(title="冒充页面", slug="fake"))
    status, out = verify(capsys)
    assert status == 1
    assert f"missing    object {key}" in out
    assert f"unexpected page   {sneaked.pk}" in out


def test_baseline_records_an_existing_installation_and_refuses_twice(
    db, ledger_on, settings, capsys
):
    from wagtail.models import Page

    from edu_portal.cms.models import StandardPage
    from edu_portal.operations.models import LedgerEntry

    # An installation from before the ledger: content made while it did not record.
    settings.INTEGRITY_LEDGER_ENABLED = False
    page = Page.get_first_root_node().add_child(instance=StandardPage(title="旧页面", slug="old"))
    page.save_revision().publish()
    ledger_on.put_bytes("hls/1/1/master.m3u8", b"#EXTM3U\n")
    settings.INTEGRITY_LEDGER_ENABLED = True
    assert verify(capsys)[0] == 1  # both unexpected

    call_command("verify_integrity", "--baseline")
    assert verify(capsys)[0] == 0
    assert LedgerEntry.objects.filter(reason="baseline").count() >= 2

    with pytest.raises(CommandError, match="already has entries"):
        call_command("verify_integrity", "--baseline")
    with pytest.raises(CommandError, match="--force only goes with --baseline"):
        call_command("verify_integrity", "--force")
    with pytest.raises(CommandError, match="contradict"):
        call_command("verify_integrity", "--baseline", "--force", "--if-empty")
    # Install scripts run it after every migrate: nothing happens once there is a ledger.
    count = LedgerEntry.objects.count()
    call_command("verify_integrity", "--baseline", "--if-empty")
    assert LedgerEntry.objects.count() == count
    assert "no baseline needed" in capsys.readouterr().out


def test_baseline_if_empty_records_a_new_installation(db, ledger_on, capsys):
    from edu_portal.operations.models import LedgerEntry

    call_command("verify_integrity", "--baseline", "--if-empty")
    assert LedgerEntry.objects.filter(reason="baseline", kind="page").exists()
    assert verify(capsys)[0] == 0


def test_baseline_is_audited(db, ledger_on):
    from auditlog.models import LogEntry

    call_command("verify_integrity", "--baseline")
    assert LogEntry.objects.filter(changes__icontains="ledger baseline").exists()
