"""The admin in Chinese (issue 12): every admin page of the project's own models, rendered
for a superuser whose browser asks for zh-hans, shows none of the English labels those
models and admins define (verbose names, field names, choice labels, help texts, action
descriptions, filter titles, fieldset and column headings).

The English side is collected from the code itself (under ``translation.override("en")``),
so a new model, field or action with an untranslated label makes this test fail without
anyone having to list it here (``test_an_untranslated_label_is_caught`` proves that).
"""

from __future__ import annotations

import contextlib
import datetime
import re
from html.parser import HTMLParser

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.text import capfirst

from edu_portal.accounts.models import User

pytestmark = pytest.mark.django_db

# Our apps are those whose code lives in this repository; auditlog's LogEntry is included
# because accounts.admin registers its admin (the audit log) with our own labels.
PROJECT_PACKAGES = ("edu_portal.", "catalog", "media_pipeline", "ebooks")
EXTRA_MODELS = {LogEntry}

# Labels that are the same in Chinese: names of formats and standards, written in Latin
# letters in Chinese text too. Nothing that a translator would translate belongs here.
ALLOWED_ENGLISH = {
    "EPUB",
    "PDF",
    "ISBN",
    "HLS",
    "OPDS",
    "MP4",
    "SHA-256",
    "ID",
    "IP",
    "CID",
    "CC BY 4.0",
    "CC BY-SA 4.0",
    "CC BY-NC 4.0",
    "CC BY-NC-SA 4.0",
    "CC0",
}


def _project_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith(PROJECT_PACKAGES) or model in EXTRA_MODELS
    ]


def _project_admins() -> list[tuple[type[models.Model], admin.ModelAdmin]]:
    wanted = set(_project_models())
    return [(model, ma) for model, ma in admin.site._registry.items() if model in wanted]


def _choice_labels(choices) -> list:
    labels = []
    for value, label in choices or ():
        if isinstance(label, list | tuple):  # an option group
            labels.append(value)
            labels.extend(_choice_labels(label))
        else:
            labels.append(label)
    return labels


def _admin_labels(ma) -> list:
    labels = []
    for action in ma.actions or ():
        func = getattr(ma, action) if isinstance(action, str) else action
        labels.append(getattr(func, "short_description", None))
    for item in [*ma.list_filter, *getattr(ma, "inlines", ())]:
        if isinstance(item, tuple | list):
            item = item[1]
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            labels.append(item.title)
        if isinstance(item, type) and issubclass(item, admin.options.InlineModelAdmin):
            labels += [item.verbose_name, item.verbose_name_plural]
    for name, _options in [*(ma.fieldsets or ()), *getattr(ma, "add_fieldsets", ())]:
        labels.append(name)
    names = [*ma.list_display, *ma.readonly_fields]
    for inline in getattr(ma, "inlines", ()):
        names += [*inline.readonly_fields, *(inline.fields or ())]
    for name in names:
        func = getattr(ma, name, None) if isinstance(name, str) else name
        labels.append(getattr(func, "short_description", None))
    return labels


def english_labels() -> set[str]:
    """Every label of our models and admins, as English-speaking users would see it."""
    raw = [apps.get_app_config(model._meta.app_label).verbose_name for model in _project_models()]
    for model in _project_models():
        opts = model._meta
        raw += [opts.verbose_name, opts.verbose_name_plural]
        for field in opts.get_fields():
            if field.auto_created and not field.concrete:
                continue  # reverse relations have no label of their own
            raw += [getattr(field, "verbose_name", None), getattr(field, "help_text", None)]
            raw += _choice_labels(getattr(field, "choices", None))
    for _model, ma in _project_admins():
        raw += _admin_labels(ma)
    labels = set()
    with translation.override("en"):
        for label in raw:
            text = str(label or "").strip()
            if re.search(r"[A-Za-z]{2}", text) and text not in ALLOWED_ENGLISH:
                labels |= {text, capfirst(text)}
    return labels


