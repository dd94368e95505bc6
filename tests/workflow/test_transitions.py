"""Each transition, allowed and refused per role, with its state rules and side effects."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from catalog.models import Resource
from edu_portal.workflow import transitions
from edu_portal.workflow.models import ReviewEvent, State

pytestmark = pytest.mark.django_db


def _state(resource) -> str:
    return Resource.objects.values_list("state", flat=True).get(pk=resource.pk)


def _act(action, actor, obj, comment="请补充教学目标。"):
    if action == "reopen":
        return transitions.reopen(actor, obj)
    return getattr(transitions, action)(actor, obj, comment)


# (action, starting state, resulting state, who may, who may not)
MATRIX = [
    (
        "submit",
        State.DRAFT,
        State.IN_REVIEW,
        ["teacher", "bureau_admin"],
        ["other_teacher", "school_admin", "school_reviewer", "reviewer", "student"],
    ),
    (
        "approve",
        State.IN_REVIEW,
        State.PUBLISHED,
        ["reviewer", "bureau_admin", "school_admin", "school_reviewer"],
        [
            "teacher",
            "other_teacher",
            "other_school_admin",
            "other_school_reviewer",
            "dept_editor",
            "review_only",
            "student",
        ],
    ),
    (
        "request_changes",
        State.IN_REVIEW,
        State.CHANGES_REQUESTED,
        ["reviewer", "bureau_admin", "review_only", "school_admin", "school_reviewer"],
        ["teacher", "other_teacher", "other_school_admin", "other_school_reviewer", "student"],
    ),
    (
        "withdraw",
        State.PUBLISHED,
        State.WITHDRAWN,
        ["teacher", "reviewer", "bureau_admin", "school_admin", "school_reviewer"],
        ["other_teacher", "other_school_admin", "other_school_reviewer", "student"],
    ),
    (
        "withdraw",
        State.IN_REVIEW,
        State.WITHDRAWN,
        ["teacher", "reviewer", "bureau_admin", "school_reviewer"],
        ["other_teacher", "other_school_reviewer", "dept_editor"],
    ),
    (
        "reopen",
        State.CHANGES_REQUESTED,
        State.DRAFT,
        ["teacher", "bureau_admin"],
        ["other_teacher", "school_admin", "school_reviewer", "reviewer", "student"],
    ),
    (
        "reopen",
        State.WITHDRAWN,
        State.DRAFT,
        ["teacher", "bureau_admin"],
        ["other_teacher", "reviewer"],
    ),
]

ALLOWED = [(a, s, t, who) for a, s, t, yes, _no in MATRIX for who in yes]
REFUSED = [(a, s, who) for a, s, _t, _yes, no in MATRIX for who in no]


@pytest.mark.parametrize(("action", "start", "end", "who"), ALLOWED)
def test_allowed(request, make_resource, action, start, end, who):
    actor = request.getfixturevalue(who)
    resource = make_resource(state=start)
    assert action in transitions.available_actions(actor, resource)

    _act(action, actor, resource)

    assert resource.state == end
    assert _state(resource) == end
    event = ReviewEvent.objects.get()
    assert (event.action, event.from_state, event.to_state) == (action, start, end)
    assert event.actor == actor
    assert event.object_id == str(resource.pk)
    assert event.target == resource


@pytest.mark.parametrize(("action", "start", "who"), REFUSED)
def test_refused(request, make_resource, action, start, who):
    actor = request.getfixturevalue(who)
    resource = make_resource(state=start)
    assert action not in transitions.available_actions(actor, resource)

    with pytest.raises(PermissionDenied) as refusal:
        _act(action, actor, resource)

    assert str(refusal.value).startswith("Only ")  # says who may
    assert _state(resource) == start
    assert not ReviewEvent.objects.exists()


def test_reviewer_without_publish_right_is_told_who_may(review_only, in_review):
    with pytest.raises(PermissionDenied, match="right to publish at 城南小学"):
        transitions.approve(review_only, in_review)
    assert transitions.available_actions(review_only, in_review) == [
        "request_changes",
        "withdraw",
    ]


def test_nobody_reviews_their_own_work(reviewer, school, make_resource):
    own = make_resource(state=State.IN_REVIEW, uploader=reviewer, org_unit=school)
    with pytest.raises(PermissionDenied):
        transitions.approve(reviewer, own)
    with pytest.raises(PermissionDenied):
        transitions.request_changes(reviewer, own, "自己审自己")
    assert _state(own) == State.IN_REVIEW


def test_bureau_admin_may_publish_own_work(bureau_admin, school, make_resource):
    """A one-person bureau must still be able to publish."""
    own = make_resource(state=State.IN_REVIEW, uploader=bureau_admin, org_unit=school)
    transitions.approve(bureau_admin, own)
    assert _state(own) == State.PUBLISHED


# --- state rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "start", "who"),
    [
        ("approve", State.DRAFT, "reviewer"),
        ("approve", State.PUBLISHED, "reviewer"),
        ("request_changes", State.CHANGES_REQUESTED, "reviewer"),
        ("withdraw", State.DRAFT, "teacher"),
        ("withdraw", State.WITHDRAWN, "teacher"),
        ("submit", State.IN_REVIEW, "teacher"),
        ("submit", State.PUBLISHED, "teacher"),
        ("reopen", State.DRAFT, "teacher"),
        ("reopen", State.PUBLISHED, "bureau_admin"),
    ],
)
def test_invalid_transitions(request, make_resource, action, start, who):
    actor = request.getfixturevalue(who)
    resource = make_resource(state=start)
    with pytest.raises(ValidationError) as error:
        _act(action, actor, resource)
    assert error.value.code == "invalid_transition"
    assert _state(resource) == start
    assert not ReviewEvent.objects.exists()


def test_strangers_are_not_told_the_state_of_a_draft(other_teacher, draft):
    with pytest.raises(PermissionDenied):
        transitions.approve(other_teacher, draft)


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_request_changes_needs_a_comment(reviewer, in_review, comment):
    with pytest.raises(ValidationError) as error:
        transitions.request_changes(reviewer, in_review, comment)
    assert error.value.code == "comment_required"
    assert "comment" in error.value.messages[0]
    assert _state(in_review) == State.IN_REVIEW


def test_overlong_comment_is_refused(reviewer, in_review):
    with pytest.raises(ValidationError) as error:
        transitions.request_changes(reviewer, in_review, "改" * 2001)
    assert error.value.code == "comment_too_long"


def test_deleted_resources_cannot_move(teacher, draft):
    from django.utils import timezone

    Resource.objects.filter(pk=draft.pk).update(deleted_at=timezone.now())
    draft.refresh_from_db()
    with pytest.raises(PermissionDenied):
        transitions.submit(teacher, draft)


# --- two reviewers at once -----------------------------------------------------------------


def test_second_decision_is_told_someone_else_decided(reviewer, bureau_admin, in_review):
    stale = Resource.objects.get(pk=in_review.pk)
    transitions.approve(reviewer, in_review)

    with pytest.raises(ValidationError) as error:
        transitions.request_changes(bureau_admin, stale, "退回")

    assert error.value.code == "state_changed"
    assert "Someone else has already decided" in error.value.messages[0]
    assert _state(in_review) == State.PUBLISHED
    assert list(ReviewEvent.objects.values_list("action", flat=True)) == ["approve"]


def test_state_changed_between_load_and_act(reviewer, in_review):
    Resource.objects.filter(pk=in_review.pk).update(state=State.WITHDRAWN)
    with pytest.raises(ValidationError) as error:
        transitions.approve(reviewer, in_review)  # still believes it is in review
    assert error.value.code == "state_changed"
    assert _state(in_review) == State.WITHDRAWN
    assert not ReviewEvent.objects.exists()
    assert not LogEntry.objects.filter(changes__icontains="published").exists()


# --- what each step writes -----------------------------------------------------------------


def test_submit_stamps_time_and_clears_old_comment(teacher, make_resource):
    resource = make_resource(state=State.CHANGES_REQUESTED, review_comment="请修改标题")
    transitions.submit(teacher, resource, "已按意见修改")
    resource.refresh_from_db()
    assert resource.state == State.IN_REVIEW
    assert resource.submitted_at is not None
    assert resource.review_comment == ""
    assert ReviewEvent.objects.get().comment == "已按意见修改"


def test_approve_sets_published_at(reviewer, in_review):
    assert in_review.published_at is None
    transitions.approve(reviewer, in_review, "很好")
    in_review.refresh_from_db()
    assert in_review.is_published
    assert in_review.published_at is not None
    assert in_review.review_comment == "很好"


def test_request_changes_keeps_the_comment_for_the_author(reviewer, in_review):
    transitions.request_changes(reviewer, in_review, "  请补充教学目标。 ")
    in_review.refresh_from_db()
    assert in_review.review_comment == "请补充教学目标。"
    event = ReviewEvent.objects.get()
    assert event.comment == "请补充教学目标。"
    assert event.actor == reviewer


def test_every_transition_is_audited(teacher, reviewer, draft):
    transitions.submit(teacher, draft)
    transitions.approve(reviewer, draft)

    entries = LogEntry.objects.get_for_object(draft).order_by("pk")
    states = [(entry.actor, entry.changes_dict.get("state")) for entry in entries]
    assert states == [
        (teacher, ["draft", "in_review"]),
        (reviewer, ["in_review", "published"]),
    ]
    events = ReviewEvent.objects.order_by("pk").values_list("action", "actor__username")
    assert list(events) == [("submit", "teacher_li"), ("approve", "reviewer_zhou")]


def test_full_cycle(teacher, reviewer, draft):
    transitions.submit(teacher, draft)
    transitions.request_changes(reviewer, draft, "请补充课后练习")
    transitions.submit(teacher, draft)
    transitions.approve(reviewer, draft)
    transitions.withdraw(teacher, draft)
    transitions.reopen(teacher, draft)
    transitions.submit(teacher, draft)
    assert _state(draft) == State.IN_REVIEW
    assert ReviewEvent.objects.count() == 7


def test_every_transition_reindexes(teacher, reviewer, draft, indexed):
    transitions.submit(teacher, draft)
    transitions.approve(reviewer, draft)
    assert indexed == [draft.pk, draft.pk]


def test_refusals_do_not_reindex(other_teacher, draft, indexed):
    with pytest.raises(PermissionDenied):
        transitions.submit(other_teacher, draft)
    assert indexed == []


def test_submit_works_inside_the_catalog_actions_transaction(teacher, draft):
    """catalog.actions.create_resource calls submit inside its own atomic block."""
    with transaction.atomic():
        transitions.submit(teacher, draft)
    assert _state(draft) == State.IN_REVIEW


def test_unregistered_models_are_refused(teacher):
    with pytest.raises(LookupError):
        transitions.submit(teacher, teacher)
