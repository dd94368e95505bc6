"""The administrators' "Backups and integrity" page, through its URLs: who may open it, the
stale-backup warning, a failed run's sentence, the integrity findings, the two buttons
(which really run the jobs here: Celery runs tasks eagerly in these tests), and the link in
the header menu. Assertions are on the Chinese page (the default language) or on markup."""

from __future__ import annotations

import datetime
import importlib
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.roles import Role
from edu_portal.celery import app as celery_app
from edu_portal.operations.models import BackupRun, IntegrityRun, RunStatus, Trigger
from tests.people import make_user

pytestmark = pytest.mark.django_db

DASHBOARD = "/operations/"
Kind = OrgUnit.Kind


@pytest.fixture
def org(db):
    bureau = actions.create_org_unit(SYSTEM, None, Kind.BUREAU, "示范县教育局", "ops-bureau")
    school = actions.create_org_unit(SYSTEM, bureau, Kind.SCHOOL, "城南小学", "ops-school")
    return bureau, school


@pytest.fixture
def admin_user(org):
    """A bureau administrator by role only (no Django superuser flag)."""
    return make_user("ops_chief", Role.BUREAU_ADMIN, org[0], display_name="张局")


@pytest.fixture
def teacher_user(org):
    return make_user("ops_teacher", Role.TEACHER, org[1], display_name="李老师")


def zh_client(user=None, **kwargs) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", **kwargs)
    client.cookies["django_language"] = "zh-hans"
    if user is not None:
        client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def backup_run(hours_ago: float, status=RunStatus.OK, **fields) -> BackupRun:
    run = BackupRun.objects.create(
        status=status,
        target=fields.pop("target", "/srv/backup"),
        trigger=fields.pop("trigger", Trigger.SCHEDULED),
        **fields,
    )
    started = timezone.now() - datetime.timedelta(hours=hours_ago)
    finished = None if status == RunStatus.RUNNING else started + datetime.timedelta(minutes=3)
    # started_at is auto_now_add: set the past through an UPDATE.
    BackupRun.objects.filter(pk=run.pk).update(started_at=started, finished_at=finished)
    run.refresh_from_db()
    return run


