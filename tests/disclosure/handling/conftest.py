"""Handling tests: a fixed "today" (the clock counts from real 2026 dates), the object
store in a temporary directory, tasks run inline after commit, sentences in English.

People (tests/disclosure/conftest.py and here): ``office`` (office_reviewer at the bureau,
"disclosure.handle"), ``editor`` (department editor of 教研室, "disclosure.answer" there),
``other_editor`` (of 督导室)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from edu_portal.accounts.roles import Role
from edu_portal.disclosure import actions
from edu_portal.disclosure.models import Application
from tests.disclosure.conftest import application_data
from tests.people import make_user

D = dt.date
RECEIVED = D(2026, 11, 2)  # a Monday; 20 working days → due 2026-11-30


@pytest.fixture(autouse=True)
def _handling_settings(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DISCLOSURE_FEE_PERIOD_DAYS = 20
    settings.DISCLOSURE_CORRECTION_PERIOD_DAYS = 15
    settings.DISCLOSURE_REMIND_DAYS = 3
    settings.DISCLOSURE_LETTER_AUTHORITY = "示范县教育局"
    settings.DISCLOSURE_LETTER_PREFIX = "示教依复"
    return settings


class Today:
    """``timezone.localdate()`` answers ``day`` (set it with ``today.set(...)``)."""

    def __init__(self, monkeypatch, day: dt.date) -> None:
        self.day = day
        real = timezone.localdate

        def fake(value=None, timezone=None):
            return self.day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", fake)

    def set(self, day: dt.date) -> None:
        self.day = day


@pytest.fixture
def today(monkeypatch) -> Today:
    return Today(monkeypatch, D(2026, 11, 10))


@pytest.fixture
def eager(django_capture_on_commit_callbacks):
    """Run what actions queue after commit, Celery tasks inline: ``with eager(): ...``."""
    from edu_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield lambda: django_capture_on_commit_callbacks(execute=True)
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def other_editor(other_department):
    return make_user("editor_wu", Role.DEPARTMENT_EDITOR, other_department, email="wu@t.test")


@pytest.fixture
def teacher_user(school):
    return make_user("teacher_he", Role.TEACHER, school)


def register(office, received_on: dt.date = RECEIVED, **overrides) -> Application:
    data = application_data(**overrides)
    channel = data.pop("channel")
    data.pop("received_on")
    return actions.register(office, data, channel=channel, received_on=received_on)


@pytest.fixture
def application(office, today) -> Application:
    return register(office)
