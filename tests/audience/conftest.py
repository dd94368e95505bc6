"""A school with grade units and classes, a first-grade pupil, and resources made directly
and indexed by the configured search backend (the database one here)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from catalog.models import Resource
from catalog.search import services
from catalog.taxonomy import stage_of_grade
from edu_portal.accounts import actions
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.roles import Role
from edu_portal.workflow.models import State
from tests.people import make_user

_serial = itertools.count(1)
PASSWORD = "Pupil-pass-2024"


@pytest.fixture(autouse=True)
def _reset_language():
    yield
    translation.deactivate()


def unit(parent, kind, name, code):
    return actions.create_org_unit(actions.SYSTEM, parent, kind, name, code)


@pytest.fixture
def grade_one(school):
    return unit(school, OrgUnit.Kind.GRADE, "一年级", "t-g1")


@pytest.fixture
def class_one(grade_one):
    return unit(grade_one, OrgUnit.Kind.CLASS, "一年级(1)班", "t-g1c1")


@pytest.fixture
def pupil(class_one):
    """A first-grader: the student role at a class of the 一年级 unit."""
    return make_user("pupil_xiao", Role.STUDENT, class_one, password=PASSWORD)


@pytest.fixture
def make_resource(teacher):
    """``make_resource(title, **fields)``: a published, indexed resource by the teacher."""

    def make(title: str, *, index: bool = True, **fields) -> Resource:
        fields.setdefault("state", State.PUBLISHED)
        fields.setdefault("visibility", "public")
        fields.setdefault("kind", Resource.Kind.COURSEWARE)
        fields.setdefault("status", Resource.Status.READY)
        age = fields.pop("age_days", 0)
        if fields["state"] == State.PUBLISHED:
            # Distinct times, so that "newest first" has one answer.
            fields.setdefault(
                "published_at", timezone.now() - timedelta(days=age, seconds=next(_serial))
            )
        if fields.get("grade") and not fields.get("stage"):
            fields["stage"] = stage_of_grade(fields["grade"])
        resource = Resource.objects.create(
            title=title, uploader=teacher, org_unit=teacher.org_unit, **fields
        )
        if index:
            services.update(resource.pk)
        return resource

    return make
