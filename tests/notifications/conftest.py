"""People and helpers for the notification centre tests."""

from __future__ import annotations

import pytest
from django.utils import translation

from edu_portal.accounts.roles import Role
from tests.people import make_user


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.LANGUAGE_CODE = "en"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_SITE_URL = "https://edu.example.cn"
    translation.activate("en")
    yield settings
    translation.deactivate()


@pytest.fixture
def eager_tasks():
    """Run queued Celery tasks in the calling process, errors propagating."""
    from edu_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run ``fn`` and then its on-commit callbacks, as a request would once it commits."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def reader(school):
    return make_user(
        "teacher_sun", Role.TEACHER, school, password="pw-Sun-2026!", email="sun@example.cn"
    )


@pytest.fixture
def other_reader(school):
    return make_user("teacher_qian", Role.TEACHER, school, password="pw-Qian-2026!")
