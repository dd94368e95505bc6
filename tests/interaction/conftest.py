"""People and helpers for the letter tests: the office (office_reviewer at the bureau, a
member of the office department), an editor of 教研室 and one of 督导室, a cheap challenge."""

from __future__ import annotations

import itertools

import pytest

from edu_portal.accounts import challenge
from edu_portal.accounts.roles import Role
from tests.people import make_user

_addresses = itertools.count(1)


@pytest.fixture(autouse=True)
def _letter_settings(settings, tmp_path):
    # A puzzle solved in milliseconds: the tests prove the check, not the cost.
    settings.LOGIN_CHALLENGE_COST = 1
    settings.LOGIN_CHALLENGE_MAX_NUMBER = 20
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_DIR = tmp_path / "sms"
    settings.LETTER_LOOKUPS_PER_HOUR = 1000
    # Look-up counts and used puzzles live in the cache: one of each test's own.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"letters-{tmp_path.name}",
        }
    }
    # Sentences are asserted in English (the site's default is Chinese).
    settings.LANGUAGE_CODE = "en"
    return settings


@pytest.fixture
def fresh_ip():
    """A client address of its own (look-up counts live in the shared cache)."""
    return lambda: f"10.77.{next(_addresses) // 250}.{next(_addresses) % 250 + 1}"


@pytest.fixture
def office(bureau, department):
    return make_user("office_zhao", Role.OFFICE_REVIEWER, bureau, email="zhao@bureau.test")


@pytest.fixture
def editor(department):
    return make_user("editor_qian", Role.DEPARTMENT_EDITOR, department, email="qian@bureau.test")


@pytest.fixture
def other_editor(other_department):
    return make_user("editor_sun", Role.DEPARTMENT_EDITOR, other_department)


def solved() -> str:
    return challenge.solve(challenge.create())


WRITER = {
    "name": "李明华",
    "phone": "13912345678",
    "email": "liminghua@example.com",
}


def letter_data(**overrides) -> dict:
    data = {
        "kind": "consultation",
        "subject": "小学入学需要哪些材料",
        "body": "我是李明华，孩子明年上小学，请问需要哪些材料？可致电13912345678。",
        "publish_consent": True,
        **WRITER,
    }
    data.update(overrides)
    return data


@pytest.fixture
def write_letter(client):
    """Submit through the public page as a browser would; returns the query code."""

    def write(**overrides) -> str:
        data = {**letter_data(**overrides), "altcha": solved()}
        if not data["publish_consent"]:
            data.pop("publish_consent")
        response = client.post("/letters/write/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        page = client.get(response["Location"])
        return page.context["code"]

    return write


@pytest.fixture
def eager(django_capture_on_commit_callbacks):
    """Run what actions queue after commit, Celery tasks inline: ``with eager(): ...``."""
    from edu_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield lambda: django_capture_on_commit_callbacks(execute=True)
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