@pytest.fixture(autouse=True)
def _no_message_to_the_broker(monkeypatch):
    """Nothing here may reach the shared broker (a filesystem queue under var/ in a
    worker-less run, which a developer's worker would then execute)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a message was sent to the broker: {args[:1]}")

    monkeypatch.setattr(celery_app, "send_task", refuse)


@pytest.fixture
def eager():
    """The jobs run in this process, as a worker would run them. The web process enqueues
    them by name without importing their modules; here they are imported, so that Celery's
    signature finds them registered and runs them eagerly instead of sending a message."""
    importlib.import_module("edu_portal.operations.tasks")
    importlib.import_module("edu_portal.operations.integrity_tasks")
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


# --- who may open it ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in():
    response = zh_client().get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_people_who_are_not_administrators_are_refused_with_a_reason(teacher_user, org):
    school_admin = make_user("ops_head", Role.SCHOOL_ADMIN, org[1])
    for user in (teacher_user, school_admin):
        client = zh_client(user)
        response = client.get(DASHBOARD)
        assert response.status_code == 403
        assert "只有教育局的管理员可以查看备份和完整性检查" in text_of(response)
        assert 'data-run="' not in response.content.decode()
        for url in (reverse("operations:backup-now"), reverse("operations:integrity-now")):
            assert client.post(url).status_code == 403


def test_a_teacher_posting_the_button_starts_nothing(teacher_user, eager, settings, tmp_path):
    settings.BACKUP_TARGET = str(tmp_path / "backups")
    zh_client(teacher_user).post(reverse("operations:backup-now"))
    assert not BackupRun.objects.exists()
    assert not (tmp_path / "backups").exists()


def test_administrators_and_superusers_open_the_page(admin_user):
    superuser = make_user("ops_root", is_superuser=True, is_staff=True)
    for user in (admin_user, superuser):
        response = zh_client(user).get(DASHBOARD)
        assert response.status_code == 200
        assert "备份和完整性" in text_of(response)
        assert response["Cache-Control"].startswith("max-age=0")


def test_the_buttons_accept_only_posts(admin_user):
    client = zh_client(admin_user)
    assert client.get(reverse("operations:backup-now")).status_code == 405
    assert client.get(reverse("operations:integrity-now")).status_code == 405


def test_the_buttons_need_the_csrf_token(admin_user, eager):
    client = zh_client(admin_user, enforce_csrf_checks=True)
    assert client.post(reverse("operations:backup-now")).status_code == 403
    assert not BackupRun.objects.exists()
    page = client.get(DASHBOARD).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 2  # both forms carry it


# --- what it shows --------------------------------------------------------------------------


def test_no_backup_yet_is_a_warning(admin_user):
    response = zh_client(admin_user).get(DASHBOARD)
    html = response.content.decode()
    assert 'data-state="stale"' in html
    text = text_of(response)
    assert "还没有成功的备份" in text
    assert "还没有运行过备份" in text
    assert "还没有运行过完整性检查" in text


def test_a_recent_good_backup_shows_its_figures_and_no_warning(admin_user, settings):
    settings.BACKUP_MAX_AGE_HOURS = 26
    # Finished three minutes after it started: two hours ago.
    run = backup_run(
        2.05,
        name="20261205T023000Z",
        bytes_total=3 * 1024**3,
        database_bytes=5 * 1024**2,
        objects_total=10_100,
        objects_copied=100,
        bytes_copied=20 * 1024**2,
        duration_seconds=83.4,
        target="s3://backup.example.org:9000/edu/daily",
    )
    response = zh_client(admin_user).get(DASHBOARD)
    html, text = response.content.decode(), text_of(response)
    assert 'data-state="stale"' not in html
    assert f'data-run="{run.pk}" data-status="ok"' in html
    assert "成功" in text
    assert "3.0 GB" in text and "5.0 MB" in text and "20.0 MB" in text
    assert "10100" in text and "100" in text
    assert "1 分 23 秒" in text
    assert "s3://backup.example.org:9000/edu/daily" in text
    assert "20261205T023000Z" in text
    assert "2 小时前备份" in text.replace("\xa0", " ")


def test_a_backup_older_than_the_limit_is_a_warning(admin_user, settings):
    settings.BACKUP_MAX_AGE_HOURS = 26
    backup_run(30.05)  # finished 30 hours ago
    client = zh_client(admin_user)
    response = client.get(DASHBOARD)
    assert 'data-state="stale"' in response.content.decode()
    text = text_of(response).replace("\xa0", " ")
    assert "最近一次成功的备份已有 1 日、6 小时，超过了 26 小时" in text

    settings.BACKUP_MAX_AGE_HOURS = 48
    assert 'data-state="stale"' not in client.get(DASHBOARD).content.decode()


def test_a_failed_run_shows_its_sentence_and_the_last_good_one(admin_user, settings):
    settings.BACKUP_MAX_AGE_HOURS = 26
    backup_run(20)
    failed = backup_run(
        1,
        status=RunStatus.FAILED,
        error="备份服务器 backup.example.org 无法连接：连接超时。",
    )
    response = zh_client(admin_user).get(DASHBOARD)
    html, text = response.content.decode(), text_of(response)
    assert f'data-run="{failed.pk}" data-status="failed"' in html
    assert "失败原因 备份服务器 backup.example.org 无法连接：连接超时。" in text
    assert "最近一次成功的备份" in text
    # Twenty hours is within the limit: a failure alone is not yet the stale warning.
    assert 'data-state="stale"' not in html


def test_the_history_lists_the_runs_newest_first(admin_user):
    old = backup_run(50, status=RunStatus.FAILED, error="磁盘已满。")
    new = backup_run(3)
    html = zh_client(admin_user).get(DASHBOARD).content.decode()
    table = html[html.index("<table") :]
    assert table.index(f'data-run="{new.pk}"') < table.index(f'data-run="{old.pk}"')
    assert "磁盘已满。" in table


def test_no_credential_of_the_target_reaches_the_page(admin_user, settings):
    settings.BACKUP_TARGET = "s3://BACKUPKEY:sekrit-value@10.0.0.9:9000/edu/daily?secure=false"
    backup_run(1, target="s3://KEY2:other-secret@10.0.0.9:9000/edu/daily")
    html = zh_client(admin_user).get(DASHBOARD).content.decode()
    for secret in ("BACKUPKEY", "sekrit-value", "KEY2", "other-secret"):
        assert secret not in html
    assert "s3://10.0.0.9:9000/edu/daily" in html


def test_the_retention_settings_are_said_in_words(admin_user, settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY = 7, 4
    settings.BACKUP_KEEP_MONTHLY = 0
    text = text_of(zh_client(admin_user).get(DASHBOARD))
    assert "保留最近 7 天、4 周中每一段最新的一份备份" in text
    assert "个月" not in text


def test_integrity_findings_are_listed(admin_user):
    run = IntegrityRun.objects.create(
        status=RunStatus.FAILED,
        checked=120,
        changed=1,
        missing=1,
        unexpected=1,
        chain_ok=False,
        findings=[
            {"kind": "page", "ref": "/zwgk/tzgg/2026-1/", "problem": "changed", "detail": ""},
            {"kind": "object", "ref": "resources/ab/abcdef", "problem": "missing"},
            {"kind": "object", "ref": "hls/9/1/evil.m4s", "problem": "unexpected"},
            "not a finding",
        ],
    )
    response = zh_client(admin_user).get(DASHBOARD)
    html, text = response.content.decode(), text_of(response)
    assert f'data-integrity-run="{run.pk}"' in html
    assert 'data-state="integrity-problem"' in html
    assert 'data-chain="broken"' in html
    assert "完整性台账本身被改动" in text
    assert re.search(r'data-problem="changed">.*?已更改.*?/zwgk/tzgg/2026-1/', html, re.S)
    assert re.search(r'data-problem="missing">.*?缺失.*?resources/ab/abcdef', html, re.S)
    assert re.search(r'data-problem="unexpected">.*?多出.*?hls/9/1/evil.m4s', html, re.S)
    assert html.count('data-problem="') == 3


def test_a_clean_integrity_check_is_no_alarm(admin_user):
    IntegrityRun.objects.create(status=RunStatus.OK, checked=40, chain_ok=True)
    html = zh_client(admin_user).get(DASHBOARD).content.decode()
    assert 'data-chain="ok"' in html
    assert 'data-state="integrity-problem"' not in html


# --- the buttons ----------------------------------------------------------------------------


# The backup copies the SQLite database with its online backup API, which cannot read a
# database whose connection holds the test's open transaction: these tests commit.
@pytest.mark.django_db(transaction=True)
def test_back_up_now_runs_a_backup(admin_user, eager, settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_TARGET = str(tmp_path / "backups")
    response = zh_client(admin_user).post(reverse("operations:backup-now"), follow=True)
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert "备份已开始" in text_of(response)
    run = BackupRun.objects.get()
    assert run.status == RunStatus.OK, run.error
    assert run.target == str(tmp_path / "backups")
    assert any((tmp_path / "backups").iterdir())
    assert f'data-run="{run.pk}" data-status="ok"' in response.content.decode()


def test_back_up_now_is_refused_while_a_backup_runs(admin_user, eager, settings, tmp_path):
    settings.BACKUP_TARGET = str(tmp_path / "backups")
    running = backup_run(0.5, status=RunStatus.RUNNING)
    client = zh_client(admin_user)
    assert "data-running" in client.get(DASHBOARD).content.decode()
    response = client.post(reverse("operations:backup-now"), follow=True)
    when = timezone.localtime(running.started_at).strftime("%Y-%m-%d %H:%M")
    assert f"{when} 开始的备份仍在进行" in text_of(response)
    assert list(BackupRun.objects.values_list("pk", flat=True)) == [running.pk]
    assert not (tmp_path / "backups").exists()


# The backup copies the SQLite database with its online backup API, which cannot read a
# database whose connection holds the test's open transaction: these tests commit.
@pytest.mark.django_db(transaction=True)
def test_a_run_abandoned_hours_ago_does_not_block_the_button(admin_user, eager, settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_TARGET = str(tmp_path / "backups")
    abandoned = backup_run(7, status=RunStatus.RUNNING)
    response = zh_client(admin_user).post(reverse("operations:backup-now"), follow=True)
    assert "备份已开始" in text_of(response)
    assert BackupRun.objects.exclude(pk=abandoned.pk).get().status == RunStatus.OK


@pytest.mark.django_db(transaction=True)
def test_check_integrity_now_runs_a_check(admin_user, eager, settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    response = zh_client(admin_user).post(reverse("operations:integrity-now"), follow=True)
    assert "完整性检查已开始" in text_of(response)
    run = IntegrityRun.objects.get()
    assert run.status in (RunStatus.OK, RunStatus.FAILED)
    assert run.finished_at is not None
    assert f'data-integrity-run="{run.pk}"' in response.content.decode()


def test_check_integrity_now_is_refused_while_one_runs(admin_user, eager):
    running = IntegrityRun.objects.create(status=RunStatus.RUNNING)
    response = zh_client(admin_user).post(reverse("operations:integrity-now"), follow=True)
    assert "开始的完整性检查仍在进行" in text_of(response)
    assert list(IntegrityRun.objects.values_list("pk", flat=True)) == [running.pk]


def test_an_unreachable_queue_is_said_not_a_server_error(admin_user, monkeypatch):
    from kombu.exceptions import OperationalError

    class BrokerDown:
        def apply_async(self, *args, **kwargs):
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(celery_app, "signature", lambda *args, **kwargs: BrokerDown())
    response = zh_client(admin_user).post(reverse("operations:backup-now"), follow=True)
    assert response.status_code == 200
    assert "无法连接任务队列" in text_of(response)


# --- where administrators find it -----------------------------------------------------------


def test_the_header_menu_links_administrators_to_the_page(admin_user, teacher_user):
    link = f'href="{DASHBOARD}"'
    assert link in zh_client(admin_user).get(reverse("notifications:list")).content.decode()
    assert link not in zh_client(teacher_user).get(reverse("notifications:list")).content.decode()


def test_the_django_admin_shows_the_records_read_only(admin_user):
    superuser = make_user("ops_root", is_superuser=True, is_staff=True)
    run = backup_run(1)
    integrity = IntegrityRun.objects.create(status=RunStatus.OK)
    client = zh_client(superuser)
    for model, obj in (("backuprun", run), ("integrityrun", integrity)):
        assert client.get(reverse(f"admin:operations_{model}_changelist")).status_code == 200
        change = reverse(f"admin:operations_{model}_change", args=[obj.pk])
        page = client.get(change)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(change, {"status": "failed"}).status_code == 403
        assert client.get(reverse(f"admin:operations_{model}_add")).status_code == 403
        delete = reverse(f"admin:operations_{model}_delete", args=[obj.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.OK
    assert IntegrityRun.objects.filter(pk=integrity.pk).exists()
