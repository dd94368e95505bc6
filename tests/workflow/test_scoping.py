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


def test_department_reviewer_does_not_review_schools(dept_reviewer, in_review):
    with pytest.raises(PermissionDenied, match="城南小学"):
        transitions.approve(dept_reviewer, in_review)
    assert transitions.available_actions(dept_reviewer, in_review) == []


def test_collection_review_unit_decides(
    make_resource, collection, dept_reviewer, other_dept_reviewer, reviewer
):
    resource = make_resource(
        state=State.IN_REVIEW, submitted_at=timezone.now(), collection=collection
    )
    # another department: refused, and told which unit reviews it
    with pytest.raises(PermissionDenied, match="教研室"):
        transitions.approve(other_dept_reviewer, resource)
    # the bureau is above the department: allowed to decide too
    assert "approve" in transitions.available_actions(reviewer, resource)
    transitions.approve(dept_reviewer, resource)
    assert resource.state == State.PUBLISHED


def test_collection_without_review_unit_falls_back_to_the_resource_unit(
    make_resource, dept_reviewer, reviewer
):
    from catalog.taxonomy import Collection

    plain = Collection.objects.create(slug="t-plain", name="测试合集")
    resource = make_resource(state=State.IN_REVIEW, collection=plain)
    with pytest.raises(PermissionDenied):
        transitions.approve(dept_reviewer, resource)
    transitions.approve(reviewer, resource)


def test_queue_contents_per_user(
    make_resource,
    collection,
    teacher,
    other_teacher,
    student,
    school,
    reviewer,
    dept_reviewer,
    other_dept_reviewer,
    bureau_admin,
):
    school_item = make_resource(state=State.IN_REVIEW)
    collected = make_resource(state=State.IN_REVIEW, collection=collection)
    reviewers_own = make_resource(state=State.IN_REVIEW, uploader=reviewer, org_unit=school)
    make_resource(state=State.DRAFT)
    make_resource(state=State.PUBLISHED)
    make_resource(state=State.IN_REVIEW, deleted_at=timezone.now())

    assert _queue(reviewer) == {school_item.pk, collected.pk}
    assert _queue(dept_reviewer) == {collected.pk}
    assert _queue(other_dept_reviewer) == set()
    assert _queue(bureau_admin) == {school_item.pk, collected.pk, reviewers_own.pk}
    for nobody in (teacher, other_teacher, student):
        assert _queue(nobody) == set()


def test_queue_agrees_with_can_review(
    make_resource, collection, reviewer, dept_reviewer, other_dept_reviewer, review_only
):
    from catalog import policy
    from catalog.models import Resource

    make_resource(state=State.IN_REVIEW)
    make_resource(state=State.IN_REVIEW, collection=collection)
    for user in (reviewer, dept_reviewer, other_dept_reviewer, review_only):
        expected = {r.pk for r in Resource.objects.all() if policy.can_review(user, r)}
        assert _queue(user) == expected, user.username


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