# --- what a page shows ------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """Text nodes outside scripts and styles, and the attributes people read (buttons,
    titles, placeholders)."""

    SKIP = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        attrs = dict(attrs)
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data) -> None:
        if not self._skipping and data.strip():
            self.texts.append(data)

    @classmethod
    def texts_of(cls, html: str) -> list[str]:
        parser = cls()
        parser.feed(html)
        return [" ".join(text.split()) for text in parser.texts]


# A run of text without Chinese: what is left of a label when its Chinese frame ("以 …",
# "1 项更改：…") is removed.
_LATIN_RUN = re.compile(r"[\x20-\x7e]+")


def _residues(text: str) -> set[str]:
    found = set()
    for run in _LATIN_RUN.findall(text):
        run = run.strip().rstrip(":").strip()
        if run:
            found.add(run)
    return found


def english_on_page(html: str, labels: set[str], data: set[str]) -> set[str]:
    found = set()
    for text in _VisibleText.texts_of(html):
        found |= {run for run in _residues(text) if run in labels and run not in data}
    return found


# --- the pages --------------------------------------------------------------------------------


@pytest.fixture
def seeded(settings, tmp_path, monkeypatch):
    """The demo organisation and catalog, and one object of every model whose admin has
    no add page (read-only records) so that its change page can be rendered."""
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    monkeypatch.setattr("catalog.search.indexing.schedule_index", lambda pk: None)
    people = _seed_people()
    call_command("seed_catalog", "--owner", "li_teacher", "--no-video", verbosity=0)
    _seed_records(people)
    return people


def _seed_people() -> dict[str, User]:
    """A small organisation (the tests/accounts tree), people with Chinese names."""
    from edu_portal.accounts import actions
    from edu_portal.accounts.models import OrgUnit
    from edu_portal.accounts.roles import Role
    from tests.people import make_user

    kind, system = OrgUnit.Kind, actions.SYSTEM
    bureau = actions.create_org_unit(system, None, kind.BUREAU, "示范县教育局", "z-bureau")
    office = actions.create_org_unit(system, bureau, kind.DEPARTMENT, "办公室", "z-office")
    school = actions.create_org_unit(system, bureau, kind.SCHOOL, "城南小学", "z-school")
    grade = actions.create_org_unit(system, school, kind.GRADE, "一年级", "z-grade")
    klass = actions.create_org_unit(system, grade, kind.CLASS, "一年级(1)班", "z-class")
    chief = make_user(
        "chief", Role.BUREAU_ADMIN, bureau, display_name="张局", is_staff=True, is_superuser=True
    )
    reviewer = make_user("chen_reviewer", Role.OFFICE_REVIEWER, bureau, display_name="陈静")
    reviewer.org_unit = office
    reviewer.save()
    return {
        "chief": chief,
        "reviewer": reviewer,
        "teacher": make_user("li_teacher", Role.TEACHER, school, display_name="李华"),
        "student": make_user("zhao_student", Role.STUDENT, klass, display_name="赵磊"),
    }


def _seed_records(people: dict[str, User]) -> None:
    from catalog.models import ImportRecord, Resource
    from ebooks.periodicals import actions as periodical_actions
    from ebooks.periodicals.models import Periodical
    from edu_portal.accounts.models import LoginRecord, OrgUnit
    from edu_portal.notifications import actions as notifications
    from edu_portal.workflow import transitions
    from media_pipeline.processing.models import ProcessingJob

    teacher, reviewer = people["teacher"], people["reviewer"]
    resource = Resource.objects.exclude(kind="ebook").first()
    ProcessingJob.objects.create(resource=resource, state=ProcessingJob.State.FAILED)
    ImportRecord.objects.create(
        path="/srv/import/数学/勾股定理.docx",
        size=1,
        mtime_ns=0,
        resource=resource,
        status=ImportRecord.Status.DUPLICATE,
        run_id="run-1",
    )
    LoginRecord.objects.create(
        username=teacher.username, user=teacher, result=LoginRecord.Result.LOCKED, ip="10.0.0.1"
    )
    journal = Periodical.objects.create(
        slug="jiaoyu-yanjiu",
        name="教育研究",
        frequency=Periodical.Frequency.BIMONTHLY,
        editor_unit=OrgUnit.objects.get(code="z-office"),
    )
    article = periodical_actions.submit_article(
        teacher, journal, title="分层作业的实践", body="<p>实践与反思</p>"
    )
    transitions.request_changes(reviewer, article, "请补充数据。")
    periodical_actions.create_issue(
        people["chief"],
        journal,
        volume=2026,
        number=6,
        date=datetime.date(2026, 11, 20),
    )
    notifications.notify(teacher, "稿件需要修改", category="periodical", target=article)
    notifications.set_email_preference(teacher, True)


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    app_labels = set()
    for model, _ma in _project_admins():
        opts = model._meta
        app_labels.add(opts.app_label)
        info = f"admin:{opts.app_label}_{opts.model_name}"
        urls.append(reverse(f"{info}_changelist"))
        urls.append(reverse(f"{info}_add"))
        obj = model._default_manager.order_by("pk").last()
        if obj is not None:
            urls.append(reverse(f"{info}_change", args=[obj.pk]))
    for app_label in sorted(app_labels):
        with contextlib.suppress(NoReverseMatch):
            urls.append(reverse("admin:app_list", args=[app_label]))
    return urls


def _zh_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    client.force_login(user)
    return client


def test_every_admin_page_of_our_models_is_in_chinese(seeded, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    labels = english_labels()
    # Usernames are data, not labels: the demo's "teacher" is not the role "Teacher".
    data = set(User.objects.values_list("username", flat=True))
    client = _zh_client(seeded["chief"])
    problems = {}
    for url in _admin_urls():
        response = client.get(url)
        if response.status_code == 403:  # read-only records have no add page
            continue
        assert response.status_code == 200, url
        english = english_on_page(response.content.decode(), labels, data)
        if english:
            problems[url] = sorted(english)
    by_label: dict[str, list[str]] = {}
    for url, english in problems.items():
        for label in english:
            by_label.setdefault(label, []).append(url)
    assert by_label == {}, "\n".join(f"{k!r}: {v[:3]}" for k, v in sorted(by_label.items()))


def test_an_untranslated_label_is_caught(client, settings, monkeypatch, bureau_admin):
    """The check is not vacuous: a field label nobody translated is reported."""
    from catalog.models import Subject

    settings.LANGUAGE_CODE = "zh-hans"
    field = Subject._meta.get_field("name")
    monkeypatch.setattr(field, "verbose_name", "frobnication level")
    labels = english_labels()
    assert "Frobnication level" in labels
    client = _zh_client(bureau_admin)
    html = client.get(reverse("admin:catalog_subject_add")).content.decode()
    assert "Frobnication level" in english_on_page(html, labels, set())
    monkeypatch.undo()
    assert "Frobnication level" not in english_on_page(html, english_labels(), set())


def test_audit_log_summarises_changes_in_chinese(seeded, settings):
    """ "1 change: state" was the summary: now the field's verbose name and the states'
    labels, and the object by its title."""
    from catalog.models import Resource
    from edu_portal.workflow import transitions
    from edu_portal.workflow.models import State

    settings.LANGUAGE_CODE = "zh-hans"
    resource = Resource.objects.filter(state=State.PUBLISHED).exclude(kind="ebook").first()
    transitions.withdraw(seeded["chief"], resource)
    client = _zh_client(seeded["chief"])
    entry = LogEntry.objects.get_for_object(resource).order_by("-pk").first()
    listing = client.get(reverse("admin:auditlog_logentry_changelist")).content.decode()
    assert "1 项更改：审核状态" in listing
    assert f"资源 - {resource.title}" in listing
    detail = client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]))
    text = " ".join(_VisibleText.texts_of(detail.content.decode()))
    assert "审核状态 已发布 已撤回" in text
    assert "修改" in text and "update" not in text


def test_review_history_shows_titles_and_action_names(seeded, settings):
    from edu_portal.workflow.models import Action, ReviewEvent
    from edu_portal.workflow.transitions import TRANSITIONS

    assert set(Action.values) == set(TRANSITIONS)  # every transition has a label
    settings.LANGUAGE_CODE = "zh-hans"
    event = ReviewEvent.objects.get(action="request_changes")
    client = _zh_client(seeded["chief"])
    listing = client.get(reverse("admin:workflow_reviewevent_changelist")).content.decode()
    text = " ".join(_VisibleText.texts_of(listing))
    assert "分层作业的实践" in text  # the article's title, not its id
    assert "退回修改" in text and "request_changes" not in text
    assert "审核中" in text and "需要修改" in text
    detail = client.get(reverse("admin:workflow_reviewevent_change", args=[event.pk]))
    assert "请补充数据。" in detail.content.decode()


def test_audit_detail_shows_yes_and_no_for_flags(seeded, settings):
    from edu_portal.accounts import actions

    settings.LANGUAGE_CODE = "zh-hans"
    teacher = seeded["teacher"]
    actions.set_remote_access(seeded["chief"], teacher, True)
    entry = LogEntry.objects.get_for_object(teacher).order_by("-pk").first()
    client = _zh_client(seeded["chief"])
    detail = client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]))
    text = " ".join(_VisibleText.texts_of(detail.content.decode()))
    assert "远程访问 否 是" in text
    assert "李华" in text  # the person by name, not "User object (3)"
