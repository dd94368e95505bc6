"""People, periodicals and helpers for the periodical tests.

示范县教育局 (bureau)
├── 教研室 (department: the editors of 教育研究 and 教育周刊, office reviewers held at
│           the bureau, as the role always is)
└── 城南小学 (school: two teachers, a student, a school reviewer who does not edit the
              periodicals)
"""

from __future__ import annotations

import pytest
from django.utils import translation

from edu_portal.accounts import actions
from edu_portal.accounts.roles import Role
from tests.people import make_user


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    translation.activate("en")
    yield settings
    translation.deactivate()


@pytest.fixture(autouse=True)
def indexed(monkeypatch):
    """Record reindexing requests instead of queueing search tasks."""
    calls: list[int] = []
    monkeypatch.setattr("catalog.search.indexing.schedule_index", calls.append)
    return calls


@pytest.fixture
def editor(bureau, department):
    user = make_user("editor_zhou", unit=department, email="zhou@example.cn")
    actions.assign_role(actions.SYSTEM, user, Role.OFFICE_REVIEWER, bureau)
    return user


@pytest.fixture
def other_editor(school):
    """A reviewer whose scope (a school) does not reach the periodicals' editorial unit."""
    return make_user("reviewer_zheng", Role.SCHOOL_REVIEWER, school)


@pytest.fixture
def author(teacher):
    teacher.email = "li@example.cn"
    teacher.save(update_fields=["email"])
    return teacher


@pytest.fixture
def other_teacher(school):
    return make_user("teacher_zhao", Role.TEACHER, school)


@pytest.fixture
def journal(department):
    from ebooks.periodicals.models import Periodical

    return Periodical.objects.create(
        slug="jiaoyu-yanjiu",
        name="教育研究",
        frequency=Periodical.Frequency.BIMONTHLY,
        description="县教研室主办的教学研究刊物。",
        editor_unit=department,
    )


@pytest.fixture
def weekly(department):
    from ebooks.periodicals.models import Periodical

    return Periodical.objects.create(
        slug="jiaoyu-zhoukan",
        name="教育周刊",
        frequency=Periodical.Frequency.WEEKLY,
        editor_unit=department,
        ordering=1,
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run ``fn`` and then its on-commit callbacks (signals, notifications), as a request
    would once its transaction commits."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def submitted(author, journal, committed):
    from ebooks.periodicals import actions as periodical_actions

    return committed(
        periodical_actions.submit_article,
        author,
        journal,
        title="小学数学分层作业的实践",
        abstract="分层作业的设计与评价。",
        body="<p>一、问题的提出</p><p>二、实践与反思</p>",
    )


@pytest.fixture
def accepted(submitted, editor, committed):
    from edu_portal.workflow import transitions

    return committed(transitions.approve, editor, submitted)


@pytest.fixture
def draft_issue(journal, editor):
    import datetime

    from ebooks.periodicals import actions as periodical_actions

    return periodical_actions.create_issue(
        editor, journal, volume=2026, number=6, date=datetime.date(2026, 11, 20)
    )
