"""People, places and resources for the review workflow tests.

The tree::

    示范县教育局 (bureau: the office reviewer's role, bureau admin)
    ├── 教研室 (department: the office reviewer's membership; a department editor;
    │           reviews the 省级精品课 collection)
    ├── 城南小学 (school: two teachers, school admin, school reviewer, student)
    └── 实验初级中学 (another school: its admin, its reviewer, a teacher)
"""

from __future__ import annotations

import pytest
from django.utils import translation

from edu_portal.accounts import actions
from edu_portal.accounts.roles import Role
from tests.people import make_user


@pytest.fixture(autouse=True)
def _english(settings):
    """The assertions read the English messages (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_indexing(monkeypatch):
    """Record reindexing requests instead of queueing search tasks."""
    calls: list[int] = []
    monkeypatch.setattr("catalog.search.indexing.schedule_index", calls.append)
    return calls


@pytest.fixture
def indexed(_no_indexing):
    return _no_indexing


@pytest.fixture
def other_teacher(school):
    return make_user("teacher_zhao", Role.TEACHER, school)


@pytest.fixture
def school_admin(school):
    return make_user("head_chen", Role.SCHOOL_ADMIN, school)


@pytest.fixture
def school_reviewer(school):
    return make_user("reviewer_he", Role.SCHOOL_REVIEWER, school)


@pytest.fixture
def reviewer(bureau, department):
    """The office reviewer: a member of a department, the role held at the bureau root."""
    user = make_user("reviewer_zhou", unit=department)
    actions.assign_role(actions.SYSTEM, user, Role.OFFICE_REVIEWER, bureau)
    return user


@pytest.fixture
def dept_editor(department):
    return make_user("editor_liu", Role.DEPARTMENT_EDITOR, department)


@pytest.fixture
def other_school(bureau):
    from edu_portal.accounts.models import OrgUnit

    kind = OrgUnit.Kind.SCHOOL
    return actions.create_org_unit(actions.SYSTEM, bureau, kind, "实验初级中学", "t-school2")


@pytest.fixture
def other_school_admin(other_school):
    return make_user("head_wu", Role.SCHOOL_ADMIN, other_school)


@pytest.fixture
def other_school_reviewer(other_school):
    return make_user("reviewer_zheng", Role.SCHOOL_REVIEWER, other_school)


@pytest.fixture
def other_school_teacher(other_school):
    return make_user("teacher_sun", Role.TEACHER, other_school)


@pytest.fixture
def bureau_admin(bureau):
    return make_user("admin_sun", Role.BUREAU_ADMIN, bureau)


@pytest.fixture
def review_only(bureau, monkeypatch):
    """A department editor who has been given content.review but not content.publish."""
    from edu_portal.accounts import roles

    granted = roles.ROLE_PERMISSIONS[Role.DEPARTMENT_EDITOR] | {"content.review"}
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, Role.DEPARTMENT_EDITOR, granted)
    return make_user("editor_qian", Role.DEPARTMENT_EDITOR, bureau)


@pytest.fixture
def collection(department):
    from catalog.taxonomy import Collection

    return Collection.objects.create(slug="t-prov", name="省级精品课", review_unit=department)


@pytest.fixture
def make_resource(teacher):
    from catalog.models import Resource

    def make(state="draft", uploader=None, **fields):
        uploader = uploader or teacher
        fields.setdefault("title", "分数的初步认识")
        fields.setdefault("kind", "courseware")
        fields.setdefault("org_unit", uploader.org_unit)
        return Resource.objects.create(uploader=uploader, state=state, **fields)

    return make


@pytest.fixture
def draft(make_resource):
    return make_resource()


@pytest.fixture
def in_review(make_resource):
    from django.utils import timezone

    return make_resource(state="in_review", submitted_at=timezone.now())
