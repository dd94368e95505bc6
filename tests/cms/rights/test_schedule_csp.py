"""Scheduled publishing and expiry through the beat task, the admin under CSP, and the
admin's language."""

from __future__ import annotations

from datetime import timedelta

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.users.models import UserProfile

from edu_portal.cms import tasks
from edu_portal.cms.models import StandardPage
from tests.cms.rights.conftest import login


def _draft(parent, title: str, **dates) -> StandardPage:
    page = parent.add_child(instance=StandardPage(title=title, slug=title, live=False, **dates))
    return page


def _schedule(page: StandardPage, go_live_at) -> None:
    page.go_live_at = go_live_at
    revision = page.save_revision(approved_go_live_at=go_live_at)
    assert revision.approved_go_live_at == go_live_at


def test_the_beat_task_publishes_due_pages_and_takes_expired_ones_down(portal, people):
    now = timezone.now()
    due = _draft(portal["news"], "due")
    _schedule(due, now - timedelta(minutes=5))
    future = _draft(portal["news"], "future")
    _schedule(future, now + timedelta(days=1))
    expiring = portal["news"].add_child(
        instance=StandardPage(
            title="expiring", slug="expiring", expire_at=now - timedelta(minutes=1)
        )
    )
    expiring.save_revision().publish()
    assert StandardPage.objects.get(pk=expiring.pk).live

    tasks.publish_scheduled()

    assert StandardPage.objects.get(pk=due.pk).live
    assert not StandardPage.objects.get(pk=future.pk).live
    gone = StandardPage.objects.get(pk=expiring.pk)
    assert not gone.live and gone.expired
    # Audited as done by the system: no person, no address.
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(StandardPage), object_pk=str(due.pk)
    )
    published = [e for e in entries if (e.changes_dict.get("action") or [0, 0])[1] == "publish"]
    assert len(published) == 1
    assert published[0].actor is None and published[0].remote_addr is None


def test_the_beat_schedule_runs_it_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["cms-publish-scheduled"]
    assert entry["task"] == "cms.publish_scheduled" and entry["schedule"] == 60
    assert entry["options"]["queue"] == "default"


def test_admin_allows_inline_scripts_only_under_cms(portal, people):
    client = login(people["editor"])
    admin = client.get(f"/cms/pages/add/cms/standardpage/{portal['news'].pk}/")
    assert admin.status_code == 200
    policy = admin["Content-Security-Policy"]
    script = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" in script and "'unsafe-eval'" not in policy
    site = client.get("/review/")
    site_script = next(
        part for part in site["Content-Security-Policy"].split(";") if "script-src" in part
    )
    assert "'unsafe-inline'" not in site_script


def test_admin_speaks_chinese_by_default_and_the_users_language_when_chosen(portal, people):
    editor = people["editor"]
    page = login(editor).get("/cms/").content.decode()
    assert 'lang="zh-hans"' in page or 'lang="zh-Hans"' in page
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "en"
    profile.save()
    page = login(editor).get("/cms/").content.decode()
    assert 'lang="en"' in page
