"""Who may review is scoped by org unit and by the collection's review unit; the queue
lists exactly what each reviewer may decide on; unpublished work stays hidden."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from catalog.policy import require_view
from edu_portal.workflow import registry, transitions
from edu_portal.workflow.models import State

pytestmark = pytest.mark.django_db


def _queue(user) -> set[int]:
    from catalog.models import Resource

    policy = registry.policy_for(Resource)
    return set(policy.review_queryset(user).values_list("pk", flat=True))


def test_another_schools_reviewers_do_not_review_this_school(
    other_school_reviewer, other_school_admin, in_review
):
    for outsider in (other_school_reviewer, other_school_admin):
        with pytest.raises(PermissionDenied, match="城南小学"):
            transitions.approve(outsider, in_review)
        assert transitions.available_actions(outsider, in_review) == []
    assert in_review.state == State.IN_REVIEW


@pytest.mark.parametrize("who", ["school_admin", "school_reviewer", "reviewer"])
def test_school_upload_goes_to_its_school_and_the_office(request, who, in_review):
    actor = request.getfixturevalue(who)
    assert {"approve", "request_changes"} <= set(transitions.available_actions(actor, in_review))
    transitions.approve(actor, in_review)
    assert in_review.state == State.PUBLISHED


def test_collection_review_unit_decides(
    make_resource, collection, school_admin, school_reviewer, reviewer
):
    """A bureau-wide collection (reviewed by 教研室): the school's own reviewers do not
    decide on it, the office (whose role is held at the bureau) does."""
    resource = make_resource(
        state=State.IN_REVIEW, submitted_at=timezone.now(), collection=collection
    )
    for school_side in (school_admin, school_reviewer):
        with pytest.raises(PermissionDenied, match="教研室"):
            transitions.approve(school_side, resource)
    transitions.approve(reviewer, resource)
    assert resource.state == State.PUBLISHED


def test_collection_without_review_unit_falls_back_to_the_resource_unit(
    make_resource, school_reviewer, other_school_reviewer
):
    from catalog.taxonomy import Collection

    plain = Collection.objects.create(slug="t-plain", name="测试合集")
    resource = make_resource(state=State.IN_REVIEW, collection=plain)
    with pytest.raises(PermissionDenied):
        transitions.approve(other_school_reviewer, resource)
    transitions.approve(school_reviewer, resource)


def test_department_upload_goes_to_the_office(make_resource, dept_editor, reviewer, school_admin):
    resource = make_resource(state=State.IN_REVIEW, uploader=dept_editor)
    assert resource.org_unit.name == "教研室"
    with pytest.raises(PermissionDenied):
        transitions.approve(school_admin, resource)
    transitions.approve(reviewer, resource)


def test_nobody_reviews_their_own_upload(make_resource, school_admin, school_reviewer):
    own = make_resource(state=State.IN_REVIEW, uploader=school_admin)
    with pytest.raises(PermissionDenied):
        transitions.approve(school_admin, own)
    transitions.approve(school_reviewer, own)  # a colleague at the school does


@pytest.fixture
def routed(
    make_resource, collection, school_admin, dept_editor, other_school_teacher, other_school
):
    """One item in review per route, keyed by name."""
    return {
        "school": make_resource(state=State.IN_REVIEW, title="城南课件"),
        "other_school": make_resource(
            state=State.IN_REVIEW, title="实验课件", uploader=other_school_teacher
        ),
        "collected": make_resource(state=State.IN_REVIEW, title="省级课件", collection=collection),
        "department": make_resource(state=State.IN_REVIEW, title="科室课件", uploader=dept_editor),
        "admins_own": make_resource(state=State.IN_REVIEW, title="校长课件", uploader=school_admin),
    }


EXPECTED_QUEUES = {
    "reviewer": {"school", "other_school", "collected", "department", "admins_own"},
    "bureau_admin": {"school", "other_school", "collected", "department", "admins_own"},
    "school_admin": {"school"},
    "school_reviewer": {"school", "admins_own"},
    "other_school_admin": {"other_school"},
    "other_school_reviewer": {"other_school"},
    "teacher": set(),
    "other_teacher": set(),
    "dept_editor": set(),
    "student": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED_QUEUES))
def test_queue_contents_per_user(request, routed, who):
    from catalog import policy
    from catalog.models import Resource

    user = request.getfixturevalue(who)
    make_draft = request.getfixturevalue("make_resource")
    make_draft(state=State.DRAFT)
    make_draft(state=State.PUBLISHED)
    make_draft(state=State.IN_REVIEW, deleted_at=timezone.now())
    names = {resource.pk: name for name, resource in routed.items()}

    assert {names[pk] for pk in _queue(user)} == EXPECTED_QUEUES[who]
    # the queue and the per-object rule agree
    waiting = Resource.objects.filter(state=State.IN_REVIEW, deleted_at__isnull=True)
    expected = {r.pk for r in waiting if policy.can_review(user, r)}
    assert _queue(user) == expected


def test_office_reviewer_role_is_held_at_the_bureau(department, bureau):
    from django.core.exceptions import ValidationError

    from edu_portal.accounts import actions
    from tests.people import make_user

    someone = make_user("someone", unit=department)
    with pytest.raises(ValidationError, match="Education bureau"):
        actions.assign_role(actions.SYSTEM, someone, "office_reviewer", department)
    actions.assign_role(actions.SYSTEM, someone, "office_reviewer", bureau)


@pytest.fixture
def intranet_request(intranet_settings):
    def make(user):
        request = RequestFactory().get("/resources/1/", REMOTE_ADDR="10.1.2.3")
        request.user = user
        return request

    return make


@pytest.mark.parametrize("start", [State.DRAFT, State.IN_REVIEW, State.CHANGES_REQUESTED])
def test_unpublished_resources_are_invisible_to_others(
    make_resource, intranet_request, other_teacher, student, teacher, reviewer, start
):
    resource = make_resource(state=start)
    for outsider in (other_teacher, student):
        with pytest.raises(Http404):  # "not found", like an id that does not exist
            require_view(intranet_request(outsider), resource)
    require_view(intranet_request(teacher), resource)  # the uploader sees it
    require_view(intranet_request(reviewer), resource)  # and so does its reviewer


def test_published_then_withdrawn(reviewer, teacher, in_review, other_teacher, intranet_request):
    transitions.approve(reviewer, in_review)
    require_view(intranet_request(other_teacher), in_review)
    transitions.withdraw(teacher, in_review)
    with pytest.raises(Http404):
        require_view(intranet_request(other_teacher), in_review)
